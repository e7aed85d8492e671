// Package remedy turns what the reports show into what to do (roadmap 2.5,
// "Fix this"), and tells whether a domain can tighten its DMARC policy
// (the policy advisor).
//
// Guide.Fix explains why one source's mail fails for one domain and how
// to fix it: the failure type, from the source's records, judged as RFC
// 7489 section 3.1 does (a DKIM d= or SPF MAIL FROM domain aligns with the
// From domain when it is the same, or, in relaxed mode, has the same
// organizational domain, from the Public Suffix List); the sending service
// it is (package senders); a guidance category (a legitimate sender's
// misconfiguration, a third-party service to set up, potential spoofing,
// a DNS configuration issue, or forwarding, where there is nothing to
// fix); and the exact DNS changes: the domain's SPF record as published
// and as it should be, with the service's include inserted before the all
// term and the result checked against the limit of 10 DNS lookups (RFC
// 7208 section 4.6.4), and the DKIM records the service documents, with
// whether they exist now. Steps, the provider's documentation and how to
// verify come with it, as data (JSON) and as text (WriteFixText).
//
// Guide.Advise reads the last days of a domain's reports and tells
// whether it can move from p=none to quarantine to reject (with pct steps,
// sp and np): the legitimate mail that would fail under the stronger
// policy, per source with its fix; the forwarded mail it would affect; the
// spoofing it would stop; whether there is enough data; the policy
// published now (in the reports and in DNS) and the record to publish
// next. The thresholds are the constants of verdict.go. The sources are
// those the source page classifies (analysis.HistoryClassifier), the
// largest MaxAdviceSources of the period; the rest are counted as "other".
//
// Everything the package knows comes from the store, the sending-service
// catalogue and DNS (dnscheck): each dependency of a Guide is optional,
// and without DNS the current records are not shown and the proposed ones
// not checked. Limits: a fix reads the newest FixRecords records of the
// source; the DKIM records of services whose keys are named per customer
// (Amazon SES, Mailchimp) can be listed only as "the records the service
// shows"; a CNAME's target is not compared with what the service expects,
// only whether a key answers at the name.
package remedy
