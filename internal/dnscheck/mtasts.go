package dnscheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// MTA-STS limits (RFC 8461).
const (
	MTASTSPolicyMaxSize = 64 << 10 // bytes of a policy file read (§3.3)
	mtastsMaxAge        = 31557600 // seconds, the most max_age may be (§3.2)
	mtastsWeek          = 604800   // a max_age shorter than this gives little protection
)

// MTASTSRecord is a parsed _mta-sts TXT record (RFC 8461 §3.1).
type MTASTSRecord struct {
	Tags []Tag  `json:"tags"`
	ID   string `json:"id"`
}

// MTASTSPolicy is a parsed MTA-STS policy file (RFC 8461 §3.2).
type MTASTSPolicy struct {
	Version string `json:"version"`
	// Mode is "enforce", "testing" or "none".
	Mode string `json:"mode"`
	// MX are the patterns of the mail servers ("mail.example.com",
	// "*.example.net").
	MX []string `json:"mx"`
	// MaxAge is how long senders cache the policy, in seconds.
	MaxAge int `json:"max_age"`
	// Fields are the policy's key/value pairs, in order.
	Fields []Tag `json:"fields"`
}

// MTASTSCheck is the outcome of the MTA-STS check.
type MTASTSCheck struct {
	RecordCheck
	Record *MTASTSRecord `json:"record,omitempty"`
	// PolicyURL is where the policy was fetched from.
	PolicyURL string        `json:"policy_url,omitempty"`
	Policy    *MTASTSPolicy `json:"policy,omitempty"`
	// MXHosts are the domain's MX names, which the policy must cover.
	MXHosts []string `json:"mx_hosts,omitempty"`
}

// ParseMTASTSRecord parses an _mta-sts TXT record: v=STSv1 first, then
// id= of 1 to 32 letters and digits, and extension tags.
func ParseMTASTSRecord(txt string) (*MTASTSRecord, []Finding) {
	var rc RecordCheck
	if !versionIs(txt, "STSv1") {
		rc.add(SeverityError, "mtasts.version", fmt.Sprintf("The record does not start with v=STSv1: %q.", txt), "")
		return nil, rc.Findings
	}
	tags, problems := parseTags(txt)
	for _, p := range problems {
		rc.add(SeverityError, "mtasts.syntax", "Syntax error: "+p+".", "")
	}
	r := &MTASTSRecord{Tags: tags}
	id, ok := tagValue(tags, "id")
	switch {
	case !ok:
		rc.add(SeverityError, "mtasts.no_id", "The record has no id=, which it requires (RFC 8461 §3.1): senders ignore it.", "Publish: v=STSv1; id=20260101T000000")
	case id == "" || len(id) > 32 || strings.ContainsFunc(id, func(r rune) bool { return !(r < 0x80 && (isAlpha(byte(r)) || isDigit(byte(r)))) }):
		rc.add(SeverityError, "mtasts.bad_id", fmt.Sprintf("id=%s: the id must be 1 to 32 letters and digits (RFC 8461 §3.1).", id), "Publish: v=STSv1; id=20260101T000000")
	default:
		r.ID = id
	}
	return r, rc.Findings
}

// ParseMTASTSPolicy parses a policy file: lines of "key: value" ending in
// CRLF or LF (RFC 8461 §3.2).
func ParseMTASTSPolicy(text string) (*MTASTSPolicy, []Finding) {
	var rc RecordCheck
	p := &MTASTSPolicy{}
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		value = strings.Trim(value, " \t")
		if !ok || key == "" || !validTagName(key) {
			rc.add(SeverityError, "mtasts.policy_syntax", fmt.Sprintf("Line %d of the policy is not \"key: value\": %q.", i+1, line), "")
			continue
		}
		p.Fields = append(p.Fields, Tag{key, value})
		if seen[key] && key != "mx" {
			rc.add(SeverityError, "mtasts.policy_syntax", fmt.Sprintf("Line %d: %s appears more than once.", i+1, key), "")
			continue
		}
		seen[key] = true
		switch key {
		case "version":
			p.Version = value
			if value != "STSv1" {
				rc.add(SeverityError, "mtasts.policy_version", fmt.Sprintf("version: %s: the policy must say version: STSv1.", value), "")
			}
		case "mode":
			p.Mode = value
			if value != "enforce" && value != "testing" && value != "none" {
				rc.add(SeverityError, "mtasts.policy_mode", fmt.Sprintf("mode: %s: the mode must be enforce, testing or none.", value), "")
			}
		case "mx":
			p.MX = append(p.MX, value)
			if !validMXPattern(value) {
				rc.add(SeverityError, "mtasts.policy_mx", fmt.Sprintf("mx: %s is not a host name or a *. pattern.", value), "")
			}
		case "max_age":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || len(value) > 10 || n > mtastsMaxAge {
				rc.add(SeverityError, "mtasts.policy_max_age", fmt.Sprintf("max_age: %s: want a number of seconds up to %d (RFC 8461 §3.2).", value, mtastsMaxAge), "")
				continue
			}
			p.MaxAge = n
		default:
			rc.add(SeverityInfo, "mtasts.policy_extension", fmt.Sprintf("Unknown field %s: senders ignore it.", key), "")
		}
	}
	for _, f := range []string{"version", "mode", "max_age"} {
		if !seen[f] {
			rc.add(SeverityError, "mtasts.policy_missing_field", fmt.Sprintf("The policy has no %s: field, which it requires (RFC 8461 §3.2).", f), "")
		}
	}
	if len(p.MX) == 0 && p.Mode != "none" {
		rc.add(SeverityError, "mtasts.policy_no_mx", "The policy has no mx: field; enforce and testing modes need one per mail server pattern (RFC 8461 §3.2).", "")
	}
	return p, rc.Findings
}

// validMXPattern reports whether s is a host name, optionally with a
// leading "*." wildcard (RFC 8461 §3.2).
func validMXPattern(s string) bool {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(s), "*."), ".")
	return validDomain(s) && !strings.Contains(s, "_")
}

// mxMatches reports whether host matches pattern: equal, or "*.rest" with
// exactly one label before rest (RFC 8461 §4.1).
func mxMatches(pattern, host string) bool {
	pattern = strings.ToLower(strings.TrimSuffix(pattern, "."))
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if rest, ok := strings.CutPrefix(pattern, "*."); ok {
		label, parent, ok := strings.Cut(host, ".")
		return ok && label != "" && parent == rest
	}
	return pattern == host
}

// checkMTASTS checks the _mta-sts record and the policy it announces.
func (s *session) checkMTASTS(ctx context.Context, domain string) MTASTSCheck {
	c := MTASTSCheck{RecordCheck: RecordCheck{Kind: KindMTASTS, Name: "_mta-sts." + domain}}
	missing := Finding{SeverityInfo, "mtasts.missing", "No MTA-STS policy: senders deliver to you over TLS only when it happens to work, without checking your servers' certificates.",
		fmt.Sprintf("To require TLS, serve a policy at https://mta-sts.%s/.well-known/mta-sts.txt and publish a TXT record at %s: v=STSv1; id=20260101T000000 (RFC 8461).", domain, c.Name)}
	txt, ok := s.versionRecord(ctx, &c.RecordCheck, "STSv1", missing, "senders then assume there is no policy (RFC 8461 §3.1)")
	if !ok {
		return c
	}
	rec, findings := ParseMTASTSRecord(txt)
	c.Record = rec
	c.Findings = append(c.Findings, findings...)
	c.PolicyURL = "https://mta-sts." + domain + "/.well-known/mta-sts.txt"
	text, ctype, err := s.fetchPolicy(ctx, c.PolicyURL)
	if err != nil {
		c.add(SeverityError, "mtasts.policy_fetch", fmt.Sprintf("Could not fetch the policy: %v; senders then ignore MTA-STS for your domain.", err),
			fmt.Sprintf("Serve the policy as text/plain at %s over HTTPS with a valid certificate for mta-sts.%s, without redirects.", c.PolicyURL, domain))
		c.finish(true)
		return c
	}
	if mt, _, _ := mime.ParseMediaType(ctype); mt != "text/plain" {
		c.add(SeverityWarning, "mtasts.content_type", fmt.Sprintf("The policy is served as %q; it must be text/plain (RFC 8461 §3.2), and some senders reject it otherwise.", ctype),
			"Serve mta-sts.txt with Content-Type: text/plain.")
	}
	pol, findings := ParseMTASTSPolicy(text)
	c.Policy = pol
	c.Findings = append(c.Findings, findings...)
	s.checkPolicyMX(ctx, &c, domain)
	switch pol.Mode {
	case "testing":
		c.add(SeverityInfo, "mtasts.testing", "mode: testing: senders report failures (with TLS-RPT) but still deliver.", "When the TLS reports show no failures, switch to mode: enforce (and change the record's id).")
	case "none":
		c.add(SeverityWarning, "mtasts.mode_none", "mode: none: the policy is withdrawn; senders do not require TLS.", "")
	}
	if pol.MaxAge > 0 && pol.MaxAge < mtastsWeek && pol.Mode == "enforce" {
		c.add(SeverityWarning, "mtasts.max_age_short", fmt.Sprintf("max_age: %d is under a week: an attacker who blocks the policy fetch when it expires can remove the protection (RFC 8461 §3.2 expects weeks or more).", pol.MaxAge),
			"Use max_age: 604800 (a week) or more, e.g. 1209600.")
	}
	c.Summary = fmt.Sprintf("Mode: %s | max_age: %d | MX patterns: %s", pol.Mode, pol.MaxAge, strings.Join(pol.MX, ", "))
	c.finish(true)
	return c
}

// checkPolicyMX checks that the policy's patterns cover the domain's MX
// hosts: mail to a host no pattern matches fails delivery in enforce mode.
func (s *session) checkPolicyMX(ctx context.Context, c *MTASTSCheck, domain string) {
	if c.Policy.Mode == "none" || len(c.Policy.MX) == 0 {
		return
	}
	a := s.query(ctx, domain, dns.TypeMX)
	if a.err != nil {
		c.add(SeverityWarning, "mtasts.mx_unverified", fmt.Sprintf("Could not look up the MX records of %s to compare them with the policy: %v.", domain, a.err), "")
		return
	}
	for _, rr := range a.rrs {
		host := strings.ToLower(strings.TrimSuffix(rr.(*dns.MX).Mx, "."))
		if host == "" {
			continue
		}
		c.MXHosts = append(c.MXHosts, host)
		if !slices.ContainsFunc(c.Policy.MX, func(p string) bool { return mxMatches(p, host) }) {
			sev := SeverityError
			if c.Policy.Mode == "testing" {
				sev = SeverityWarning
			}
			c.add(sev, "mtasts.mx_not_covered", fmt.Sprintf("The MX host %s matches no mx: pattern of the policy: senders enforcing it will not deliver there.", host),
				"Add to the policy: mx: "+host+" (and change the record's id)")
		}
	}
}

// errRedirect: the policy URL answered with a redirect, which senders
// must not follow (RFC 8461 §3.3).
var errRedirect = errors.New("redirect")

// fetchPolicy fetches the policy file: HTTPS, status 200, no redirects, at
// most MTASTSPolicyMaxSize bytes.
func (s *session) fetchPolicy(ctx context.Context, url string) (body, contentType string, err error) {
	tr := &http.Transport{DialContext: s.dialer().DialContext, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	client := http.Client{Timeout: DefaultHTTPTimeout, Transport: tr}
	if s.c.HTTPClient != nil {
		client = *s.c.HTTPClient
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return "", "", fmt.Errorf("%s answered %s to %s, and senders do not follow redirects (RFC 8461 §3.3): %w", url, resp.Status, resp.Header.Get("Location"), errRedirect)
	case resp.StatusCode != http.StatusOK:
		return "", "", fmt.Errorf("%s answered %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MTASTSPolicyMaxSize+1))
	if err != nil {
		return "", "", fmt.Errorf("read %s: %w", url, err)
	}
	if len(b) > MTASTSPolicyMaxSize {
		return "", "", fmt.Errorf("%s is larger than %d KiB", url, MTASTSPolicyMaxSize>>10)
	}
	return string(b), resp.Header.Get("Content-Type"), nil
}
