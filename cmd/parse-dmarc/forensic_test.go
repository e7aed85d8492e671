package main

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// forensicDoc is the part of a failure report's document the tests look
// at.
type forensicDoc struct {
	ParseMetadata struct {
		InputFormat        string           `json:"input_format"`
		ValidationStatus   string           `json:"validation_status"`
		ValidationMessages []map[string]any `json:"validation_messages"`
		Source             string           `json:"source"`
		SHA256             string           `json:"sha256"`
	} `json:"parse_metadata"`
	Report *struct {
		FeedbackType    string `json:"feedback_type"`
		ReportedDomain  string `json:"reported_domain"`
		SourceIP        string `json:"source_ip"`
		ArrivalDate     string `json:"arrival_date"`
		OriginalHeaders string `json:"original_headers"`
		Privacy         struct {
			Redaction   string `json:"redaction"`
			BodyRemoved bool   `json:"body_removed"`
		} `json:"privacy"`
	} `json:"report"`
	RiskIndicators  map[string]any `json:"risk_indicators"`
	Recommendations []any          `json:"recommendations"`
}

// TestParseForensic parses the corpus's failure reports, as a directory,
// under each redaction policy: one forensic document each, with the
// protocol's fields, and none with a recipient of the samples.
func TestParseForensic(t *testing.T) {
	t.Parallel()
	needCorpus(t)
	for _, redact := range []string{"addresses", "full", "off"} {
		t.Run(redact, func(t *testing.T) {
			t.Parallel()
			out, stderr, code := run(t, nil, "parse", "--redact="+redact, filepath.Join(corpus, "failure"))
			if code != 0 {
				t.Fatalf("exit %d: %s\n%s", code, stderr, out)
			}
			var docs []forensicDoc
			sc := bufio.NewScanner(strings.NewReader(out))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var d forensicDoc
				if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
					t.Fatalf("%v: %s", err, sc.Text())
				}
				docs = append(docs, d)
			}
			if len(docs) != 5 {
				t.Fatalf("%d documents, want 5:\n%s", len(docs), out)
			}
			for _, d := range docs {
				pm, r := d.ParseMetadata, d.Report
				if pm.InputFormat != "forensic" || len(pm.SHA256) != 64 || pm.ValidationStatus == "errors" || r == nil {
					t.Fatalf("%+v", d)
				}
				if r.FeedbackType != "auth-failure" || r.ReportedDomain == "" || r.SourceIP == "" || !strings.HasSuffix(r.ArrivalDate, "Z") ||
					r.OriginalHeaders == "" || r.Privacy.Redaction != redact || !r.Privacy.BodyRemoved || d.RiskIndicators == nil || d.Recommendations == nil {
					t.Errorf("%s: %+v", pm.Source, r)
				}
			}
			for _, rcpt := range []string{"peter.pan@domain.de", "redacted@163.com", "recipient@linkedin.com", "user@example.com"} {
				if strings.Contains(out, rcpt) {
					t.Errorf("recipient %s in the output", rcpt)
				}
			}
		})
	}
}

// TestParseForensicRefused checks a mail that looks like a failure report
// and is none, and a bad --redact.
func TestParseForensicRefused(t *testing.T) {
	t.Parallel()
	mail := "From: a@b.example\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=x\r\n\r\n" +
		"--x\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: x/1\r\nVersion: 1\r\n--x--\r\n"
	out, _, code := run(t, []byte(mail), "parse", "-")
	if code != 1 || !strings.Contains(out, `"input_format":"forensic","validation_status":"errors"`) || !strings.Contains(out, "not an authentication failure report") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if _, stderr, code := run(t, nil, "parse", "--redact=some", "x.eml"); code != 2 || !strings.Contains(stderr, "want off, addresses or full") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
