package reputation

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

var day0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// TestLookupWithoutKeys: no key, no request; the internal verdict stands
// alone and each provider says it is not configured.
func TestLookupWithoutKeys(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	for i := range 3 {
		seed(t, st, "example.com", day0.AddDate(0, 0, i), sent{"8.8.4.4", 40, "none", "pass", "pass"})
	}
	seed(t, st, "example.org", day0, sent{"8.8.4.4", 2, "reject", "fail", "fail"})
	s := newService(t, st, nil, nil, newClock(), nil)
	rep := lookup(t, s, "8.8.4.4")
	for name, r := range map[string]Result{"abuseipdb": rep.AbuseIPDB, "virustotal": rep.VirusTotal} {
		if r.Status != StatusNotConfigured || r.Assessment != nil || !strings.Contains(r.Message, "PARSE_DMARC_"+strings.ToUpper(name)+"_KEY") {
			t.Errorf("%s: %+v", name, r)
		}
	}
	in := rep.Internal
	if in.Messages != 122 || in.DMARCPass != 120 || in.DaysActive != 3 || in.DomainCount != 2 ||
		in.FirstSeen != "2026-11-01" || in.LastSeen != "2026-11-03" || in.Verdict != Clean {
		t.Errorf("internal %+v", in)
	}
	if rep.Verdict != Clean || rep.Score != in.Score || !slices.Equal(rep.Reasons, in.Reasons) {
		t.Errorf("combined %+v, internal %+v", rep.Assessment, in.Assessment)
	}
	if len(s.Providers()) != 0 {
		t.Errorf("providers %v", s.Providers())
	}
}

// TestLookupProviders asks both stand-ins and combines their answers with
// the internal verdict.
func TestLookupProviders(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	seed(t, st, "example.com", day0, sent{"1.2.3.4", 30, "reject", "fail", "fail"}, sent{"8.8.4.4", 50, "none", "pass", "pass"},
		sent{"2001:4860:4860::8844", 20, "none", "pass", "fail"})
	abuse := newStandIn(t, "abuseipdb", map[string]answer{"1.2.3.4": {file: "bad.json"}, "8.8.4.4": {file: "clean.json"},
		"2001:4860:4860::8844": {file: "low.json"}})
	vt := newStandIn(t, "virustotal", map[string]answer{"1.2.3.4": {file: "bad.json"}, "8.8.4.4": {file: "clean.json"},
		"2001:4860:4860::8844": {file: "one.json"}})
	c := newClock()
	s := newService(t, st, abuse, vt, c, nil)
	equal(t, "providers", s.Providers(), []string{"AbuseIPDB", "VirusTotal"})

	bad := lookup(t, s, "1.2.3.4")
	if bad.AbuseIPDB.Status != StatusOK || bad.AbuseIPDB.Cached || !bad.AbuseIPDB.FetchedAt.Equal(c.Now()) {
		t.Errorf("abuseipdb %+v", bad.AbuseIPDB)
	}
	equal(t, "abuseipdb data", *bad.AbuseIPDB.AbuseIPDBData, AbuseIPDBData{AbuseConfidenceScore: 87, TotalReports: 41,
		DistinctUsers: 17, LastReportedAt: time.Date(2026, 11, 20, 20, 55, 14, 0, time.UTC), UsageType: "Data Center/Web Hosting/Transit",
		ISP: "Example Hosting GmbH", Domain: "hosting.example", CountryCode: "DE"})
	equal(t, "virustotal data", *bad.VirusTotal.VirusTotalData, VirusTotalData{Malicious: 5, Suspicious: 1, Harmless: 58,
		Undetected: 30, Reputation: -12, ASOwner: "Example Hosting GmbH", LastAnalysis: time.Unix(1763600000, 0).UTC()})
	if bad.Verdict != Bad || bad.Color != "red" || bad.Score != 0 {
		t.Errorf("combined %+v", bad.Assessment)
	}
	for _, want := range []string{"AbuseIPDB confidence 87% from 41 reports in 90 days, the last on 2026-11-20",
		"VirusTotal: 5 of 94 security vendors flag it as malicious, 1 as suspicious", "VirusTotal community score -12"} {
		if !slices.Contains(bad.Reasons, want) {
			t.Errorf("reason %q missing from %q", want, bad.Reasons)
		}
	}

	c.Advance(time.Minute) // VirusTotal allows 2 at once, then one every 30 s
	good := lookup(t, s, "8.8.4.4")
	if good.Verdict != Clean || good.AbuseIPDB.Verdict != Clean || good.VirusTotal.Verdict != Clean {
		t.Errorf("8.8.4.4: %+v", good)
	}
	// IPv6, asked in the form the address has in the store.
	c.Advance(time.Minute)
	six := lookup(t, s, "2001:4860:4860::8844")
	if six.AbuseIPDB.Verdict != Clean || six.VirusTotal.Verdict != Suspicious || six.Verdict != Suspicious {
		t.Errorf("IPv6: %+v", six)
	}
	equal(t, "abuseipdb asked", abuse.requests(), []string{"1.2.3.4", "8.8.4.4", "2001:4860:4860::8844"})
	equal(t, "virustotal asked", vt.requests(), []string{"1.2.3.4", "8.8.4.4", "2001:4860:4860::8844"})

	// Not found at VirusTotal: its part says so; the verdict rests on the rest.
	seed(t, st, "example.com", day0, sent{"9.9.9.9", 12, "none", "pass", "pass"})
	c.Advance(time.Minute)
	nf := lookup(t, s, "9.9.9.9")
	if nf.VirusTotal.Status != StatusNotFound || nf.VirusTotal.Assessment != nil || nf.AbuseIPDB.Status != StatusNotFound || nf.Verdict != Clean {
		t.Errorf("not found: %+v", nf)
	}
}

// TestCache: an answer is reused within its TTL, with no request, and
// asked again after; errors live ErrorTTL. Entries survive a new Service
// (they are in the store).
func TestCache(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	abuse := newStandIn(t, "abuseipdb", map[string]answer{"1.2.3.4": {file: "bad.json"},
		"8.8.4.4": {status: http.StatusInternalServerError, body: `{"errors":[{"detail":"try later"}]}`}})
	c := newClock()
	s := newService(t, st, abuse, nil, c, func(cfg *Config) { cfg.TTL, cfg.ErrorTTL = time.Hour, 10*time.Minute })

	first := lookup(t, s, "1.2.3.4")
	c.Advance(59 * time.Minute)
	again := lookup(t, newService(t, st, abuse, nil, c, func(cfg *Config) { cfg.TTL = time.Hour }), "1.2.3.4")
	if !again.AbuseIPDB.Cached || !again.AbuseIPDB.FetchedAt.Equal(first.AbuseIPDB.FetchedAt) ||
		!slices.Equal(again.AbuseIPDB.Reasons, first.AbuseIPDB.Reasons) || *again.AbuseIPDB.AbuseIPDBData != *first.AbuseIPDB.AbuseIPDBData {
		t.Errorf("cached:\n%+v\nfirst:\n%+v", again.AbuseIPDB, first.AbuseIPDB)
	}
	equal(t, "requests within TTL", len(abuse.requests()), 1)
	c.Advance(time.Minute)
	if r := lookup(t, s, "1.2.3.4"); r.AbuseIPDB.Cached || r.AbuseIPDB.Status != StatusOK {
		t.Errorf("after TTL: %+v", r.AbuseIPDB)
	}
	equal(t, "requests after TTL", len(abuse.requests()), 2)

	// An error is cached for ErrorTTL only.
	e1 := lookup(t, s, "8.8.4.4")
	if e1.AbuseIPDB.Status != StatusError || e1.AbuseIPDB.Message != "AbuseIPDB answered HTTP 500: try later" {
		t.Errorf("error: %+v", e1.AbuseIPDB)
	}
	c.Advance(9 * time.Minute)
	if e2 := lookup(t, s, "8.8.4.4"); !e2.AbuseIPDB.Cached || e2.AbuseIPDB.Message != e1.AbuseIPDB.Message {
		t.Errorf("cached error: %+v", e2.AbuseIPDB)
	}
	equal(t, "requests within error TTL", len(abuse.requests()), 3)
	abuse.setAnswer("8.8.4.4", answer{file: "clean.json"})
	c.Advance(time.Minute)
	if e3 := lookup(t, s, "8.8.4.4"); e3.AbuseIPDB.Status != StatusOK || e3.AbuseIPDB.Cached {
		t.Errorf("after error TTL: %+v", e3.AbuseIPDB)
	}
	equal(t, "requests after error TTL", len(abuse.requests()), 4)
}

// TestRateLimit: the buckets refuse a lookup beyond the quota without a
// request, say rate_limited and when, and allow one again once refilled.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	answers := map[string]answer{}
	for _, ip := range []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4"} {
		answers[ip] = answer{file: "clean.json"}
	}
	vt := newStandIn(t, "virustotal", answers)
	c := newClock()
	// The free tier's 4 a minute: 2 at once, then one every 30 s.
	s := newService(t, st, nil, vt, c, nil)
	for _, ip := range []string{"1.1.1.1", "1.1.1.2"} {
		if r := lookup(t, s, ip); r.VirusTotal.Status != StatusOK {
			t.Fatalf("%s: %+v", ip, r.VirusTotal)
		}
	}
	limited := lookup(t, s, "1.1.1.3").VirusTotal
	if limited.Status != StatusRateLimited || !limited.RetryAt.Equal(c.Now().Add(30*time.Second)) ||
		limited.Message != "VirusTotal lookups are limited to 4 a minute; next lookup in 30s" || limited.Cached {
		t.Errorf("limited: %+v", limited)
	}
	equal(t, "requests", vt.requests(), []string{"1.1.1.1", "1.1.1.2"})
	// Cached answers need no token.
	if r := lookup(t, s, "1.1.1.1"); !r.VirusTotal.Cached {
		t.Errorf("cached while limited: %+v", r.VirusTotal)
	}
	c.Advance(30 * time.Second)
	if r := lookup(t, s, "1.1.1.3"); r.VirusTotal.Status != StatusOK {
		t.Errorf("after refill: %+v", r.VirusTotal)
	}
	equal(t, "requests after refill", len(vt.requests()), 3)

	// The daily quota: 2 a day is 1 at once, then one a day.
	c.Advance(time.Hour)
	s = newService(t, st, nil, vt, c, func(cfg *Config) { cfg.VirusTotalPerDay = 2 })
	if r := lookup(t, s, "1.1.1.5").VirusTotal; r.Status != StatusNotFound {
		t.Errorf("first of the day: %+v", r)
	}
	c.Advance(time.Minute)
	if r := lookup(t, s, "1.1.1.6").VirusTotal; r.Status != StatusRateLimited || !strings.Contains(r.Message, "limited to 2 a day; next lookup in 23h59m0s") {
		t.Errorf("daily: %+v", r)
	}
	equal(t, "requests of the day", vt.requests()[3:], []string{"1.1.1.5"})
}

// TestProviderRefusals: a 429 pauses the provider until Retry-After, a
// refused key for ErrorTTL; neither is cached, and while paused no
// request goes out, whatever the address.
func TestProviderRefusals(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	abuse := newStandIn(t, "abuseipdb", map[string]answer{
		"1.1.1.1": {status: http.StatusTooManyRequests, file: "quota.json", header: http.Header{"Retry-After": {"120"}}},
		"1.1.1.2": {file: "clean.json"},
	})
	vt := newStandIn(t, "virustotal", map[string]answer{"1.1.1.1": {status: http.StatusUnauthorized,
		body: `{"error":{"code":"WrongCredentialsError","message":"Wrong API key ` + vtKey + `"}}`}, "1.1.1.2": {file: "clean.json"}})
	c := newClock()
	s := newService(t, st, abuse, vt, c, func(cfg *Config) { cfg.ErrorTTL = 5 * time.Minute })

	r := lookup(t, s, "1.1.1.1")
	if a := r.AbuseIPDB; a.Status != StatusRateLimited || !a.RetryAt.Equal(c.Now().Add(2*time.Minute)) ||
		!strings.HasPrefix(a.Message, "AbuseIPDB says the key's quota is spent (HTTP 429: Daily rate limit of 1000 requests exceeded") {
		t.Errorf("429: %+v", a)
	}
	if v := r.VirusTotal; v.Status != StatusError || v.Message != "VirusTotal refused the API key (HTTP 401: WrongCredentialsError Wrong API key [key])" {
		t.Errorf("401: %+v", v)
	}
	c.Advance(time.Minute)
	r = lookup(t, s, "1.1.1.2")
	if r.AbuseIPDB.Status != StatusRateLimited || r.VirusTotal.Status != StatusError || !strings.Contains(r.VirusTotal.Message, "next lookup in 4m0s") {
		t.Errorf("paused: %+v / %+v", r.AbuseIPDB, r.VirusTotal)
	}
	equal(t, "abuseipdb requests while paused", len(abuse.requests()), 1)
	equal(t, "virustotal requests while paused", len(vt.requests()), 1)
	c.Advance(time.Minute)
	if r = lookup(t, s, "1.1.1.2"); r.AbuseIPDB.Status != StatusOK || r.VirusTotal.Status != StatusError {
		t.Errorf("after Retry-After: %+v / %+v", r.AbuseIPDB, r.VirusTotal)
	}
	c.Advance(3 * time.Minute)
	if r = lookup(t, s, "1.1.1.2"); r.VirusTotal.Status != StatusOK {
		t.Errorf("after ErrorTTL: %+v", r.VirusTotal)
	}
	for _, p := range []string{"abuseipdb", "virustotal"} {
		if _, found, err := st.CachedReputation(t.Context(), p, "1.1.1.1"); err != nil || found {
			t.Errorf("%s: refusal cached (%v)", p, err)
		}
	}
}

// TestNotPublic: private and reserved addresses are never sent out.
func TestNotPublic(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	abuse := newStandIn(t, "abuseipdb", map[string]answer{})
	vt := newStandIn(t, "virustotal", map[string]answer{})
	s := newService(t, st, abuse, vt, newClock(), nil)
	for _, ip := range []string{"10.1.2.3", "192.168.0.1", "127.0.0.1", "100.64.0.1", "169.254.1.1", "192.0.2.7",
		"::1", "fe80::1", "fd00::25", "2001:db8::25", "::ffff:10.0.0.1", "0.0.0.0", "255.255.255.255"} {
		rep := lookup(t, s, ip)
		for _, r := range []Result{rep.AbuseIPDB, rep.VirusTotal} {
			if r.Status != StatusNotPublic || !strings.Contains(r.Message, "never sent") {
				t.Errorf("%s: %+v", ip, r)
			}
		}
	}
	if n := len(abuse.requests()) + len(vt.requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// TestKeysNeverShown: whatever happens (answers, errors that echo the
// key, timeouts, redirects), the keys are in no log line, no answer and no
// cache entry, and a redirect is not followed (it would take the key
// header elsewhere).
func TestKeysNeverShown(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("redirect followed: %s with headers %v", r.URL, r.Header)
	}))
	defer elsewhere.Close()
	abuse := newStandIn(t, "abuseipdb", map[string]answer{
		"1.1.1.1": {file: "bad.json"},
		"1.1.1.2": {status: http.StatusBadRequest, body: `{"errors":[{"detail":"bad key ` + abuseKey + `"}]}`},
		"1.1.1.3": {status: http.StatusFound, header: http.Header{"Location": {elsewhere.URL + "/steal"}}},
		"1.1.1.4": {delay: time.Second, file: "bad.json"},
		"1.1.1.5": {body: `{"data": "` + abuseKey + `"}`},
	})
	vt := newStandIn(t, "virustotal", map[string]answer{
		"1.1.1.1": {file: "bad.json"},
		"1.1.1.2": {status: http.StatusUnauthorized, body: `{"error":{"code":"X","message":"key ` + vtKey + `"}}`},
	})
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newService(t, st, abuse, vt, newClock(), func(cfg *Config) { cfg.Log, cfg.Timeout = log, 200*time.Millisecond })
	var answers bytes.Buffer
	for _, ip := range []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5"} {
		rep := lookup(t, s, ip)
		json.NewEncoder(&answers).Encode(rep)
		if ip != "1.1.1.1" && rep.AbuseIPDB.Status != StatusError {
			t.Errorf("%s: %+v", ip, rep.AbuseIPDB)
		}
	}
	if !strings.Contains(answers.String(), "AbuseIPDB answered HTTP 302") || !strings.Contains(answers.String(), "AbuseIPDB did not answer: context deadline exceeded") {
		t.Errorf("answers: %s", answers.String())
	}
	if !strings.Contains(logs.String(), "reputation lookup") {
		t.Errorf("no debug log of lookups: %s", logs.String())
	}
	var cached bytes.Buffer
	for _, p := range []string{"abuseipdb", "virustotal"} {
		for _, ip := range []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5"} {
			e, _, err := st.CachedReputation(t.Context(), p, ip)
			if err != nil {
				t.Fatal(err)
			}
			cached.Write(e.JSON)
		}
	}
	for what, text := range map[string]string{"log": logs.String(), "answers": answers.String(), "cache": cached.String()} {
		for _, key := range []string{abuseKey, vtKey} {
			if strings.Contains(text, key) {
				t.Errorf("a key in the %s: %s", what, text)
			}
		}
	}
}

// TestOneLookupAtATime: concurrent lookups of one address make one
// request; the others share its answer.
func TestOneLookupAtATime(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	abuse := newStandIn(t, "abuseipdb", map[string]answer{"1.2.3.4": {file: "bad.json", delay: 200 * time.Millisecond}})
	s := newService(t, st, abuse, nil, newClock(), nil)
	var wg sync.WaitGroup
	results := make([]*Report, 5)
	for i := range results {
		wg.Go(func() {
			var err error
			if results[i], err = s.Lookup(t.Context(), mustAddr("1.2.3.4")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i, r := range results {
		if r.AbuseIPDB.Status != StatusOK || r.AbuseIPDB.AbuseConfidenceScore != 87 {
			t.Errorf("lookup %d: %+v", i, r.AbuseIPDB)
		}
	}
	equal(t, "requests", len(abuse.requests()), 1)

	// A waiter whose request ends gives up; the lookup goes on.
	abuse.setAnswer("1.2.3.5", answer{file: "tor.json", delay: 300 * time.Millisecond})
	go s.Lookup(context.WithoutCancel(t.Context()), mustAddr("1.2.3.5"))
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if r := s.external(ctx, s.abuse, mustAddr("1.2.3.5")); r.Status != StatusError || !strings.Contains(r.Message, "gave up waiting") {
		t.Errorf("waiter: %+v", r)
	}
}

// TestPrune: storing an answer prunes the expired ones, at most hourly.
func TestPrune(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	c := newClock()
	old := store.ReputationEntry{Provider: "abuseipdb", IP: "1.1.1.9", FetchedAt: c.Now().Add(-25 * time.Hour), Status: "ok", JSON: []byte(`{}`)}
	if err := st.CacheReputation(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	abuse := newStandIn(t, "abuseipdb", map[string]answer{"1.2.3.4": {file: "bad.json"}})
	s := newService(t, st, abuse, nil, c, nil)
	lookup(t, s, "1.2.3.4")
	if _, found, _ := st.CachedReputation(t.Context(), "abuseipdb", "1.1.1.9"); found {
		t.Error("expired entry kept")
	}
	if _, found, _ := st.CachedReputation(t.Context(), "abuseipdb", "1.2.3.4"); !found {
		t.Error("new entry not cached")
	}
}

func TestNewRefusesBadURL(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	for _, u := range []string{"ftp://example.com", "example.com/api", "http://"} {
		if _, err := New(Config{Store: st, AbuseIPDBURL: u}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	if _, err := New(Config{}); err == nil {
		t.Error("no store accepted")
	}
}
