package notify

import (
	"context"
	"errors"
	"net/http"

	"github.com/parse-dmarc/parse-dmarc/internal/chat"
)

// ChatSender posts to Slack, Discord and Microsoft Teams webhooks through
// package chat, which renders the message for each. An answer chat does
// not deem retryable (a webhook removed, a payload refused) fails at once;
// a 429's Retry-After delays the next attempt.
type ChatSender struct {
	// Client sends the requests; nil: a default client.
	Client *http.Client
}

// Send implements Sender, within chat.DefaultTimeout.
func (c ChatSender) Send(ctx context.Context, d Dispatch) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, chat.DefaultTimeout)
	defer cancel()
	status, err := chat.Post(ctx, c.Client, d.Channel.URL, d.Channel.Kind, d.Message)
	if err == nil {
		return status, nil
	}
	var he *chat.HTTPError
	if errors.As(err, &he) && !he.Retryable() {
		return status, Permanent(err)
	}
	if wait, ok := chat.RetryAfter(err); ok {
		return status, RetryAfter(err, wait)
	}
	return status, err
}
