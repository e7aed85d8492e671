package server

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/parse-dmarc/parse-dmarc/internal/imapsource"
)

// maxIMAPTestBody bounds the body of an IMAP connection test: a few
// short strings.
const maxIMAPTestBody = 16 << 10

// imapTestRequest is the body of POST /api/v1/imap/test.
type imapTestRequest struct {
	Addr string `json:"addr"` // host:port
	// TLS is "tls" (the default when empty), "starttls" or "plain".
	TLS                string `json:"tls"`
	Username           string `json:"username"`
	Password           string `json:"password"`
	Mailbox            string `json:"mailbox"` // default INBOX
	InsecureSkipVerify bool   `json:"insecure_skip_verify"`
}

// imapTest answers POST /api/v1/imap/test, the onboarding wizard's "Test
// connection": it runs imapsource.Probe on the account in the body and
// answers 200 with the steps, whether or not they succeeded (ok false means
// the mailbox did not work, not the request). It takes up to
// imapsource.ProbeTimeout, changes nothing in the mailbox, stores nothing,
// and logs the address and user name tested but never the password.
//
// This makes the server open a TCP connection to whatever host and port
// the caller names, and the answer tells whether the port is open and what
// speaks there: a caller can scan the network the server is in, internal
// hosts included (server-side request forgery). It is behind the admin
// password like every API route, which is enough when the only user is
// the server's administrator; a deployment shared with people who should
// not reach that network sets Server.DisableIMAPTest.
func (s *Server) imapTest(w http.ResponseWriter, r *http.Request) {
	if s.DisableIMAPTest {
		writeError(w, http.StatusForbidden, "disabled", "the IMAP connection test is disabled on this server")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxIMAPTestBody)
	a, err := decodeIMAPTest(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	res := imapsource.Probe(r.Context(), a, nil)
	s.log().Info("imap connection test", "remote", r.RemoteAddr, "addr", a.Addr, "user", a.Username, "tls", a.TLS.String(), "ok", res.OK)
	writeJSON(w, http.StatusOK, res)
}

// decodeIMAPTest reads and checks the body of an IMAP connection test. Its
// errors are messages for the client.
func decodeIMAPTest(body io.Reader) (imapsource.Account, error) {
	var req imapTestRequest
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return imapsource.Account{}, errors.New("the body is larger than 16 KiB")
		}
		return imapsource.Account{}, errors.New("expected a JSON object {addr, tls, username, password, mailbox, insecure_skip_verify}: " + err.Error())
	}
	if dec.More() {
		return imapsource.Account{}, errors.New("expected one JSON object, found more after it")
	}
	switch {
	case req.Addr == "":
		return imapsource.Account{}, errors.New("addr is missing: the IMAP server as host:port, such as imap.example.com:993")
	case req.Username == "":
		return imapsource.Account{}, errors.New("username is missing")
	case req.Password == "":
		return imapsource.Account{}, errors.New("password is missing")
	}
	if host, port, err := net.SplitHostPort(req.Addr); err != nil || host == "" || port == "" {
		return imapsource.Account{}, errors.New("addr must be host:port, such as imap.example.com:993")
	}
	mode := imapsource.TLS
	if req.TLS != "" {
		m, err := imapsource.ParseMode(req.TLS)
		if err != nil {
			return imapsource.Account{}, errors.New(`tls must be "tls", "starttls" or "plain"`)
		}
		mode = m
	}
	return imapsource.Account{
		Addr:               req.Addr,
		TLS:                mode,
		Username:           req.Username,
		Password:           req.Password,
		Mailbox:            req.Mailbox,
		InsecureSkipVerify: req.InsecureSkipVerify,
	}, nil
}
