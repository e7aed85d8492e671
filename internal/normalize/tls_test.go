package normalize

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/golden"
	"github.com/parse-dmarc/parse-dmarc/internal/tlsrpt"
)

// TestTLSGolden writes the document of the RFC 8460 example and of
// Mail.ru's report (read in place from the shared corpus) and compares
// them with their golden files.
func TestTLSGolden(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"rfc8460.json", "mail.ru.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("..", "..", "..", "shared", "corpus", "parsedmarc", "samples", "smtp_tls", name))
			if err != nil {
				t.Skip(err)
			}
			defer f.Close()
			rep, err := tlsrpt.Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			w := NewWriter(&out, Options{Pretty: true, ParserVersion: "golden", Now: fixed})
			if err := w.TLS(Source{Name: name}, rep); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "tls-"+strings.TrimSuffix(name, ".json")+".golden.json"), out.Bytes())
		})
	}
}

// TestTLSStatistics checks the sums, rate and recommendation order of
// the RFC's example, and the error document of a refused report.
func TestTLSStatistics(t *testing.T) {
	t.Parallel()
	rep := &tlsrpt.Report{Policies: []tlsrpt.Policy{
		{Type: tlsrpt.PolicySTS, Successful: 90, Failed: 10, Failures: []tlsrpt.Failure{
			{ResultType: tlsrpt.ResultCertificateExpired, ReceivingMXHostname: "mx1.example.com", Sessions: 4},
			{ResultType: tlsrpt.ResultCertificateExpired, ReceivingMXHostname: "mx2.example.com", Sessions: 2},
			{ResultType: tlsrpt.ResultSTARTTLSNotSupported, Sessions: 4}}},
		{Type: tlsrpt.PolicyNotFound, Successful: 0, Failed: 7, Failures: []tlsrpt.Failure{
			{ResultType: tlsrpt.ResultValidationFailure, Sessions: 7}}},
	}}
	st, recs := tlsStatistics(rep)
	if st.TotalSessions != 107 || st.FailedSessions != 17 || st.SuccessRate != 84.11 {
		t.Errorf("statistics %+v", st)
	}
	var order []string
	for _, f := range st.FailuresByType {
		order = append(order, f.ResultType)
	}
	if strings.Join(order, " ") != "validation-failure certificate-expired starttls-not-supported" ||
		strings.Join(st.FailuresByType[1].MXHosts, " ") != "mx1.example.com mx2.example.com" {
		t.Errorf("failures by type %+v", st.FailuresByType)
	}
	if len(recs) != 3 || recs[0].Priority != "medium" || recs[1].Priority != "high" || recs[1].AffectedRecords != 6 ||
		!strings.Contains(recs[1].Reason, "mx1.example.com, mx2.example.com") || !strings.Contains(recs[1].Action, "Renew") {
		t.Errorf("recommendations %+v", recs)
	}
	if st, _ := tlsStatistics(&tlsrpt.Report{}); st.SuccessRate != 100 || st.FailuresByType == nil {
		t.Errorf("no sessions: %+v", st)
	}

	var out bytes.Buffer
	w := NewWriter(&out, Options{ParserVersion: "test", Now: fixed})
	if err := w.TLSError(Source{Name: "x.json"}, errors.New("not an SMTP TLS report: report-id: missing")); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ParseMetadata ParseMetadata `json:"parse_metadata"`
		Report        any           `json:"report"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc.Report != nil || doc.ParseMetadata.InputFormat != FormatTLS ||
		doc.ParseMetadata.ValidationStatus != "errors" || !strings.Contains(doc.ParseMetadata.ValidationMessages[0].Actual, "report-id") {
		t.Errorf("error document %s: %v", out.Bytes(), err)
	}
}
