// Package alert is the alert engine (roadmap 2.1): rules people set, the
// alerts they raise, and the notifications those send through package
// notify's channels, within each channel's rate limit and quiet hours.
//
// A rule watches one domain, or all, for one kind of condition (Types):
// compliance below a threshold, a new sending source, a volume spike or
// drop, a rise of the failure rate, the first report of a new domain,
// an anomaly of the detector (package anomaly), a regression of the
// domain's DNS records (package dnswatch's checks). The engine judges
// every enabled rule after reports are stored (only for the domains that
// got them, a few seconds after the last, so a batch is judged once), when
// a DNS check is stored, and on a schedule (Run, every DefaultInterval).
// No rule exists until someone makes one; Presets lists sensible ones.
//
// De-duplication. A condition has a key (the source IP of a new source,
// the finding of a DNS regression, "compliance" for a domain's
// compliance), and a rule has at most one active alert per key: while the
// condition holds, the engine only notes it was seen again (the store
// enforces this with a unique index, so replicas cannot open two). When
// it no longer holds the alert is cleared, and resolved unless someone
// resolved it already; it opens anew only if the condition comes back
// after that. Someone resolving an alert by hand silences it until its
// condition clears. Where the data cannot tell (too few messages in the
// window), active alerts stay as they are.
//
// Notifications. A new alert is queued for the rule's channels (none
// listed: every enabled channel subscribed to alert.triggered), as a
// notice.Message with an alert.triggered event. A channel's queue is sent
// at once unless the channel is in its quiet hours (in its time zone) or
// has had MaxPerHour messages in the last hour; then the alerts wait, and
// the next message the channel may get carries the newest one with the
// others summarised ("and 12 more alerts"), at the latest a minute after
// the quiet hours end or a send of the last hour ages out. A compliance
// alert also publishes compliance.changed (package webhook) to the
// channels subscribed to it, when compliance falls below the threshold
// and when it comes back: that event is for automation and goes out at
// once. There is no message when an alert resolves.
//
// Limits: days are UTC days, as the store's. Reports arrive one to two
// days late, so windows end at the domain's newest day with mail, and a
// drop of volume is judged only on days at least two days old (a day
// whose reports may still come looks like a drop). Delivery is at least
// once: a crash between handing a message to package notify and noting it
// sent sends it again.
package alert
