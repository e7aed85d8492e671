package secretbox

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	b, err := New(newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	ad := []byte("channel secrets")
	for _, plain := range [][]byte{nil, []byte("x"), []byte(`{"url":"https://hooks.slack.com/services/T0/B0/XXX"}`), bytes.Repeat([]byte{0}, 5000)} {
		s1, err := b.Seal(plain, ad)
		if err != nil {
			t.Fatal(err)
		}
		s2, _ := b.Seal(plain, ad)
		if s1 == s2 {
			t.Errorf("two seals of %q are equal: the nonce repeats", plain)
		}
		if !strings.HasPrefix(s1, "sb1."+b.KeyID()+".") || !b.Current(s1) || SealedKeyID(s1) != b.KeyID() {
			t.Errorf("sealed %q does not name key %s", s1, b.KeyID())
		}
		if len(plain) > 8 && strings.Contains(s1, string(plain)) {
			t.Errorf("sealed value holds the plaintext")
		}
		got, err := b.Open(s1, ad)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("open: %q, %v; want %q", got, err, plain)
		}
		if _, err := b.Open(s1, []byte("other purpose")); !errors.Is(err, ErrCorrupt) {
			t.Errorf("open with other associated data: %v, want ErrCorrupt", err)
		}
	}
}

func TestOpenTampered(t *testing.T) {
	b, _ := New(newKey(t))
	s, _ := b.Seal([]byte("secret"), nil)
	raw := []byte(s)
	raw[len(raw)-3] ^= 1 // a base64 digit of the tag
	for _, bad := range []string{string(raw), s[:len(s)-4], "", "sb1", "sb1..", "sb2." + s[4:], "sb1." + b.KeyID() + ".!!!!", "sb1." + b.KeyID() + ".AAAA"} {
		if _, err := b.Open(bad, nil); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Open(%q): %v, want ErrCorrupt", bad, err)
		}
	}
}

// TestRotation: a new key seals; the old one, listed as old, opens what it
// sealed; without it those values are ErrUnknownKey.
func TestRotation(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	b1, _ := New(k1)
	s, _ := b1.Seal([]byte("before"), nil)
	b2, err := New(k2, k1)
	if err != nil {
		t.Fatal(err)
	}
	if b2.Current(s) {
		t.Error("a value of the old key counts as current")
	}
	if got, err := b2.Open(s, nil); err != nil || string(got) != "before" {
		t.Errorf("open with the old key listed: %q, %v", got, err)
	}
	resealed, _ := b2.Seal([]byte("before"), nil)
	if !b2.Current(resealed) {
		t.Error("resealed value is not current")
	}
	b3, _ := New(k2)
	if _, err := b3.Open(s, nil); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("open without the old key: %v, want ErrUnknownKey", err)
	}
	if _, err := New(k1, k1); err == nil {
		t.Error("a key given twice was accepted")
	}
	if _, err := New(k1[:16]); err == nil {
		t.Error("a 16-byte key was accepted")
	}
}

func TestNilBox(t *testing.T) {
	var b *Box
	if _, err := b.Seal([]byte("x"), nil); !errors.Is(err, ErrNoKey) {
		t.Errorf("Seal: %v", err)
	}
	if _, err := b.Open("sb1.00000000.AAAA", nil); !errors.Is(err, ErrNoKey) {
		t.Errorf("Open: %v", err)
	}
	if b.KeyID() != "" || b.Current("sb1.x.y") {
		t.Error("a nil box has a key")
	}
}

func TestParseKey(t *testing.T) {
	k := newKey(t)
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(k), base64.URLEncoding.EncodeToString(k),
		base64.RawStdEncoding.EncodeToString(k), base64.RawURLEncoding.EncodeToString(k),
		hex.EncodeToString(k), " " + base64.StdEncoding.EncodeToString(k) + "\n",
	} {
		got, err := ParseKey(s)
		if err != nil || !bytes.Equal(got, k) {
			t.Errorf("ParseKey(%q): %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "short", base64.StdEncoding.EncodeToString(k[:31]), hex.EncodeToString(k)[:63] + "g"} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
}

func TestFromEnv(t *testing.T) {
	k1, k2 := newKey(t), newKey(t)
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString(k2)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name    string
		env     map[string]string
		wantID  string // "" for no box
		wantErr bool
	}{
		{"none", nil, "", false},
		{"key", map[string]string{EnvKey: b64(k1)}, KeyID(k1), false},
		{"file", map[string]string{EnvKeyFile: file}, KeyID(k2), false},
		{"key before file", map[string]string{EnvKey: b64(k1), EnvKeyFile: file}, KeyID(k1), false},
		{"old keys", map[string]string{EnvKey: b64(k1), EnvOldKeys: b64(k2) + ", "}, KeyID(k1), false},
		{"old without current", map[string]string{EnvOldKeys: b64(k2)}, "", true},
		{"bad key", map[string]string{EnvKey: "secret"}, "", true},
		{"bad old key", map[string]string{EnvKey: b64(k1), EnvOldKeys: "x"}, "", true},
		{"missing file", map[string]string{EnvKeyFile: file + ".missing"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := FromEnv(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr || b.KeyID() != tt.wantID {
				t.Fatalf("FromEnv: key id %q, %v; want %q, error %v", b.KeyID(), err, tt.wantID, tt.wantErr)
			}
		})
	}
}

// FuzzOpen: Open never panics and accepts only what was sealed.
func FuzzOpen(f *testing.F) {
	key := bytes.Repeat([]byte{7}, KeySize)
	b, _ := New(key)
	s, _ := b.Seal([]byte("secret"), nil)
	f.Add(s)
	f.Add("sb1." + b.KeyID() + ".")
	f.Add("sb1.x.y")
	f.Fuzz(func(t *testing.T, sealed string) {
		got, err := b.Open(sealed, nil)
		// Seeds come from other processes, with other nonces: any value
		// this key sealed opens, and only "secret" was sealed.
		if err == nil && (string(got) != "secret" || !b.Current(sealed)) {
			t.Fatalf("Open(%q) = %q, accepted", sealed, got)
		}
	})
}
