package aggregate

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxInterned bounds the strings shared between records (domains, IPs,
// selectors), which keeps allocation low without unbounded growth.
const maxInterned = 1 << 14

// maxDuration is the longest date range the protocol accepts unflagged.
const maxDuration = 7 * 24 * time.Hour

// str returns v as a string, sharing repeated values.
func (d *Decoder) str(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	if s, ok := d.intern[string(v)]; ok {
		return s
	}
	s := string(v)
	if len(d.intern) < maxInterned {
		d.intern[s] = s
	}
	return s
}

// field is str with a one-entry cache per element: consecutive records
// mostly repeat the same header_from, selector or result.
func (d *Decoder) field(e elem, v []byte) string {
	if s := d.last[e]; s == string(v) {
		return s
	}
	s := d.str(v)
	d.last[e] = s
	return s
}

// domain returns a domain name in its canonical form: lower case, no
// trailing dot (domain names compare case-insensitively, RFC 4343).
func (d *Decoder) domain(e elem, v []byte) string {
	v = bytes.TrimSuffix(v, []byte("."))
	if !lowerASCII(v) {
		v = bytes.ToLower(v)
	}
	return d.field(e, v)
}

// ip canonicalizes an IP address. It returns the raw text and false when v
// is not an address.
func (d *Decoder) ip(v []byte) (string, bool) {
	s := d.str(v)
	a, err := netip.ParseAddr(s)
	if err != nil {
		return s, false
	}
	if a.Is4() {
		return s, true // ParseAddr accepts only the canonical dotted quad
	}
	a = a.Unmap()
	if c := a.String(); c != s {
		return d.str([]byte(c)), true
	}
	return s, true
}

// enum returns the allowed value v stands for. A value differing only in
// case is normalized with a warning; an unknown value is kept (lower-cased)
// with a warning, since dropping it would lose what the reporter said.
func (d *Decoder) enum(v []byte, allowed []string, e elem) string {
	for _, a := range allowed {
		if string(v) == a {
			return a
		}
	}
	expected := strings.Join(allowed, "|")
	if len(v) == 0 {
		d.warn(MissingField, d.path(e), expected, "", ActionKept)
		return ""
	}
	for _, a := range allowed {
		if bytes.EqualFold(v, []byte(a)) {
			d.warn(InvalidValue, d.path(e), expected, string(v), ActionNormalized)
			return a
		}
	}
	d.warn(InvalidValue, d.path(e), expected, string(v), ActionKept)
	return d.str(bytes.ToLower(v))
}

// setLeaf stores the text of a leaf element e found inside parent.
func (d *Decoder) setLeaf(parent ctx, e elem, raw []byte) {
	v := trimSpace(raw)
	if !utf8.Valid(v) {
		v = repairUTF8(v)
		d.warn(InvalidValue, d.path(e), "UTF-8 text", string(v), ActionNormalized)
	}
	bit := uint64(1) << e
	if parent == cFeedback || parent == cMetadata || parent == cDateRange || parent == cPolicy {
		d.hdrSeen |= bit
		d.setHeaderField(parent, e, v)
		return
	}
	d.recSeen |= bit
	r := d.rec
	switch parent {
	case cRow:
		switch e {
		case eSourceIP:
			ip, ok := d.ip(v)
			if !ok {
				d.warn(InvalidValue, d.path(e), "an IPv4 or IPv6 address", ip, ActionKept)
			}
			r.SourceIP = ip
		case eCount:
			n, ok := parseCount(v)
			switch {
			case !ok:
				d.warn(InvalidValue, d.path(e), "a positive integer", string(v), ActionUsedDefault)
				n = 1
			case n == 0:
				d.warn(InvalidValue, d.path(e), "a positive integer", "0", ActionKept)
			}
			r.Count = n
		}
	case cPolicyEvaluated:
		pe := &r.PolicyEvaluated
		switch e {
		case eDisposition:
			pe.Disposition = d.enum(v, enumDisposition, e)
		case eDKIM:
			pe.DKIM = d.enum(v, enumVerdict, e)
		case eSPF:
			pe.SPF = d.enum(v, enumVerdict, e)
		}
	case cReason:
		rs := &r.PolicyEvaluated.Reasons[len(r.PolicyEvaluated.Reasons)-1]
		switch e {
		case eType:
			if len(v) > 0 {
				rs.Type = d.enum(v, enumReason, e)
			}
		case eComment:
			rs.Comment = d.field(e, v)
		}
	case cIdentifiers:
		switch e {
		case eHeaderFrom:
			r.Identifiers.HeaderFrom = d.domain(e, v)
		case eEnvelopeFrom:
			r.Identifiers.EnvelopeFrom = d.domain(e, v)
		case eEnvelopeTo:
			r.Identifiers.EnvelopeTo = d.domain(e, v)
		}
	case cAuthDKIM:
		k := &r.AuthResults.DKIM[len(r.AuthResults.DKIM)-1]
		switch e {
		case eDomain:
			k.Domain = d.domain(e, v)
		case eSelector:
			k.Selector = d.field(e, v)
		case eResult:
			k.Result = d.enum(v, enumDKIMResult, e)
		case eHumanResult:
			k.HumanResult = d.field(e, v)
		}
	case cAuthSPF:
		k := &r.AuthResults.SPF[len(r.AuthResults.SPF)-1]
		switch e {
		case eDomain:
			k.Domain = d.domain(e, v)
		case eScope:
			if len(v) > 0 {
				k.Scope = d.enum(v, enumSPFScope, e)
			}
		case eResult:
			k.Result = d.enum(v, enumSPFResult, e)
		case eHumanResult:
			k.HumanResult = d.field(e, v)
		}
	}
}

// setHeaderField stores a leaf of the feedback, report_metadata, date_range
// or policy_published element.
func (d *Decoder) setHeaderField(parent ctx, e elem, v []byte) {
	h := &d.hdr
	m := &h.Metadata
	p := &h.Policy
	switch e {
	case eVersion:
		h.Version = string(v)
	case eOrgName:
		m.Reporter.OrgName = string(v)
	case eEmail:
		m.Reporter.Email = string(v)
	case eExtraContactInfo:
		m.Reporter.ExtraContactInfo = string(v)
	case eReportID:
		m.ReportID = string(v)
	case eError:
		if len(v) > 0 && len(m.Errors) < maxMessages {
			m.Errors = append(m.Errors, string(v))
		}
	case eGenerator:
		m.Generator = string(v)
	case eBegin, eEnd:
		t, ok := parseTimestamp(v)
		if !ok {
			d.warn(InvalidValue, d.path(e), "seconds since the epoch", string(v), ActionUsedDefault)
			t = d.opts.ReceivedAt
		}
		if e == eBegin {
			m.DateRange.Begin = t
		} else {
			m.DateRange.End = t
		}
	case eDomain:
		p.Domain = d.domain(e, v)
	case eADKIM:
		p.ADKIM = d.enum(v, enumAlignment, e)
	case eASPF:
		p.ASPF = d.enum(v, enumAlignment, e)
	case eP:
		p.Policy = d.enum(v, enumPolicy, e)
	case eSP:
		p.SubdomainPolicy = d.enum(v, enumPolicy, e)
	case eNP:
		p.NonexistentSubdomainPolicy = d.enum(v, enumPolicy, e)
	case ePct:
		n, ok := parseCount(v)
		switch {
		case !ok || n > 100:
			d.warn(InvalidValue, d.path(e), "0-100", string(v), ActionUsedDefault)
			n = 100
		case n < 100:
			d.warn(InvalidValue, d.path(e), "100 (policy applied to all mail)", string(v), ActionKept)
		}
		p.Percentage = int(n)
	case eFO:
		p.FailureOptions = string(v)
	case eTesting:
		p.Testing = d.enum(v, enumTesting, e)
	case eDiscoveryMethod:
		p.DiscoveryMethod = d.enum(v, enumDiscovery, e)
	}
}

// finishHeader validates the header and fills in the RFC's defaults.
func (d *Decoder) finishHeader() {
	h := &d.hdr
	m := &h.Metadata
	p := &h.Policy
	seen := func(e elem) bool { return d.hdrSeen&(1<<e) != 0 }
	const meta, pol = "/feedback/report_metadata/", "/feedback/policy_published/"
	if m.Reporter.OrgName == "" {
		d.warn(MissingField, meta+"org_name", "the reporter's name", "", ActionKept)
	}
	if m.ReportID == "" {
		d.warn(MissingField, meta+"report_id", "a report ID", "", ActionKept)
	}
	for _, e := range []elem{eBegin, eEnd} {
		if !seen(e) {
			d.warn(MissingField, meta+"date_range/"+elemNames[e], "seconds since the epoch", "", ActionUsedDefault)
			if e == eBegin {
				m.DateRange.Begin = d.opts.ReceivedAt
			} else {
				m.DateRange.End = d.opts.ReceivedAt
			}
		}
	}
	dr := &m.DateRange
	switch span := dr.End.Sub(dr.Begin); {
	case span < 0:
		d.warn(InvalidValue, meta+"date_range", "begin before end",
			fmt.Sprintf("begin %s, end %s", dr.Begin.Format(time.RFC3339), dr.End.Format(time.RFC3339)), ActionKept)
	case span > maxDuration:
		d.warn(InvalidValue, meta+"date_range", "at most 7 days",
			strconv.FormatFloat(span.Hours()/24, 'f', 1, 64)+" days", ActionKept)
	}
	dr.DurationHours = math.Round(dr.End.Sub(dr.Begin).Hours()*100) / 100
	if p.Domain == "" {
		d.warn(MissingField, pol+"domain", "the policy domain", "", ActionKept)
	}
	if !seen(eP) {
		d.warn(MissingField, pol+"p", "none|quarantine|reject", "", ActionKept)
	}
	if p.ADKIM == "" {
		p.ADKIM = "r"
	}
	if p.ASPF == "" {
		p.ASPF = "r"
	}
	if p.SubdomainPolicy == "" {
		p.SubdomainPolicy = p.Policy
	}
	if !seen(ePct) {
		p.Percentage = 100
	}
}

// finishRecord validates a complete record and hands it out.
func (d *Decoder) finishRecord() {
	r := d.rec
	d.rec = nil
	seen := func(e elem) bool { return d.recSeen&(1<<e) != 0 }
	missing := func(field, expected, action string) {
		d.warn(MissingField, d.recordPath()+field, expected, "", action)
	}
	if !seen(eSourceIP) {
		missing("/row/source_ip", "an IPv4 or IPv6 address", ActionKept)
	}
	if !seen(eCount) {
		missing("/row/count", "a positive integer", ActionUsedDefault)
		r.Count = 1
	}
	if !seen(eDisposition) {
		missing("/row/policy_evaluated/disposition", "none|quarantine|reject", ActionKept)
	}
	if r.PolicyEvaluated.DKIM == "" && !seen(eDKIM) {
		missing("/row/policy_evaluated/dkim", "pass|fail", ActionKept)
	}
	if r.PolicyEvaluated.SPF == "" && !seen(eSPF) {
		missing("/row/policy_evaluated/spf", "pass|fail", ActionKept)
	}
	if !seen(eHeaderFrom) || r.Identifiers.HeaderFrom == "" {
		missing("/identifiers/header_from", "the RFC5322.From domain", ActionKept)
	} else if pd := d.hdr.Policy.Domain; pd != "" && !inDomain(r.Identifiers.HeaderFrom, pd) {
		d.warn(InvalidValue, d.recordPath()+"/identifiers/header_from", pd+" or a subdomain", r.Identifiers.HeaderFrom, ActionKept)
	}
	if len(r.AuthResults.DKIM) == 0 && len(r.AuthResults.SPF) == 0 {
		missing("/auth_results", "at least one dkim or spf result", ActionKept)
	}
	if r.AuthResults.DKIM == nil {
		r.AuthResults.DKIM = []DKIMResult{}
	}
	if r.AuthResults.SPF == nil {
		r.AuthResults.SPF = []SPFResult{}
	}
	d.nrec++
	d.ready = r
}

// inDomain reports whether name is domain or one of its subdomains.
func inDomain(name, domain string) bool {
	return name == domain || strings.HasSuffix(name, "."+domain)
}

// recordPath is the XPath of the current record: /feedback/record[n].
func (d *Decoder) recordPath() string {
	return "/feedback/record[" + strconv.Itoa(d.nrec+1) + "]"
}

// path is the XPath of element e inside the open elements (e may be
// eUnknown for the open element itself). Elements around <feedback> are
// left out; the record has its 1-based index.
func (d *Decoder) path(e elem) string {
	var b strings.Builder
	for _, f := range d.stack {
		if f.ctx == cOutside {
			continue
		}
		b.WriteByte('/')
		b.WriteString(f.name)
		switch {
		case f.ctx == cRecord:
			fmt.Fprintf(&b, "[%d]", d.nrec+1)
		case f.ctx == cAuthDKIM && d.rec != nil:
			fmt.Fprintf(&b, "[%d]", len(d.rec.AuthResults.DKIM))
		case f.ctx == cAuthSPF && d.rec != nil:
			fmt.Fprintf(&b, "[%d]", len(d.rec.AuthResults.SPF))
		}
	}
	if e != eUnknown {
		b.WriteByte('/')
		b.WriteString(elemNames[e])
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// warn records a warning. Indexes are stripped from field for folding.
func (d *Decoder) warn(errorType, field, expected, actual, action string) {
	d.log.add(Message{
		ErrorType: errorType, Field: field, Expected: expected, Actual: actual,
		Severity: SeverityWarning, Action: action,
	}, stripIndexes(field))
}

// warnXML records a repair of malformed XML in element e (eUnknown: the
// open element).
func (d *Decoder) warnXML(e elem, expected, actual, action string) {
	d.warn(MalformedXML, d.path(e), expected, actual, action)
}

// stripIndexes removes "[n]" from an XPath.
func stripIndexes(p string) string {
	if strings.IndexByte(p, '[') < 0 {
		return p
	}
	var b strings.Builder
	skip := false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '[':
			skip = true
		case c == ']':
			skip = false
		case !skip:
			b.WriteByte(c)
		}
	}
	return b.String()
}
