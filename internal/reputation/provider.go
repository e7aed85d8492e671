package reputation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Status is the outcome of asking one provider about an address.
type Status string

// The statuses of a Result.
const (
	// StatusOK: the provider answered; the Result has its data and
	// assessment.
	StatusOK Status = "ok"
	// StatusNotFound: the provider knows nothing of the address.
	StatusNotFound Status = "not_found"
	// StatusNotConfigured: no API key was given, so nothing was asked.
	StatusNotConfigured Status = "not_configured"
	// StatusNotPublic: the address is private or reserved and is never
	// sent out.
	StatusNotPublic Status = "not_public"
	// StatusRateLimited: the provider's quota (ours or the provider's own
	// answer) does not allow a lookup now; RetryAt says when.
	StatusRateLimited Status = "rate_limited"
	// StatusError: the lookup failed; Message says how.
	StatusError Status = "error"
)

// Result is one provider's answer about an address, as the API shows it:
// its status, and when the provider answered, the data and the
// assessment drawn from them.
type Result struct {
	Status  Status `json:"status"`
	Message string `json:"message,omitempty"`
	// FetchedAt is when the provider answered (zero when it was not
	// asked); Cached means the answer came from the store's cache.
	FetchedAt time.Time `json:"fetched_at,omitzero"`
	Cached    bool      `json:"cached,omitempty"`
	// RetryAt, for StatusRateLimited, is when a lookup may go out again.
	RetryAt time.Time `json:"retry_at,omitzero"`
	*Assessment
	// The data of the provider that answered, at most one of them.
	*AbuseIPDBData
	*VirusTotalData
}

// provider is an external reputation service.
type provider interface {
	// id names the provider in the cache and the API ("abuseipdb"); label
	// names it for people ("AbuseIPDB").
	id() string
	label() string
	// request is the lookup of addr at the service whose API starts at
	// base, with key in its header.
	request(ctx context.Context, base, key string, addr netip.Addr) (*http.Request, error)
	// decode fills r's data from a 200 answer.
	decode(body []byte, r *Result) error
	// assess judges the data of r (StatusOK).
	assess(r *Result) *Assessment
	// problem is the explanation in an error answer's body, "" when none.
	problem(body []byte) string
}

// maxAnswer bounds the body read from a provider: VirusTotal's IP objects,
// whois and certificates included, are tens of kilobytes.
const maxAnswer = 1 << 20

// outcome is what one call of a provider came to.
type outcome struct {
	result Result
	// cache: the answer is stored (with the TTL of its status).
	cache bool
	// pause, when set, stops all lookups of the provider until then: the
	// provider refused the key or said its quota was spent.
	pause time.Time
}

// call asks p about addr and interprets the answer. errorTTL is how long
// to pause the provider after a refusal that names no time. The key goes
// in a header only, and is cut out of every message in case a provider
// echoes it.
func call(ctx context.Context, hc *http.Client, p provider, base, key string, addr netip.Addr, now func() time.Time, errorTTL time.Duration) outcome {
	fail := func(msg string) outcome {
		if key != "" {
			msg = strings.ReplaceAll(msg, key, "[key]")
		}
		return outcome{result: Result{Status: StatusError, Message: msg, FetchedAt: now()}, cache: true}
	}
	req, err := p.request(ctx, base, key, addr)
	if err != nil {
		return fail(fmt.Sprintf("%s request: %v", p.label(), err))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL: shorter, and the address is known
		}
		return fail(fmt.Sprintf("%s did not answer: %v", p.label(), err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err == nil && len(body) > maxAnswer {
		err = fmt.Errorf("answer larger than %d bytes", maxAnswer)
	}
	if err != nil {
		return fail(fmt.Sprintf("%s answer: %v", p.label(), err))
	}
	detail := ""
	if d := p.problem(body); d != "" {
		detail = ": " + d
	}
	switch resp.StatusCode {
	case http.StatusOK:
		r := Result{Status: StatusOK, FetchedAt: now()}
		if err := p.decode(body, &r); err != nil {
			return fail(fmt.Sprintf("%s answer: %v", p.label(), err))
		}
		return outcome{result: r, cache: true}
	case http.StatusNotFound:
		return outcome{result: Result{Status: StatusNotFound, FetchedAt: now(),
			Message: p.label() + " has no record of this address"}, cache: true}
	case http.StatusTooManyRequests:
		until := retryAfter(resp.Header.Get("Retry-After"), now(), errorTTL)
		o := fail(fmt.Sprintf("%s says the key's quota is spent (HTTP 429%s)", p.label(), detail))
		o.result.Status, o.result.RetryAt, o.cache, o.pause = StatusRateLimited, until, false, until
		return o
	case http.StatusUnauthorized, http.StatusForbidden:
		until := now().Add(errorTTL)
		o := fail(fmt.Sprintf("%s refused the API key (HTTP %d%s)", p.label(), resp.StatusCode, detail))
		o.cache, o.pause = false, until
		return o
	}
	return fail(fmt.Sprintf("%s answered HTTP %d%s", p.label(), resp.StatusCode, detail))
}

// retryAfter reads a Retry-After header (RFC 9110 section 10.2.3: seconds
// or an HTTP date) into a time after now, or now+def when it has none.
// It is kept within a day, so a wrong header cannot stop lookups for long.
func retryAfter(h string, now time.Time, def time.Duration) time.Time {
	d := def
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s > 0 {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(h); err == nil && t.After(now) {
		d = t.Sub(now)
	}
	return now.Add(min(d, 24*time.Hour))
}

// truncate shortens a provider's message to n bytes, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// keyedGet returns a GET request of base and path with the API key in
// the header named header, as both providers want it.
func keyedGet(ctx context.Context, base, path, header, key string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(header, key)
	return req, nil
}
