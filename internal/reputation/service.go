package reputation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/store"
)

// Defaults of Config.
const (
	DefaultTTL            = 24 * time.Hour
	DefaultErrorTTL       = 15 * time.Minute
	DefaultTimeout        = 10 * time.Second
	DefaultHistoryRecords = 10000
)

// cacheWriteTimeout bounds storing an answer: with SQLite the write waits
// for an import's transaction, and the page should not wait for long.
const cacheWriteTimeout = 3 * time.Second

// pruneEvery is how often at most the expired answers are deleted.
const pruneEvery = time.Hour

// Store is what a Service needs of a store.Store.
type Store interface {
	SourceHistory(ctx context.Context, ip string, limit int) ([]store.SourceDay, bool, error)
	CachedReputation(ctx context.Context, provider, ip string) (store.ReputationEntry, bool, error)
	CacheReputation(ctx context.Context, e store.ReputationEntry) error
	PruneReputation(ctx context.Context, before time.Time) (int64, error)
}

// Config configures a Service; zero fields take the defaults.
type Config struct {
	Store Store
	// AbuseIPDBKey and VirusTotalKey enable the external providers: a
	// provider without a key is never asked.
	AbuseIPDBKey, VirusTotalKey string
	// AbuseIPDBURL and VirusTotalURL are the bases of the providers' APIs,
	// default DefaultAbuseIPDBURL and DefaultVirusTotalURL; other values
	// are for proxies and tests.
	AbuseIPDBURL, VirusTotalURL string
	// The providers' quotas, default the free tiers' (AbuseIPDBPerDay,
	// VirusTotalPerMinute, VirusTotalPerDay); larger for paid plans.
	AbuseIPDBPerDay, VirusTotalPerMinute, VirusTotalPerDay int
	// TTL is how long an answer is cached, default 24 h; ErrorTTL that of
	// an error or a not-found answer, default 15 min, which is also how
	// long a provider that refused the key is left alone.
	TTL, ErrorTTL time.Duration
	// Timeout bounds one call of a provider, default 10 s.
	Timeout time.Duration
	// HistoryRecords is how many of an address's newest records its
	// internal reputation reads, default 10,000.
	HistoryRecords int
	// HTTPClient makes the calls, default a plain client; redirects are
	// never followed, so the key header goes nowhere else.
	HTTPClient *http.Client
	Log        *slog.Logger
	// Now is the clock, default time.Now.
	Now func() time.Time
}

// Service answers the reputation of addresses. It is safe for concurrent
// use.
type Service struct {
	store          Store
	abuse, vt      *client
	ttl, errorTTL  time.Duration
	timeout        time.Duration
	historyRecords int
	http           *http.Client
	log            *slog.Logger
	now            func() time.Time
	flights        flights

	mu        sync.Mutex
	lastPrune time.Time
}

// client is one provider as configured.
type client struct {
	p         provider
	key, base string
	limit     *limiter
}

// New returns a Service of c. It refuses a base URL that is not http or
// https.
func New(c Config) (*Service, error) {
	s := &Service{store: c.Store, ttl: or(c.TTL, DefaultTTL), errorTTL: or(c.ErrorTTL, DefaultErrorTTL),
		timeout: or(c.Timeout, DefaultTimeout), historyRecords: or(c.HistoryRecords, DefaultHistoryRecords),
		log: c.Log, now: c.Now, flights: flights{m: map[string]*flight{}}}
	if s.store == nil {
		return nil, errors.New("reputation: no store")
	}
	if min(c.AbuseIPDBPerDay, c.VirusTotalPerMinute, c.VirusTotalPerDay) < 0 || min(c.TTL, c.ErrorTTL, c.Timeout) < 0 || c.HistoryRecords < 0 {
		return nil, errors.New("reputation: negative quota, duration or history size")
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	hc := http.Client{}
	if c.HTTPClient != nil {
		hc = *c.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s.http = &hc
	now := s.now()
	var err error
	if s.abuse, err = newClient(abuseIPDB{}, c.AbuseIPDBKey, or(c.AbuseIPDBURL, DefaultAbuseIPDBURL), now,
		Quota{or(c.AbuseIPDBPerDay, AbuseIPDBPerDay), 24 * time.Hour}); err != nil {
		return nil, err
	}
	if s.vt, err = newClient(virusTotal{}, c.VirusTotalKey, or(c.VirusTotalURL, DefaultVirusTotalURL), now,
		Quota{or(c.VirusTotalPerMinute, VirusTotalPerMinute), time.Minute},
		Quota{or(c.VirusTotalPerDay, VirusTotalPerDay), 24 * time.Hour}); err != nil {
		return nil, err
	}
	return s, nil
}

func newClient(p provider, key, base string, now time.Time, quotas ...Quota) (*client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("reputation: %s URL %q: want an http or https URL", p.label(), base)
	}
	return &client{p: p, key: key, base: base, limit: newLimiter(p.label(), now, quotas...)}, nil
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Providers names the providers that have a key, for the log.
func (s *Service) Providers() []string {
	var out []string
	for _, c := range []*client{s.abuse, s.vt} {
		if c.key != "" {
			out = append(out, c.p.label())
		}
	}
	return out
}

// Report is the reputation of one address: the combined assessment, and
// the internal and external ones it was drawn from.
type Report struct {
	IP string `json:"ip"`
	Assessment
	Internal   Internal `json:"internal"`
	AbuseIPDB  Result   `json:"abuseipdb"`
	VirusTotal Result   `json:"virustotal"`
}

// Lookup judges addr: its history in the store, and what the configured
// providers say (from the cache when fresh). Only reading the history can
// fail; a provider's failure is in its Result. It waits for at most the
// providers' Timeout, asked in parallel. Callers look up one address a
// person asked about, of the store's reports (the source page), never
// lists of them: each uncached lookup spends the providers' quotas.
func (s *Service) Lookup(ctx context.Context, addr netip.Addr) (*Report, error) {
	addr = addr.Unmap()
	ip := addr.String()
	days, partial, err := s.store.SourceHistory(ctx, ip, s.historyRecords)
	if err != nil {
		return nil, fmt.Errorf("reputation of %s: %w", ip, err)
	}
	rep := &Report{IP: ip, Internal: assessHistory(days, partial)}
	var wg sync.WaitGroup
	wg.Go(func() { rep.AbuseIPDB = s.external(ctx, s.abuse, addr) })
	wg.Go(func() { rep.VirusTotal = s.external(ctx, s.vt, addr) })
	wg.Wait()
	rep.Assessment = combine(&rep.Internal.Assessment, rep.AbuseIPDB.Assessment, rep.VirusTotal.Assessment)
	return rep, nil
}

// external is the answer of c about addr: from the cache when fresh, else
// from the provider when the key, the address and the limiter allow.
func (s *Service) external(ctx context.Context, c *client, addr netip.Addr) Result {
	label := c.p.label()
	if c.key == "" {
		return Result{Status: StatusNotConfigured, Message: fmt.Sprintf("%s is not asked: no API key (PARSE_DMARC_%s_KEY)", label, strings.ToUpper(c.p.id()))}
	}
	if !Public(addr) {
		return Result{Status: StatusNotPublic, Message: "a private or reserved address: never sent to " + label}
	}
	ip := addr.String()
	if r, ok := s.cached(ctx, c, ip); ok {
		return r
	}
	r, ok := s.flights.do(ctx, c.p.id()+" "+ip, func() Result { return s.fetch(ctx, c, addr) })
	if !ok {
		return Result{Status: StatusError, Message: label + ": gave up waiting for the lookup in progress: " + ctx.Err().Error()}
	}
	return r
}

// cached returns the fresh cached answer of c about ip, if any. A cache
// that cannot be read counts as empty.
func (s *Service) cached(ctx context.Context, c *client, ip string) (Result, bool) {
	e, found, err := s.store.CachedReputation(ctx, c.p.id(), ip)
	if err != nil {
		s.log.Warn("read reputation cache", "provider", c.p.id(), "ip", ip, "err", err)
		return Result{}, false
	}
	ttl := s.ttl
	if Status(e.Status) != StatusOK {
		ttl = s.errorTTL
	}
	if !found || s.now().Sub(e.FetchedAt) >= ttl {
		return Result{}, false
	}
	var r Result
	if err := json.Unmarshal(e.JSON, &r); err != nil {
		s.log.Warn("unreadable cached reputation", "provider", c.p.id(), "ip", ip, "err", err)
		return Result{}, false
	}
	r.Status, r.FetchedAt, r.Cached = Status(e.Status), e.FetchedAt, true
	if r.Status == StatusOK {
		if r.Assessment = c.p.assess(&r); r.Assessment == nil {
			return Result{}, false // an entry of another provider's shape
		}
	}
	return r, true
}

// fetch asks c's provider about addr, if its limiter allows, and caches
// the answer.
func (s *Service) fetch(ctx context.Context, c *client, addr netip.Addr) Result {
	now := s.now()
	if ref := c.limit.take(now); ref != nil {
		s.log.Debug("reputation lookup refused", "provider", c.p.id(), "status", ref.status, "until", ref.until)
		return Result{Status: ref.status, RetryAt: ref.until,
			Message: fmt.Sprintf("%s; next lookup in %s", ref.msg, ref.until.Sub(now).Round(time.Second))}
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	defer cancel()
	o := call(cctx, s.http, c.p, c.base, c.key, addr, s.now, s.errorTTL)
	r := o.result
	s.log.Debug("reputation lookup", "provider", c.p.id(), "ip", addr.String(), "status", r.Status, "took", s.now().Sub(now))
	if !o.pause.IsZero() {
		c.limit.pause(o.pause, r.Status, r.Message)
		s.log.Warn("reputation provider paused", "provider", c.p.id(), "until", o.pause, "reason", r.Message)
	} else if r.Status == StatusError {
		s.log.Warn("reputation lookup failed", "provider", c.p.id(), "ip", addr.String(), "reason", r.Message)
	}
	if o.cache {
		s.saveCache(ctx, c, addr.String(), r)
	}
	if r.Status == StatusOK {
		r.Assessment = c.p.assess(&r)
	}
	return r
}

// saveCache caches r, and now and then prunes the expired answers. A failure
// is logged: the answer is still good for this request.
func (s *Service) saveCache(ctx context.Context, c *client, ip string, r Result) {
	js, err := json.Marshal(Result{Status: r.Status, Message: r.Message, AbuseIPDBData: r.AbuseIPDBData, VirusTotalData: r.VirusTotalData})
	if err != nil {
		s.log.Warn("encode reputation", "provider", c.p.id(), "err", err)
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cacheWriteTimeout)
	defer cancel()
	e := store.ReputationEntry{Provider: c.p.id(), IP: ip, FetchedAt: r.FetchedAt, Status: string(r.Status), JSON: js}
	if err := s.store.CacheReputation(wctx, e); err != nil {
		s.log.Warn("write reputation cache", "provider", c.p.id(), "ip", ip, "err", err)
		return
	}
	now := s.now()
	s.mu.Lock()
	due := now.Sub(s.lastPrune) >= pruneEvery
	if due {
		s.lastPrune = now
	}
	s.mu.Unlock()
	if due {
		n, err := s.store.PruneReputation(wctx, now.Add(-max(s.ttl, s.errorTTL)))
		if err != nil {
			s.log.Warn("prune reputation cache", "err", err)
		} else if n > 0 {
			s.log.Debug("pruned reputation cache", "entries", n)
		}
	}
}

// flights lets one lookup per provider and address run at a time; the
// others wait for its answer rather than spend the quota again.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	done chan struct{}
	r    Result
}

// do runs fn for key unless a call for key is running, and then waits for
// its answer; ok is false when ctx ended first.
func (f *flights) do(ctx context.Context, key string, fn func() Result) (r Result, ok bool) {
	f.mu.Lock()
	if c := f.m[key]; c != nil {
		f.mu.Unlock()
		select {
		case <-c.done:
			return c.r, true
		case <-ctx.Done():
			return Result{}, false
		}
	}
	c := &flight{done: make(chan struct{})}
	f.m[key] = c
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.m, key)
		f.mu.Unlock()
		close(c.done)
	}()
	c.r = fn()
	return c.r, true
}
