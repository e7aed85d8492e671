package normalize

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/synth"
)

var fixed = func() time.Time { return time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC) }

func generated(t *testing.T, records int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := synth.Write(&b, synth.Options{Records: records, Seed: 9}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// topKeys returns the keys of a JSON object in the order they appear.
func topKeys(t *testing.T, doc []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %v", err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestWriterShapes writes the same report compact, pretty, and large enough
// to spill its records to a file: all are valid JSON in the protocol's key
// order with every record, and the compact one is a single line.
func TestWriterShapes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		records int
		pretty  bool
	}{
		{"compact", 20, false},
		{"pretty", 20, true},
		{"spilled", 6000, false}, // about 2.5 MiB of record JSON, over the 1 MiB spool
		{"spilled pretty", 6000, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			w := NewWriter(&out, Options{Pretty: tt.pretty, ParserVersion: "test", Now: fixed})
			d := aggregate.NewDecoder(bytes.NewReader(generated(t, tt.records)), aggregate.Options{})
			usable, err := w.Aggregate(Source{Name: "r.xml"}, d, func() string { return "abc" })
			if err != nil || !usable {
				t.Fatal(usable, err)
			}
			b := out.Bytes()
			if !tt.pretty && bytes.Count(b, []byte("\n")) != 1 {
				t.Errorf("compact output has %d lines", bytes.Count(b, []byte("\n")))
			}
			if got := strings.Join(topKeys(t, b), ","); got != "parse_metadata,report,risk_indicators,recommendations" {
				t.Errorf("top-level keys %s", got)
			}
			var doc struct {
				ParseMetadata ParseMetadata `json:"parse_metadata"`
				Report        struct {
					Records    []aggregate.Record `json:"records"`
					Statistics struct {
						TotalMessages int64 `json:"total_messages"`
					} `json:"statistics"`
				} `json:"report"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Report.Records) != tt.records || doc.ParseMetadata.SHA256 != "abc" || doc.ParseMetadata.ParserVersion != "test" ||
				!doc.ParseMetadata.ParsedAt.Equal(fixed()) || doc.ParseMetadata.ValidationMessages == nil {
				t.Errorf("%d records, metadata %+v", len(doc.Report.Records), doc.ParseMetadata)
			}
			var sum int64
			for _, r := range doc.Report.Records {
				sum += r.Count
			}
			if sum != doc.Report.Statistics.TotalMessages {
				t.Errorf("records sum to %d messages, statistics say %d", sum, doc.Report.Statistics.TotalMessages)
			}
			var report map[string]json.RawMessage
			json.Unmarshal(b, &struct {
				R *map[string]json.RawMessage `json:"report"`
			}{&report})
			for _, k := range []string{"metadata", "policy_published", "records", "statistics", "source_classifications", "trends"} {
				if _, ok := report[k]; !ok {
					t.Errorf("report lacks %s", k)
				}
			}
		})
	}
}

// TestWriterErrors: several inputs in a row, one refused, are each one
// line, and the refused one carries its fatal message and no report.
func TestWriterErrors(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	w := NewWriter(&out, Options{Now: fixed})
	inputs := [][]byte{generated(t, 2), []byte("<feedback><report_metadata/></feedback>"), generated(t, 3)}
	var usable []bool
	for i, in := range inputs {
		ok, err := w.Aggregate(Source{Name: string(rune('a' + i))}, aggregate.NewDecoder(bytes.NewReader(in), aggregate.Options{}), nil)
		if err != nil {
			t.Fatal(err)
		}
		usable = append(usable, ok)
	}
	if err := w.Error(Source{Name: "d"}, aggregate.Message{ErrorType: aggregate.SchemaViolation, Severity: aggregate.SeverityFatal}); err != nil {
		t.Fatal(err)
	}
	if usable[0] != true || usable[1] != false || usable[2] != true {
		t.Fatalf("usable %v", usable)
	}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	var lines []map[string]json.RawMessage
	for sc.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		lines = append(lines, m)
	}
	if len(lines) != 4 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, i := range []int{1, 3} {
		if string(lines[i]["report"]) != "null" || !bytes.Contains(lines[i]["parse_metadata"], []byte(`"validation_status":"errors"`)) ||
			!bytes.Contains(lines[i]["parse_metadata"], []byte(`"severity":"fatal"`)) {
			t.Errorf("line %d: %s", i, lines[i]["parse_metadata"])
		}
	}
}
