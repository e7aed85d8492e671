package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		many := make([]*aggregate.Record, 300)
		for i := range many {
			r := *testRecords()[i%4]
			r.SourceIP = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
			r.Count = int64(i + 1)
			many[i] = &r
		}
		msgs := []aggregate.Message{
			{ErrorType: aggregate.InvalidValue, Field: "/feedback/record/row/source_ip", Expected: "IPv4 or IPv6 address", Actual: "not an ip", Severity: aggregate.SeverityWarning, Action: aggregate.ActionKept, Occurrences: 2},
			{ErrorType: aggregate.MissingField, Field: "/feedback/policy_published/pct", Expected: "0-100", Severity: aggregate.SeverityWarning, Action: aggregate.ActionUsedDefault},
		}
		tests := []struct {
			name    string
			batch   int
			header  *aggregate.Header
			records []*aggregate.Record
			sum     Summary
		}{
			{"all fields", 0, testHeader("receiver.example", "bis-1", "example.com"), testRecords(),
				Summary{Status: StatusWarnings, Messages: msgs, RawGzip: []byte{0x1f, 0x8b, 0, 1, 2}, SHA256: "ab12"}},
			{"no records", 0, testHeader("receiver.example", "bis-2", "example.com"), nil, Summary{Status: StatusValid}},
			{"minimal header", 0, &aggregate.Header{Metadata: aggregate.Metadata{ReportID: "x", DateRange: aggregate.DateRange{Begin: testBegin, End: testBegin}}}, testRecords()[3:], Summary{Status: StatusErrors}},
			{"several batches", 0, testHeader("google.com", "many", "example.org"), many, Summary{Status: StatusValid}},
			{"batch of 7", 7, testHeader("google.com", "many", "example.org"), many, Summary{Status: StatusValid}},
			{"batch of 1", 1, testHeader("google.com", "many", "example.org"), many[:20], Summary{Status: StatusValid}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				s := b.newDB(t)(t, tc.batch)
				received := time.Date(2026, 11, 25, 8, 9, 10, 123456789, time.FixedZone("CET", 3600))
				in := Incoming{Header: tc.header, SourceName: "mail > report.xml.gz", SHA256: "cafe", ReceivedAt: received}
				id := store(t, s, in, tc.records, tc.sum)

				got, err := s.Report(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				var want tally
				for _, r := range tc.records {
					want.add(r)
				}
				wantSHA := "cafe"
				if tc.sum.SHA256 != "" {
					wantSHA = tc.sum.SHA256
				}
				equal(t, "report", *got, StoredReport{
					ID: id, Header: *tc.header, SourceName: in.SourceName, SHA256: wantSHA, Status: tc.sum.Status,
					ReceivedAt: received.Truncate(time.Second).UTC(), Messages: tc.sum.Messages,
					RecordCount: want.records, MessageCount: want.messages, PassCount: want.pass,
					DKIMPassCount: want.dkimPass, SPFPassCount: want.spfPass,
				})
				equal(t, "records", records(t, s, id), tc.records)
				raw, err := s.ReportRaw(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				equal(t, "raw", raw, tc.sum.RawGzip)
				equal(t, "counts", counts(t, s), Counts{Reports: 1, Records: want.records, Messages: want.messages})
			})
		}
	})
}

func TestCounters(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		id := store(t, s, Incoming{Header: testHeader("a", "1", "example.com")}, testRecords(), Summary{})
		got, err := s.Report(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		// 1200 pass/pass, 3 dkim pass, 1 fail/fail, 10 spf pass.
		equal(t, "counters", [5]int64{got.RecordCount, got.MessageCount, got.PassCount, got.DKIMPassCount, got.SPFPassCount},
			[5]int64{4, 1214, 1213, 1203, 1210})
	})
}

func TestDuplicate(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		first := Incoming{Header: testHeader("google.com", "r1", "example.com"), SHA256: "aa"}
		tests := []struct {
			name string
			in   Incoming
			dup  bool
		}{
			{"same key", first, true},
			{"same key, other bytes", Incoming{Header: testHeader("google.com", "r1", "example.com"), SHA256: "bb"}, true},
			{"other report_id", Incoming{Header: testHeader("google.com", "r2", "example.com")}, false},
			{"other org", Incoming{Header: testHeader("yahoo.com", "r1", "example.com")}, false},
			{"other domain", Incoming{Header: testHeader("google.com", "r1", "example.org")}, false},
			{"report_id equal to a digest key", Incoming{Header: testHeader("google.com", "sha256:aa", "example.com")}, false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				s := openStore(t, b)
				store(t, s, first, testRecords(), Summary{})
				before := counts(t, s)
				tx, err := s.BeginReport(t.Context(), tc.in)
				if tc.dup {
					if !errors.Is(err, ErrDuplicate) {
						t.Fatalf("got %v, want ErrDuplicate", err)
					}
					equal(t, "counts", counts(t, s), before)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tx.Commit(t.Context(), Summary{Status: StatusValid}); err != nil {
					t.Fatal(err)
				}
				equal(t, "reports", counts(t, s).Reports, 2)
			})
		}
	})
}

func TestEmptyReportID(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		noID := func(sha string) Incoming {
			return Incoming{Header: testHeader("google.com", "", "example.com"), SHA256: sha}
		}
		tests := []struct {
			name        string
			first, next Incoming
			wantDup     bool
		}{
			{"same digest", noID("aa"), noID("aa"), true},
			{"other digest", noID("aa"), noID("bb"), false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				s := openStore(t, b)
				id := store(t, s, tc.first, testRecords(), Summary{})
				var key string
				if err := queryRow(t, s, `SELECT report_key FROM reports WHERE id = ?`, id).Scan(&key); err != nil {
					t.Fatal(err)
				}
				equal(t, "key", key, "sha256:"+tc.first.SHA256)
				r, err := s.Report(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				equal(t, "report_id", r.Header.Metadata.ReportID, "")
				tx, err := s.BeginReport(t.Context(), tc.next)
				if errors.Is(err, ErrDuplicate) != tc.wantDup {
					t.Fatalf("got %v, want duplicate %v", err, tc.wantDup)
				}
				if tx != nil {
					tx.Rollback()
				}
			})
		}

		t.Run("no digest", func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b)
			if _, err := s.BeginReport(t.Context(), noID("")); err == nil || errors.Is(err, ErrDuplicate) {
				t.Fatalf("got %v, want an error", err)
			}
			if _, err := s.BeginReport(t.Context(), Incoming{}); err == nil {
				t.Fatal("no header: want an error")
			}
		})
	})
}

func TestRollback(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tests := []struct {
			name string
			end  func(ReportTx) error
		}{
			{"rollback", func(tx ReportTx) error { return tx.Rollback() }},
			{"bad status", func(tx ReportTx) error {
				if _, err := tx.Commit(context.Background(), Summary{Status: "fine"}); err == nil {
					return errors.New("commit with an unknown status succeeded")
				}
				return tx.Rollback() // a no-op after a failed Commit
			}},
			{"context done", func(tx ReportTx) error {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				if err := tx.Add(ctx, testRecords()[0]); err == nil {
					// Add may only buffer; Commit must fail.
					if _, err := tx.Commit(ctx, Summary{Status: StatusValid}); err == nil {
						return errors.New("commit with a done context succeeded")
					}
				}
				return tx.Rollback()
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				s := b.newDB(t)(t, 64)
				in := Incoming{Header: testHeader("google.com", "r1", "example.com")}
				tx, err := s.BeginReport(t.Context(), in)
				if err != nil {
					t.Fatal(err)
				}
				for range 200 { // past three batches: rows were inserted
					if err := tx.Add(t.Context(), testRecords()[1]); err != nil {
						t.Fatal(err)
					}
				}
				if err := tc.end(tx); err != nil {
					t.Fatal(err)
				}
				if err := tx.Rollback(); err != nil {
					t.Fatalf("second rollback: %v", err)
				}
				if err := tx.Add(t.Context(), testRecords()[0]); err == nil {
					t.Error("add after rollback succeeded")
				}
				equal(t, "counts", counts(t, s), Counts{})
				var n int
				if err := queryRow(t, s, `SELECT COUNT(*) FROM records`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				equal(t, "records rows", n, 0)
				// The key is free again.
				store(t, s, in, testRecords(), Summary{})
			})
		}
	})
}

func TestCommitTwice(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		tx, err := s.BeginReport(t.Context(), Incoming{Header: testHeader("a", "1", "example.com")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Commit(t.Context(), Summary{Status: StatusValid}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Commit(t.Context(), Summary{Status: StatusValid}); err == nil {
			t.Error("second commit succeeded")
		}
		if err := tx.Add(t.Context(), testRecords()[0]); err == nil {
			t.Error("add after commit succeeded")
		}
		if err := tx.Rollback(); err != nil {
			t.Errorf("rollback after commit: %v", err)
		}
		equal(t, "reports", counts(t, s).Reports, 1)
	})
}

func TestReportsFilter(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		day := 24 * time.Hour
		type rep struct {
			org, domain, status string
			begin               time.Time
		}
		reps := []rep{
			{"google.com", "example.com", StatusValid, testBegin},                 // 1
			{"google.com", "example.org", StatusWarnings, testBegin.Add(day)},     // 2
			{"yahoo.com", "example.com", StatusValid, testBegin.Add(2 * day)},     // 3
			{"yahoo.com", "example.com", StatusErrors, testBegin.Add(2 * day)},    // 4, same begin as 3
			{"outlook.com", "example.com", StatusValid, testBegin.Add(-30 * day)}, // 5
		}
		ids := make([]int64, len(reps))
		for i, r := range reps {
			h := testHeader(r.org, fmt.Sprint("id", i), r.domain)
			h.Metadata.DateRange.Begin = r.begin
			h.Metadata.DateRange.End = r.begin.Add(day)
			ids[i] = store(t, s, Incoming{Header: h}, testRecords()[:1], Summary{Status: r.status})
		}
		tests := []struct {
			name string
			f    ReportFilter
			want []int // indexes into reps, in order
		}{
			{"all, newest first", ReportFilter{}, []int{3, 2, 1, 0, 4}},
			{"domain", ReportFilter{Domain: "example.org"}, []int{1}},
			{"org", ReportFilter{OrgName: "yahoo.com"}, []int{3, 2}},
			{"since", ReportFilter{Since: testBegin.Add(day)}, []int{3, 2, 1}},
			{"until", ReportFilter{Until: testBegin.Add(day)}, []int{0, 4}},
			{"since and until", ReportFilter{Since: testBegin, Until: testBegin.Add(2 * day)}, []int{1, 0}},
			{"status", ReportFilter{Status: StatusValid}, []int{2, 0, 4}},
			{"domain and status", ReportFilter{Domain: "example.com", Status: StatusValid}, []int{2, 0, 4}},
			{"limit", ReportFilter{Limit: 2}, []int{3, 2}},
			{"page after a tie", ReportFilter{Limit: 2, BeforeID: 4}, []int{2, 1}},
			{"next page", ReportFilter{Limit: 2, BeforeID: 2}, []int{0, 4}},
			{"last page", ReportFilter{BeforeID: 5}, nil},
			{"nothing", ReportFilter{Domain: "none.example"}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				list, err := s.Reports(t.Context(), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var got, want []int64
				for _, r := range list {
					got = append(got, r.ID)
				}
				for _, i := range tc.want {
					want = append(want, ids[i])
				}
				equal(t, "ids", got, want)
			})
		}
		if _, err := s.Reports(t.Context(), ReportFilter{BeforeID: 99}); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown BeforeID: got %v, want ErrNotFound", err)
		}
	})
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		empty := store(t, s, Incoming{Header: testHeader("a", "1", "example.com")}, nil, Summary{})
		if err := s.Records(t.Context(), empty, func(*aggregate.Record) error { return errors.New("called") }); err != nil {
			t.Errorf("records of an empty report: %v", err)
		}
		errs := map[string]error{}
		_, errs["report"] = s.Report(t.Context(), 42)
		_, errs["raw"] = s.ReportRaw(t.Context(), 42)
		errs["records"] = s.Records(t.Context(), 42, func(*aggregate.Record) error { return nil })
		for what, err := range errs {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: got %v, want ErrNotFound", what, err)
			}
		}
	})
}

func TestRecordsStop(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		id := store(t, s, Incoming{Header: testHeader("a", "1", "example.com")}, testRecords(), Summary{})
		stop := errors.New("stop")
		n := 0
		err := s.Records(t.Context(), id, func(*aggregate.Record) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 2 {
			t.Errorf("got %v after %d records, want stop after 2", err, n)
		}
	})
}

// TestConcurrentBegin imports the same report from two goroutines, through
// one store and through two stores on one database, as two processes would
// (SQLite: the writers queue for the connection, then for the file's lock;
// PostgreSQL: the second INSERT waits on the unique index).
// Exactly one is stored; the other gets ErrDuplicate.
func TestConcurrentBegin(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		tests := []struct {
			name   string
			stores int
		}{
			{"one store", 1},
			{"two stores on one database", 2},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				open := b.newDB(t)
				var stores []Store
				for range tc.stores {
					stores = append(stores, open(t, 0))
				}
				in := Incoming{Header: testHeader("google.com", "same", "example.com")}
				errs := make([]error, 2)
				var wg sync.WaitGroup
				for i := range errs {
					s := stores[i%len(stores)]
					wg.Go(func() {
						tx, err := s.BeginReport(t.Context(), in)
						if err != nil {
							errs[i] = err
							return
						}
						defer tx.Rollback()
						for _, r := range testRecords() {
							if err := tx.Add(t.Context(), r); err != nil {
								errs[i] = err
								return
							}
						}
						time.Sleep(10 * time.Millisecond) // hold the transaction open
						_, errs[i] = tx.Commit(t.Context(), Summary{Status: StatusValid})
					})
				}
				wg.Wait()
				var ok, dup int
				for _, err := range errs {
					switch {
					case err == nil:
						ok++
					case errors.Is(err, ErrDuplicate):
						dup++
					default:
						t.Errorf("unexpected error: %v", err)
					}
				}
				if ok != 1 || dup != 1 {
					t.Errorf("%d stored, %d duplicates; want 1 and 1", ok, dup)
				}
				equal(t, "counts", counts(t, stores[0]), Counts{Reports: 1, Records: 4, Messages: 1214})
			})
		}
	})
}

// TestConcurrentUse writes and reads from many goroutines at once, for the
// race detector.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				id := store(t, s, Incoming{Header: testHeader("google.com", fmt.Sprint(i), "example.com")}, testRecords(), Summary{})
				if _, err := s.Quarantine(t.Context(), Quarantined{SourceName: fmt.Sprint(i), Raw: []byte("x")}); err != nil {
					t.Error(err)
				}
				if got := records(t, s, id); len(got) != 4 {
					t.Errorf("%d records, want 4", len(got))
				}
				if _, err := s.Reports(t.Context(), ReportFilter{Domain: "example.com"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		equal(t, "counts", counts(t, s), Counts{Reports: 8, Records: 32, Messages: 8 * 1214, Quarantined: 8})
	})
}
