// Package reputation judges a source IP address of the DMARC reports (roadmap
// 2.6): is it a known, trusted sender of the domains, an address with too
// little history to say, or one that looks bad?
//
// # Internal reputation
//
// Always available, and private: the store's own history of the address
// across every policy domain (store.SourceHistory, its newest
// Config.HistoryRecords records), its volume, DMARC pass rate, first and last
// day seen, days active, the domains it sent as, the share of its messages
// that failed both DKIM and SPF, and what receivers did with them. The rules
// are in assessHistory. Their limit: a forwarder that breaks every DKIM
// signature looks like a spoofer from these counts alone; the source page's
// per-domain classification (package analysis) tells the two apart by the
// receivers' override reasons.
//
// # External reputation
//
// Only when the operator supplies API keys, since every lookup tells the
// service which address is being looked at: AbuseIPDB (abuse reports,
// https://docs.abuseipdb.com/#check-endpoint) and VirusTotal (security
// vendors' verdicts, https://docs.virustotal.com/reference/ip-info).
// Private and reserved addresses (RFC 6890 and the IANA special-purpose
// registries) are never sent. Answers are cached in the store (Config.TTL,
// failures Config.ErrorTTL) and lookups are rate limited per provider by
// token buckets sized to the free tiers (AbuseIPDB 1,000 a day; VirusTotal
// 4 a minute and 500 a day): half of a quota at once, the rest spread over
// its window, so that no window of the provider's ever sees more than the
// quota. The buckets live in this process: replicas sharing one key each
// count on their own. A provider that answers 429 (quota spent) or refuses
// the key is paused as a whole, not per address.
//
// When a provider is not configured, limited or failing, its part of the
// answer says so (status "not_configured", "not_public", "rate_limited",
// "error" with a message) and the verdict rests on the rest. Lookups are
// meant for one address at a time (the source page), never for listings.
//
// The keys are never logged, never part of an error or an answer, and are
// read from the environment or the configuration file only (package cli).
package reputation
