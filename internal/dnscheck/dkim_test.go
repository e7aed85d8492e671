package dnscheck

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
)

// testKeys are DKIM public keys, base64 as published, generated once.
var testKeys = sync.OnceValue(func() map[string]string {
	keys := map[string]string{}
	for _, bits := range []int{1024, 2048} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			panic(err)
		}
		keys[fmt.Sprint("rsa", bits)] = base64.StdEncoding.EncodeToString(der)
		if bits == 1024 {
			keys["pkcs1"] = base64.StdEncoding.EncodeToString(x509.MarshalPKCS1PublicKey(&k.PublicKey))
		}
	}
	// A 512-bit key cannot be generated any more; a public key needs only
	// a modulus of that size.
	n := new(big.Int).Lsh(big.NewInt(1), 511)
	n.Add(n, big.NewInt(12345))
	der, err := x509.MarshalPKIXPublicKey(&rsa.PublicKey{N: n, E: 65537})
	if err != nil {
		panic(err)
	}
	keys["rsa512"] = base64.StdEncoding.EncodeToString(der)
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	keys["ed25519"] = base64.StdEncoding.EncodeToString(pub)
	return keys
})

// dkimZone publishes the test keys under selectors of example.com.
func dkimZone() string {
	k := testKeys()
	return fmt.Sprintf(`
s2048._domainkey.example.com.  TXT %s
s1024._domainkey.example.com.  TXT "v=DKIM1; k=rsa; p=%s"
s512._domainkey.example.com.   TXT "v=DKIM1; p=%s"
ed._domainkey.example.com.     TXT "v=DKIM1; k=ed25519; p=%s"
revoked._domainkey.example.com. TXT "v=DKIM1; k=rsa; p="
testing._domainkey.example.com. TXT "v=DKIM1; t=y; p=%s"
sha1._domainkey.example.com.   TXT "v=DKIM1; h=sha1; p=%s"
pkcs1._domainkey.example.com.  TXT "p=%s"
garbled._domainkey.example.com. TXT "v=DKIM1; p=bm90IGEga2V5"
notb64._domainkey.example.com. TXT "v=DKIM1; p=%%%%"
badver._domainkey.example.com. TXT "v=DKIM2; p=%s"
web._domainkey.example.com.    TXT "v=DKIM1; s=web; p=%s"
esp._domainkey.example.com.    CNAME s2048._domainkey.example.com.
`, quoteTXT(splitTXT("v=DKIM1; k=rsa; p="+k["rsa2048"])), k["rsa1024"], k["rsa512"], k["ed25519"], k["rsa2048"][:200]+" "+k["rsa2048"][200:],
		k["rsa2048"], k["pkcs1"], k["rsa2048"], k["rsa2048"])
}

func TestCheckDKIM(t *testing.T) {
	t.Parallel()
	c, _ := newChecker(t, dkimZone())
	s, err := c.newSession()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		selector string
		status   Status
		bits     int
		summary  string
		codes    []string
	}{
		{"s2048", StatusOK, 2048, "RSA 2048-bit key", nil},
		{"esp", StatusOK, 2048, "RSA 2048-bit key", nil},
		{"s1024", StatusWarning, 1024, "RSA 1024-bit key", []string{"dkim.key_short"}},
		{"s512", StatusError, 512, "RSA 512-bit key", []string{"dkim.key_too_short"}},
		{"ed", StatusOK, 256, "Ed25519 key", nil},
		{"revoked", StatusError, 0, "Revoked", []string{"dkim.revoked"}},
		{"testing", StatusWarning, 2048, "RSA 2048-bit key | testing (t=y)", []string{"dkim.testing"}},
		{"sha1", StatusWarning, 2048, "RSA 2048-bit key", []string{"dkim.sha1_only"}},
		{"pkcs1", StatusWarning, 1024, "RSA 1024-bit key", []string{"dkim.key_short"}},
		{"garbled", StatusError, 0, "", []string{"dkim.bad_key"}},
		{"notb64", StatusError, 0, "", []string{"dkim.bad_key"}},
		{"badver", StatusError, 2048, "RSA 2048-bit key", []string{"dkim.version"}},
		{"web", StatusError, 2048, "RSA 2048-bit key", []string{"dkim.service"}},
		{"google", StatusError, 0, "", []string{"dkim.selector_missing"}},
	}
	var sels []string
	for _, tc := range tests {
		sels = append(sels, tc.selector)
	}
	got := s.checkDKIM(context.Background(), "example.com", sels)
	if len(got) != len(tests) {
		t.Fatalf("%d checks for %d selectors", len(got), len(tests))
	}
	for i, tc := range tests {
		g := got[i]
		bits := 0
		if g.Key != nil {
			bits = g.Key.Bits
		}
		if g.Selector != tc.selector || g.Name != tc.selector+"._domainkey.example.com" || g.Status != tc.status || bits != tc.bits || g.Summary != tc.summary {
			t.Errorf("%s: %s %s, %d bits, %q; want %s, %d, %q", tc.selector, g.Name, g.Status, bits, g.Summary, tc.status, tc.bits, tc.summary)
		}
		wantCodes(t, tc.selector, g.Findings, tc.codes...)
	}
	missing := got[len(got)-1]
	if missing.Findings[0].Message != "Selector 'google' not found" || !strings.Contains(missing.Findings[0].Fix, "Expected: google._domainkey.example.com") {
		t.Errorf("missing selector finding %+v", missing.Findings[0])
	}
	testing := got[6]
	if !strings.Contains(testing.Findings[0].Fix, "v=DKIM1; p=") || strings.Contains(testing.Findings[0].Fix, "t=y") {
		t.Errorf("testing fix %q", testing.Findings[0].Fix)
	}

	none := s.checkDKIM(context.Background(), "example.com", nil)
	if len(none) != 1 || none[0].Status != StatusInfo || none[0].Findings[0].Code != "dkim.no_selectors" {
		t.Errorf("no selectors: %+v", none)
	}
}

func TestParseDKIMKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		txt   string
		nil   bool
		codes []string
	}{
		{"v=DKIM1; p=", false, nil},
		{"v=DKIM1; k=dsa; p=" + testKeys()["ed25519"], false, []string{"dkim.key_type"}},
		{"v=DKIM1; k=ed25519; p=" + testKeys()["rsa1024"], false, []string{"dkim.bad_key"}},
		{"k=rsa; v=DKIM1; p=", false, []string{"dkim.version"}},
		{"v=DKIM1; k=rsa", false, []string{"dkim.no_key"}},
		{"v=DKIM1; p=a; p=b", true, []string{"dkim.syntax"}},
		{"v=DKIM1 p=abc", true, []string{"dkim.syntax"}},
	}
	for _, tc := range tests {
		k, fs := ParseDKIMKey(tc.txt)
		if (k == nil) != tc.nil {
			t.Errorf("%.40s: key %v", tc.txt, k)
		}
		wantCodes(t, tc.txt[:min(len(tc.txt), 40)], fs, tc.codes...)
	}
}
