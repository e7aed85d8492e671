package senders

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBuiltin checks the embedded catalogue: it loads, and every kind the
// classification relies on has entries.
func TestBuiltin(t *testing.T) {
	t.Parallel()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]int{}
	for _, s := range c.Services() {
		byKind[s.Kind]++
		if s.Relay() != (s.Kind == KindForwarder || s.Kind == KindMailingList) || (s.Relay() && !s.RelaysOthers()) {
			t.Errorf("%s: relay %v, relays others %v", s.ID, s.Relay(), s.RelaysOthers())
		}
	}
	for _, k := range kinds {
		if byKind[k] == 0 {
			t.Errorf("no service of kind %s", k)
		}
	}
	for _, id := range []string{"google", "microsoft", "amazon-ses", "sendgrid", "mailgun", "mailchimp", "mandrill",
		"postmark", "sparkpost", "zendesk", "salesforce", "salesforce-marketing-cloud", "hubspot", "brevo", "klaviyo",
		"mimecast", "proofpoint", "google-groups", "groups-io", "cloudflare-email-routing", "simplelogin", "improvmx"} {
		if _, ok := c.Service(id); !ok {
			t.Errorf("no service %q", id)
		}
	}
}

// TestMerge: a user's file replaces the keys it sets, adds services and
// disables others.
func TestMerge(t *testing.T) {
	t.Parallel()
	base, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	_, err = base.Merge("mine.json", []byte(`{
  "comment": "ours",
  "services": [
    {"id": "sendgrid", "match": {"reverse_dns": ["Mail.Example.NET"]}},
    {"id": "our-relay", "name": "Our relay", "kind": "esp", "match": {"asn": [4200000001]}},
    {"id": "klaviyo", "disabled": true}
  ]
}`))
	if err == nil || !strings.Contains(err.Error(), "match.asn[0]: 4200000001 is a private or reserved AS number") {
		t.Fatalf("private ASN: %v", err)
	}
	c, err := base.Merge("mine.json", []byte(`{"services": [
    {"id": "sendgrid", "match": {"reverse_dns": ["Mail.Example.NET"]}},
    {"id": "our-relay", "name": "Our relay", "kind": "esp", "match": {"asn": [3320]}},
    {"id": "klaviyo", "disabled": true}
  ]}`))
	if err != nil {
		t.Fatal(err)
	}
	sg, _ := c.Service("sendgrid")
	orig, _ := base.Service("sendgrid")
	if !slices.Equal(sg.Match.ReverseDNS, []string{"mail.example.net"}) || sg.Match.ASN != nil ||
		sg.Name != orig.Name || sg.SPFInclude != orig.SPFInclude || sg.Docs != orig.Docs {
		t.Errorf("merged sendgrid %+v", sg)
	}
	if s, ok := c.Service("our-relay"); !ok || s.Name != "Our relay" || c.Services()[len(c.Services())-1].ID != "our-relay" {
		t.Errorf("added service %+v %v", s, ok)
	}
	if _, ok := c.Service("klaviyo"); ok {
		t.Error("klaviyo not disabled")
	}
	if len(c.Services()) != len(base.Services()) {
		t.Errorf("%d services, want %d", len(c.Services()), len(base.Services()))
	}
	if _, ok := base.Service("klaviyo"); !ok {
		t.Error("Merge changed its receiver")
	}
	// Merging again keeps the earlier override's other keys.
	c2, err := c.Merge("more.json", []byte(`{"services": [{"id": "sendgrid", "name": "SG"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if sg, _ := c2.Service("sendgrid"); sg.Name != "SG" || !slices.Equal(sg.Match.ReverseDNS, []string{"mail.example.net"}) {
		t.Errorf("second merge %+v", sg)
	}
}

// TestLoadErrors: every error names the file, the entry and the field, and
// matches ErrInvalid.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	svc := func(fields string) string {
		return `{"services": [` + "\n" + `{"id": "x", "name": "X", "kind": "esp"` + fields + `}]}`
	}
	tests := []struct {
		name, file, want string
	}{
		{"syntax", "{\n\"services\": [\n{\"id\": }]}", "f.json:3: invalid character '}'"},
		{"truncated", `{"services": [`, "f.json: unexpected end of the file"},
		{"not an object", `[]`, `f.json:1: must be a JSON object with a "services" array`},
		{"unknown top key", `{"servics": []}`, `f.json:1: unknown key "servics"`},
		{"no services", `{"comment": "x"}`, `f.json: no "services" array`},
		{"trailing text", `{"services": []} x`, "f.json:1: text after the closing brace"},
		{"entry not object", `{"services": [1]}`, "f.json:1: services[0]: must be an object"},
		{"missing id", `{"services": [{"name": "X"}]}`, "f.json:1: services[0]: id: missing"},
		{"id not string", `{"services": [{"id": 3}]}`, "f.json:1: services[0]: id: must be a string"},
		{"bad id", `{"services": [{"id": "Send Grid", "name": "X", "kind": "esp"}]}`, `service "Send Grid": id: "Send Grid" must be lower case`},
		{"duplicate id", `{"services": [{"id": "x"}, {"id": "x"}]}`, `service "x": the id is used by services[0] too`},
		{"unknown field", svc(`, "spf": "x"`), `f.json:2: service "x": spf: unknown field`},
		{"key case", svc(`, "Match": {"asn": [1]}`), `service "x": Match: unknown field`},
		{"unknown nested field", svc(`, "match": {"ptr": ["a.com"]}`), `service "x": match.ptr: unknown field`},
		{"wrong type", svc(`, "match": {"asn": ["AS1"]}`), `service "x": match.asn: must be an AS number`},
		{"missing name", `{"services": [{"id": "x", "kind": "esp"}]}`, `service "x": name: missing`},
		{"bad kind", svc(`, "kind": "isp"`), `service "x": kind: "isp" is not one of mailbox-provider`},
		{"bad domain", svc(`, "match": {"reverse_dns": ["exa mple.com"]}`), `match.reverse_dns[0]: "exa mple.com" is not a domain name`},
		{"wildcard", svc(`, "match": {"spf_domains": ["*.example.com"]}`), `match.spf_domains[0]: "*.example.com": write the domain alone`},
		{"final dot", svc(`, "match": {"dkim_domains": ["example.com."]}`), `match.dkim_domains[0]: "example.com.": write the domain without the final dot`},
		{"single label", svc(`, "match": {"reverse_dns": ["com"]}`), `"com" is not a domain name of two labels`},
		{"duplicate domain", svc(`, "match": {"reverse_dns": ["a.com", "A.com"]}`), `match.reverse_dns[1]: "a.com" is listed twice`},
		{"reserved asn", svc(`, "match": {"asn": [64512]}`), `match.asn[0]: 64512 is a private or reserved AS number`},
		{"asn zero", svc(`, "match": {"asn": [0]}`), `match.asn[0]: 0 is a private`},
		{"spf include form", svc(`, "spf_include": "sendgrid.net"`), `spf_include: "sendgrid.net" must be include:<domain>`},
		{"spf include domain", svc(`, "spf_include": "include:bad..net"`), `spf_include: "bad..net" is not a domain name`},
		{"dkim method", svc(`, "dkim": {"custom": true, "method": "ns"}`), `dkim.method: "ns" is not cname or txt`},
		{"dkim not custom", svc(`, "dkim": {"selectors": ["s1"]}`), `dkim.custom: must be true`},
		{"dkim selector", svc(`, "dkim": {"custom": true, "selectors": ["s1._domainkey"]}`), `dkim.selectors[0]: "s1._domainkey": give the selector alone`},
		{"docs", svc(`, "docs": "http://example.com/"`), `docs: "http://example.com/" is not an https URL`},
		{"runs on unknown", svc(`, "runs_on": "nothing", "match": {"spf_domains": ["a.com"]}`), `service "x": runs_on: no service has id "nothing"`},
		{"runs on without auth matchers", svc(`, "runs_on": "google", "match": {"reverse_dns": ["a.com"]}`), `service "x": match: a service with runs_on is recognized by its dkim_domains or spf_domains only`},
		{"runs on a guest", svc(`, "runs_on": "google-groups", "match": {"spf_domains": ["a.com"]}`), `runs_on: "google-groups" runs on "google" itself`},
		{"runs on itself", svc(`, "runs_on": "x", "match": {"spf_domains": ["a.com"]}`), `runs_on: a service cannot run on itself`},
		{"override breaks", `{"services": [{"id": "sendgrid", "kind": "bank"}]}`, `f.json:1: service "sendgrid": kind: "bank" is not one of`},
		{"disabling a host", `{"services": [{"id": "google", "disabled": true}]}`, `service "google-groups": runs_on: no service has id "google"`},
	}
	base, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := base.Merge("f.json", []byte(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			var e *Error
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &e) || e.File != "f.json" {
				t.Errorf("%#v is not an Error of f.json matching ErrInvalid", err)
			}
		})
	}
}

// TestLoad reads a file from disk, and names it in errors.
func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "senders.json")
	os.WriteFile(good, []byte(`{"services": [{"id": "ours", "name": "Ours", "kind": "esp", "match": {"reverse_dns": ["out.example.org"]}}]}`), 0o600)
	c, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := c.Identify(Evidence{PTR: "a.out.example.org"}); !ok || m.Service.ID != "ours" {
		t.Errorf("identify with the added service: %+v %v", m, ok)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"services": [{"id": "ours"}]}`), 0o600)
	if _, err := Load(bad); err == nil || !strings.HasPrefix(err.Error(), `bad.json:1: service "ours": name: missing`) {
		t.Errorf("bad file: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "none.json")); err == nil || errors.Is(err, ErrInvalid) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if c, err := Load(""); err != nil || len(c.Services()) == 0 {
		t.Errorf("no file: %v", err)
	}
}

// FuzzMerge: any input either fails with an Error or gives a catalogue
// whose services survive a JSON round trip through Merge unchanged.
func FuzzMerge(f *testing.F) {
	// Small seeds: the fuzzer minimizes every new input, which takes long
	// for one the size of the built-in file.
	f.Add([]byte(`{"comment": "c", "services": [{"id": "x", "name": "X", "kind": "esp", "match": {"reverse_dns": ["a.example"], "asn": [3320]}, "spf_include": "include:_spf.a.example", "dkim": {"custom": true, "method": "cname", "selectors": ["s1"]}, "docs": "https://a.example/"}]}`))
	f.Add([]byte(`{"services": [{"id": "sendgrid", "match": {"asn": [1]}}, {"id": "klaviyo", "disabled": true}]}`))
	f.Add([]byte(`{"services": [{"id": "a", "name": "A", "kind": "forwarder", "runs_on": "google", "match": {"spf_domains": ["A.example"]}}]}`))
	f.Add([]byte(`{"comment": 1}`))
	base, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := base.Merge("fuzz.json", data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		b, err := json.Marshal(map[string]any{"services": c.Services()})
		if err != nil {
			t.Fatal(err)
		}
		again, err := (&Catalogue{}).Merge("again.json", b)
		if err != nil {
			t.Fatalf("re-reading %s: %v", b, err)
		}
		was, now := c.Services(), again.Services()
		if len(was) != len(now) {
			t.Fatalf("round trip: %d services, then %d", len(was), len(now))
		}
		for i := range was {
			x, _ := json.Marshal(was[i])
			y, _ := json.Marshal(now[i])
			if string(x) != string(y) {
				t.Fatalf("round trip changed a service:\n%s\n%s", x, y)
			}
		}
	})
}
