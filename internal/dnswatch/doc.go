// Package dnswatch keeps the history of the checks of each domain's mail
// authentication records (package dnscheck) and says what changed between
// two checks: a record's text, a kind's status, a finding that appeared or
// went away. A Watcher runs checks on request (the API's "check now") and
// on a schedule, for every domain the store has reports of, and stores
// each in the store's history (the newest store.DNSChecksKept per domain).
//
// Scheduled checks run in one process at a time: a round takes the store's
// advisory lock (store.TryLock) and is skipped by the replicas that do not
// get it. A round checks the domains whose newest check, from a round or
// from a request, is an interval old, so restarts and requests do not add
// checks; rounds come every eighth of the interval, at most an hour apart.
// The DKIM selectors of a scheduled check are those of the domain's
// newest check, or else those its reports saw signing its mail.
//
// Limits: a domain is checked at most once at a time per set of
// selectors (concurrent requests share the check); a round checks at most
// Concurrency domains at once. Changes are told between two stored
// checks, so a record that changed and changed back between them is not
// seen.
package dnswatch
