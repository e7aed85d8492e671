package server

import (
	"sync"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/badge"
)

// badgeKey is what a badge answer depends on: the domain and the badge's
// query parameters, normalized (a label at most maxBadgeLabel characters).
type badgeKey struct {
	domain string
	style  badge.Style
	show   string
	label  string
}

// badgeAnswer is a rendered badge and its status: 200, or 404 for a domain
// whose badge is not enabled.
type badgeAnswer struct {
	status int
	svg    []byte
	etag   string
}

// badgeCache keeps rendered badges for a while, so that a badge viewed
// often (a README on a busy page, a proxy such as GitHub's camo asking
// again) costs the store nothing: a badge takes three queries to compute.
//
// Entries expire after ttl; at most max are kept, the expired ones
// dropped first when it is full, then arbitrary ones. Changing a domain's
// settings invalidates its entries; new reports do not, and show up when
// the entries expire. The cache is in this process's memory: a replica
// other than the one whose settings changed serves its entries until they
// expire.
type badgeCache struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[badgeKey]badgeEntry
	// gen counts invalidations, so that a badge rendered from settings
	// read before one is not stored after it (see put).
	gen uint64
}

type badgeEntry struct {
	badgeAnswer
	expires time.Time
}

func newBadgeCache(ttl time.Duration, max int) *badgeCache {
	return &badgeCache{ttl: ttl, max: max, entries: make(map[badgeKey]badgeEntry)}
}

// get returns the answer cached for k at now, if any, and the generation
// to pass to put otherwise.
func (c *badgeCache) get(k badgeKey, now time.Time) (a badgeAnswer, ok bool, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if ok && now.Before(e.expires) {
		return e.badgeAnswer, true, c.gen
	}
	if ok {
		delete(c.entries, k)
	}
	return badgeAnswer{}, false, c.gen
}

// put keeps a for k, unless an invalidation happened since gen was
// returned by get: a was then computed from settings that may be stale.
func (c *badgeCache) put(k badgeKey, a badgeAnswer, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.entries[k]; !ok && len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[k] = badgeEntry{a, now.Add(c.ttl)}
}

// invalidate drops the entries of domain.
func (c *badgeCache) invalidate(domain string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k := range c.entries {
		if k.domain == domain {
			delete(c.entries, k)
		}
	}
}

// len is the number of entries.
func (c *badgeCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
