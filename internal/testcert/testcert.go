// Package testcert makes self-signed TLS certificates for tests that run
// real TLS peers on loopback (IMAP, SMTP, the HTTPS of MTA-STS policies).
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"testing"
	"time"
)

// Cert is a self-signed certificate, in the forms servers and clients
// take it.
type Cert struct {
	TLS     tls.Certificate // for a tls.Config, with its Leaf
	CertPEM []byte          // the certificate, PEM encoded
	KeyPEM  []byte          // its private key, PEM encoded PKCS #8
	Pool    *x509.CertPool  // trusts the certificate alone
}

// New makes an ECDSA P-256 certificate for names (DNS names; default
// localhost) and 127.0.0.1, valid from an hour ago for a day.
func New(t testing.TB, names ...string) *Cert {
	t.Helper()
	if len(names) == 0 {
		names = []string{"localhost"}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: names[0]},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              names,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c := &Cert{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		Pool:    x509.NewCertPool(),
	}
	if c.TLS, err = tls.X509KeyPair(c.CertPEM, c.KeyPEM); err != nil {
		t.Fatal(err)
	}
	if c.TLS.Leaf, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	c.Pool.AddCert(c.TLS.Leaf)
	return c
}
