package remedy

import (
	"errors"
	"regexp"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
)

// SPFEdit says what InsertSPFTerm did to a record.
type SPFEdit struct {
	// Record is the new record.
	Record string `json:"record"`
	// Already: the record has the term already, and is returned as is.
	Already bool `json:"already,omitempty"`
	// Created: there was no record; a new one was written.
	Created bool `json:"created,omitempty"`
	// PassAllReplaced is the +all (or bare all) the edit replaced by
	// ~all: a record that lets every server pass is never proposed.
	PassAllReplaced string `json:"pass_all_replaced,omitempty"`
}

// modifierTerm matches an SPF modifier: a name followed by "=" (RFC 7208
// section 12, "name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )").
var modifierTerm = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]*=`)

// InsertSPFTerm returns record with term (a mechanism such as
// "include:sendgrid.net" or "ip4:192.0.2.1") added where it takes
// effect: before the all mechanism, which ends evaluation (RFC 7208
// section 5.1); before a redirect= when there is no all (a redirect
// applies only when no mechanism matched, section 6.1); at the end
// otherwise. The record's other terms are kept as published. A record
// that has the term already (compared case-insensitively, a "+"
// qualifier ignored) is returned unchanged; an empty record becomes
// "v=spf1 TERM ~all"; +all is replaced by ~all. It fails for a record
// that is not an SPF record (no "v=spf1" first) or an empty term.
func InsertSPFTerm(record, term string) (SPFEdit, error) {
	term = strings.TrimSpace(term)
	if term == "" || strings.ContainsAny(term, " \t") {
		return SPFEdit{}, errors.New("spf: the term to insert is empty or holds spaces")
	}
	record = strings.TrimSpace(record)
	if record == "" {
		return SPFEdit{Record: "v=spf1 " + term + " ~all", Created: true}, nil
	}
	if len(record) < 6 || !strings.EqualFold(record[:6], "v=spf1") || len(record) > 6 && record[6] != ' ' {
		return SPFEdit{}, dnscheck.ErrNotSPF
	}
	terms := strings.Fields(record[6:])
	want := canonicalTerm(term)
	for _, t := range terms {
		if canonicalTerm(t) == want {
			return SPFEdit{Record: record, Already: true}, nil
		}
	}
	var edit SPFEdit
	at := len(terms)
	redirect := -1
	for i, t := range terms {
		if name, ok := allMechanism(t); ok {
			at = i
			if name == "all" || name == "+all" {
				edit.PassAllReplaced = t
				terms[i] = "~all"
			}
			redirect = -1
			break
		}
		if redirect < 0 && modifierTerm.MatchString(t) && strings.EqualFold(t[:strings.IndexByte(t, '=')], "redirect") {
			redirect = i
		}
	}
	if redirect >= 0 {
		at = redirect
	}
	out := make([]string, 0, len(terms)+2)
	out = append(out, "v=spf1")
	out = append(out, terms[:at]...)
	out = append(out, term)
	out = append(out, terms[at:]...)
	edit.Record = strings.Join(out, " ")
	return edit, nil
}

// allMechanism reports whether t is the all mechanism, with its text in
// lower case.
func allMechanism(t string) (string, bool) {
	l := strings.ToLower(t)
	return l, strings.TrimLeft(l, "+-~?") == "all" && len(l)-len(strings.TrimLeft(l, "+-~?")) <= 1
}

// canonicalTerm is a term compared for equality: lower case, without the
// default "+" qualifier.
func canonicalTerm(t string) string {
	return strings.TrimPrefix(strings.ToLower(t), "+")
}
