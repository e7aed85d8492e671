package store

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ?", "a = $1"},
		{"(?, ?, '', ?) LIMIT ?", "($1, $2, '', $3) LIMIT $4"},
		{strings.Repeat("?", 12), "$1$2$3$4$5$6$7$8$9$10$11$12"},
	}
	for _, tc := range tests {
		equal(t, tc.in, rebind(tc.in), tc.want)
	}
}

func TestPgText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"example.com", "example.com"},
		{"ünïcödé ✓", "ünïcödé ✓"},
		{"a\x00b", "a\uFFFDb"},
		{"bad \xff\xfe utf8", "bad \uFFFD utf8"},
		{"\x00\xc3", "\uFFFD\uFFFD"},
	}
	for _, tc := range tests {
		equal(t, tc.in, pgText(tc.in), tc.want)
	}
}

func TestAdvisoryKey(t *testing.T) {
	t.Parallel()
	keys := map[int64]string{}
	for _, k := range [][3]string{
		{"trylock", "public", "a"}, {"trylock", "other", "a"}, {"trylock", "public", "b"},
		{"migrate", "public", "a"}, {"trylock", "publica", ""}, {"trylock", "public", ""},
	} {
		key := advisoryKey(k[0], k[1], k[2])
		if prev, ok := keys[key]; ok {
			t.Errorf("%v and %s share key %d", k, prev, key)
		}
		keys[key] = strings.Join(k[:], "/")
	}
	equal(t, "stable", advisoryKey("trylock", "public", "a"), advisoryKey("trylock", "public", "a"))
}

func TestIsPostgresURL(t *testing.T) {
	t.Parallel()
	for dsn, want := range map[string]bool{
		"postgres://u@h/db": true, "postgresql://h/db?sslmode=disable": true, "PostgreSQL://h/db": true,
		"/var/lib/parse-dmarc/db.sqlite": false, "postgres.db": false, "postgres:/x": false,
		"host=h dbname=db": false, "": false,
	} {
		equal(t, dsn, IsPostgresURL(dsn), want)
	}
}

// TestOpen checks that Open picks the implementation by the DSN.
func TestOpen(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s, err := Open(t.Context(), t.TempDir()+"/postgres.db")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, ok := s.(*SQLite); !ok {
			t.Errorf("got %T, want *SQLite", s)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		s, err := Open(t.Context(), newPostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, ok := s.(*Postgres); !ok {
			t.Errorf("got %T, want *Postgres", s)
		}
	})
	t.Run("postgres error", func(t *testing.T) {
		t.Parallel()
		s, err := Open(t.Context(), "postgres://u:secret@127.0.0.1:1/db?connect_timeout=5")
		if err == nil || s != nil {
			t.Fatalf("got %v, %v; want an error and a nil Store", s, err)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("error shows the password: %v", err)
		}
	})
}

// TestPostgresMissingSchema checks that a search_path naming no schema is
// refused with a clear error rather than failing at the first CREATE.
func TestPostgresMissingSchema(t *testing.T) {
	t.Parallel()
	dsn := newPostgresSchema(t)
	u, _ := url.Parse(dsn)
	q := u.Query()
	q.Set("search_path", q.Get("search_path")+"_missing")
	u.RawQuery = q.Encode()
	p, err := OpenPostgres(t.Context(), u.String())
	if err == nil {
		p.Close()
		t.Fatal("opened a store on a missing schema")
	}
	if !strings.Contains(err.Error(), "no schema") {
		t.Errorf("got %v, want an error about the schema", err)
	}
}

// TestPostgresText stores text that PostgreSQL cannot hold as is (NUL,
// invalid UTF-8): it is kept with U+FFFD in place, not refused.
func TestPostgresText(t *testing.T) {
	t.Parallel()
	s := newPostgresDB(t)(t, 0)
	h := testHeader("bad\x00org", "id\xff", "example.com")
	h.Metadata.Errors = []string{"nul \x00 in error"}
	rec := *testRecords()[1]
	rec.SourceIP = "1.2.3.4\x00"
	rec.Identifiers.HeaderFrom = "ex\x91mple.com"
	rec.PolicyEvaluated.Reasons = []aggregate.Reason{{Type: "other", Comment: "nul \x00 in json"}}
	id := store(t, s, Incoming{Header: h, SourceName: "file\xe9.xml"}, []*aggregate.Record{&rec}, Summary{})
	got, err := s.Report(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "org", got.Header.Metadata.Reporter.OrgName, "bad\uFFFDorg")
	equal(t, "report_id", got.Header.Metadata.ReportID, "id\uFFFD")
	equal(t, "source", got.SourceName, "file\uFFFD.xml")
	equal(t, "metadata errors", got.Header.Metadata.Errors, h.Metadata.Errors) // JSON escapes NUL
	recs := records(t, s, id)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	equal(t, "source ip", recs[0].SourceIP, "1.2.3.4\uFFFD")
	equal(t, "header from", recs[0].Identifiers.HeaderFrom, "ex\uFFFDmple.com")
	equal(t, "reasons", recs[0].PolicyEvaluated.Reasons, rec.PolicyEvaluated.Reasons)
	if _, err := s.BeginReport(t.Context(), Incoming{Header: testHeader("bad\x00org", "id\xff", "example.com")}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("same key again: got %v, want ErrDuplicate", err)
	}
	if _, err := s.Quarantine(t.Context(), Quarantined{SourceName: "a\x00b", Reason: "bad \xff", Raw: []byte{0, 0xff}}); err != nil {
		t.Errorf("quarantine: %v", err)
	}
	k := MailboxKey{Account: "a\x00", Mailbox: "INBOX\xff", UIDValidity: 1}
	if err := s.MarkMessageSeen(t.Context(), k, 1); err != nil {
		t.Fatal(err)
	}
	if seen, err := s.MessageSeen(t.Context(), k, 1); err != nil || !seen {
		t.Errorf("seen: got %v, %v; want true", seen, err)
	}
}

// TestBeginContextDone checks that a ReportTx whose BeginReport context
// ends is rolled back and frees its dedupe key and connection, though its
// holder never calls Rollback.
func TestBeginContextDone(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		s := openStore(t, b)
		in := Incoming{Header: testHeader("google.com", "r1", "example.com")}
		ctx, cancel := context.WithCancel(t.Context())
		tx, err := s.BeginReport(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range testRecords() {
			if err := tx.Add(context.Background(), r); err != nil {
				t.Fatal(err)
			}
		}
		cancel()
		wait, stop := context.WithTimeout(t.Context(), 10*time.Second)
		defer stop()
		// The key is free once the rollback has run; until then
		// BeginReport waits for it (both stores) or the ctx ends.
		again, err := s.BeginReport(wait, in)
		if err != nil {
			t.Fatalf("begin after the first context ended: %v", err)
		}
		if _, err := again.Commit(t.Context(), Summary{Status: StatusValid}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Commit(context.Background(), Summary{Status: StatusValid}); err == nil {
			t.Error("commit after the context ended succeeded")
		}
		if err := tx.Rollback(); err != nil {
			t.Errorf("rollback after the context ended: %v", err)
		}
		equal(t, "counts", counts(t, s), Counts{Reports: 1})
	})
}
