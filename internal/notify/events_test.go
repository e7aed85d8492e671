package notify

import (
	"context"
	"encoding/json"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/enrich"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
	"github.com/parse-dmarc/parse-dmarc/internal/webhook"
)

// storeReport stores a report of example.com with a record per IP.
func storeReport(t *testing.T, st store.Store, id string, ips ...string) int64 {
	t.Helper()
	begin := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	tx, err := st.BeginReport(t.Context(), store.Incoming{Header: &aggregate.Header{
		Metadata: aggregate.Metadata{Reporter: aggregate.Reporter{OrgName: "google.com"}, ReportID: id,
			DateRange: aggregate.DateRange{Begin: begin, End: begin.Add(24*time.Hour - time.Second)}},
		Policy: aggregate.PolicyPublished{Domain: "example.com", Policy: "none"}}, ReceivedAt: begin.Add(30 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for i, ip := range ips {
		dkim := "pass"
		if i > 0 {
			dkim = "fail"
		}
		if err := tx.Add(t.Context(), &aggregate.Record{SourceIP: ip, Count: int64(10 * (i + 1)),
			PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: dkim, SPF: "fail"},
			Identifiers:     aggregate.Identifiers{HeaderFrom: "example.com"}}); err != nil {
			t.Fatal(err)
		}
	}
	rid, err := tx.Commit(t.Context(), store.Summary{Status: store.StatusValid})
	if err != nil {
		t.Fatal(err)
	}
	return rid
}

type fakeIPs map[string]enrich.Info

func (f fakeIPs) Lookup(_ context.Context, a netip.Addr) enrich.Info { return f[a.String()] }

// TestReportEvents: a stored report raises report.received, and
// source.new for its IPs no other report of the domain has, except the
// domain's first report; nothing is enqueued without a channel.
func TestReportEvents(t *testing.T) {
	t.Parallel()
	st := backends()[0].newDB(t)()
	s := newService(t, st, testKey(t), newClock())
	ev := &ReportEvents{Service: s, Store: st, BaseURL: "https://dmarc.example.com",
		IPs: fakeIPs{"198.51.100.7": {Org: "Example Hosting", ASN: 64500, Country: "NL"}}}

	ev.Stored(t.Context(), storeReport(t, st, "0", "192.0.2.1"))
	if n := runOnce(t, s); n != 0 {
		t.Fatalf("without channels: %d entries", n)
	}
	r := newReceiver(t, "k")
	addWebhook(t, s, "all", r)
	ev.Stored(t.Context(), storeReport(t, st, "1", "192.0.2.1"))
	id := storeReport(t, st, "2", "192.0.2.1", "198.51.100.7")
	ev.Stored(t.Context(), id)
	runOnce(t, s)
	var got []webhook.Event
	for _, req := range r.Requests() {
		var e webhook.Event
		if err := json.Unmarshal(req.body, &e); err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if len(got) != 3 {
		t.Fatalf("%d events, want 3 (2 reports and a source): %+v", len(got), got)
	}
	var source webhook.SourceNewData
	var report webhook.ReportReceivedData
	for _, e := range got {
		switch e.Type {
		case webhook.SourceNew:
			json.Unmarshal(e.Data, &source)
		case webhook.ReportReceived:
			var d webhook.ReportReceivedData
			json.Unmarshal(e.Data, &d)
			if d.ID == id {
				report = d
			}
		}
	}
	if want := (webhook.SourceNewData{Domain: "example.com", SourceIP: "198.51.100.7", FirstSeen: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		Messages: 20, Organization: "Example Hosting", ASN: 64500, Country: "NL", URL: "https://dmarc.example.com/sources/198.51.100.7"}); source != want {
		t.Errorf("source.new %+v, want %+v", source, want)
	}
	if report.Messages != 30 || report.DMARCPass != 10 || report.Compliance != 33.3 || report.Records != 2 || report.ReportID != "2" ||
		report.OrgName != "google.com" || report.URL != "https://dmarc.example.com/reports/"+strconv.FormatInt(id, 10) {
		t.Errorf("report.received %+v", report)
	}
}
