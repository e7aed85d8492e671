package dnswatch

import (
	"encoding/json"
	"testing"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
)

// result builds a result with a DMARC and an SPF check and DKIM checks of
// selectors.
func result(dmarc []string, dmarcStatus dnscheck.Status, dmarcFindings []dnscheck.Finding, selectors ...string) *dnscheck.Result {
	r := &dnscheck.Result{Domain: "example.com"}
	r.DMARC.RecordCheck = dnscheck.RecordCheck{Kind: dnscheck.KindDMARC, Name: "_dmarc.example.com", Status: dmarcStatus,
		Records: dmarc, Findings: dmarcFindings}
	r.SPF.RecordCheck = dnscheck.RecordCheck{Kind: dnscheck.KindSPF, Name: "example.com", Status: dnscheck.StatusOK,
		Records: []string{"v=spf1 -all"}}
	r.MTASTS.RecordCheck = dnscheck.RecordCheck{Kind: dnscheck.KindMTASTS, Name: "_mta-sts.example.com", Status: dnscheck.StatusMissing}
	r.TLSRPT.RecordCheck = dnscheck.RecordCheck{Kind: dnscheck.KindTLSRPT, Name: "_smtp._tls.example.com", Status: dnscheck.StatusMissing}
	r.BIMI.RecordCheck = dnscheck.RecordCheck{Kind: dnscheck.KindBIMI, Name: "default._bimi.example.com", Status: dnscheck.StatusMissing}
	for _, s := range selectors {
		var k dnscheck.DKIMCheck
		k.RecordCheck = dnscheck.RecordCheck{Kind: dnscheck.KindDKIM, Name: s + "._domainkey.example.com", Status: dnscheck.StatusOK}
		k.Selector = s
		r.DKIM = append(r.DKIM, k)
	}
	return r
}

func TestCompare(t *testing.T) {
	t.Parallel()
	none := dnscheck.Finding{Severity: dnscheck.SeverityWarning, Code: "dmarc.policy_none", Message: "The policy is none."}
	pct := dnscheck.Finding{Severity: dnscheck.SeverityWarning, Code: "dmarc.pct", Message: "pct=50."}
	pct2 := dnscheck.Finding{Severity: dnscheck.SeverityWarning, Code: "dmarc.pct", Message: "pct=20."}
	missing := dnscheck.Finding{Severity: dnscheck.SeverityError, Code: "dmarc.missing", Message: "No DMARC record."}
	p1 := "v=DMARC1; p=none"
	p2 := "v=DMARC1; p=reject"
	tests := []struct {
		name      string
		prev, cur *dnscheck.Result
		want      string // the changes as JSON
	}{
		{"same", result([]string{p1}, dnscheck.StatusWarning, []dnscheck.Finding{none}, "s1"),
			result([]string{p1}, dnscheck.StatusWarning, []dnscheck.Finding{none}, "s1"), `null`},
		{"records in another order", result([]string{p1, p2}, dnscheck.StatusError, nil),
			result([]string{p2, p1}, dnscheck.StatusError, nil), `null`},
		{"published", result(nil, dnscheck.StatusError, []dnscheck.Finding{missing}),
			result([]string{p1}, dnscheck.StatusWarning, []dnscheck.Finding{none}),
			`[{"kind":"dmarc","name":"_dmarc.example.com","type":"record","records_after":["v=DMARC1; p=none"]},` +
				`{"kind":"dmarc","name":"_dmarc.example.com","type":"status","status_before":"error","status_after":"warning"},` +
				`{"kind":"dmarc","name":"_dmarc.example.com","type":"finding_removed","finding":{"severity":"error","code":"dmarc.missing","message":"No DMARC record."}},` +
				`{"kind":"dmarc","name":"_dmarc.example.com","type":"finding_added","finding":{"severity":"warning","code":"dmarc.policy_none","message":"The policy is none."}}]`},
		{"edited, same status", result([]string{p1}, dnscheck.StatusWarning, []dnscheck.Finding{none, pct}),
			result([]string{p1 + "; pct=20"}, dnscheck.StatusWarning, []dnscheck.Finding{none, pct2}),
			`[{"kind":"dmarc","name":"_dmarc.example.com","type":"record","records_before":["v=DMARC1; p=none"],"records_after":["v=DMARC1; p=none; pct=20"]},` +
				`{"kind":"dmarc","name":"_dmarc.example.com","type":"finding_removed","finding":{"severity":"warning","code":"dmarc.pct","message":"pct=50."}},` +
				`{"kind":"dmarc","name":"_dmarc.example.com","type":"finding_added","finding":{"severity":"warning","code":"dmarc.pct","message":"pct=20."}}]`},
		{"a repeated finding once more", result([]string{p1}, dnscheck.StatusWarning, []dnscheck.Finding{pct}),
			result([]string{p1}, dnscheck.StatusWarning, []dnscheck.Finding{pct, pct}),
			`[{"kind":"dmarc","name":"_dmarc.example.com","type":"finding_added","finding":{"severity":"warning","code":"dmarc.pct","message":"pct=50."}}]`},
		{"selectors differ", result([]string{p1}, dnscheck.StatusOK, nil, "a", "b"),
			result([]string{p1}, dnscheck.StatusOK, nil, "b", "c"),
			`[{"kind":"dkim","name":"c._domainkey.example.com","type":"check_added","status_after":"ok"},` +
				`{"kind":"dkim","name":"a._domainkey.example.com","type":"check_removed","status_before":"ok"}]`},
	}
	for _, tc := range tests {
		b, err := json.Marshal(Compare(tc.prev, tc.cur))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, b, tc.want)
		}
	}
}

func TestStatuses(t *testing.T) {
	t.Parallel()
	r := result([]string{"v=DMARC1; p=reject"}, dnscheck.StatusOK, nil, "s1")
	got := Statuses(r)
	if len(got) != 6 || got[0] != (RecordStatus{dnscheck.KindDMARC, "_dmarc.example.com", dnscheck.StatusOK}) ||
		got[2] != (RecordStatus{dnscheck.KindDKIM, "s1._domainkey.example.com", dnscheck.StatusOK}) || got[5].Kind != dnscheck.KindBIMI {
		t.Errorf("%+v", got)
	}
}
