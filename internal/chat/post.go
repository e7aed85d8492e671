package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/version"
)

// DefaultTimeout bounds a post whose context has no deadline: the three
// services answer within seconds, and a hung post must not hold the
// outbox.
const DefaultTimeout = 15 * time.Second

// maxErrorBody is how much of an error answer's body goes into its error.
const maxErrorBody = 300

// ErrRateLimited is matched (errors.Is) by the *HTTPError of a 429 answer.
var ErrRateLimited = errors.New("rate limited")

// HTTPError is an answer Post does not take as delivered.
type HTTPError struct {
	Kind string
	// Status is the HTTP status code.
	Status int
	// Body is the start of the answer's body, printable, for the log.
	Body string
	// RetryAfter is the wait the service asked for with Retry-After (RFC
	// 9110 section 10.2.3) or, for Discord, its body's retry_after; zero
	// when it asked for none.
	RetryAfter time.Duration
	// limited is set for a 200 answer that reports a 429 (a legacy
	// Teams connector).
	limited bool
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.Kind, e.Status)
	if e.Body != "" {
		s += ": " + e.Body
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return s
}

// Is makes a 429 answer match ErrRateLimited, and a legacy Teams
// connector's 200 that reports one.
func (e *HTTPError) Is(target error) bool {
	return target == ErrRateLimited && (e.Status == http.StatusTooManyRequests || e.limited)
}

// Retryable reports whether the same post may succeed later: on 408, 425,
// 429 and 5xx answers, on any answer that asked for a retry with
// Retry-After, and on a legacy Teams connector's report of a 429. The others (400 for a payload refused, 401, 403, 404 for a
// webhook removed, 410) need the channel fixed first.
func (e *HTTPError) Retryable() bool {
	switch {
	case e.RetryAfter > 0, e.Status >= 500, e.limited:
		return true
	}
	switch e.Status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return false
}

// RetryAfter returns the wait an error of Post asked for, when it did.
func RetryAfter(err error) (time.Duration, bool) {
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		return he.RetryAfter, true
	}
	return 0, false
}

// Post renders m for kind and posts it to the webhook at webhookURL with
// client (a new default client when nil), within DefaultTimeout when ctx
// has no deadline. It returns the answer's status code, when there was
// one, and an *HTTPError for an answer that is not a delivery. The URL is
// a secret (it is the credential of the webhook): errors do not name it.
func Post(ctx context.Context, client *http.Client, webhookURL, kind string, m notice.Message) (status int, err error) {
	body, ctype, err := Render(kind, m)
	if err != nil {
		return 0, err
	}
	u, err := url.Parse(webhookURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return 0, fmt.Errorf("%s: the webhook URL is not an http(s) URL", kind)
	}
	if client == nil {
		client = &http.Client{}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("%s: post: %w", kind, err)
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", "parse-dmarc/"+version.String())
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s: post to %s: %w", kind, u.Host, stripURL(err))
	}
	defer resp.Body.Close()
	// The answers worth reading are short; the rest is drained so the
	// connection can be reused.
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, answerError(kind, resp, answer)
}

// stripURL keeps the webhook's URL, a secret, out of a *url.Error.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// answerError returns nil when resp is a delivery for kind, and the
// error to report otherwise.
func answerError(kind string, resp *http.Response, body []byte) error {
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if ok && kind == KindTeams && resp.StatusCode == http.StatusOK {
		// A legacy Office 365 connector answers "1" to a delivery and
		// 200 with the failure's text (such as "Microsoft Teams endpoint
		// returned HTTP error 429") to the others.
		if t := strings.TrimSpace(string(body)); t != "1" && t != "" {
			he := &HTTPError{Kind: kind, Status: resp.StatusCode, Body: printable(body)}
			he.limited = strings.Contains(t, "429")
			return he
		}
	}
	if ok {
		return nil
	}
	he := &HTTPError{Kind: kind, Status: resp.StatusCode, Body: printable(body)}
	he.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	if he.RetryAfter == 0 && kind == KindDiscord && resp.StatusCode == http.StatusTooManyRequests {
		he.RetryAfter = discordRetryAfter(body)
	}
	return he
}

// retryAfter parses a Retry-After value, delay-seconds or an HTTP date
// (RFC 9110 section 10.2.3), as a wait from now; 0 when absent, invalid
// or past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		// Integers by the RFC; some services send fractions.
		if n <= 0 || math.IsNaN(n) || n > 7*24*3600 {
			return 0
		}
		return time.Duration(math.Ceil(n * float64(time.Second)))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// discordRetryAfter reads retry_after, in seconds, from a Discord 429
// answer's JSON body.
func discordRetryAfter(body []byte) time.Duration {
	var v struct {
		RetryAfter float64 `json:"retry_after"`
	}
	if json.Unmarshal(body, &v) != nil {
		return 0
	}
	return retryAfter(strconv.FormatFloat(v.RetryAfter, 'f', -1, 64), time.Time{})
}

// printable returns the start of an answer's body on one line, without
// control characters, cut at maxErrorBody with "…".
func printable(b []byte) string {
	s := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(string(b), "\uFFFD"))
	return fit(strings.Join(strings.Fields(s), " "), maxErrorBody, nil)
}
