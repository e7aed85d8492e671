package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// TestReputationKeys: the API keys come from the variables or the files
// their _FILE variables name, enable their providers, and appear in no
// output or error; the command line has no flag for them.
func TestReputationKeys(t *testing.T) {
	t.Parallel()
	st, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keyFile := filepath.Join(t.TempDir(), "vt")
	if err := os.WriteFile(keyFile, []byte("vt-secret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		vars      map[string]string
		providers []string
		err       string
	}{
		{"no keys", nil, nil, ""},
		{"AbuseIPDB", map[string]string{abuseIPDBKeyVar: "abuse-secret"}, []string{"AbuseIPDB"}, ""},
		{"both, one from a file", map[string]string{abuseIPDBKeyVar: "abuse-secret", virusTotalKeyVar + "_FILE": keyFile},
			[]string{"AbuseIPDB", "VirusTotal"}, ""},
		{"missing file", map[string]string{virusTotalKeyVar + "_FILE": "/nonexistent/vt"}, nil,
			"VirusTotal key: PARSE_DMARC_VIRUSTOTAL_KEY_FILE: open /nonexistent/vt"},
	}
	for _, tc := range tests {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		env := mapEnv(tc.vars)
		f := addReputationFlags(fs)
		if code, ok := parseFlags(fs, &env, nil); !ok {
			t.Fatalf("%s: parse flags: %d", tc.name, code)
		}
		s, err := f.service(env, st, log)
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("%s: error %v", tc.name, err)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		} else if got := s.Providers(); !slices.Equal(got, tc.providers) {
			t.Errorf("%s: providers %v", tc.name, got)
		}
		out := logs.String() + env.Stderr.(*bytes.Buffer).String()
		if err != nil {
			out += err.Error()
		}
		if strings.Contains(out, "secret") {
			t.Errorf("%s: a key in the output: %s", tc.name, out)
		}
	}

	env := Env{Stdout: io.Discard, Stderr: &bytes.Buffer{}}
	if code := Run(context.Background(), []string{"serve", "--abuseipdb-key", "abuse-secret"}, env); code != ExitUsage {
		t.Errorf("--abuseipdb-key accepted: exit %d", code)
	}
}

// TestReputationFlags: the settings come from flags or PARSE_DMARC_*
// variables, and nonsense is refused.
func TestReputationFlags(t *testing.T) {
	t.Parallel()
	st, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		args []string
		vars map[string]string
		ok   bool
	}{
		{[]string{"--abuseipdb-url", "https://proxy.example/abuseipdb", "--reputation-ttl", "6h"}, nil, true},
		{nil, map[string]string{"PARSE_DMARC_VIRUSTOTAL_URL": "http://127.0.0.1:8080/vt", "PARSE_DMARC_VIRUSTOTAL_DAILY_LIMIT": "20000"}, true},
		{[]string{"--virustotal-url", "ftp://example.com"}, nil, false},
		{nil, map[string]string{"PARSE_DMARC_ABUSEIPDB_URL": "not a url"}, false},
		{[]string{"--abuseipdb-daily-limit", "-1"}, nil, false},
	} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		env := mapEnv(tc.vars)
		f := addReputationFlags(fs)
		if _, ok := parseFlags(fs, &env, tc.args); !ok {
			t.Fatalf("%v %v: parse flags", tc.args, tc.vars)
		}
		if _, err := f.service(env, st, slog.New(slog.DiscardHandler)); (err == nil) != tc.ok {
			t.Errorf("%v %v: error %v", tc.args, tc.vars, err)
		}
	}
}
