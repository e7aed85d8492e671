package notify

import (
	"context"
	"crypto/x509"
	"errors"
	"net/textproto"

	"github.com/parse-dmarc/parse-dmarc/internal/mailer"
)

// EmailSender sends email channels' messages through their SMTP server
// with package mailer, a plain-text and an HTML part and the message's
// attachments. The status it reports is the server's reply code: 250 for
// a message taken, the code of a refusal; a refusal mailer deems final
// (a 5xx reply, a configuration that cannot work safely) fails at once.
type EmailSender struct {
	// RootCAs verify the servers' certificates instead of the system's
	// roots (a private CA, tests).
	RootCAs *x509.CertPool
	// HELO is the name given in EHLO; the host name when empty.
	HELO string
}

// Send implements Sender.
func (e EmailSender) Send(ctx context.Context, d Dispatch) (int, error) {
	c := d.Channel.Email
	if c == nil {
		return 0, Permanent(errors.New("the channel has no SMTP settings"))
	}
	err := mailer.Send(ctx, mailer.Config{Host: c.Host, Port: c.Port, TLS: c.TLS, Username: c.Username, Password: c.Password,
		From: c.From, HELO: e.HELO, RootCAs: e.RootCAs}, c.To, d.Message)
	if err == nil {
		return 250, nil
	}
	status := 0
	var te *textproto.Error
	if errors.As(err, &te) {
		status = te.Code
	}
	if mailer.Permanent(err) {
		return status, Permanent(err)
	}
	return status, err
}
