package imapsource

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
)

func TestTLS(t *testing.T) {
	testTLS(t, newMemEnv(t, memOptions{}))
}

// testTLS imports one mail over implicit TLS and over STARTTLS, and checks
// that certificates are verified.
func testTLS(t *testing.T, e *imapEnv) {
	ctx := context.Background()
	mails := testMails(t)[:1]
	for _, tc := range []struct {
		name    string
		mode    Mode
		roots   *x509.CertPool
		skip    bool
		wantErr bool
	}{
		{"tls", TLS, e.roots, false, false},
		{"starttls", STARTTLS, e.roots, false, false},
		{"tls untrusted", TLS, nil, false, true},
		{"starttls untrusted", STARTTLS, x509.NewCertPool(), false, true},
		{"tls insecure", TLS, nil, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user, pass := e.mailbox(t, mails)
			a := e.account(user, pass)
			a.TLS, a.RootCAs, a.InsecureSkipVerify = tc.mode, tc.roots, tc.skip
			if tc.mode == TLS {
				a.Addr = e.tlsAddr
			}
			st := openStore(t)
			f := &Fetcher{Account: a, Importer: &ingest.Importer{Store: st}, Tracker: &memTracker{}}
			res, err := f.FetchOnce(ctx)
			if tc.wantErr {
				var uerr x509.UnknownAuthorityError
				if !errors.As(err, &uerr) {
					t.Fatalf("FetchOnce: %v, want an unknown authority error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Imported != 1 {
				t.Errorf("result %+v, want one report", res)
			}
		})
	}
}

// TestStartTLSRefused checks that STARTTLS against a server without it
// fails instead of going on in clear text.
func TestStartTLSRefused(t *testing.T) {
	e := newMemEnv(t, memOptions{noTLS: true})
	user, pass := e.addUser(t)
	a := e.account(user, pass)
	a.TLS = STARTTLS
	logger, logs := testLog()
	f := &Fetcher{Account: a, Importer: &ingest.Importer{Store: openStore(t)}, Tracker: &memTracker{}, Log: logger}
	if _, err := f.FetchOnce(context.Background()); err == nil {
		t.Fatal("FetchOnce succeeded without STARTTLS")
	}
	if strings.Contains(e.debug.String(), pass) || strings.Contains(logs.String(), pass) {
		t.Error("password sent in clear text or logged")
	}
}

func TestLoginFailure(t *testing.T) {
	testLoginFailure(t, newMemEnv(t, memOptions{}))
}

func testLoginFailure(t *testing.T, e *imapEnv) {
	user, _ := e.addUser(t)
	const wrong = "wrong-password-1234"
	logger, logs := testLog()
	f := &Fetcher{Account: e.account(user, wrong), Importer: &ingest.Importer{Store: openStore(t)}, Tracker: &memTracker{}, Log: logger}
	_, err := f.FetchOnce(context.Background())
	if !errors.Is(err, ErrLogin) {
		t.Fatalf("FetchOnce: %v, want ErrLogin", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error %q holds the password", err)
	}
	f.Log.Info("account", "account", f.Account)
	if strings.Contains(logs.String(), wrong) {
		t.Errorf("password logged: %s", logs)
	}
	for _, s := range []string{fmt.Sprint(f.Account), fmt.Sprintf("%+v", f.Account)} {
		if strings.Contains(s, wrong) {
			t.Errorf("password printed: %s", s)
		}
	}
}
