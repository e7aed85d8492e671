package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// TestForensicFlags: serve, import and fetch refuse an unknown redaction
// policy, and serve a negative retention, from the flag or the
// environment, before doing anything.
func TestForensicFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--forensic-redact", "some"}, nil, `--forensic-redact: redaction "some"`},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, map[string]string{"PARSE_DMARC_FORENSIC_RETENTION": "-1"}, "--forensic-retention: -1 days"},
		{[]string{"import", "--db", filepath.Join(dir, "x.db"), "--forensic-redact", "none", dir}, nil, `--forensic-redact: redaction "none"`},
		{[]string{"fetch", "--db", filepath.Join(dir, "x.db"), "--imap-addr", "127.0.0.1:1", "--imap-user", "u"},
			map[string]string{"PARSE_DMARC_FORENSIC_REDACT": "all"}, `--forensic-redact: redaction "all"`},
	} {
		stderr := &bytes.Buffer{}
		env := Env{Stdout: io.Discard, Stderr: stderr, Getenv: func(k string) string { return tc.vars[k] }}
		if code := Run(context.Background(), tc.args, env); code != ExitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v %v: exit %d, %q", tc.args, tc.vars, code, stderr)
		}
	}
}

// TestPruneForensicOnce deletes the failure reports past the default
// retention and logs how many; a report within it stays.
func TestPruneForensicOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for i, age := range []time.Duration{100 * 24 * time.Hour, time.Hour} {
		at := now.Add(-age)
		rep := &forensic.Report{ReportedDomain: "example.com", SourceIP: "192.0.2.1", ArrivalDate: &at}
		if _, err := st.AddForensicReport(ctx, store.ForensicIncoming{Report: rep, DedupeKey: string(rune('a' + i)), ReceivedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	pruneForensicOnce(ctx, st, now, 90*24*time.Hour, slog.New(slog.NewTextHandler(&logs, nil)))
	left, err := st.ForensicReports(ctx, store.ForensicFilter{}, 0, 10)
	if err != nil || len(left) != 1 || !left[0].Arrival.Equal(now.Add(-time.Hour)) {
		t.Errorf("left %+v, %v", left, err)
	}
	if !strings.Contains(logs.String(), "reports=1") {
		t.Errorf("log %q", logs.String())
	}
}
