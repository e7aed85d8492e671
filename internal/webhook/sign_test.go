package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSignVector checks Sign against a value computed independently:
// python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test",b"1732789800.{\"event\":\"ping\"}",hashlib.sha256).hexdigest())'
func TestSignVector(t *testing.T) {
	got := Sign([]byte("whsec_test"), 1732789800, []byte(`{"event":"ping"}`))
	want := "sha256=" + signVector
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"id":"evt_1","event":"ping","timestamp":"2025-11-28T10:30:00Z","data":{}}`)
	now := time.Unix(1732789800, 0)
	signed := func(at time.Time) http.Header {
		h := http.Header{}
		SignRequest(h, secret, at, body)
		return h
	}
	tests := []struct {
		name   string
		secret []byte
		h      http.Header
		body   []byte
		want   error
	}{
		{"ok", secret, signed(now), body, nil},
		{"ok within tolerance", secret, signed(now.Add(-4 * time.Minute)), body, nil},
		{"clock ahead within tolerance", secret, signed(now.Add(4 * time.Minute)), body, nil},
		{"other secret", []byte("other"), signed(now), body, ErrBadSignature},
		{"body changed", secret, signed(now), append([]byte(" "), body...), ErrBadSignature},
		{"old", secret, signed(now.Add(-6 * time.Minute)), body, ErrStale},
		{"future", secret, signed(now.Add(6 * time.Minute)), body, ErrStale},
		{"no headers", secret, http.Header{}, body, ErrNoSignature},
		{"timestamp replaced", secret, func() http.Header {
			h := signed(now.Add(-time.Hour))
			h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
			return h
		}(), body, ErrBadSignature},
		{"no prefix", secret, func() http.Header {
			h := signed(now)
			h.Set(HeaderSignature, strings.TrimPrefix(h.Get(HeaderSignature), "sha256="))
			return h
		}(), body, ErrBadSignature},
		{"bad timestamp", secret, func() http.Header {
			h := signed(now)
			h.Set(HeaderTimestamp, "soon")
			return h
		}(), body, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.h, tt.body, now, 0)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("Verify: %v, want %v", err, tt.want)
			}
		})
	}
}

// FuzzVerify: Verify never panics and accepts only the signed headers.
func FuzzVerify(f *testing.F) {
	secret, body := []byte("k"), []byte("{}")
	now := time.Unix(1732789800, 0)
	good := Sign(secret, now.Unix(), body)
	f.Add(strconv.FormatInt(now.Unix(), 10), good, body)
	f.Add("", "", []byte(nil))
	f.Add("-9223372036854775808", "sha256=", []byte("x"))
	f.Fuzz(func(t *testing.T, ts, sig string, b []byte) {
		h := http.Header{}
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		if err := Verify(secret, h, b, now, time.Hour); err == nil {
			n, _ := strconv.ParseInt(ts, 10, 64)
			if sig != Sign(secret, n, b) {
				t.Fatalf("accepted %q %q %q", ts, sig, b)
			}
		}
	})
}

// signVector is the HMAC of TestSignVector, computed by Python's hmac.
const signVector = "18b4ef5e8feceba3f39e57e7a9982fa086cd374f11cc27dfb0d324c497db59f0"
