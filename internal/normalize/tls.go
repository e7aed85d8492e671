package normalize

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/analysis"
	"github.com/parse-dmarc/parse-dmarc/internal/tlsrpt"
)

// FormatTLS is the input_format of an SMTP TLS report (RFC 8460).
const FormatTLS = "smtp_tls"

// tlsDocument is the document of an SMTP TLS report: the protocol's
// shape, with the report of package tlsrpt, statistics of its sessions,
// and a recommendation per result type that failed sessions.
type tlsDocument struct {
	ParseMetadata   ParseMetadata             `json:"parse_metadata"`
	Report          *tlsrpt.Report            `json:"report"`
	Statistics      TLSStatistics             `json:"statistics"`
	Recommendations []analysis.Recommendation `json:"recommendations"`
}

// TLSStatistics sums the sessions of a TLS report's policies.
type TLSStatistics struct {
	TotalSessions      int64 `json:"total_sessions"`
	SuccessfulSessions int64 `json:"successful_sessions"`
	FailedSessions     int64 `json:"failed_sessions"`
	// SuccessRate is the successful share in percent, 2 decimals; 100
	// when there were no sessions.
	SuccessRate float64 `json:"success_rate"`
	// FailuresByType sums the failure details per result type, the most
	// first.
	FailuresByType []TLSFailureType `json:"failures_by_type"`
}

// TLSFailureType is the failed sessions of one result type.
type TLSFailureType struct {
	ResultType string   `json:"result_type"`
	Title      string   `json:"title"`
	Sessions   int64    `json:"sessions"`
	MXHosts    []string `json:"receiving_mx_hosts"`
}

// TLS writes the document of an SMTP TLS report.
func (w *Writer) TLS(src Source, rep *tlsrpt.Report) error {
	meta := w.meta(src)
	meta.InputFormat = FormatTLS
	meta.ValidationStatus = "valid"
	meta.ValidationMessages = []aggregate.Message{}
	for _, m := range rep.Messages {
		meta.ValidationMessages = append(meta.ValidationMessages, tlsMessage(m))
		if m.Severity == tlsrpt.SeverityError {
			meta.ValidationStatus = "errors"
		} else if meta.ValidationStatus == "valid" {
			meta.ValidationStatus = "warnings"
		}
	}
	stats, recs := tlsStatistics(rep)
	return w.encode(tlsDocument{ParseMetadata: meta, Report: rep, Statistics: stats, Recommendations: recs})
}

// TLSError writes the document of a TLS report tlsrpt.Parse refused.
func (w *Writer) TLSError(src Source, err error) error {
	meta := w.meta(src)
	meta.InputFormat = FormatTLS
	meta.ValidationStatus = "errors"
	meta.ValidationMessages = []aggregate.Message{{ErrorType: aggregate.SchemaViolation, Field: "/",
		Expected: "an SMTP TLS report (RFC 8460 section 4.4)", Actual: err.Error(),
		Severity: aggregate.SeverityFatal, Action: aggregate.ActionHaltedParse}}
	return w.writeError(meta)
}

// tlsMessage is m in the protocol's validation message shape; Field
// becomes a JSON pointer-like path.
func tlsMessage(m tlsrpt.Message) aggregate.Message {
	typ := aggregate.InvalidValue
	if strings.HasPrefix(m.Message, "missing") {
		typ = aggregate.MissingField
	}
	return aggregate.Message{ErrorType: typ, Field: "/" + strings.ReplaceAll(m.Field, ".", "/"),
		Expected: "RFC 8460 section 4.4", Actual: m.Message, Severity: m.Severity, Action: aggregate.ActionKept}
}

// tlsStatistics sums rep's sessions and recommends a fix per result type
// that failed, the most sessions first: high priority under a policy
// that senders enforce (sts, tlsa), since mail may then not arrive,
// medium otherwise.
func tlsStatistics(rep *tlsrpt.Report) (TLSStatistics, []analysis.Recommendation) {
	var st TLSStatistics
	byType := map[string]*TLSFailureType{}
	policy := map[string]bool{}
	for _, p := range rep.Policies {
		st.SuccessfulSessions += p.Successful
		st.FailedSessions += p.Failed
		for _, f := range p.Failures {
			t := byType[f.ResultType]
			if t == nil {
				t = &TLSFailureType{ResultType: f.ResultType, Title: tlsrpt.Explain(f.ResultType).Title, MXHosts: []string{}}
				byType[f.ResultType] = t
			}
			t.Sessions += f.Sessions
			if f.ReceivingMXHostname != "" && !slices.Contains(t.MXHosts, f.ReceivingMXHostname) {
				t.MXHosts = append(t.MXHosts, f.ReceivingMXHostname)
			}
			policy[f.ResultType] = policy[f.ResultType] || p.Type != tlsrpt.PolicyNotFound
		}
	}
	st.TotalSessions = st.SuccessfulSessions + st.FailedSessions
	st.SuccessRate = 100
	if st.TotalSessions > 0 {
		st.SuccessRate = math.Round(float64(st.SuccessfulSessions)*10000/float64(st.TotalSessions)) / 100
	}
	st.FailuresByType = []TLSFailureType{}
	for _, t := range byType {
		st.FailuresByType = append(st.FailuresByType, *t)
	}
	slices.SortFunc(st.FailuresByType, func(a, b TLSFailureType) int {
		return cmp.Or(cmp.Compare(b.Sessions, a.Sessions), strings.Compare(a.ResultType, b.ResultType))
	})
	recs := []analysis.Recommendation{}
	for _, t := range st.FailuresByType {
		e := tlsrpt.Explain(t.ResultType)
		prio := analysis.PriorityMedium
		if policy[t.ResultType] {
			prio = analysis.PriorityHigh
		}
		where := ""
		if len(t.MXHosts) > 0 {
			where = " at " + strings.Join(t.MXHosts, ", ")
		}
		recs = append(recs, analysis.Recommendation{Priority: prio, Action: e.Fix,
			Reason: fmt.Sprintf("%s%s: %s", e.Title, where, e.Meaning), AffectedRecords: t.Sessions})
	}
	return st, recs
}
