package aggregate

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// decodeAll reads a whole report, returning the header, the records and the
// first error other than io.EOF.
func decodeAll(t testing.TB, r io.Reader, opts Options) (*Header, []*Record, *Decoder, error) {
	t.Helper()
	d := NewDecoder(r, opts)
	h, err := d.Header()
	if err != nil {
		return nil, nil, d, err
	}
	var recs []*Record
	for {
		rec, err := d.Next()
		if errors.Is(err, io.EOF) {
			return h, recs, d, nil
		}
		if err != nil {
			return h, recs, d, err
		}
		recs = append(recs, rec)
	}
}

const minimalHead = `<feedback>
<report_metadata><org_name>google.com</org_name><email>noreply@google.com</email>
<report_id>42</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>
<policy_published><domain>example.com</domain><p>reject</p></policy_published>
`

const minimalRecord = `<record><row><source_ip>192.0.2.1</source_ip><count>3</count>
<policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers>
<auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result></dkim>
<spf><domain>bounce.example.org</domain><result>softfail</result></spf></auth_results></record>
`

const minimal = minimalHead + minimalRecord + "</feedback>\n"

// hasMessage reports whether msgs hold a message of the type whose field
// contains field.
func hasMessage(msgs []Message, errorType, field string) bool {
	for _, m := range msgs {
		if m.ErrorType == errorType && strings.Contains(m.Field, field) {
			return true
		}
	}
	return false
}

func TestDecoderMinimal(t *testing.T) {
	t.Parallel()
	h, recs, d, err := decodeAll(t, strings.NewReader(minimal), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status() != "valid" {
		t.Errorf("status %s, messages %v", d.Status(), d.Messages())
	}
	want := DateRange{Begin: time.Unix(1700000000, 0).UTC(), End: time.Unix(1700086399, 0).UTC(), DurationHours: 24}
	if h.Metadata.DateRange != want {
		t.Errorf("date range %+v, want %+v", h.Metadata.DateRange, want)
	}
	p := h.Policy
	if p.Domain != "example.com" || p.Policy != "reject" || p.SubdomainPolicy != "reject" || p.ADKIM != "r" || p.ASPF != "r" || p.Percentage != 100 {
		t.Errorf("policy defaults not applied: %+v", p)
	}
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if r.SourceIP != "192.0.2.1" || r.Count != 3 || r.PolicyEvaluated.DKIM != "pass" || r.PolicyEvaluated.SPF != "fail" ||
		r.AuthResults.DKIM[0].Selector != "s1" || r.AuthResults.SPF[0].Result != "softfail" || !r.Passed() {
		t.Errorf("record %+v", r)
	}
}

// TestDecoderQuirks feeds real-world variations of the format; each must
// decode to the minimal report's single record, with the listed warnings.
func TestDecoderQuirks(t *testing.T) {
	t.Parallel()
	latin1, _ := charmap.ISO8859_1.NewEncoder().String(`<?xml version="1.0" encoding="ISO-8859-1"?>` + strings.Replace(minimal, "google.com</org_name>", "Sécurité</org_name>", 1))
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(`<?xml version="1.0" encoding="UTF-16"?>` + minimal)
	tests := []struct {
		name     string
		in       string
		status   string
		warnings []string // error_type:field fragments expected
		org      string
	}{
		{"bom", "\xEF\xBB\xBF" + minimal, "valid", nil, "google.com"},
		{"crlf", strings.ReplaceAll(minimal, "\n", "\r\n"), "valid", nil, "google.com"},
		{"declaration and comments", "<?xml version=\"1.0\"?>\n<!-- c -->" + strings.Replace(minimal, "<row>", "<row><!-- inside -->", 1), "valid", nil, "google.com"},
		{"default namespace", strings.Replace(minimal, "<feedback>", `<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">`, 1), "valid", nil, "google.com"},
		{"prefixed", strings.NewReplacer("</", "</d:", "<", "<d:", "<d:feedback>", `<d:feedback xmlns:d="http://dmarc.org/dmarc-xml/0.1">`).Replace(minimal), "valid", nil, "google.com"},
		{"cdata and entities", strings.Replace(minimal, "<org_name>google.com</org_name>", "<org_name><![CDATA[A&B]]> &amp; &#67;o &lt;x&gt;</org_name>", 1), "valid", nil, "A&B & Co <x>"},
		{"unknown elements", strings.Replace(minimal, "<row>", "<extension><x a='1'><y/></x></extension><row>", 1), "valid", nil, "google.com"},
		{"latin1", latin1, "valid", nil, "Sécurité"},
		{"windows-1252 declared", strings.Replace(`<?xml version="1.0" encoding="windows-1252"?>`+minimal, "google.com</org_name>", "\x93Q\x94</org_name>", 1), "valid", nil, "\u201cQ\u201d"},
		{"utf16", utf16, "valid", nil, "google.com"},
		{"invalid utf8", strings.Replace(minimal, "google.com</org_name>", "bad\x91</org_name>", 1), "warnings", []string{"invalid_value:org_name"}, "bad\u2018"},
		{"unescaped lt", strings.Replace(minimal, "noreply@google.com", "<noreply@google.com>", 1), "warnings", []string{"malformed_xml:email"}, "google.com"},
		{"upper case enums", strings.Replace(minimal, "<dkim>pass</dkim>", "<dkim>Pass</dkim>", 1), "warnings", []string{"invalid_value:policy_evaluated/dkim"}, "google.com"},
		{"stray text", strings.Replace(minimal, "<p>reject</p>", "<p>reject</p>11", 1), "valid", nil, "google.com"},
		{"wrapper element", `<?xml version="1.0"?> <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">` + minimal, "valid", nil, "google.com"},
		{"unclosed leaf", strings.Replace(minimal, "</header_from>", "", 1), "warnings", []string{"malformed_xml:header_from"}, "google.com"},
		{"pct below 100", strings.Replace(minimal, "<p>reject</p>", "<p>reject</p><pct>50</pct>", 1), "warnings", []string{"invalid_value:policy_published/pct"}, "google.com"},
		{"empty reason", strings.Replace(minimal, "</spf></policy_evaluated>", "</spf><reason><type></type></reason></policy_evaluated>", 1), "warnings", []string{"missing_field:reason/type"}, "google.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, recs, d, err := decodeAll(t, strings.NewReader(tt.in), Options{})
			if err != nil {
				t.Fatalf("error %v; messages %v", err, d.Messages())
			}
			if d.Status() != tt.status {
				t.Errorf("status %s, want %s; messages %v", d.Status(), tt.status, d.Messages())
			}
			for _, w := range tt.warnings {
				typ, field, _ := strings.Cut(w, ":")
				if !hasMessage(d.Messages(), typ, field) {
					t.Errorf("no %s message for %s in %v", typ, field, d.Messages())
				}
			}
			if h.Metadata.Reporter.OrgName != tt.org {
				t.Errorf("org_name %q, want %q", h.Metadata.Reporter.OrgName, tt.org)
			}
			if len(recs) != 1 || recs[0].SourceIP != "192.0.2.1" || recs[0].Count != 3 || recs[0].AuthResults.DKIM[0].Domain != "example.com" {
				t.Errorf("records %+v", recs)
			}
		})
	}
}

// TestDecoderValidation checks the protocol's validation rules: which
// findings are fatal and which are warnings, with the right error object.
func TestDecoderValidation(t *testing.T) {
	t.Parallel()
	rec := func(s string) string { return minimalHead + s + "</feedback>" }
	swap := func(old, new string) string { return strings.Replace(minimal, old, new, 1) }
	tests := []struct {
		name    string
		in      string
		fatal   error
		field   string // field of the expected message (a prefix)
		typ     string
		action  string
		records int
	}{
		{"no report_metadata", "<feedback><policy_published><domain>x</domain></policy_published>" + minimalRecord + "</feedback>",
			ErrMissingPart, "/feedback/report_metadata", MissingField, ActionHaltedParse, 0},
		{"no policy_published", swap("<policy_published><domain>example.com</domain><p>reject</p></policy_published>", ""),
			ErrMissingPart, "/feedback/policy_published", MissingField, ActionHaltedParse, 0},
		{"not a report", "<html><body>hi</body></html>", ErrNotAggregate, "/feedback", SchemaViolation, ActionHaltedParse, 0},
		{"empty", "", ErrNotAggregate, "/feedback", SchemaViolation, ActionHaltedParse, 0},
		{"invalid ip", swap("192.0.2.1", "192.0.2.300"), nil, "/feedback/record[1]/row/source_ip", InvalidValue, ActionKept, 1},
		{"ipv6 canonical", swap("192.0.2.1", "2001:DB8:0:0::1"), nil, "", "", "", 1},
		{"count zero", swap("<count>3</count>", "<count>0</count>"), nil, "/feedback/record[1]/row/count", InvalidValue, ActionKept, 1},
		{"count garbage", swap("<count>3</count>", "<count>many</count>"), nil, "/feedback/record[1]/row/count", InvalidValue, ActionUsedDefault, 1},
		{"count missing", swap("<count>3</count>", ""), nil, "/feedback/record[1]/row/count", MissingField, ActionUsedDefault, 1},
		{"begin after end", swap("<begin>1700000000</begin>", "<begin>1800000000</begin>"), nil, "/feedback/report_metadata/date_range", InvalidValue, ActionKept, 1},
		{"range over 7 days", swap("<end>1700086399</end>", "<end>1701000000</end>"), nil, "/feedback/report_metadata/date_range", InvalidValue, ActionKept, 1},
		{"bad timestamp", swap("<begin>1700000000</begin>", "<begin>yesterday</begin>"), nil, "/feedback/report_metadata/date_range/begin", InvalidValue, ActionUsedDefault, 1},
		{"unknown disposition", swap("<disposition>none</disposition>", "<disposition>discard</disposition>"), nil, "/feedback/record[1]/row/policy_evaluated/disposition", InvalidValue, ActionKept, 1},
		{"no header_from", swap("<identifiers><header_from>example.com</header_from></identifiers>", ""), nil, "/feedback/record[1]/identifiers/header_from", MissingField, ActionKept, 1},
		{"foreign header_from", swap("<header_from>example.com</header_from>", "<header_from>other.org</header_from>"), nil, "/feedback/record[1]/identifiers/header_from", InvalidValue, ActionKept, 1},
		{"no auth_results", rec(`<record><row><source_ip>192.0.2.1</source_ip><count>1</count><policy_evaluated><disposition>none</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results></auth_results></record>`),
			nil, "/feedback/record[1]/auth_results", MissingField, ActionKept, 1},
		{"truncated in record", minimalHead + minimalRecord + minimalRecord[:80], nil, "/feedback/record[2]", MalformedXML, ActionSkippedRecord, 1},
		{"truncated after record", minimalHead + minimalRecord, nil, "/feedback", MalformedXML, ActionRepaired, 1},
		{"records before header", "<feedback>" + minimalRecord + strings.TrimPrefix(minimalHead, "<feedback>") + "</feedback>", nil, "", "", "", 1},
		{"misnested end tag", swap("</row>", "</policy_evaluated></row></identifiers>"), nil, "", MalformedXML, ActionIgnored, 1},
		{"doctype with entities", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>` + minimal,
			ErrDoctype, "", MalformedXML, ActionHaltedParse, 0},
		{"plain doctype", `<!DOCTYPE feedback>` + minimal, nil, "", "", "", 1},
		{"unknown encoding", `<?xml version="1.0" encoding="x-klingon"?>` + minimal, ErrEncoding, "", MalformedXML, ActionHaltedParse, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, recs, d, err := decodeAll(t, strings.NewReader(tt.in), Options{ReceivedAt: time.Unix(1750000000, 0)})
			if tt.fatal != nil {
				var fe *FatalError
				if !errors.Is(err, tt.fatal) || !errors.As(err, &fe) {
					t.Fatalf("error %v, want %v as *FatalError", err, tt.fatal)
				}
				if d.Status() != "errors" || fe.Message.Severity != SeverityFatal {
					t.Errorf("status %s, message %+v", d.Status(), fe.Message)
				}
			} else if err != nil {
				t.Fatalf("error %v; messages %v", err, d.Messages())
			}
			if len(recs) != tt.records {
				t.Errorf("%d records, want %d", len(recs), tt.records)
			}
			if tt.typ == "" {
				if tt.fatal == nil && d.Status() != "valid" {
					t.Errorf("status %s; messages %v", d.Status(), d.Messages())
				}
				return
			}
			found := false
			for _, m := range d.Messages() {
				if m.ErrorType == tt.typ && strings.HasPrefix(m.Field, tt.field) && m.Action == tt.action {
					found = true
				}
			}
			if !found {
				t.Errorf("no message %s %s %s in %+v", tt.typ, tt.field, tt.action, d.Messages())
			}
		})
	}
}

func TestDecoderIPv6Canonical(t *testing.T) {
	t.Parallel()
	in := strings.Replace(minimal, "192.0.2.1", "2001:DB8:0:0::1", 1)
	_, recs, _, err := decodeAll(t, strings.NewReader(in), Options{})
	if err != nil || len(recs) != 1 || recs[0].SourceIP != "2001:db8::1" {
		t.Fatalf("%v %+v", err, recs)
	}
	in = strings.Replace(minimal, "192.0.2.1", "::ffff:192.0.2.9", 1)
	_, recs, _, _ = decodeAll(t, strings.NewReader(in), Options{})
	if recs[0].SourceIP != "192.0.2.9" {
		t.Errorf("mapped address %q not unmapped", recs[0].SourceIP)
	}
}

// TestDecoderLimits turns bombs into ErrLimit, quickly.
func TestDecoderLimits(t *testing.T) {
	t.Parallel()
	deep := minimalHead + strings.Repeat("<x>", 100) + strings.Repeat("</x>", 100) + "</feedback>"
	many := minimalHead + strings.Repeat(minimalRecord, 11) + "</feedback>"
	long := strings.Replace(minimal, "google.com</org_name>", strings.Repeat("A", 5000)+"</org_name>", 1)
	tests := []struct {
		name string
		in   string
		lim  Limits
	}{
		{"depth", deep, Limits{MaxDepth: 20}},
		{"records", many, Limits{MaxRecords: 10}},
		{"text", long, Limits{MaxText: 1000}},
		{"bytes", many, Limits{MaxBytes: 2000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, d, err := decodeAll(t, strings.NewReader(tt.in), Options{Limits: tt.lim})
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("error %v, want ErrLimit", err)
			}
			if d.Status() != "errors" {
				t.Errorf("status %s", d.Status())
			}
		})
	}
}

// TestDecoderMessagesFolded checks that a million identical problems cost
// one message with a count, not a million messages.
func TestDecoderMessagesFolded(t *testing.T) {
	t.Parallel()
	bad := strings.Replace(minimalRecord, "<dkim>pass</dkim>", "<dkim>PASS</dkim>", 1)
	var b strings.Builder
	b.WriteString(minimalHead)
	for i := 0; i < 5000; i++ {
		b.WriteString(strings.Replace(bad, "192.0.2.1", "bogus-"+string(rune('a'+i%26))+strings.Repeat("x", i%300), 1))
	}
	b.WriteString("</feedback>")
	_, recs, d, err := decodeAll(t, strings.NewReader(b.String()), Options{})
	if err != nil || len(recs) != 5000 {
		t.Fatal(err, len(recs))
	}
	if n := len(d.Messages()); n > maxMessages {
		t.Fatalf("%d messages kept, want at most %d", n, maxMessages)
	}
	total := 0
	for _, m := range d.Messages() {
		total += max(1, m.Occurrences)
	}
	if total != 10000 {
		t.Errorf("messages account for %d findings, want 10000 (5000 bad IPs + 5000 upper-case verdicts)", total)
	}
}

// TestDecoderSmallReads feeds the input one byte at a time: every token
// straddles a buffer refill.
func TestDecoderSmallReads(t *testing.T) {
	t.Parallel()
	in := strings.Repeat(" ", 70000) + strings.Replace(minimal, "google.com</org_name>", "<![CDATA[x]]>&amp;y</org_name>", 1)
	h, recs, d, err := decodeAll(t, &oneByteReader{strings.NewReader(in)}, Options{})
	if err != nil || len(recs) != 1 || h.Metadata.Reporter.OrgName != "x&y" || d.Status() != "valid" {
		t.Fatalf("%v %d %q %v", err, len(recs), h.Metadata.Reporter.OrgName, d.Messages())
	}
}

type oneByteReader struct{ r io.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestDecoderReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(minimalHead+minimalRecord), &errReader{boom})
	_, _, _, err := decodeAll(t, r, Options{})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the reader's", err)
	}
	// A truncated gzip stream ends in io.ErrUnexpectedEOF: kept as a
	// truncated report.
	r = io.MultiReader(strings.NewReader(minimalHead+minimalRecord), &errReader{io.ErrUnexpectedEOF})
	_, recs, d, err := decodeAll(t, r, Options{})
	if err != nil || len(recs) != 1 || !hasMessage(d.Messages(), MalformedXML, "/feedback") {
		t.Fatalf("%v %d %v", err, len(recs), d.Messages())
	}
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }

func TestStripIndexes(t *testing.T) {
	t.Parallel()
	if got := stripIndexes("/feedback/record[12]/auth_results/dkim[2]/result"); got != "/feedback/record/auth_results/dkim/result" {
		t.Error(got)
	}
}

func BenchmarkDecoderSmall(b *testing.B) {
	data := []byte(minimal)
	for b.Loop() {
		decodeAll(b, bytes.NewReader(data), Options{})
	}
}
