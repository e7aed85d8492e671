package normalize

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
	"github.com/parse-dmarc/parse-dmarc/internal/golden"
)

// TestForensicGolden writes the document of LinkedIn's failure report and
// of Exim's plain-text one (read in place from the shared corpus) and
// compares them with their golden files: the contract of "parse-dmarc
// parse" for failure reports.
func TestForensicGolden(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"dmarc_ruf_report_linkedin.eml", "exim_plain_text_only_no_arf_part.eml"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("..", "..", "..", "shared", "corpus", "parsedmarc", "samples", "failure", name))
			if err != nil {
				t.Skip(err)
			}
			defer f.Close()
			rep, err := forensic.Parse(f, forensic.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			w := NewWriter(&out, Options{Pretty: true, ParserVersion: "golden", Now: fixed})
			if err := w.Forensic(Source{Name: name}, rep); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "forensic-"+strings.TrimSuffix(name, ".eml")+".golden.json"), out.Bytes())
		})
	}
}

// TestForensicRisk checks the risk indicators of one failure report and
// the error document of a refused one.
func TestForensicRisk(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		authres   string
		incidents int
		want      string
	}{
		{"x; dkim=fail; spf=softfail", 3, `{"unauthorized_senders":1,"authentication_failures":3,"policy_overrides":0,"spoofing_attempts":3}`},
		{"x; dkim=pass; spf=fail", 1, `{"unauthorized_senders":0,"authentication_failures":1,"policy_overrides":0,"spoofing_attempts":0}`},
		{"x; dmarc=fail", 0, `{"unauthorized_senders":0,"authentication_failures":1,"policy_overrides":0,"spoofing_attempts":0}`},
	} {
		var out bytes.Buffer
		w := NewWriter(&out, Options{ParserVersion: "test", Now: fixed})
		if err := w.Forensic(Source{Name: "r.eml"}, &forensic.Report{AuthenticationResults: tc.authres, Incidents: tc.incidents}); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ParseMetadata   ParseMetadata   `json:"parse_metadata"`
			RiskIndicators  json.RawMessage `json:"risk_indicators"`
			Recommendations []any           `json:"recommendations"`
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if string(doc.RiskIndicators) != tc.want || doc.Recommendations == nil || doc.ParseMetadata.InputFormat != FormatForensic ||
			doc.ParseMetadata.ValidationStatus != "valid" || doc.ParseMetadata.ValidationMessages == nil {
			t.Errorf("%s: %s", tc.authres, out.Bytes())
		}
	}

	var out bytes.Buffer
	w := NewWriter(&out, Options{ParserVersion: "test", Now: fixed})
	if err := w.ForensicError(Source{Name: "x.eml"}, fmt.Errorf("%w: no feedback-report part", forensic.ErrNotARF)); err != nil {
		t.Fatal(err)
	}
	want := `{"parse_metadata":{"parser_version":"test","parsed_at":"2026-11-25T08:00:00Z","input_format":"forensic","validation_status":"errors",` +
		`"validation_messages":[{"error_type":"schema_violation","field":"/","expected":"an RFC 6591 authentication failure report",` +
		`"actual":"not an ARF failure report: no feedback-report part","severity":"fatal","action":"halted_parse"}],"source":"x.eml"},` +
		`"report":null,"risk_indicators":null,"recommendations":[]}` + "\n"
	if out.String() != want {
		t.Errorf("error document\n%s\nwant\n%s", out.String(), want)
	}
}
