package aggregate

// Element and context identifiers. The decoder keeps a stack of contexts;
// what an element means depends on its parent (policy_evaluated/dkim is a
// verdict, auth_results/dkim a container), so fields are found by the pair
// (parent context, element).
type elem uint8

const (
	eUnknown elem = iota
	eFeedback
	eVersion
	eReportMetadata
	eOrgName
	eEmail
	eExtraContactInfo
	eReportID
	eDateRange
	eBegin
	eEnd
	eError
	eGenerator
	ePolicyPublished
	eDomain
	eADKIM
	eASPF
	eP
	eSP
	eNP
	ePct
	eFO
	eTesting
	eDiscoveryMethod
	eRecord
	eRow
	eSourceIP
	eCount
	ePolicyEvaluated
	eDisposition
	eDKIM
	eSPF
	eReason
	eType
	eComment
	eIdentifiers
	eHeaderFrom
	eEnvelopeFrom
	eEnvelopeTo
	eAuthResults
	eSelector
	eResult
	eHumanResult
	eScope
	numElems
)

// elemNames are the local names; index by elem.
var elemNames = [numElems]string{
	"", "feedback", "version", "report_metadata", "org_name", "email", "extra_contact_info",
	"report_id", "date_range", "begin", "end", "error", "generator", "policy_published",
	"domain", "adkim", "aspf", "p", "sp", "np", "pct", "fo", "testing", "discovery_method",
	"record", "row", "source_ip", "count", "policy_evaluated", "disposition", "dkim", "spf",
	"reason", "type", "comment", "identifiers", "header_from", "envelope_from", "envelope_to",
	"auth_results", "selector", "result", "human_result", "scope",
}

// lookupElem maps a local name to its elem. The switch on string(b) does
// not allocate.
func lookupElem(b []byte) elem {
	switch string(b) {
	case "feedback":
		return eFeedback
	case "version":
		return eVersion
	case "report_metadata":
		return eReportMetadata
	case "org_name":
		return eOrgName
	case "email":
		return eEmail
	case "extra_contact_info":
		return eExtraContactInfo
	case "report_id":
		return eReportID
	case "date_range":
		return eDateRange
	case "begin":
		return eBegin
	case "end":
		return eEnd
	case "error":
		return eError
	case "generator":
		return eGenerator
	case "policy_published":
		return ePolicyPublished
	case "domain":
		return eDomain
	case "adkim":
		return eADKIM
	case "aspf":
		return eASPF
	case "p":
		return eP
	case "sp":
		return eSP
	case "np":
		return eNP
	case "pct":
		return ePct
	case "fo":
		return eFO
	case "testing":
		return eTesting
	case "discovery_method":
		return eDiscoveryMethod
	case "record":
		return eRecord
	case "row":
		return eRow
	case "source_ip":
		return eSourceIP
	case "count":
		return eCount
	case "policy_evaluated":
		return ePolicyEvaluated
	case "disposition":
		return eDisposition
	case "dkim":
		return eDKIM
	case "spf":
		return eSPF
	case "reason":
		return eReason
	case "type":
		return eType
	case "comment":
		return eComment
	case "identifiers":
		return eIdentifiers
	case "header_from":
		return eHeaderFrom
	case "envelope_from":
		return eEnvelopeFrom
	case "envelope_to":
		return eEnvelopeTo
	case "auth_results":
		return eAuthResults
	case "selector":
		return eSelector
	case "result":
		return eResult
	case "human_result":
		return eHumanResult
	case "scope":
		return eScope
	}
	return eUnknown
}

// Contexts: what the element on top of the stack is.
type ctx uint8

const (
	cOutside ctx = iota // before or around <feedback> (e.g. a stray xs:schema wrapper)
	cUnknown            // an element the schema does not define here; its subtree is ignored
	cFeedback
	cMetadata
	cDateRange
	cPolicy
	cRecord
	cRow
	cPolicyEvaluated
	cReason
	cIdentifiers
	cAuthResults
	cAuthDKIM
	cAuthSPF
	cLeaf // a text element being read
)

// container returns the context a child element opens inside parent, or
// cLeaf when the element holds text, or cUnknown.
func container(parent ctx, e elem) ctx {
	switch parent {
	case cFeedback:
		switch e {
		case eReportMetadata:
			return cMetadata
		case ePolicyPublished:
			return cPolicy
		case eRecord:
			return cRecord
		case eVersion:
			return cLeaf
		}
	case cMetadata:
		switch e {
		case eDateRange:
			return cDateRange
		case eOrgName, eEmail, eExtraContactInfo, eReportID, eError, eGenerator:
			return cLeaf
		}
	case cDateRange:
		if e == eBegin || e == eEnd {
			return cLeaf
		}
	case cPolicy:
		switch e {
		case eDomain, eADKIM, eASPF, eP, eSP, eNP, ePct, eFO, eTesting, eDiscoveryMethod:
			return cLeaf
		}
	case cRecord:
		switch e {
		case eRow:
			return cRow
		case eIdentifiers:
			return cIdentifiers
		case eAuthResults:
			return cAuthResults
		}
	case cRow:
		switch e {
		case ePolicyEvaluated:
			return cPolicyEvaluated
		case eSourceIP, eCount:
			return cLeaf
		}
	case cPolicyEvaluated:
		switch e {
		case eReason:
			return cReason
		case eDisposition, eDKIM, eSPF:
			return cLeaf
		}
	case cReason:
		if e == eType || e == eComment {
			return cLeaf
		}
	case cIdentifiers:
		if e == eHeaderFrom || e == eEnvelopeFrom || e == eEnvelopeTo {
			return cLeaf
		}
	case cAuthResults:
		switch e {
		case eDKIM:
			return cAuthDKIM
		case eSPF:
			return cAuthSPF
		}
	case cAuthDKIM:
		switch e {
		case eDomain, eSelector, eResult, eHumanResult:
			return cLeaf
		}
	case cAuthSPF:
		switch e {
		case eDomain, eScope, eResult, eHumanResult:
			return cLeaf
		}
	}
	return cUnknown
}
