package dnscheck

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// DMARCRecord is a parsed DMARC policy record: the tags of RFC 7489 §6.3
// and DMARCbis's np, psd and t. Fields hold the effective values, with the
// defaults of absent tags filled in.
type DMARCRecord struct {
	// Tags are the record's tags as published, in order.
	Tags []Tag `json:"tags"`
	// Policy is p: "none", "quarantine" or "reject"; "" when absent or
	// invalid.
	Policy string `json:"p"`
	// SubdomainPolicy is sp; Policy when absent.
	SubdomainPolicy string `json:"sp"`
	// NonexistentPolicy is np (DMARCbis), for subdomains that do not
	// exist; SubdomainPolicy when absent.
	NonexistentPolicy string `json:"np"`
	// Percent is pct, 0 to 100 (100 when absent).
	Percent int        `json:"pct"`
	RUA     []DMARCURI `json:"rua"`
	RUF     []DMARCURI `json:"ruf"`
	// ADKIM and ASPF are the alignment modes, "r" (relaxed, the default)
	// or "s" (strict).
	ADKIM string `json:"adkim"`
	ASPF  string `json:"aspf"`
	// FailureOptions is fo, split on ":" (["0"] when absent).
	FailureOptions []string `json:"fo"`
	// ReportFormats is rf, split on ":" (["afrf"] when absent).
	ReportFormats []string `json:"rf"`
	// Interval is ri, the requested seconds between aggregate reports
	// (86400 when absent).
	Interval int `json:"ri"`
	// PSD is DMARCbis's psd: "y", "n" or "u" ("" when absent).
	PSD string `json:"psd,omitempty"`
	// Testing is DMARCbis's t: "y" or "n" ("" when absent).
	Testing string `json:"t,omitempty"`
}

// DMARCURI is one reporting URI of rua or ruf (RFC 7489 §6.2).
type DMARCURI struct {
	// URI is the URI as published, without the size limit.
	URI    string `json:"uri"`
	Scheme string `json:"scheme"`
	// Address and Domain are the mail address of a mailto URI and its
	// domain.
	Address string `json:"address,omitempty"`
	Domain  string `json:"domain,omitempty"`
	// MaxSize is the size limit after "!", e.g. "10m" ("" when none).
	MaxSize string `json:"max_size,omitempty"`
}

// dmarcTags are the tags RFC 7489 and DMARCbis define.
var dmarcTags = []string{"v", "p", "sp", "np", "pct", "rua", "ruf", "adkim", "aspf", "fo", "rf", "ri", "psd", "t"}

// isDMARCRecord reports whether a TXT record is a DMARC record: its first
// tag is v=DMARC1, exactly (RFC 7489 §6.3: "The value of this tag MUST
// match precisely; if it does not or it is absent, the entire retrieved
// record MUST be ignored. It MUST be the first tag in the list.").
func isDMARCRecord(txt string) bool { return versionIs(txt, "DMARC1") }

// looksLikeDMARC reports whether a TXT record was meant as a DMARC record
// but is not one: "v=dmarc1", "V=DMARC1", a version after another tag...
func looksLikeDMARC(txt string) bool {
	return !isDMARCRecord(txt) && strings.Contains(strings.ToLower(txt), "dmarc1")
}

// ParseDMARC parses a DMARC record. Problems are findings: errors for
// what makes receivers ignore the record or a tag (RFC 7489 §6.6.3: an
// invalid tag value is treated as absent, an unknown tag is ignored),
// warnings and remarks for what weakens it. The record is nil when txt is
// not a DMARC record at all (no v=DMARC1 first).
func ParseDMARC(txt string) (*DMARCRecord, []Finding) {
	var rc RecordCheck
	if !isDMARCRecord(txt) {
		rc.add(SeverityError, "dmarc.version", fmt.Sprintf("The record does not start with v=DMARC1 (exactly so, upper case, then \";\"), so receivers ignore it: %q.", txt),
			"Start the record with v=DMARC1: "+dmarcFixVersion(txt))
		return nil, rc.Findings
	}
	tags, problems := parseTags(txt)
	for _, p := range problems {
		rc.add(SeverityError, "dmarc.syntax", "Syntax error: "+p+".", "")
	}
	r := &DMARCRecord{Tags: tags, RUA: []DMARCURI{}, RUF: []DMARCURI{}, Percent: 100, ADKIM: "r", ASPF: "r", FailureOptions: []string{"0"}, ReportFormats: []string{"afrf"}, Interval: 86400}
	invalid := func(t Tag, want string) {
		rc.add(SeverityError, "dmarc.invalid_value", fmt.Sprintf("%s=%s is not valid (%s), so receivers ignore it.", t.Name, t.Value, want),
			"Publish: "+joinTags(withoutTags(tags, func(u Tag) bool { return u == t })))
	}
	for _, t := range tags[1:] {
		v := t.Value
		switch name := strings.ToLower(t.Name); name {
		case "p", "sp", "np":
			p := strings.ToLower(v)
			if p != "none" && p != "quarantine" && p != "reject" {
				fixed := suggest(p, []string{"none", "quarantine", "reject"})
				if fixed == "" && name != "p" {
					invalid(t, "want none, quarantine or reject")
					continue
				} else if fixed == "" {
					fixed = "none"
				}
				rc.add(SeverityError, "dmarc.invalid_value", fmt.Sprintf("%s=%s is not valid (want none, quarantine or reject), so receivers ignore it.", t.Name, t.Value),
					"Publish: "+joinTags(setTag(tags, t.Name, fixed, "")))
				continue
			}
			switch name {
			case "p":
				r.Policy = p
			case "sp":
				r.SubdomainPolicy = p
			default:
				r.NonexistentPolicy = p
			}
		case "pct":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 100 {
				invalid(t, "want a whole number from 0 to 100")
				continue
			}
			r.Percent = n
		case "rua", "ruf":
			uris, bad := parseDMARCURIs(v)
			for _, b := range bad {
				fix := ""
				if strings.Contains(b, "@") && !strings.Contains(b, ":") {
					fix = fmt.Sprintf("Write the address as a mailto: URI: %s=mailto:%s", name, b)
				}
				rc.add(SeverityError, "dmarc.invalid_uri", fmt.Sprintf("%s: %q is not a valid reporting URI, so no reports are sent to it.", name, b), fix)
			}
			for _, u := range uris {
				if u.Scheme != "mailto" {
					rc.add(SeverityWarning, "dmarc.uri_scheme", fmt.Sprintf("%s: %s is not a mailto: URI; receivers are only required to send reports by mail (RFC 7489 §6.2).", name, u.URI),
						"Add a mailto: address.")
				}
			}
			if name == "rua" {
				r.RUA = append(r.RUA, uris...)
			} else {
				r.RUF = append(r.RUF, uris...)
			}
		case "adkim", "aspf":
			m := strings.ToLower(v)
			if m != "r" && m != "s" {
				invalid(t, "want r (relaxed) or s (strict)")
				continue
			}
			if name == "adkim" {
				r.ADKIM = m
			} else {
				r.ASPF = m
			}
		case "fo":
			opts := strings.Split(v, ":")
			ok := true
			for i, o := range opts {
				opts[i] = strings.ToLower(strings.TrimSpace(o))
				ok = ok && (opts[i] == "0" || opts[i] == "1" || opts[i] == "d" || opts[i] == "s")
			}
			if !ok {
				invalid(t, "want 0, 1, d or s, separated by \":\"")
				continue
			}
			r.FailureOptions = opts
		case "rf":
			formats := strings.Split(v, ":")
			for i, f := range formats {
				formats[i] = strings.ToLower(strings.TrimSpace(f))
				if formats[i] != "afrf" {
					rc.add(SeverityWarning, "dmarc.report_format", fmt.Sprintf("rf=%s: the only failure report format is afrf (RFC 7489 §6.3).", v), "Remove rf, or write rf=afrf.")
				}
			}
			r.ReportFormats = formats
		case "ri":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				invalid(t, "want a number of seconds")
				continue
			}
			r.Interval = int(n)
		case "psd":
			if p := strings.ToLower(v); p == "y" || p == "n" || p == "u" {
				r.PSD = p
			} else {
				invalid(t, "want y, n or u")
			}
		case "t":
			if p := strings.ToLower(v); p == "y" || p == "n" {
				r.Testing = p
			} else {
				invalid(t, "want y or n")
			}
		case "v":
			rc.add(SeverityError, "dmarc.syntax", "v= appears more than once.", "")
		default:
			msg := fmt.Sprintf("Unknown tag %s=%s: receivers ignore it.", t.Name, t.Value)
			if s := suggest(name, dmarcTags); s != "" {
				msg = fmt.Sprintf("Unknown tag %s=%s: receivers ignore it. Did you mean %s?", t.Name, t.Value, s)
			}
			rc.add(SeverityWarning, "dmarc.unknown_tag", msg, "Publish: "+joinTags(withoutTags(tags, func(u Tag) bool { return u == t })))
		}
	}
	if _, ok := tagValue(lowerNames(tags), "p"); !ok {
		rc.add(SeverityError, "dmarc.policy_missing", "The record has no policy (p=), which it requires (RFC 7489 §6.3); receivers treat it as p=none at best.",
			"Publish: "+joinTags(setTag(tags, "p", "none", "v")))
	}
	if r.SubdomainPolicy == "" {
		r.SubdomainPolicy = r.Policy
	}
	if r.NonexistentPolicy == "" {
		r.NonexistentPolicy = r.SubdomainPolicy
	}
	return r, rc.Findings
}

// lowerNames returns tags with lower-case names.
func lowerNames(tags []Tag) []Tag {
	out := make([]Tag, len(tags))
	for i, t := range tags {
		out[i] = Tag{strings.ToLower(t.Name), t.Value}
	}
	return out
}

// dmarcFixVersion returns txt with its version tag corrected and first.
func dmarcFixVersion(txt string) string {
	tags, _ := parseTags(txt)
	rest := withoutTags(tags, func(t Tag) bool { return strings.EqualFold(t.Name, "v") })
	return joinTags(append([]Tag{{"v", "DMARC1"}}, rest...))
}

// parseDMARCURIs parses the comma-separated URIs of rua or ruf (RFC 7489
// §6.4: dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]),
// returning those that are valid and the text of those that are not.
func parseDMARCURIs(v string) (uris []DMARCURI, bad []string) {
	for raw := range strings.SplitSeq(v, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		uri, size := raw, ""
		if i := strings.LastIndexByte(raw, '!'); i >= 0 {
			uri, size = raw[:i], raw[i+1:]
			if !validSize(size) {
				bad = append(bad, raw)
				continue
			}
		}
		u, err := url.Parse(uri)
		if err != nil || u.Scheme == "" {
			bad = append(bad, raw)
			continue
		}
		d := DMARCURI{URI: uri, Scheme: strings.ToLower(u.Scheme), MaxSize: size}
		switch d.Scheme {
		case "mailto":
			addr := u.Opaque
			if a, err := url.PathUnescape(addr); err == nil {
				addr = a
			}
			addr, _, _ = strings.Cut(addr, "?")
			local, domain, ok := strings.Cut(addr, "@")
			domain = strings.ToLower(strings.TrimSuffix(domain, "."))
			if !ok || local == "" || !validDomain(domain) {
				bad = append(bad, raw)
				continue
			}
			d.Address, d.Domain = addr, domain
		case "https", "http":
			if u.Host == "" {
				bad = append(bad, raw)
				continue
			}
			d.Domain = strings.ToLower(u.Hostname())
		}
		uris = append(uris, d)
	}
	return uris, bad
}

// validSize reports whether s is a DMARC size limit: digits and an
// optional unit k, m, g or t.
func validSize(s string) bool {
	s = strings.ToLower(s)
	if s != "" && strings.ContainsAny(s[len(s)-1:], "kmgt") {
		s = s[:len(s)-1]
	}
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
