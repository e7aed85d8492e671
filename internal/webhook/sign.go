package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery. Header names are case-insensitive (RFC 9110
// section 5.1); net/http writes them in this canonical form.
const (
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256 of the
	// timestamp, ".", and the body (Sign).
	HeaderSignature = "X-Parse-Dmarc-Signature"
	// HeaderTimestamp is the Unix time of the attempt, in seconds.
	HeaderTimestamp = "X-Parse-Dmarc-Timestamp"
	// HeaderEvent is the event's type.
	HeaderEvent = "X-Parse-Dmarc-Event"
	// HeaderEventID is the event's id, the same on every attempt.
	HeaderEventID = "X-Parse-Dmarc-Event-Id"
	// HeaderDelivery identifies the delivery (the outbox entry) and
	// HeaderAttempt counts its attempts from 1.
	HeaderDelivery = "X-Parse-Dmarc-Delivery"
	HeaderAttempt  = "X-Parse-Dmarc-Attempt"
)

// DefaultTolerance is how far a timestamp may be from the receiver's
// clock for Verify: 5 minutes covers clock skew and slow networks while
// keeping the replay window short.
const DefaultTolerance = 5 * time.Minute

// signaturePrefix names the MAC of the signature header.
const signaturePrefix = "sha256="

// Errors of Verify; test for them with errors.Is.
var (
	ErrNoSignature  = errors.New("the request has no signature or timestamp header")
	ErrBadSignature = errors.New("the signature does not match the body")
	ErrStale        = errors.New("the timestamp is outside the tolerance")
)

// Sign returns the signature header's value for body sent at timestamp
// (Unix seconds) under secret: "sha256=" and the hex HMAC-SHA256 of
// "TIMESTAMP.BODY".
func Sign(secret []byte, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// SignRequest sets the timestamp and signature headers of h for body
// sent at now.
func SignRequest(h http.Header, secret []byte, now time.Time, body []byte) {
	ts := now.Unix()
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(secret, ts, body))
}

// Verify checks the signature of a request a receiver got: its headers h
// and its raw body, read whole before any parsing. It refuses a timestamp
// more than tolerance (DefaultTolerance when 0 or less) from now, and a
// signature that is not the HMAC of the timestamp and body under secret,
// compared in constant time. Verify does not remember ids: a receiver that
// must refuse replays within the tolerance also drops event ids (header
// HeaderEventID) it accepted in the last tolerance.
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	tsText, sig := h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if tsText == "" || sig == "" {
		return ErrNoSignature
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", tsText, ErrBadSignature)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("timestamp %s is %v from now: %w", time.Unix(ts, 0).UTC().Format(time.RFC3339), d.Round(time.Second), ErrStale)
	}
	if !strings.HasPrefix(sig, signaturePrefix) {
		return ErrBadSignature
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sig)) {
		return ErrBadSignature
	}
	return nil
}
