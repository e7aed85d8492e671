package secretbox

import (
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// Errors of Seal and Open; test for them with errors.Is.
var (
	// ErrNoKey means no key is configured: secrets cannot be sealed, or
	// opened.
	ErrNoKey = errors.New("no secret key is configured: set PARSE_DMARC_SECRET_KEY (or PARSE_DMARC_SECRET_KEY_FILE) to 32 random bytes in base64, such as the output of openssl rand -base64 32")
	// ErrUnknownKey means a value was sealed by a key the Box does not
	// have: the key changed and the old one is not in
	// PARSE_DMARC_SECRET_KEY_OLD.
	ErrUnknownKey = errors.New("sealed by a key that is not configured")
	// ErrCorrupt means a sealed value is malformed or fails
	// authentication: it was changed, or sealed for another purpose.
	ErrCorrupt = errors.New("sealed value is corrupt or was changed")
)

// KeySize is the size of a key in bytes.
const KeySize = chacha20poly1305.KeySize

// prefix starts every sealed value and names its format, so that a later
// format can be told apart.
const prefix = "sb1"

// Box seals and opens secrets. A nil *Box has no key: Seal and Open fail
// with ErrNoKey. A Box is safe for concurrent use.
type Box struct {
	primary string // the id of the key that seals
	keys    map[string]cipher.AEAD
}

// New returns a Box that seals with key and opens what key or any of old
// sealed. Every key is KeySize bytes.
func New(key []byte, old ...[]byte) (*Box, error) {
	b := &Box{keys: map[string]cipher.AEAD{}}
	for i, k := range append([][]byte{key}, old...) {
		aead, err := chacha20poly1305.NewX(k)
		if err != nil {
			return nil, fmt.Errorf("secret key %d: want %d bytes, have %d", i+1, KeySize, len(k))
		}
		id := KeyID(k)
		if _, dup := b.keys[id]; dup {
			return nil, fmt.Errorf("secret key %d is given twice (key id %s)", i+1, id)
		}
		b.keys[id] = aead
		if i == 0 {
			b.primary = id
		}
	}
	return b, nil
}

// KeyID is the id a key's sealed values carry: the first 4 bytes of a
// SHA-256 of the key, in hex. It tells keys apart without revealing them.
func KeyID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("parse-dmarc secretbox key id\x00"))
	h.Write(key)
	return hex.EncodeToString(h.Sum(nil)[:4])
}

// ParseKey decodes a key written as standard or URL-safe base64 (padded or
// not) or as hex.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("the key is %d bytes, want %d (openssl rand -base64 32)", len(k), KeySize)
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("the key is neither base64 nor hex of %d bytes (openssl rand -base64 32)", KeySize)
}

// KeyID returns the id of the key b seals with, "" for a nil Box.
func (b *Box) KeyID() string {
	if b == nil {
		return ""
	}
	return b.primary
}

// Seal encrypts plaintext with b's key, bound to ad (associated data
// naming the purpose, such as "channel secrets"), and returns the sealed
// value: "sb1.KEYID.BASE64" with the nonce and ciphertext in URL-safe
// base64, text any column holds.
func (b *Box) Seal(plaintext, ad []byte) (string, error) {
	if b == nil {
		return "", ErrNoKey
	}
	aead := b.keys[b.primary]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: nonce: %w", err)
	}
	out := aead.Seal(nonce, nonce, plaintext, ad)
	return prefix + "." + b.primary + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal returned with the same ad.
func (b *Box) Open(sealed string, ad []byte) ([]byte, error) {
	if b == nil {
		return nil, ErrNoKey
	}
	id, data, err := split(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := b.keys[id]
	if !ok {
		return nil, fmt.Errorf("open: key id %s: %w", id, ErrUnknownKey)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(data)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("open: %w", ErrCorrupt)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], ad)
	if err != nil {
		return nil, fmt.Errorf("open: %w", ErrCorrupt)
	}
	return plain, nil
}

// Current reports whether sealed was sealed by the key b seals with;
// values that are not should be opened and sealed again, so that the old
// key can be retired.
func (b *Box) Current(sealed string) bool {
	id, _, err := split(sealed)
	return err == nil && b != nil && id == b.primary
}

// SealedKeyID returns the key id a sealed value names, "" when it is not
// one.
func SealedKeyID(sealed string) string {
	id, _, _ := split(sealed)
	return id
}

// split parses "sb1.KEYID.DATA".
func split(sealed string) (id, data string, err error) {
	p, rest, ok1 := strings.Cut(sealed, ".")
	id, data, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || p != prefix || id == "" {
		return "", "", fmt.Errorf("open: not a sealed value: %w", ErrCorrupt)
	}
	return id, data, nil
}
