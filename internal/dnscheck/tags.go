package dnscheck

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// missingSep finds, inside a tag value, whitespace followed by what looks
// like the next tag ("v=DMARC1 p=reject"); base64 padding ("AB==") and
// values of the form a=b without a space do not match.
var missingSep = regexp.MustCompile(`[ \t\r\n]+[A-Za-z][A-Za-z0-9_]*[ \t]*=([^=]|$)`)

// Tag is one name=value pair of a tag-list record.
type Tag struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// parseTags splits a tag-list, the syntax of DKIM keys (RFC 6376 §3.2) that
// DMARC (RFC 7489 §6.4), MTA-STS and TLS-RPT TXT records (RFC 8461 §3.1,
// RFC 8460 §3) and BIMI share: name=value pairs separated by ";", with
// whitespace allowed around names, "=" and values, and a final ";"
// allowed. Tag names are compared case-sensitively by the callers, as those
// RFCs say. It returns the tags it could read and a description of each
// part it could not (no "=", a bad name, a control character, a name
// repeated: RFC 6376 says such a tag-list is invalid as a whole).
func parseTags(s string) ([]Tag, []string) {
	var tags []Tag
	var problems []string
	seen := map[string]bool{}
	parts := strings.Split(s, ";")
	for i := 0; i < len(parts); i++ {
		p := strings.Trim(parts[i], " \t\r\n")
		if p == "" {
			if i != len(parts)-1 && i != 0 {
				problems = append(problems, "an empty part between two \";\"")
			}
			continue
		}
		name, value, ok := strings.Cut(p, "=")
		name = strings.Trim(name, " \t\r\n")
		value = strings.Trim(value, " \t\r\n")
		if m := missingSep.FindStringIndex(value); m != nil {
			// "v=DMARC1 p=reject": read the rest as the next tag.
			problems = append(problems, fmt.Sprintf("a \";\" is missing before %q", strings.TrimLeft(value[m[0]:], " \t\r\n")))
			parts = slices.Insert(parts, i+1, value[m[0]:])
			value = strings.Trim(value[:m[0]], " \t\r\n")
		}
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%q has no \"=\" (tags are name=value, separated by \";\")", p))
			continue
		case !validTagName(name):
			problems = append(problems, fmt.Sprintf("%q is not a valid tag name", name))
			continue
		case strings.ContainsFunc(value, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\r' && r != '\n' || r == 0x7f }):
			problems = append(problems, fmt.Sprintf("the value of %s contains a control character", name))
			continue
		case seen[name]:
			problems = append(problems, fmt.Sprintf("%s appears more than once", name))
			continue
		}
		seen[name] = true
		tags = append(tags, Tag{Name: name, Value: value})
	}
	return tags, problems
}

// versionIs reports whether a tag-list record's first tag is v=version,
// exactly: the test by which DMARC, MTA-STS, TLS-RPT and BIMI tell their
// records from other TXT records at the same name.
func versionIs(txt, version string) bool {
	name, value, _ := strings.Cut(strings.SplitN(txt, ";", 2)[0], "=")
	return strings.Trim(name, " \t") == "v" && strings.Trim(value, " \t") == version
}

// validTagName reports whether name is a tag name: a letter or digit, then
// letters, digits, "_", "-" or "." (the widest of the grammars above).
func validTagName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || r != '_' && r != '-' && r != '.') {
			return false
		}
	}
	return true
}

// joinTags writes tags back as a record: "name=value; name=value".
func joinTags(tags []Tag) string {
	parts := make([]string, len(tags))
	for i, t := range tags {
		parts[i] = t.Name + "=" + t.Value
	}
	return strings.Join(parts, "; ")
}

// tagValue returns the value of the tag named name, and whether it is there.
func tagValue(tags []Tag, name string) (string, bool) {
	for _, t := range tags {
		if t.Name == name {
			return t.Value, true
		}
	}
	return "", false
}

// setTag returns a copy of tags with name set to value: replaced in place,
// or added after the tag named after (at the end when after is absent).
func setTag(tags []Tag, name, value, after string) []Tag {
	out := make([]Tag, 0, len(tags)+1)
	done := false
	for _, t := range tags {
		if t.Name == name {
			t.Value, done = value, true
		}
		out = append(out, t)
		if t.Name == after && !done {
			out = append(out, Tag{name, value})
			done = true
		}
	}
	if !done {
		out = append(out, Tag{name, value})
	}
	return out
}

// withoutTags returns a copy of tags without those for which drop is true.
func withoutTags(tags []Tag, drop func(Tag) bool) []Tag {
	var out []Tag
	for _, t := range tags {
		if !drop(t) {
			out = append(out, t)
		}
	}
	return out
}

// suggest returns the name of known closest to name when it is a likely
// typo of it (an edit distance of 1, or 2 for names of 4 or more letters),
// or "".
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		d := editDistance(strings.ToLower(name), k)
		if d < bestDist && (d == 1 || d == 2 && len(k) >= 4 || d == 0) {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, counting a swap of
// two adjacent letters as one edit.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
