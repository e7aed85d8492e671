package chat

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// receiver is a webhook of kind on loopback: it checks the request as the
// service would and answers with status and body (and headers).
func receiver(t *testing.T, kind string, status int, answer string, header http.Header) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("%s: method %s", kind, r.Method)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: content type %q", kind, ct)
		}
		if !strings.HasPrefix(r.Header.Get("User-Agent"), "parse-dmarc/") {
			t.Errorf("%s: user agent %q", kind, r.Header.Get("User-Agent"))
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		if err := checkBody(kind, body); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestPostDelivered posts every test message to a receiver of each kind
// that answers as the service does on success.
func TestPostDelivered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, kind string
		status     int
		answer     string
	}{
		{"slack", KindSlack, 200, "ok"},
		{"discord", KindDiscord, 204, ""},
		{"discord wait", KindDiscord, 200, `{"id":"1"}`},
		{"teams workflow", KindTeams, 202, ""},
		{"teams legacy connector", KindTeams, 200, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := receiver(t, tc.kind, tc.status, tc.answer, nil)
			for name, m := range testMessages(t) {
				status, err := Post(context.Background(), srv.Client(), srv.URL+"/hook", tc.kind, m)
				if err != nil || status != tc.status {
					t.Errorf("%s: status %d, err %v", name, status, err)
				}
			}
		})
	}
}

// TestPostErrors checks how error answers are reported: their body,
// whether a retry may help, and the wait asked for.
func TestPostErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("invalid_blocks\n", 100)
	for _, tc := range []struct {
		name, kind   string
		status       int
		answer       string
		header       http.Header
		wantBody     string
		retryable    bool
		limited      bool
		retryAfter   time.Duration
		maxErrLength int
	}{
		{name: "slack refused", kind: KindSlack, status: 400, answer: "invalid_blocks", wantBody: "invalid_blocks"},
		{name: "slack gone", kind: KindSlack, status: 404, answer: "no_service", wantBody: "no_service"},
		{name: "slack long body", kind: KindSlack, status: 400, answer: long, wantBody: "invalid_blocks invalid_blocks", maxErrLength: 400},
		{name: "slack rate limited", kind: KindSlack, status: 429, answer: "rate_limited",
			header: http.Header{"Retry-After": {"30"}}, wantBody: "rate_limited", retryable: true, limited: true, retryAfter: 30 * time.Second},
		{name: "discord rate limited", kind: KindDiscord, status: 429,
			answer:   `{"message": "You are being rate limited.", "retry_after": 1.25, "global": false}`,
			wantBody: "You are being rate limited.", retryable: true, limited: true, retryAfter: 1250 * time.Millisecond},
		{name: "discord unknown webhook", kind: KindDiscord, status: 404, answer: `{"message": "Unknown Webhook", "code": 10015}`, wantBody: "Unknown Webhook"},
		{name: "teams workflow down", kind: KindTeams, status: 502, answer: "Bad Gateway", wantBody: "Bad Gateway", retryable: true},
		{name: "teams workflow throttled", kind: KindTeams, status: 429, header: http.Header{"Retry-After": {"7"}},
			retryable: true, limited: true, retryAfter: 7 * time.Second},
		{name: "teams legacy throttled", kind: KindTeams, status: 200,
			answer:   "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0",
			wantBody: "HTTP error 429", retryable: true, limited: true},
		{name: "teams legacy refused", kind: KindTeams, status: 200, answer: "Summary or Text is required.", wantBody: "Summary or Text is required."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := receiver(t, tc.kind, tc.status, tc.answer, tc.header)
			status, err := Post(context.Background(), srv.Client(), srv.URL+"/hook/SECRET", tc.kind, testMessages(t)["alert"])
			if status != tc.status {
				t.Errorf("status %d, want %d", status, tc.status)
			}
			var he *HTTPError
			if !errors.As(err, &he) {
				t.Fatalf("err %v, want an *HTTPError", err)
			}
			if !strings.Contains(err.Error(), tc.wantBody) {
				t.Errorf("error %q does not show %q", err, tc.wantBody)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error %q shows the webhook's URL", err)
			}
			if tc.maxErrLength > 0 && len(err.Error()) > tc.maxErrLength {
				t.Errorf("error is %d long", len(err.Error()))
			}
			if he.Retryable() != tc.retryable {
				t.Errorf("retryable %v, want %v", he.Retryable(), tc.retryable)
			}
			if errors.Is(err, ErrRateLimited) != tc.limited {
				t.Errorf("rate limited %v, want %v", errors.Is(err, ErrRateLimited), tc.limited)
			}
			if d, _ := RetryAfter(err); d != tc.retryAfter {
				t.Errorf("retry after %v, want %v", d, tc.retryAfter)
			}
		})
	}
}

// TestPostTimeout posts to a receiver that never answers: the post ends
// with the context's deadline.
func TestPostTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := Post(ctx, srv.Client(), srv.URL, KindSlack, testMessages(t)["alert"])
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the deadline", err)
	}
}

// TestPostUnreachable checks the error of a post that gets no answer, and
// that of a URL that is not a web address; neither shows the URL.
func TestPostUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	_, err := Post(context.Background(), nil, addr+"/services/SECRET", KindDiscord, testMessages(t)["alert"])
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("err %v, want an error without the URL", err)
	}
	var he *HTTPError
	if errors.As(err, &he) {
		t.Errorf("err %v is an answer", err)
	}
	for _, u := range []string{"ftp://example.com/SECRET", "hooks.slack.com/SECRET", "://SECRET"} {
		if _, err := Post(context.Background(), nil, u, KindSlack, testMessages(t)["alert"]); err == nil || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: err %v", u, err)
		}
	}
	if _, err := Post(context.Background(), nil, addr, "irc", testMessages(t)["alert"]); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("err %v, want ErrUnknownKind", err)
	}
}
