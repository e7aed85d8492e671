package senders

import (
	"encoding/csv"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// reverseMap is parsedmarc's base_reverse_dns_map.csv (CC BY-SA 4.0, see
// its SOURCE.md): base domains of PTR names mapped to a service name and
// type. The test reads it in place; it is not part of this repository.
var reverseMap = filepath.Join("..", "..", "..", "shared", "corpus", "parsedmarc", "maps", "base_reverse_dns_map.csv")

// mapTypes are the map's types each of our kinds agrees with. The map
// types an organization; our kinds type its mail service (Zoho, a SaaS
// company, runs a mailbox provider).
var mapTypes = map[string][]string{
	KindMailboxProvider: {"Email Provider", "SaaS", "Technology"},
	KindESP:             {"SaaS", "Marketing", "Email Provider"},
	KindMarketing:       {"Marketing", "SaaS"},
	KindCRM:             {"SaaS", "Marketing"},
	KindHelpdesk:        {"SaaS"},
	KindSecurityGateway: {"Email Security"},
	KindForwarder:       {"Email Provider", "Email Security"},
	KindMailingList:     {"Email Provider", "SaaS", "Nonprofit"},
}

// acceptedDisagreements are map rows we knowingly read otherwise, with why.
var acceptedDisagreements = map[string]string{
	"mailchannels.net": "the map types MailChannels by its customers (web hosts); it is an outbound mail relay",
}

// nameNoise are words of service names that say nothing of which service.
var nameNoise = []string{"and", "the", "inc", "llc", "formerly", "including", "personal", "mail", "email", "com", "net", "lists", "mailing"}

// TestReverseMapAgreement checks our reverse DNS matchers against the map
// where both name a base domain: the names must share a word and the
// types agree. It logs how many agree, and the map's domains naming one
// of our services that we lack.
func TestReverseMapAgreement(t *testing.T) {
	t.Parallel()
	rows, err := readReverseMap(reverseMap)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("the corpus is not beside the repository")
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]string{} // map base domain → our service id
	agree, accepted := 0, 0
	for _, s := range c.Services() {
		for _, suffix := range s.Match.ReverseDNS {
			base, row, ok := lookupBase(rows, suffix)
			if !ok {
				t.Logf("%s: %s is not in the map", s.ID, suffix)
				continue
			}
			covered[base] = s.ID
			problem := ""
			switch {
			case !sameName(s.Name, row.name):
				problem = "names differ"
			case !slices.Contains(mapTypes[s.Kind], row.typ):
				problem = "types differ"
			}
			switch {
			case problem == "":
				agree++
			case acceptedDisagreements[base] != "":
				accepted++
				t.Logf("%s: %s: %s (%q %s vs %q %s), accepted: %s", s.ID, base, problem, s.Name, s.Kind, row.name, row.typ, acceptedDisagreements[base])
			default:
				t.Errorf("%s: reverse DNS %s (map base %s): %s: ours %q (%s), the map's %q (%s)", s.ID, suffix, base, problem, s.Name, s.Kind, row.name, row.typ)
			}
		}
	}
	t.Logf("%d of our reverse DNS domains agree with the map, %d disagree knowingly", agree, accepted)
	if agree < 40 {
		t.Errorf("only %d agree: the map or the catalogue lost coverage", agree)
	}
	// The map's other domains of services we know: candidates to add.
	for _, base := range slices.Sorted(maps.Keys(rows)) {
		row := rows[base]
		if covered[base] != "" {
			continue
		}
		for _, s := range c.Services() {
			if strongName(s.Name, row.name) && slices.Contains(mapTypes[s.Kind], row.typ) {
				t.Logf("not covered: %s (%s, %s) may be %s", base, row.name, row.typ, s.ID)
				break
			}
		}
	}
}

// mapRow is one row of the map.
type mapRow struct{ name, typ string }

// readReverseMap reads the map's rows by base domain.
func readReverseMap(path string) (map[string]mapRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 3
	if _, err := r.Read(); err != nil { // header
		return nil, err
	}
	rows := map[string]mapRow{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows[strings.ToLower(rec[0])] = mapRow{rec[1], rec[2]}
	}
}

// lookupBase finds the map's row for domain: the domain itself or its
// nearest parent in the map (the map keys base domains; ours may be
// deeper, like outbound.protection.outlook.com).
func lookupBase(rows map[string]mapRow, domain string) (string, mapRow, bool) {
	for d := domain; strings.Contains(d, "."); {
		if row, ok := rows[d]; ok {
			return d, row, true
		}
		_, d, _ = strings.Cut(d, ".")
	}
	return "", mapRow{}, false
}

// nameWords are the words of a name that tell the service.
func nameWords(name string) []string {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9')
	})
	return slices.DeleteFunc(words, func(w string) bool { return slices.Contains(nameNoise, w) })
}

// sameName reports whether two names share a word, or a word of one is in
// the other written together ("Forward Email" and "ForwardEmail.net").
func sameName(a, b string) bool {
	wa, wb := nameWords(a), nameWords(b)
	joinedA, joinedB := strings.Join(wa, ""), strings.Join(wb, "")
	for _, w := range wa {
		if slices.Contains(wb, w) || (len(w) >= 4 && strings.Contains(joinedB, w)) {
			return true
		}
	}
	for _, w := range wb {
		if len(w) >= 4 && strings.Contains(joinedA, w) {
			return true
		}
	}
	return false
}

// strongName reports whether a map name names our service: its first
// significant word, a brand, appears in the map's name. Generic first
// words are skipped.
func strongName(ours, theirs string) bool {
	w := nameWords(ours)
	if len(w) == 0 || slices.Contains([]string{"google", "microsoft", "amazon", "apple", "yahoo", "python", "debian", "kernel", "ietf", "salesforce", "forward", "twilio"}, w[0]) {
		return false
	}
	return slices.Contains(nameWords(theirs), w[0])
}
