package dnswatch

import (
	"slices"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
)

// ChangeType says what changed between two checks.
type ChangeType string

const (
	// ChangeRecord: the records of a kind differ (published, removed or
	// edited); RecordsBefore and RecordsAfter hold them.
	ChangeRecord ChangeType = "record"
	// ChangeStatus: a kind's status differs; StatusBefore and StatusAfter.
	ChangeStatus ChangeType = "status"
	// ChangeFindingAdded and ChangeFindingRemoved: a finding appeared or
	// went away; Finding holds it.
	ChangeFindingAdded   ChangeType = "finding_added"
	ChangeFindingRemoved ChangeType = "finding_removed"
	// ChangeCheckAdded and ChangeCheckRemoved: a DKIM selector was checked
	// in one of the two checks only, so its key is not compared.
	ChangeCheckAdded   ChangeType = "check_added"
	ChangeCheckRemoved ChangeType = "check_removed"
)

// Change is one difference between a check and the one before it.
type Change struct {
	Kind dnscheck.Kind `json:"kind"`
	// Name is the DNS name of the record, as the newer check asked it.
	Name string     `json:"name"`
	Type ChangeType `json:"type"`
	// RecordsBefore and RecordsAfter are the records of a record change,
	// each sorted (DNS gives a name's records in no order); empty when
	// there were none.
	RecordsBefore []string `json:"records_before,omitempty"`
	RecordsAfter  []string `json:"records_after,omitempty"`
	// StatusBefore and StatusAfter are the statuses of a status change.
	StatusBefore dnscheck.Status `json:"status_before,omitempty"`
	StatusAfter  dnscheck.Status `json:"status_after,omitempty"`
	// Finding is the finding added or removed.
	Finding *dnscheck.Finding `json:"finding,omitempty"`
}

// RecordStatus is the outcome of one kind of record in a check.
type RecordStatus struct {
	Kind   dnscheck.Kind   `json:"kind"`
	Name   string          `json:"name"`
	Status dnscheck.Status `json:"status"`
}

// Statuses returns the status of each record kind of r, in display order.
func Statuses(r *dnscheck.Result) []RecordStatus {
	checks := r.Checks()
	out := make([]RecordStatus, len(checks))
	for i, c := range checks {
		out[i] = RecordStatus{c.Kind, c.Name, c.Status}
	}
	return out
}

// checkKey identifies a record check across results: its kind, and for
// DKIM its selector (the name of a DMARC check may move between the
// domain and its organizational domain, and is still the domain's policy).
func checkKey(c *dnscheck.RecordCheck) string {
	if c.Kind == dnscheck.KindDKIM {
		return string(c.Kind) + " " + c.Name
	}
	return string(c.Kind)
}

// Compare lists what changed from prev to cur, checks in display order:
// for each kind its records, its status, the findings that went away and
// those that appeared. Findings are told apart by code and message, so a
// finding whose message changed (a count in it) is one removed and one
// added.
func Compare(prev, cur *dnscheck.Result) []Change {
	before := map[string]*dnscheck.RecordCheck{}
	for _, c := range prev.Checks() {
		before[checkKey(c)] = c
	}
	var out []Change
	seen := map[string]bool{}
	for _, c := range cur.Checks() {
		k := checkKey(c)
		seen[k] = true
		p, ok := before[k]
		if !ok {
			out = append(out, Change{Kind: c.Kind, Name: c.Name, Type: ChangeCheckAdded, StatusAfter: c.Status})
			continue
		}
		out = append(out, compareCheck(p, c)...)
	}
	for _, c := range prev.Checks() {
		if !seen[checkKey(c)] {
			out = append(out, Change{Kind: c.Kind, Name: c.Name, Type: ChangeCheckRemoved, StatusBefore: c.Status})
		}
	}
	return out
}

// compareCheck lists the changes of one record check.
func compareCheck(p, c *dnscheck.RecordCheck) []Change {
	var out []Change
	rb, ra := sorted(p.Records), sorted(c.Records)
	if !slices.Equal(rb, ra) {
		out = append(out, Change{Kind: c.Kind, Name: c.Name, Type: ChangeRecord, RecordsBefore: rb, RecordsAfter: ra})
	}
	if p.Status != c.Status {
		out = append(out, Change{Kind: c.Kind, Name: c.Name, Type: ChangeStatus, StatusBefore: p.Status, StatusAfter: c.Status})
	}
	for _, f := range missing(p.Findings, c.Findings) {
		out = append(out, Change{Kind: c.Kind, Name: c.Name, Type: ChangeFindingRemoved, Finding: &f})
	}
	for _, f := range missing(c.Findings, p.Findings) {
		out = append(out, Change{Kind: c.Kind, Name: c.Name, Type: ChangeFindingAdded, Finding: &f})
	}
	return out
}

// missing returns the findings of a that b lacks, as a multiset by code
// and message, in a's order.
func missing(a, b []dnscheck.Finding) []dnscheck.Finding {
	type key struct{ code, msg string }
	have := map[key]int{}
	for _, f := range b {
		have[key{f.Code, f.Message}]++
	}
	var out []dnscheck.Finding
	for _, f := range a {
		k := key{f.Code, f.Message}
		if have[k] > 0 {
			have[k]--
			continue
		}
		out = append(out, f)
	}
	return out
}

// sorted returns a sorted copy of s, nil when s is empty.
func sorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
