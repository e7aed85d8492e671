package dnscheck

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
)

// RSA key sizes (RFC 8301 §3.2: verifiers MUST NOT accept keys under 1024
// bits; signers SHOULD use at least 2048).
const (
	dkimMinRSABits  = 1024
	dkimGoodRSABits = 2048
)

// DKIMKey is a parsed DKIM key record (RFC 6376 §3.6.1; Ed25519 keys RFC
// 8463).
type DKIMKey struct {
	Tags []Tag `json:"tags"`
	// KeyType is k: "rsa" (the default) or "ed25519".
	KeyType string `json:"key_type"`
	// Bits is the RSA modulus size, or 256 for Ed25519; 0 when the key is
	// revoked or unreadable.
	Bits int `json:"bits"`
	// Revoked is true when p= is empty (§3.6.1).
	Revoked bool `json:"revoked"`
	// Testing is true for t=y: verifiers may treat failures as unsigned.
	Testing bool `json:"testing"`
	// HashAlgorithms is h= (empty: any).
	HashAlgorithms []string `json:"hash_algorithms,omitempty"`
	// Services is s= (empty: all).
	Services []string `json:"services,omitempty"`
}

// DKIMCheck is the outcome of checking one selector's key.
type DKIMCheck struct {
	RecordCheck
	Selector string   `json:"selector"`
	Key      *DKIMKey `json:"key,omitempty"`
}

// ParseDKIMKey parses a DKIM key record and its public key. Problems are
// findings; the key is nil when the record is not a usable tag-list.
func ParseDKIMKey(txt string) (*DKIMKey, []Finding) {
	var rc RecordCheck
	tags, problems := parseTags(txt)
	for _, p := range problems {
		rc.add(SeverityError, "dkim.syntax", "Syntax error: "+p+"; verifiers reject the whole key record (RFC 6376 §3.2).", "")
	}
	if len(problems) > 0 {
		return nil, rc.Findings
	}
	k := &DKIMKey{Tags: tags, KeyType: "rsa"}
	if v, ok := tagValue(tags, "v"); ok && (v != "DKIM1" || tags[0].Name != "v") {
		rc.add(SeverityError, "dkim.version", fmt.Sprintf("v=%s: the version must be v=DKIM1 and come first (RFC 6376 §3.6.1); verifiers ignore the key.", v),
			"Publish: "+joinTags(append([]Tag{{"v", "DKIM1"}}, withoutTags(tags, func(t Tag) bool { return t.Name == "v" })...)))
	}
	if kt, ok := tagValue(tags, "k"); ok {
		k.KeyType = strings.ToLower(kt)
	}
	if h, ok := tagValue(tags, "h"); ok {
		k.HashAlgorithms = splitColon(h)
	}
	if s, ok := tagValue(tags, "s"); ok {
		k.Services = splitColon(s)
		if !containsAny(k.Services, "*", "email") {
			rc.add(SeverityError, "dkim.service", fmt.Sprintf("s=%s: the key is not for email (s=* or s=email), so verifiers do not use it.", s), "Remove s=.")
		}
	}
	if t, ok := tagValue(tags, "t"); ok {
		k.Testing = containsAny(splitColon(t), "y")
	}
	p, ok := tagValue(tags, "p")
	switch {
	case !ok:
		rc.add(SeverityError, "dkim.no_key", "The record has no p= (public key), which it requires (RFC 6376 §3.6.1).", "")
		return k, rc.Findings
	case strings.Trim(p, " \t\r\n") == "":
		k.Revoked = true
		return k, rc.Findings
	}
	der, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, p))
	if err != nil {
		rc.add(SeverityError, "dkim.bad_key", fmt.Sprintf("p= is not valid base64 (%v), so signatures cannot be verified.", err), "Publish the key again, as your mail provider gives it.")
		return k, rc.Findings
	}
	switch k.KeyType {
	case "rsa":
		pub, err := parseRSAKey(der)
		if err != nil {
			rc.add(SeverityError, "dkim.bad_key", fmt.Sprintf("p= is not an RSA public key (%v), so signatures cannot be verified.", err), "Publish the key again, as your mail provider gives it.")
			return k, rc.Findings
		}
		k.Bits = pub.N.BitLen()
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			rc.add(SeverityError, "dkim.bad_key", fmt.Sprintf("p= holds %d bytes, not the %d of an Ed25519 public key (RFC 8463 §4), so signatures cannot be verified.", len(der), ed25519.PublicKeySize), "Publish the key again, as your mail provider gives it.")
			return k, rc.Findings
		}
		k.Bits = 256
	default:
		rc.add(SeverityError, "dkim.key_type", fmt.Sprintf("k=%s is not a key type verifiers know (rsa, ed25519).", k.KeyType), "")
	}
	return k, rc.Findings
}

// parseRSAKey reads an RSA public key: SubjectPublicKeyInfo, as keys are
// published in practice, or a bare RSAPublicKey (RFC 6376 §3.6.1's text).
func parseRSAKey(der []byte) (*rsa.PublicKey, error) {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err == nil {
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("a %T", pub)
		}
		return rk, nil
	}
	rk, err2 := x509.ParsePKCS1PublicKey(der)
	if err2 != nil {
		return nil, err
	}
	return rk, nil
}

func splitColon(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ":") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func containsAny(list []string, want ...string) bool {
	for _, l := range list {
		for _, w := range want {
			if l == w {
				return true
			}
		}
	}
	return false
}

// checkDKIM checks the key of each selector.
func (s *session) checkDKIM(ctx context.Context, domain string, selectors []string) []DKIMCheck {
	if len(selectors) == 0 {
		c := DKIMCheck{RecordCheck: RecordCheck{Kind: KindDKIM}}
		c.add(SeverityInfo, "dkim.no_selectors", "Not checked: DKIM keys cannot be found without their selector names.",
			"Give the selectors your senders sign with (the s= of their DKIM-Signature headers; e.g. google, selector1, s1, k1).")
		c.finish(true)
		c.Status = StatusInfo
		return []DKIMCheck{c}
	}
	var out []DKIMCheck
	for _, sel := range selectors {
		out = append(out, s.checkSelector(ctx, domain, strings.ToLower(strings.TrimSpace(sel))))
	}
	return out
}

// checkSelector checks the key at <selector>._domainkey.<domain>.
func (s *session) checkSelector(ctx context.Context, domain, sel string) DKIMCheck {
	name := sel + "._domainkey." + domain
	c := DKIMCheck{RecordCheck: RecordCheck{Kind: KindDKIM, Name: name}, Selector: sel}
	if !validDomain(name) {
		c.add(SeverityError, "dkim.bad_selector", fmt.Sprintf("%q is not a valid selector.", sel), "")
		c.finish(false)
		return c
	}
	recs, a := s.txt(ctx, name)
	var keys []string
	for _, r := range recs {
		if strings.Contains(r.text, "p=") || strings.Contains(r.text, "DKIM1") {
			keys = append(keys, r.text)
		}
	}
	c.Records = keys
	switch {
	case a.err != nil:
		c.lookupFailed(name, a.err)
		c.finish(false)
		return c
	case len(keys) == 0:
		c.add(SeverityError, "dkim.selector_missing", fmt.Sprintf("Selector '%s' not found", sel),
			"Expected: "+name+" (publish the public key your mail provider gives, as a TXT record or the CNAME it asks for)")
		c.finish(false)
		return c
	case len(keys) > 1:
		c.add(SeverityError, "dkim.multiple", fmt.Sprintf("%d key records at %s: verifiers may pick either, so signatures fail at random.", len(keys), name), "Keep one record.")
	}
	k, findings := ParseDKIMKey(keys[0])
	c.Key = k
	c.Findings = append(c.Findings, findings...)
	if k != nil {
		c.Findings = append(c.Findings, dkimAdvice(k)...)
		c.Summary = dkimSummary(k)
	}
	c.finish(true)
	return c
}

// dkimAdvice returns the findings about a readable key.
func dkimAdvice(k *DKIMKey) []Finding {
	var rc RecordCheck
	switch {
	case k.Revoked:
		rc.add(SeverityError, "dkim.revoked", "The key is revoked (empty p=): signatures with this selector fail.",
			"If the selector is still used, publish its public key; otherwise stop signing with it and remove the record.")
	case k.KeyType == "rsa" && k.Bits > 0 && k.Bits < dkimMinRSABits:
		rc.add(SeverityError, "dkim.key_too_short", fmt.Sprintf("The RSA key has %d bits: verifiers reject keys under %d bits (RFC 8301 §3.2).", k.Bits, dkimMinRSABits),
			fmt.Sprintf("Generate a %d-bit key, publish it under a new selector and sign with it.", dkimGoodRSABits))
	case k.KeyType == "rsa" && k.Bits > 0 && k.Bits < dkimGoodRSABits:
		rc.add(SeverityWarning, "dkim.key_short", fmt.Sprintf("The RSA key has %d bits; RFC 8301 §3.2 recommends at least %d.", k.Bits, dkimGoodRSABits),
			fmt.Sprintf("Generate a %d-bit key, publish it under a new selector and sign with it.", dkimGoodRSABits))
	}
	if k.Testing && !k.Revoked {
		rc.add(SeverityWarning, "dkim.testing", "t=y: the key is in testing mode, and verifiers may treat its signatures as absent.",
			"When signing works, publish: "+joinTags(withoutTags(k.Tags, func(t Tag) bool { return t.Name == "t" })))
	}
	if len(k.HashAlgorithms) > 0 && !containsAny(k.HashAlgorithms, "sha256") {
		rc.add(SeverityWarning, "dkim.sha1_only", fmt.Sprintf("h=%s: the key allows no SHA-256 signatures; SHA-1 ones must not be accepted (RFC 8301 §3.1).", strings.Join(k.HashAlgorithms, ":")),
			"Remove h= (or write h=sha256) and sign with rsa-sha256.")
	}
	return rc.Findings
}

// dkimSummary is the one-line description of a key.
func dkimSummary(k *DKIMKey) string {
	switch {
	case k.Revoked:
		return "Revoked"
	case k.Bits == 0:
		return ""
	}
	s := fmt.Sprintf("RSA %d-bit key", k.Bits)
	if k.KeyType == "ed25519" {
		s = "Ed25519 key"
	}
	if k.Testing {
		s += " | testing (t=y)"
	}
	return s
}
