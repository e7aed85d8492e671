package store

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestExpectedAnomalies marks, replaces, lists and unmarks feedback: each
// domain's rows are its own, a row is replaced by its (domain, kind, key),
// and unmarking a row that is not there is ErrNotFound.
func TestExpectedAnomalies(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
		mark := func(e ExpectedAnomaly) {
			t.Helper()
			if err := s.MarkExpected(ctx, e); err != nil {
				t.Fatalf("mark %+v: %v", e, err)
			}
		}
		list := func(domain string) []ExpectedAnomaly {
			t.Helper()
			l, err := s.ExpectedAnomalies(ctx, domain)
			if err != nil {
				t.Fatalf("list %s: %v", domain, err)
			}
			return l
		}
		equal(t, "none yet", list("example.com"), []ExpectedAnomaly(nil))

		src := ExpectedAnomaly{Domain: "example.com", Kind: "new_source", Key: "192.0.2.7", By: "admin", At: at, Note: "our new ESP"}
		day := ExpectedAnomaly{Domain: "example.com", Kind: "volume_spike", Key: "2026-11-18", By: "admin", At: at.Add(time.Second), Note: "Black Friday"}
		other := ExpectedAnomaly{Domain: "example.org", Kind: "new_source", Key: "192.0.2.7", By: "", At: at, Note: ""}
		mark(day)
		mark(src)
		mark(other)
		equal(t, "by kind and key", list("example.com"), []ExpectedAnomaly{src, day})
		equal(t, "other domain", list("example.org"), []ExpectedAnomaly{other})

		src.Note, src.By, src.At = "the newsletter service", "alice", at.Add(time.Hour)
		mark(src)
		equal(t, "replaced", list("example.com"), []ExpectedAnomaly{src, day})

		if err := s.UnmarkExpected(ctx, "example.com", "volume_spike", "2026-11-18"); err != nil {
			t.Fatal(err)
		}
		equal(t, "unmarked", list("example.com"), []ExpectedAnomaly{src})
		if err := s.UnmarkExpected(ctx, "example.com", "volume_spike", "2026-11-18"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unmark twice: got %v, want ErrNotFound", err)
		}
		equal(t, "other domain kept", list("example.org"), []ExpectedAnomaly{other})

		// Now when At is zero.
		before := time.Now().Add(-time.Second)
		mark(ExpectedAnomaly{Domain: "example.net", Kind: "geographic_shift", Key: "BR"})
		if l := list("example.net"); len(l) != 1 || l[0].At.Before(before.Truncate(time.Second)) {
			t.Errorf("zero At: %+v", l)
		}
		// Text PostgreSQL cannot hold is replaced there, yet found by
		// the same name.
		bad := ExpectedAnomaly{Domain: "bad\xff.example", Kind: "new_source", Key: "k\x00", At: at, Note: "n\xfe"}
		mark(bad)
		if l := list(bad.Domain); len(l) != 1 || l[0].Domain != bad.Domain {
			t.Errorf("invalid UTF-8: %+v", l)
		}
		if err := s.MarkExpected(ctx, ExpectedAnomaly{Domain: "example.com", Kind: "new_source"}); err == nil || !strings.Contains(err.Error(), "required") {
			t.Errorf("empty key: got %v", err)
		}
	})
}

// TestSourceDays compares the source rows of each domain with the records'
// sums per day and IP, cuts them at a limit from the newest day, and reads
// each domain's first and last day.
func TestSourceDays(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		ctx := t.Context()
		storeVaried(t, s)
		run := rowsOf(t, s)
		sortRows := func(rows []SourceDayTotals) {
			slices.SortFunc(rows, func(a, b SourceDayTotals) int {
				return cmp.Or(b.Day.Compare(a.Day), cmp.Compare(a.SourceIP, b.SourceIP))
			})
		}
		for _, f := range []AggregateFilter{
			{Domain: "example.com"},
			{Domain: "example.org", Since: testBegin.AddDate(0, 0, 4), Until: testBegin.AddDate(0, 0, 12)},
			{Domain: "nothing.example"},
		} {
			w, args := f.where("day")
			var want []SourceDayTotals
			err := run(ctx, "SELECT day, source_ip, "+recordsTotals+" FROM records"+w+" GROUP BY day, source_ip", args,
				func(scan func(...any) error) error {
					var r SourceDayTotals
					var day int64
					if err := scan(append([]any{&day, &r.SourceIP}, r.dest()...)...); err != nil {
						return err
					}
					r.Day = time.Unix(day, 0).UTC()
					want = append(want, r)
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
			sortRows(want)
			got, partial, err := s.SourceDays(ctx, f, 10000)
			if err != nil || partial {
				t.Fatalf("%s: partial %v, %v", f.Domain, partial, err)
			}
			sortRows(got)
			equal(t, f.Domain+" rows", got, want)

			first, last, err := s.DomainSpan(ctx, f.Domain)
			if err != nil {
				t.Fatal(err)
			}
			if f.Since.IsZero() {
				var wantFirst, wantLast time.Time
				if len(want) > 0 {
					wantFirst, wantLast = want[len(want)-1].Day, want[0].Day
				}
				equal(t, f.Domain+" span", [2]time.Time{first, last}, [2]time.Time{wantFirst, wantLast})
			}

			if len(want) < 3 {
				continue
			}
			// Cut: the newest rows, whole days before the oldest one.
			limit := len(want) / 2
			cut, partial, err := s.SourceDays(ctx, f, limit)
			if err != nil || !partial || len(cut) != limit {
				t.Fatalf("%s limit %d: %d rows, partial %v, %v", f.Domain, limit, len(cut), partial, err)
			}
			oldest := cut[len(cut)-1].Day
			cut = slices.DeleteFunc(cut, func(r SourceDayTotals) bool { return r.Day.Equal(oldest) })
			sortRows(cut)
			equal(t, f.Domain+" cut", cut, slices.DeleteFunc(slices.Clone(want), func(r SourceDayTotals) bool { return !r.Day.After(oldest) }))
		}
		if _, _, err := s.SourceDays(ctx, AggregateFilter{}, 10); err == nil {
			t.Error("no domain: no error")
		}
	})
}
