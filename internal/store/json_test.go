package store

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// marshal is encoding/json without HTML escaping, which the appenders match.
func marshal(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	tests := []string{
		"", "plain", `quote " backslash \ slash /`, "\b\f\n\r\t\x00\x01\x1f\x7f", "<tag> & amp",
		"ünïcödé ✓ 😀", "bad \xff\xfe utf8 \xc3", "line\u2028para\u2029end", "\xed\xa0\x80 surrogate",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		tests = append(tests, string(b))
	}
	for _, s := range tests {
		if got, want := string(appendJSONString(nil, s)), marshal(t, s); got != want {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

func TestAppendRecordJSON(t *testing.T) {
	t.Parallel()
	for _, r := range testRecords() {
		if got, want := string(appendReasons(nil, r.PolicyEvaluated.Reasons)), marshal(t, r.PolicyEvaluated.Reasons); len(r.PolicyEvaluated.Reasons) > 0 && got != want {
			t.Errorf("reasons: got %s, want %s", got, want)
		}
		if got, want := string(appendDKIM(nil, r.AuthResults.DKIM)), marshal(t, r.AuthResults.DKIM); len(r.AuthResults.DKIM) > 0 && got != want {
			t.Errorf("dkim: got %s, want %s", got, want)
		}
		if got, want := string(appendSPF(nil, r.AuthResults.SPF)), marshal(t, r.AuthResults.SPF); len(r.AuthResults.SPF) > 0 && got != want {
			t.Errorf("spf: got %s, want %s", got, want)
		}
	}
	// Every field set, so a field added to the aggregate types without
	// its appender fails here.
	full := aggregate.DKIMResult{Domain: "d", Selector: "s", Result: "r", HumanResult: "h"}
	equal(t, "dkim", string(appendDKIM(nil, []aggregate.DKIMResult{full})), marshal(t, []aggregate.DKIMResult{full}))
	spf := aggregate.SPFResult{Domain: "d", Scope: "s", Result: "r", HumanResult: "h"}
	equal(t, "spf", string(appendSPF(nil, []aggregate.SPFResult{spf})), marshal(t, []aggregate.SPFResult{spf}))
	reason := aggregate.Reason{Type: "t", Comment: "c"}
	equal(t, "reason", string(appendReasons(nil, []aggregate.Reason{reason})), marshal(t, []aggregate.Reason{reason}))
}
