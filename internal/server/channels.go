package server

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/notice"
	"github.com/parse-dmarc/parse-dmarc/internal/notify"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// maxChannelBody bounds the body of the channel routes.
const maxChannelBody = 64 << 10

// channelView is a notification channel as the API shows it: its secrets
// (the endpoint URL, header values, signing secret, SMTP password) are
// write-only, shown as whether they are set and, for the URL, its scheme
// and host.
type channelView struct {
	ID      int64    `json:"id"`
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Enabled bool     `json:"enabled"`
	Events  []string `json:"events"`
	// URLSet tells whether an endpoint URL is stored; URLHint is its
	// scheme and host, with "/…" when it has more.
	URLSet  bool   `json:"url_set"`
	URLHint string `json:"url_hint,omitempty"`
	// HeaderNames are the custom headers' names, sorted.
	HeaderNames []string           `json:"header_names"`
	SecretSet   bool               `json:"secret_set"`
	Email       *emailView         `json:"email,omitempty"`
	MaxPerHour  int                `json:"max_per_hour"`
	QuietHours  *notify.QuietHours `json:"quiet_hours"`
	// Problem says why the channel cannot send, such as secrets sealed
	// by a key this server does not have.
	Problem string    `json:"problem,omitempty"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

type emailView struct {
	Host        string   `json:"host"`
	Port        int      `json:"port"`
	TLS         string   `json:"tls"`
	Username    string   `json:"username"`
	PasswordSet bool     `json:"password_set"`
	From        string   `json:"from"`
	To          []string `json:"to"`
}

func channelViewOf(c notify.Channel) channelView {
	v := channelView{ID: c.ID, Name: c.Name, Kind: c.Kind, Enabled: c.Enabled, Events: c.Events, URLSet: c.URL != "",
		HeaderNames: slices.Sorted(maps.Keys(c.Headers)), SecretSet: c.Secret != "", MaxPerHour: c.MaxPerHour,
		QuietHours: c.QuietHours, Problem: c.Problem, Created: c.Created, Updated: c.Updated}
	if v.Events == nil {
		v.Events = []string{}
	}
	if v.HeaderNames == nil {
		v.HeaderNames = []string{}
	}
	if c.URL != "" {
		v.URLHint = notify.RedactURL(c.URL)
	}
	if e := c.Email; e != nil {
		v.Email = &emailView{Host: e.Host, Port: e.Port, TLS: e.TLS, Username: e.Username, PasswordSet: e.Password != "",
			From: e.From, To: e.To}
	}
	return v
}

// channelInput is the body of POST and PUT: every field is optional in a
// PUT, where what is left out stays as it was. Secrets are replaced only
// when given ("" clears one); a header given as null keeps its value, so
// headers can be renamed away without typing the others' values again.
type channelInput struct {
	Name       *string            `json:"name"`
	Kind       *string            `json:"kind"`
	Enabled    *bool              `json:"enabled"`
	Events     *[]string          `json:"events"`
	URL        *string            `json:"url"`
	Headers    map[string]*string `json:"headers"`
	Secret     *string            `json:"secret"`
	Email      *emailInput        `json:"email"`
	MaxPerHour *int               `json:"max_per_hour"`
	// QuietHours is raw to tell null (none) from left out (kept).
	QuietHours json.RawMessage `json:"quiet_hours"`
}

type emailInput struct {
	Host     string   `json:"host"`
	Port     int      `json:"port"`
	TLS      string   `json:"tls"`
	Username string   `json:"username"`
	Password *string  `json:"password"`
	From     string   `json:"from"`
	To       []string `json:"to"`
}

// apply sets the fields of in on c.
func (in *channelInput) apply(c *notify.Channel) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&c.Name, in.Name)
	set(&c.Kind, in.Kind)
	set(&c.URL, in.URL)
	set(&c.Secret, in.Secret)
	if in.Enabled != nil {
		c.Enabled = *in.Enabled
	}
	if in.Events != nil {
		c.Events = *in.Events
	}
	if in.MaxPerHour != nil {
		c.MaxPerHour = *in.MaxPerHour
	}
	if in.Headers != nil {
		headers := map[string]string{}
		for name, v := range in.Headers {
			switch {
			case v != nil:
				headers[name] = *v
			case c.Headers[name] != "":
				headers[name] = c.Headers[name]
			default:
				return &notify.ValidationError{Field: "headers", Message: "header " + name + " has no value to keep"}
			}
		}
		c.Headers = headers
	}
	if len(in.QuietHours) > 0 {
		c.QuietHours = nil
		if err := json.Unmarshal(in.QuietHours, &c.QuietHours); err != nil {
			return &notify.ValidationError{Field: "quiet_hours", Message: `{"start": "22:00", "end": "07:00", "tz": "Europe/Berlin"} or null`}
		}
	}
	if e := in.Email; e != nil {
		password := ""
		if c.Email != nil {
			password = c.Email.Password
		}
		set(&password, e.Password)
		c.Email = &notify.EmailConfig{Host: e.Host, Port: e.Port, TLS: e.TLS, Username: e.Username, Password: password,
			From: e.From, To: e.To}
	}
	return nil
}

// notifyService returns the notification service, or answers 501 and
// reports false when the server has none.
func (s *Server) notifyService(w http.ResponseWriter) (*notify.Service, bool) {
	if s.Notify == nil {
		writeError(w, http.StatusNotImplemented, "not_configured", "notification channels are not configured on this server")
		return nil, false
	}
	return s.Notify, true
}

// channelRoute returns the notification service and the {id} of a
// channel's route, or answers and reports false.
func (s *Server) channelRoute(w http.ResponseWriter, r *http.Request) (*notify.Service, int64, bool) {
	svc, ok := s.notifyService(w)
	if !ok {
		return nil, 0, false
	}
	id, ok := pathID(w, r)
	return svc, id, ok
}

// channelError answers for an error of the notification service: 400
// with the setting for a validation error, as storeError otherwise.
func (s *Server) channelError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *notify.ValidationError
	if errors.As(err, &ve) {
		writeError(w, http.StatusBadRequest, "invalid", ve.Error())
		return
	}
	s.storeError(w, r, err)
}

// readChannelInput decodes the body of POST and PUT.
func readChannelInput(w http.ResponseWriter, r *http.Request) (channelInput, bool) {
	var in channelInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxChannelBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		msg := "the body is a JSON object of channel settings"
		if !errors.Is(err, io.EOF) {
			msg += ": " + err.Error()
		}
		writeError(w, http.StatusBadRequest, "bad_request", msg)
		return in, false
	}
	return in, true
}

// listChannels answers GET /api/v1/channels.
func (s *Server) listChannels(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.notifyService(w)
	if !ok {
		return
	}
	list, err := svc.Channels(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := make([]channelView, len(list))
	for i, c := range list {
		out[i] = channelViewOf(c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"channels": out})
}

// getChannel answers GET /api/v1/channels/{id}.
func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) {
	svc, id, ok := s.channelRoute(w, r)
	if !ok {
		return
	}
	c, err := svc.Channel(r.Context(), id)
	if err != nil && c.ID == 0 {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, channelViewOf(c))
}

// createChannel answers POST /api/v1/channels: 201 with the channel, 400
// naming the setting that is wrong. A channel is enabled unless the body
// says otherwise.
func (s *Server) createChannel(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.notifyService(w)
	if !ok {
		return
	}
	in, ok := readChannelInput(w, r)
	if !ok {
		return
	}
	c := notify.Channel{Enabled: true}
	if err := in.apply(&c); err != nil {
		s.channelError(w, r, err)
		return
	}
	c, err := svc.CreateChannel(r.Context(), c)
	if err != nil {
		s.channelError(w, r, err)
		return
	}
	s.log().Info("notification channel created", "id", c.ID, "name", c.Name, "kind", c.Kind)
	writeJSON(w, http.StatusCreated, channelViewOf(c))
}

// updateChannel answers PUT /api/v1/channels/{id}: the fields given
// replace those stored.
func (s *Server) updateChannel(w http.ResponseWriter, r *http.Request) {
	svc, id, ok := s.channelRoute(w, r)
	if !ok {
		return
	}
	in, ok := readChannelInput(w, r)
	if !ok {
		return
	}
	c, err := svc.UpdateChannel(r.Context(), id, in.apply)
	if err != nil {
		s.channelError(w, r, err)
		return
	}
	s.log().Info("notification channel updated", "id", c.ID, "name", c.Name)
	writeJSON(w, http.StatusOK, channelViewOf(c))
}

// deleteChannel answers DELETE /api/v1/channels/{id}: 204; its outbox
// and delivery log go with it.
func (s *Server) deleteChannel(w http.ResponseWriter, r *http.Request) {
	svc, id, ok := s.channelRoute(w, r)
	if !ok {
		return
	}
	if err := svc.DeleteChannel(r.Context(), id); err != nil {
		s.storeError(w, r, err)
		return
	}
	s.log().Info("notification channel deleted", "id", id)
	w.WriteHeader(http.StatusNoContent)
}

// testChannel answers POST /api/v1/channels/{id}/test: it sends a test at
// once, enabled or not, and answers the delivery (200 whether it was
// delivered or not: the delivery says). The body may name an event type
// ({"event": "source.new"}) to send its example instead of a ping.
func (s *Server) testChannel(w http.ResponseWriter, r *http.Request) {
	svc, id, ok := s.channelRoute(w, r)
	if !ok {
		return
	}
	var body struct {
		Event string `json:"event"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxChannelBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "bad_request", `the body is empty or {"event": "source.new"}: `+err.Error())
		return
	}
	typ := body.Event
	if typ == "" {
		typ = webhook.Ping
	}
	ev, ok := webhook.Example(typ, time.Now(), requestOrigin(r))
	if !ok {
		writeError(w, http.StatusBadRequest, "bad_request", "event: unknown event type "+strconv.Quote(typ))
		return
	}
	ev.ID = webhook.NewID() // examples share an id; a test is an event of its own
	d, err := svc.SendNow(r.Context(), id, testMessage(ev))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// testMessage is the notification of a send test of ev.
func testMessage(ev webhook.Event) notice.Message {
	m := notice.Message{Event: ev, Severity: notice.Info, Title: "Parse DMARC: a test of this channel",
		Summary: "This channel is configured: notifications will arrive here."}
	if ev.Type == webhook.Ping {
		return m
	}
	m.Title = "Parse DMARC: a test with an example " + ev.Type + " event"
	m.Summary = "An example of what this channel gets; the data is made up."
	var data webhook.AlertTriggeredData
	if ev.Type == webhook.AlertTriggered && json.Unmarshal(ev.Data, &data) == nil {
		m.Title, m.Summary, m.Facts, m.URL = "[Test] "+data.Title, data.Summary, data.Facts, data.URL
		m.Severity = data.Severity
	}
	return m
}

// channelDeliveries answers GET /api/v1/channels/{id}/deliveries?limit=:
// the channel's delivery log, newest first (default 100, at most 1000).
func (s *Server) channelDeliveries(w http.ResponseWriter, r *http.Request) {
	svc, id, ok := s.channelRoute(w, r)
	if !ok {
		return
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "bad_request", "limit: a number from 1 to 1000")
			return
		}
		limit = n
	}
	if _, err := svc.Store.NotifyChannel(r.Context(), id); err != nil {
		s.storeError(w, r, err)
		return
	}
	list, err := svc.Deliveries(r.Context(), id, limit)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	if list == nil {
		list = []notify.Delivery{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": list})
}

// webhookEvents answers GET /api/v1/webhooks/events: every event type
// with its description and an example payload (the payload preview), and
// the headers and signature scheme of deliveries.
func (s *Server) webhookEvents(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"events": webhook.Catalogue(time.Now(), requestOrigin(r)),
		"headers": map[string]string{
			webhook.HeaderEvent:     "the event type",
			webhook.HeaderEventID:   "the event id, the same on every attempt: drop repeats",
			webhook.HeaderDelivery:  "the delivery (outbox entry) id",
			webhook.HeaderAttempt:   "the attempt, from 1",
			webhook.HeaderTimestamp: "Unix seconds of the attempt (with a secret)",
			webhook.HeaderSignature: `"sha256=" and the hex HMAC-SHA256 of TIMESTAMP "." BODY under the secret (with a secret)`,
		},
		"channel_kinds": notify.Kinds(),
	})
}
