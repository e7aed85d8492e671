package tlsrpt_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/golden"
	"github.com/parse-dmarc/parse-dmarc/internal/ingest"
	"github.com/parse-dmarc/parse-dmarc/internal/tlsrpt"
)

// corpus holds the SMTP TLS report samples of parsedmarc, read in place.
const corpus = "../../../shared/corpus/parsedmarc/samples/smtp_tls"

// TestCorpus parses every sample, the mail through package ingest as
// serve would, and compares the report with its golden file.
func TestCorpus(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(corpus, "*"))
	if err != nil || len(files) == 0 {
		t.Skipf("no corpus at %s: %v", corpus, err)
	}
	for _, file := range files {
		if strings.HasSuffix(file, ".md") {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			var reports []*tlsrpt.Report
			err := ingest.WalkPath(context.Background(), file, ingest.Limits{}, func(p ingest.Payload) error {
				if p.Err != nil {
					t.Errorf("%s: %v", p.Name, p.Err)
					return nil
				}
				if p.Kind != ingest.KindJSON {
					return nil // the mail's text part
				}
				r, err := tlsrpt.Parse(p.Body)
				if err != nil {
					t.Errorf("%s: %v", p.Name, err)
					return nil
				}
				reports = append(reports, r)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(reports) != 1 {
				t.Fatalf("%d reports, want 1", len(reports))
			}
			r := reports[0]
			if r.ReportID == "" || len(r.Policies) == 0 || r.Policies[0].Domain == "" || r.Begin.IsZero() {
				t.Errorf("report without its identity: %+v", r)
			}
			for _, m := range r.Messages {
				if m.Severity == tlsrpt.SeverityError {
					t.Errorf("error in a real report: %+v", m)
				}
			}
			out, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", filepath.Base(file)+".golden.json"), append(out, '\n'))
		})
	}
}

// TestRFCExample checks the values of RFC 8460's own example (section
// 4.4.1, the corpus's rfc8460.json) field by field.
func TestRFCExample(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join(corpus, "rfc8460.json"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	r, err := tlsrpt.Parse(io.Reader(f))
	if err != nil {
		t.Fatal(err)
	}
	p := r.Policies[0]
	if r.OrganizationName != "Company-X" || r.ReportID != "5065427c-23d3-47ca-b6e0-946ea0e8c4be" ||
		r.Begin.Format("2006-01-02T15:04:05Z07:00") != "2016-04-01T00:00:00Z" || r.End.Format("15:04:05") != "23:59:59" {
		t.Errorf("identity: %+v", r)
	}
	if p.Type != tlsrpt.PolicySTS || p.Domain != "company-y.example" || len(p.Strings) != 4 || p.MXHosts[0] != "*.mail.company-y.example" ||
		p.Successful != 5326 || p.Failed != 303 || len(p.Failures) != 3 {
		t.Errorf("policy: %+v", p)
	}
	if got := p.SuccessRate(); got < 0.9461 || got > 0.9462 {
		t.Errorf("success rate %v, want 5326/5629", got)
	}
	f2 := p.Failures[1]
	if f2.ResultType != tlsrpt.ResultSTARTTLSNotSupported || f2.Sessions != 200 || f2.ReceivingIP != "203.0.113.56" ||
		f2.ReceivingMXHostname != "mx2.mail.company-y.example" || !strings.HasPrefix(f2.AdditionalInfo, "https://") {
		t.Errorf("failure: %+v", f2)
	}
	if p.Failures[2].ReasonCode != "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED" {
		t.Errorf("reason code: %+v", p.Failures[2])
	}
	if len(r.Messages) != 0 {
		t.Errorf("messages on the RFC's example: %+v", r.Messages)
	}
}
