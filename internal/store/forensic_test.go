package store

import (
	"errors"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
)

// testForensic is a redacted failure report of domain from ip, arrived
// at.
func testForensic(domain, ip, msgID string, at time.Time) *forensic.Report {
	return &forensic.Report{
		FeedbackType: "auth-failure", UserAgent: "Lua/1.0", Version: "1.0",
		OriginalMailFrom: "***@Bounce." + domain, ArrivalDate: &at, SourceIP: ip, ReportedDomain: domain,
		DeliveryResult: "delivered", AuthFailure: "dmarc", Format: forensic.FormatARF,
		Privacy:  forensic.Privacy{Redaction: "addresses", BodyRemoved: true, RecipientsRedacted: 1, Removed: []string{}},
		Reporter: forensic.Reporter{From: "***@reporter.example", MessageID: "r-" + msgID},
		Message:  forensic.Message{From: "<***@" + domain + ">", FromDomain: domain, Subject: "hello", MessageID: msgID},
		Messages: []aggregate.Message{{ErrorType: aggregate.MissingField, Field: "/feedback-report/Version", Severity: aggregate.SeverityWarning}},
	}
}

// TestForensicReports stores failure reports, refuses a repeat, searches
// them by every filter with the cursor, counts them per domain, source and
// day, links one to the aggregate totals of its day, deletes one, and
// prunes by the default and per-domain retentions.
func TestForensicReports(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		// The aggregate report of example.com on testBegin's day has
		// 192.0.2.7 with 3 messages.
		store(t, s, Incoming{Header: testHeader("google.com", "agg-1", "example.com"), SourceName: "agg.xml", ReceivedAt: testBegin}, testRecords(), Summary{})

		day1 := testBegin.Add(10 * time.Hour)
		day2 := day1.Add(24 * time.Hour)
		received := testBegin.Add(72 * time.Hour)
		reps := []struct {
			key string
			rep *forensic.Report
		}{
			{"k1", testForensic("example.com", "192.0.2.7", "m1@example.com", day1)},
			{"k2", testForensic("example.com", "192.0.2.7", "m2@example.com", day1.Add(time.Hour))},
			{"k3", testForensic("example.com", "198.51.100.1", "m3@example.com", day2)},
			{"k4", testForensic("other.example", "192.0.2.7", "m4@other.example", day2)},
		}
		var ids []int64
		for _, r := range reps {
			id, err := s.AddForensicReport(ctx, ForensicIncoming{Report: r.rep, DedupeKey: r.key, SourceName: r.key + ".eml", ReceivedAt: received})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if _, err := s.AddForensicReport(ctx, ForensicIncoming{Report: reps[0].rep, DedupeKey: "k1", ReceivedAt: received}); !errors.Is(err, ErrDuplicate) {
			t.Errorf("repeat: %v, want ErrDuplicate", err)
		}
		if _, err := s.AddForensicReport(ctx, ForensicIncoming{Report: reps[0].rep, ReceivedAt: received}); err == nil {
			t.Error("no dedupe key: stored")
		}

		got, err := s.ForensicReport(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "report", got.Report.Message, reps[0].rep.Message)
		equal(t, "messages", got.Report.Messages, reps[0].rep.Messages)
		equal(t, "status", got.Status, "warnings")
		equal(t, "arrival", got.Arrival, day1)
		equal(t, "day", got.Day, testBegin)
		equal(t, "received", got.ReceivedAt, received)
		equal(t, "source", got.SourceName, "k1.eml")
		if _, err := s.ForensicReport(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing report: %v", err)
		}

		list := func(f ForensicFilter, before int64, limit int) []int64 {
			t.Helper()
			l, err := s.ForensicReports(ctx, f, before, limit)
			if err != nil {
				t.Fatal(err)
			}
			out := []int64{}
			for _, r := range l {
				out = append(out, r.ID)
			}
			return out
		}
		for _, c := range []struct {
			name string
			f    ForensicFilter
			want []int64
		}{
			{"all", ForensicFilter{}, []int64{ids[3], ids[2], ids[1], ids[0]}},
			{"domain", ForensicFilter{Domain: "Example.com"}, []int64{ids[2], ids[1], ids[0]}},
			{"ip", ForensicFilter{SourceIP: "192.0.2.7"}, []int64{ids[3], ids[1], ids[0]}},
			{"message id", ForensicFilter{MessageID: "<m2@example.com>"}, []int64{ids[1]}},
			{"sender domain", ForensicFilter{Sender: "other.example"}, []int64{ids[3]}},
			{"sender mail from domain", ForensicFilter{Sender: "bounce.example.com"}, []int64{ids[2], ids[1], ids[0]}},
			{"sender address", ForensicFilter{Sender: "***@bounce.other.example"}, []int64{ids[3]}},
			{"since", ForensicFilter{Since: day2}, []int64{ids[3], ids[2]}},
			{"until", ForensicFilter{Until: day1.Add(time.Hour)}, []int64{ids[0]}},
			{"nothing", ForensicFilter{Domain: "example.com", SourceIP: "203.0.113.1"}, []int64{}},
		} {
			equal(t, c.name, list(c.f, 0, 10), c.want)
		}
		equal(t, "page 1", list(ForensicFilter{}, 0, 2), []int64{ids[3], ids[2]})
		equal(t, "page 2", list(ForensicFilter{}, ids[2], 2), []int64{ids[1], ids[0]})

		counts, err := s.ForensicCounts(ctx, ForensicFilter{Domain: "example.com"}, 10)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "counts", counts, []ForensicCount{
			{Domain: "example.com", SourceIP: "198.51.100.1", Day: testBegin.Add(24 * time.Hour), Reports: 1},
			{Domain: "example.com", SourceIP: "192.0.2.7", Day: testBegin, Reports: 2},
		})

		tot, found, err := s.SourceDayTotals(ctx, "example.com", "192.0.2.7", got.Day)
		if err != nil || !found {
			t.Fatalf("totals: %v, found %v", err, found)
		}
		equal(t, "messages", tot.Messages, int64(3))
		equal(t, "dmarc pass", tot.DMARCPass, int64(3))
		if _, found, err := s.SourceDayTotals(ctx, "example.com", "192.0.2.7", day2); err != nil || found {
			t.Errorf("totals of a day without a report: %v, found %v", err, found)
		}

		if err := s.DeleteForensicReport(ctx, ids[1]); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteForensicReport(ctx, ids[1]); !errors.Is(err, ErrNotFound) {
			t.Errorf("delete again: %v", err)
		}

		// Retention: other.example keeps 1 day, example.com has the
		// default of 3 days after arrival.
		if err := s.SetForensicRetention(ctx, ForensicRetention{Domain: "Other.Example", Days: 10}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetForensicRetention(ctx, ForensicRetention{Domain: "other.example", Days: 1}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetForensicRetention(ctx, ForensicRetention{Domain: "gone.example", Days: 0}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetForensicRetention(ctx, ForensicRetention{Domain: "x.example", Days: -1}); err == nil {
			t.Error("negative retention stored")
		}
		rets, err := s.ForensicRetentions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rets) != 2 || rets[0].Domain != "gone.example" || rets[1].Domain != "other.example" || rets[1].Days != 1 || rets[1].UpdatedAt.IsZero() {
			t.Errorf("retentions %+v", rets)
		}
		if err := s.DeleteForensicRetention(ctx, "gone.example"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteForensicRetention(ctx, "gone.example"); !errors.Is(err, ErrNotFound) {
			t.Errorf("delete retention again: %v", err)
		}

		now := day2.Add(36 * time.Hour) // day2 + 1.5 days, day1 + 2.5 days
		n, err := s.PruneForensicReports(ctx, now, 0)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "pruned by the domain's retention", n, int64(1)) // other.example's, 1.5 days old
		equal(t, "left", list(ForensicFilter{}, 0, 10), []int64{ids[2], ids[0]})
		n, err = s.PruneForensicReports(ctx, now, 48*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "pruned by the default", n, int64(1)) // day1's, 2.5 days old
		equal(t, "kept", list(ForensicFilter{}, 0, 10), []int64{ids[2]})

		// A date in the future does not keep a report: its receipt counts.
		future := now.AddDate(1, 0, 0)
		if _, err := s.AddForensicReport(ctx, ForensicIncoming{Report: testForensic("example.com", "192.0.2.9", "f@example.com", future),
			DedupeKey: "future", ReceivedAt: day1}); err != nil {
			t.Fatal(err)
		}
		if n, err = s.PruneForensicReports(ctx, now, 48*time.Hour); err != nil || n != 1 {
			t.Errorf("prune a report received long ago: %d, %v", n, err)
		}
	})
}
