package normalize

import (
	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
)

// forensicDocument is the protocol's document for a failure report: its
// report is the forensic object of the "Forensic Report Parsing Protocol"
// (see forensic.Report) instead of the aggregate one.
type forensicDocument struct {
	ParseMetadata   ParseMetadata             `json:"parse_metadata"`
	Report          *forensic.Report          `json:"report"`
	RiskIndicators  *analysis.RiskIndicators  `json:"risk_indicators"`
	Recommendations []analysis.Recommendation `json:"recommendations"`
}

// Forensic writes the document of a failure report.
//
// Its risk indicators count what one report shows: authentication_failures
// is its number of incidents (RFC 5965 Incidents, default 1: every message
// a failure report is about failed); when its Authentication-Results show
// neither SPF nor DKIM passing (forensic.Report.Unauthenticated) the source
// counts as one unauthorized sender and the incidents as spoofing
// attempts; policy_overrides is 0, since failure reports do not carry the
// applied policy. Recommendations are empty: they need the aggregate
// history, not one message.
func (w *Writer) Forensic(src Source, rep *forensic.Report) error {
	meta := w.meta(src)
	meta.InputFormat = FormatForensic
	meta.ValidationStatus = rep.Status()
	meta.ValidationMessages = nonNil(rep.Messages)
	n := int64(max(rep.Incidents, 1))
	risk := analysis.RiskIndicators{AuthenticationFailures: n}
	if rep.Unauthenticated() {
		risk.UnauthorizedSenders, risk.SpoofingAttempts = 1, n
	}
	return w.encode(forensicDocument{
		ParseMetadata: meta, Report: rep, RiskIndicators: &risk, Recommendations: []analysis.Recommendation{},
	})
}

// ForensicError writes the document of a failure report that forensic.Parse
// refused: the protocol's shape with the fatal error and no report.
func (w *Writer) ForensicError(src Source, err error) error {
	meta := w.meta(src)
	meta.InputFormat = FormatForensic
	meta.ValidationStatus = "errors"
	meta.ValidationMessages = []aggregate.Message{forensic.ErrorMessage(err)}
	return w.writeError(meta)
}
