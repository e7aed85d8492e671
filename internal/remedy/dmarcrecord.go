package remedy

import (
	"strconv"
	"strings"

	"github.com/parse-dmarc/parse-dmarc/internal/dnscheck"
)

// policyTags are the tags that say what a DMARC record asks receivers to
// do with failing mail; a new tag is written after those present, so
// rua= and ruf= stay where they were.
var policyTags = []string{"v", "p", "sp", "np", "pct"}

// tagIndex returns the index of the tag named name (case-insensitive), -1
// when absent.
func tagIndex(tags []dnscheck.Tag, name string) int {
	for i, t := range tags {
		if strings.EqualFold(t.Name, name) {
			return i
		}
	}
	return -1
}

// setTag returns a copy of tags with name set to value: replaced where it
// is, or inserted after the policy tags present (p right after v, as RFC
// 7489 section 6.4's grammar orders them).
func setTag(tags []dnscheck.Tag, name, value string) []dnscheck.Tag {
	out := append([]dnscheck.Tag(nil), tags...)
	if i := tagIndex(out, name); i >= 0 {
		out[i].Value = value
		return out
	}
	at := 0
	for i, t := range out {
		if isPolicyTag(t.Name) && (name != "p" || strings.EqualFold(t.Name, "v")) {
			at = i + 1
		}
	}
	out = append(out, dnscheck.Tag{})
	copy(out[at+1:], out[at:])
	out[at] = dnscheck.Tag{Name: name, Value: value}
	return out
}

func isPolicyTag(name string) bool {
	for _, p := range policyTags {
		if strings.EqualFold(p, name) {
			return true
		}
	}
	return false
}

// removeTag returns a copy of tags without the tag named name.
func removeTag(tags []dnscheck.Tag, name string) []dnscheck.Tag {
	out := make([]dnscheck.Tag, 0, len(tags))
	for _, t := range tags {
		if !strings.EqualFold(t.Name, name) {
			out = append(out, t)
		}
	}
	return out
}

// joinTags writes tags as a DMARC record: "v=DMARC1; p=none; rua=...".
func joinTags(tags []dnscheck.Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = t.Name + "=" + t.Value
	}
	return strings.Join(parts, "; ")
}

// tagsOfState writes a policy as tags: what a record is rebuilt from
// when DNS has none or cannot be asked (its rua= and ruf= are then
// unknown). Defaults are left out.
func tagsOfState(st PolicyState) []dnscheck.Tag {
	tags := []dnscheck.Tag{{Name: "v", Value: "DMARC1"}, {Name: "p", Value: orNone(st.Policy)}}
	if st.SubdomainPolicy != "" && st.SubdomainPolicy != orNone(st.Policy) {
		tags = append(tags, dnscheck.Tag{Name: "sp", Value: st.SubdomainPolicy})
	}
	if st.NonexistentPolicy != "" {
		tags = append(tags, dnscheck.Tag{Name: "np", Value: st.NonexistentPolicy})
	}
	if st.Percent > 0 && st.Percent < 100 {
		tags = append(tags, dnscheck.Tag{Name: "pct", Value: strconv.Itoa(st.Percent)})
	}
	if st.ADKIM == "s" {
		tags = append(tags, dnscheck.Tag{Name: "adkim", Value: "s"})
	}
	if st.ASPF == "s" {
		tags = append(tags, dnscheck.Tag{Name: "aspf", Value: "s"})
	}
	if st.Testing == "y" {
		tags = append(tags, dnscheck.Tag{Name: "t", Value: "y"})
	}
	return tags
}

// withPolicy returns tags with p, pct, sp, np and t set as next says,
// defaults left out and the other tags kept.
func withPolicy(tags []dnscheck.Tag, next PolicyState) []dnscheck.Tag {
	tags = setTag(tags, "p", next.Policy)
	if next.Percent <= 0 || next.Percent >= 100 {
		tags = removeTag(tags, "pct")
	} else {
		tags = setTag(tags, "pct", strconv.Itoa(next.Percent))
	}
	if next.SubdomainPolicy == "" || next.SubdomainPolicy == next.Policy {
		tags = removeTag(tags, "sp")
	} else {
		tags = setTag(tags, "sp", next.SubdomainPolicy)
	}
	if next.NonexistentPolicy == "" || next.NonexistentPolicy == next.SubdomainPolicy || next.NonexistentPolicy == next.Policy && next.SubdomainPolicy == "" {
		tags = removeTag(tags, "np")
	} else {
		tags = setTag(tags, "np", next.NonexistentPolicy)
	}
	if next.Testing != "y" {
		tags = removeTag(tags, "t")
	}
	return tags
}

// orNone is p, or none when empty.
func orNone(p string) string {
	if p == "" {
		return "none"
	}
	return p
}
