// Package mailer sends a notice.Message by email: a MIME message built
// with go-message's mail writer, submitted over SMTP.
//
// The message (Compose) is multipart/alternative with a plain-text and an
// HTML part, rendered from the Message's Title, Summary, Facts and URL
// unless it brings its own Text or HTML (a scheduled report), inside a
// multipart/mixed with the attachments when there are some (a PDF
// report). Its header has Date, Message-ID, From, To, Subject (the title,
// RFC 2047 encoded when it is not ASCII) and Auto-Submitted:
// auto-generated (RFC 3834 section 5), which tells responders such as
// vacation notices not to answer, and X-Auto-Response-Suppress for
// Exchange, which reads that instead. The Message-ID of a Message with an
// event id is derived from the id, the sender and the recipients, so a
// retry sends the same Message-ID and a receiver that got the first try
// after all can drop the copy.
//
// Sending (Send) uses the standard library's net/smtp client rather than
// go-smtp's: the submission it does (EHLO, STARTTLS, AUTH PLAIN, MAIL,
// RCPT, DATA) is what net/smtp does well, its PlainAuth refuses by itself
// to send a password over a connection that is neither TLS nor to
// localhost, and the binary keeps no SMTP dependency (go-smtp's server
// is used by the tests only). net/smtp is frozen and knows no context:
// Send dials with the context, gives the connection the context's
// deadline and breaks it off when the context ends.
//
// TLS modes (Config.TLS): "starttls" (the default, port 587, RFC 3207)
// requires the server to offer STARTTLS and fails rather than go on in
// clear text; "tls" (port 465) is TLS from the first byte (RFC 8314);
// "none" (port 25) is clear text, for a relay on the same machine or
// network. Certificates are verified against the system's roots (or
// Config.RootCAs) for Config.Host, TLS 1.2 at least. AUTH PLAIN (RFC
// 4616) is used when a username is set, and only over TLS or to a
// loopback address: Send refuses before dialing when "none" would send
// the password in clear to another machine.
//
// Limits: one SMTP transaction for all recipients, who all appear in To;
// no DKIM signing (the submission server signs); a message larger than
// the server's SIZE (RFC 1870) is refused before DATA; 8-bit text is sent
// quoted-printable, so no server extension is needed for it.
package mailer
