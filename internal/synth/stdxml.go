package synth

import (
	"encoding/xml"
	"io"
)

// stdFeedback is the RFC 7489 Appendix C schema as encoding/xml structs:
// what a straightforward Go implementation decodes reports into.
type stdFeedback struct {
	XMLName  xml.Name `xml:"feedback"`
	Metadata struct {
		OrgName   string `xml:"org_name"`
		Email     string `xml:"email"`
		Extra     string `xml:"extra_contact_info"`
		ReportID  string `xml:"report_id"`
		DateRange struct {
			Begin int64 `xml:"begin"`
			End   int64 `xml:"end"`
		} `xml:"date_range"`
	} `xml:"report_metadata"`
	Policy struct {
		Domain string `xml:"domain"`
		ADKIM  string `xml:"adkim"`
		ASPF   string `xml:"aspf"`
		P      string `xml:"p"`
		SP     string `xml:"sp"`
		Pct    int    `xml:"pct"`
	} `xml:"policy_published"`
	Records []struct {
		Row struct {
			SourceIP        string `xml:"source_ip"`
			Count           int64  `xml:"count"`
			PolicyEvaluated struct {
				Disposition string `xml:"disposition"`
				DKIM        string `xml:"dkim"`
				SPF         string `xml:"spf"`
				Reasons     []struct {
					Type    string `xml:"type"`
					Comment string `xml:"comment"`
				} `xml:"reason"`
			} `xml:"policy_evaluated"`
		} `xml:"row"`
		Identifiers struct {
			HeaderFrom   string `xml:"header_from"`
			EnvelopeFrom string `xml:"envelope_from"`
			EnvelopeTo   string `xml:"envelope_to"`
		} `xml:"identifiers"`
		AuthResults struct {
			DKIM []struct {
				Domain   string `xml:"domain"`
				Selector string `xml:"selector"`
				Result   string `xml:"result"`
			} `xml:"dkim"`
			SPF []struct {
				Domain string `xml:"domain"`
				Scope  string `xml:"scope"`
				Result string `xml:"result"`
			} `xml:"spf"`
		} `xml:"auth_results"`
	} `xml:"record"`
}

// DecodeStd decodes a report with encoding/xml struct decoding, the
// baseline the streaming decoder is measured against, and returns the
// number of records.
func DecodeStd(r io.Reader) (int, error) {
	var f stdFeedback
	if err := xml.NewDecoder(r).Decode(&f); err != nil {
		return 0, err
	}
	return len(f.Records), nil
}
