package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// DefaultTimeout bounds a webhook request, connection included.
const DefaultTimeout = 15 * time.Second

// WebhookSender posts events to generic webhook endpoints: the body is
// the message's webhook.Event as JSON, signed (webhook.SignRequest) when
// the channel has a secret, with the channel's custom headers. A 2xx
// answer is a delivery; any other answer or a network error is retried,
// but 410 Gone, which says the endpoint was removed for good.
type WebhookSender struct {
	// Client sends the requests; default one with Timeout.
	Client *http.Client
	// Timeout bounds a request; default DefaultTimeout.
	Timeout time.Duration
	// UserAgent is sent as is; default "Parse-DMARC-Webhook".
	UserAgent string
	// Now is the clock of the signature's timestamp; default time.Now.
	Now func() time.Time
}

// Send implements Sender.
func (w *WebhookSender) Send(ctx context.Context, d Dispatch) (int, error) {
	body, err := json.Marshal(d.Message.Event)
	if err != nil {
		return 0, Permanent(fmt.Errorf("encode event: %w", err))
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Channel.URL, bytes.NewReader(body))
	if err != nil {
		return 0, Permanent(fmt.Errorf("request: %w", err))
	}
	for name, value := range d.Channel.Headers {
		req.Header.Set(name, value)
	}
	ua := w.UserAgent
	if ua == "" {
		ua = "Parse-DMARC-Webhook"
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderEvent, d.Message.Event.Type)
	req.Header.Set(webhook.HeaderEventID, d.Message.Event.ID)
	req.Header.Set(webhook.HeaderDelivery, strconv.FormatInt(d.Delivery, 10))
	req.Header.Set(webhook.HeaderAttempt, strconv.Itoa(max(d.Attempt, 1)))
	if d.Channel.Secret != "" {
		now := time.Now
		if w.Now != nil {
			now = w.Now
		}
		webhook.SignRequest(req.Header, []byte(d.Channel.Secret), now(), body)
	}
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		// A *url.Error quotes the URL, which may be a secret.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, fmt.Errorf("post to %s: %w", RedactURL(d.Channel.URL), err)
	}
	defer resp.Body.Close()
	// Read a little of the answer, for the log, and let the connection be
	// reused.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	err = fmt.Errorf("the endpoint answered %s%s", resp.Status, answerText(snippet))
	if resp.StatusCode == http.StatusGone {
		err = Permanent(err)
	}
	return resp.StatusCode, err
}

// answerText is ": " and the start of an answer's body for an error
// message, "" when it is empty.
func answerText(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return ""
	}
	if len(b) > 200 {
		b = append(b[:200:200], "…"...)
	}
	return ": " + string(bytes.ToValidUTF8(b, []byte("?")))
}

// RedactURL returns the scheme and host of an endpoint URL followed by
// "/…" when it has a path or query: the URLs of Slack, Discord and Teams
// webhooks carry their secret in the path.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "(an invalid URL)"
	}
	out := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		out += "/…"
	}
	return out
}
