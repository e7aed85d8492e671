package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The end-to-end tests build the real binary and run it on the real-world
// corpus, as a user would.

var corpus = filepath.Join("..", "..", "..", "shared", "corpus", "parsedmarc", "samples")

var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "parse-dmarc-e2e")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "parse-dmarc")
	out, err := osexec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", errors.New(string(out))
	}
	return bin, nil
})

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, err := buildOnce()
	if err != nil {
		t.Fatal("build:", err)
	}
	return bin
}

func needCorpus(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("corpus not present")
	}
}

// exec returns the command running the binary with args, in an
// environment without the caller's PARSE_DMARC_ settings.
func exec(t *testing.T, args ...string) *osexec.Cmd {
	t.Helper()
	cmd := osexec.Command(binary(t), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARSE_DMARC_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

// run runs the binary and returns stdout, stderr and the exit code.
func run(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec(t, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	return runCmd(t, cmd)
}

// runCmd runs cmd and returns stdout, stderr and the exit code.
func runCmd(t *testing.T, cmd *osexec.Cmd) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *osexec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// document is the part of the normalized report the tests look at.
type document struct {
	ParseMetadata struct {
		ParserVersion      string `json:"parser_version"`
		ParsedAt           string `json:"parsed_at"`
		InputFormat        string `json:"input_format"`
		ValidationStatus   string `json:"validation_status"`
		ValidationMessages []struct {
			ErrorType string `json:"error_type"`
			Field     string `json:"field"`
			Severity  string `json:"severity"`
			Action    string `json:"action"`
		} `json:"validation_messages"`
		Source string `json:"source"`
		SHA256 string `json:"sha256"`
	} `json:"parse_metadata"`
	Report *struct {
		Metadata struct {
			Reporter struct {
				OrgName string `json:"org_name"`
			} `json:"reporter"`
			ReportID  string `json:"report_id"`
			DateRange struct {
				Begin, End    string
				DurationHours float64 `json:"duration_hours"`
			} `json:"date_range"`
		} `json:"metadata"`
		PolicyPublished map[string]any   `json:"policy_published"`
		Records         []map[string]any `json:"records"`
		Statistics      map[string]any   `json:"statistics"`
		Sources         []map[string]any `json:"source_classifications"`
		Trends          map[string]any   `json:"trends"`
	} `json:"report"`
	RiskIndicators  map[string]any   `json:"risk_indicators"`
	Recommendations []map[string]any `json:"recommendations"`
}

func decodeLines(t *testing.T, out string) []document {
	t.Helper()
	var docs []document
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var d document
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("line is not JSON: %v\n%s", err, sc.Text())
		}
		docs = append(docs, d)
	}
	return docs
}

var statisticsKeys = []string{"total_messages", "dkim_pass", "dkim_fail", "spf_pass", "spf_fail", "fully_aligned",
	"fully_failed", "disposition_none", "disposition_quarantine", "disposition_reject", "unique_sources",
	"pass_rate_dkim", "pass_rate_spf", "pass_rate_overall"}

// TestParseCorpus parses every aggregate sample, in every container it
// comes in: each gives a report with records, in the protocol's shape.
func TestParseCorpus(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	var files []string
	for _, dir := range []string{"aggregate", "aggregate_invalid", "extract_report"} {
		m, _ := filepath.Glob(filepath.Join(corpus, dir, "*"))
		files = append(files, m...)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			out, stderr, code := run(t, nil, "parse", f)
			if code != 0 {
				t.Fatalf("exit %d: %s\n%s", code, stderr, out)
			}
			docs := decodeLines(t, out)
			if len(docs) == 0 {
				t.Fatal("no report printed")
			}
			for _, d := range docs {
				pm := d.ParseMetadata
				if pm.InputFormat != "aggregate" || pm.ParserVersion == "" || pm.ParsedAt == "" || len(pm.SHA256) != 64 {
					t.Errorf("parse_metadata %+v", pm)
				}
				if pm.ValidationStatus != "valid" && pm.ValidationStatus != "warnings" {
					t.Errorf("validation_status %s", pm.ValidationStatus)
				}
				if d.Report == nil || len(d.Report.Records) == 0 {
					t.Fatal("no records")
				}
				if len(d.Report.Statistics) != len(statisticsKeys) {
					t.Errorf("statistics has %d keys, want exactly %v", len(d.Report.Statistics), statisticsKeys)
				}
				for _, k := range statisticsKeys {
					if _, ok := d.Report.Statistics[k]; !ok {
						t.Errorf("statistics lacks %s", k)
					}
				}
				if len(d.Report.Sources) == 0 || d.Report.Trends == nil || d.RiskIndicators == nil || d.Recommendations == nil {
					t.Errorf("analysis parts missing: %+v", d)
				}
				if !strings.HasSuffix(d.Report.Metadata.DateRange.Begin, "Z") {
					t.Errorf("begin %q not UTC ISO-8601", d.Report.Metadata.DateRange.Begin)
				}
			}
		})
	}
}

func TestParseMimecastMail(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	out, stderr, code := run(t, nil, "parse", filepath.Join(corpus, "aggregate", "mimecast-weird-gzip.eml"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	docs := decodeLines(t, out)
	if len(docs) != 1 || docs[0].Report.Metadata.Reporter.OrgName == "" || !strings.Contains(docs[0].ParseMetadata.Source, "mimecast") {
		t.Fatalf("%+v", docs)
	}
}

func TestParseEmptyRefused(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	out, _, code := run(t, nil, "parse", filepath.Join(corpus, "empty.xml"))
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	docs := decodeLines(t, out)
	if len(docs) != 1 || docs[0].ParseMetadata.ValidationStatus != "errors" || docs[0].Report != nil {
		t.Fatalf("%s", out)
	}
	m := docs[0].ParseMetadata.ValidationMessages
	if len(m) != 1 || m[0].Severity != "fatal" || m[0].Action != "halted_parse" {
		t.Fatalf("messages %+v", m)
	}
}

func TestParseStdinAndPretty(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	in, err := os.ReadFile(filepath.Join(corpus, "aggregate", "rfc9990-sample.xml"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, in, "parse", "--pretty", "-")
	if code != 0 || !strings.HasPrefix(out, "{\n  \"parse_metadata\": {") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var d document
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Report.PolicyPublished["discovery_method"] != "treewalk" || d.Report.Records[0]["policy_evaluated"].(map[string]any)["disposition"] != "pass" {
		t.Errorf("DMARCbis fields lost: %+v", d.Report)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage: parse-dmarc COMMAND"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"parse"}, 2, "Usage: parse-dmarc parse"},
		{[]string{"parse", "--help"}, 0, "-pretty"},
		{[]string{"import", "--help"}, 0, "PARSE_DMARC_"},
		{[]string{"version"}, 0, "parse-dmarc "},
		{[]string{"parse", "/nonexistent/file.xml"}, 1, ""},
	} {
		out, stderr, code := run(t, nil, tt.args...)
		if code != tt.code || !strings.Contains(out+stderr, tt.want) {
			t.Errorf("%v: exit %d, output %q %q", tt.args, code, out, stderr)
		}
	}
}

// TestImport stores the corpus, then imports it again: nothing changes
// the second time, and the broken input is quarantined, not lost.
func TestImport(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	db := filepath.Join(t.TempDir(), "sub", "reports.db")
	dir := filepath.Join(corpus, "aggregate")
	out, stderr, code := run(t, nil, "import", "--db", db, dir, filepath.Join(corpus, "empty.xml"))
	if code != 1 { // empty.xml is quarantined
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	if !strings.Contains(out, "1 quarantined") || strings.Contains(out, " 0 reports new") {
		t.Fatalf("summary: %s\n%s", out, stderr)
	}
	if !strings.Contains(stderr, "quarantined: ") || !strings.Contains(stderr, "empty.xml: no report found") {
		t.Errorf("progress lines: %s", stderr)
	}
	out2, _, code := run(t, nil, "import", "--db", db, dir)
	if code != 0 || !strings.Contains(out2, " 0 reports new") || strings.Contains(out2, " 0 duplicate") {
		t.Fatalf("second import, exit %d: %s", code, out2)
	}
	// The quarantine keeps empty.xml; show gives its bytes back, and
	// retry leaves it there since it is still no report.
	out3, _, code := run(t, nil, "quarantine", "--db", db, "list")
	if code != 0 || !strings.Contains(out3, "empty.xml") || !strings.Contains(out3, "no report found: empty") {
		t.Fatalf("quarantine list, exit %d: %s", code, out3)
	}
	out4, stderr4, code := run(t, nil, "quarantine", "--db", db, "retry")
	if code != 0 || !strings.Contains(out4, "1 entries: 0 now stored, 1 still refused") || !strings.Contains(stderr4, "still refused") {
		t.Fatalf("quarantine retry, exit %d: %s %s", code, out4, stderr4)
	}
	out5, _, _ := run(t, nil, "quarantine", "--db", db, "list")
	if strings.Count(out5, "\n") != 2 { // the header and one entry
		t.Fatalf("retry duplicated the entry: %s", out5)
	}
	// The environment variable names the database too.
	cmd := exec(t, "import", filepath.Join(corpus, "aggregate", "rfc9990-sample.xml"))
	cmd.Env = append(cmd.Env, "PARSE_DMARC_DB="+db)
	b, err := cmd.Output()
	if err != nil || !strings.Contains(string(b), "1 duplicate") {
		t.Fatalf("%v: %s", err, b)
	}
}

// TestConfigFile: settings come from --config when neither a flag nor the
// environment gives them.
func TestConfigFile(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "from-config.db")
	conf := filepath.Join(dir, "parse-dmarc.conf")
	os.WriteFile(conf, []byte("# settings\nPARSE_DMARC_DB="+db+"\n\nPARSE_DMARC_QUIET=true\n"), 0o600)
	out, stderr, code := run(t, nil, "import", "--config", conf, filepath.Join(corpus, "aggregate", "rfc9990-sample.xml"))
	if code != 0 || !strings.Contains(out, "1 reports new") || stderr != "" {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatal("the database named in the config file was not used:", err)
	}
	os.WriteFile(conf, []byte("DB=x\n"), 0o600)
	if _, stderr, code := run(t, nil, "import", "--config", conf, "x.xml"); code != 2 || !strings.Contains(stderr, "PARSE_DMARC_NAME=value") {
		t.Errorf("bad config: exit %d %s", code, stderr)
	}
}

// TestImportPostgres imports into PostgreSQL through --db, in a schema of
// its own, when PARSE_DMARC_TEST_POSTGRES names a server.
func TestImportPostgres(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	db := postgresSchema(t)
	dir := filepath.Join(corpus, "aggregate")
	out, stderr, code := run(t, nil, "import", "--db", db, dir)
	if code != 0 || !strings.Contains(out, "17 reports new") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	out, _, code = run(t, nil, "import", "--db", db, dir)
	if code != 0 || !strings.Contains(out, " 0 reports new, 19 duplicate") {
		t.Fatalf("second import, exit %d: %s", code, out)
	}
}

// TestParseTLSReports prints every SMTP TLS report of the corpus, the
// mail's gzipped one too, with input_format smtp_tls and its statistics.
func TestParseTLSReports(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	out, stderr, code := run(t, nil, "parse", filepath.Join(corpus, "smtp_tls"))
	if code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, stderr, out)
	}
	var n int
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		var d struct {
			ParseMetadata struct {
				InputFormat string `json:"input_format"`
				SHA256      string `json:"sha256"`
			} `json:"parse_metadata"`
			Report struct {
				ReportID string `json:"report_id"`
			} `json:"report"`
			Statistics struct {
				TotalSessions int64 `json:"total_sessions"`
			} `json:"statistics"`
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatal(err)
		}
		if d.ParseMetadata.InputFormat != "smtp_tls" || d.Report.ReportID == "" || d.Statistics.TotalSessions == 0 || len(d.ParseMetadata.SHA256) != 64 {
			t.Errorf("document %s", line)
		}
		n++
	}
	if n != 4 {
		t.Errorf("%d documents, want the 4 reports", n)
	}
}
