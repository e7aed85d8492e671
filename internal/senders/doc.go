// Package senders is the catalogue of known sending services (Google
// Workspace, Microsoft 365, SendGrid, Mailchimp, forwarders, mailing lists,
// security gateways, ...) and recognizes a source IP as one of them from
// what a DMARC aggregate report and the IP's data tell: its reverse DNS
// name, its autonomous system, and the domains its mail authenticated as.
//
// The catalogue is a data file, services.json, embedded in the binary: a
// human-editable list a user can extend or override with a file of the same
// shape (Load, Merge). JSON was chosen over TOML because the standard
// library reads it strictly (unknown fields and wrong types are errors with
// a byte offset turned into a line), the API and dashboard speak JSON, and
// no dependency enters the binary for it; a "comment" key at the top and a
// "note" per service stand in for comments. Every field is documented on
// Service. Entries are validated when loaded; errors name the file, the
// entry (its id, index and line) and the field (Error).
//
// Each service carries what identification needs (Matchers) and what a
// remediation guide needs: the SPF include to publish, how the service
// signs with the customer's own DKIM domain (CNAME or TXT selectors), and a
// documentation URL. Values are left empty where they are not certain.
//
// Identify weighs the evidence: reverse DNS is set by whoever controls the
// IP's reverse zone and is not forward-confirmed here, so it is strong only
// when the IP's AS agrees; an SPF pass for a service's own domain means the
// service's SPF record authorizes the IP (RFC 7208 section 2.3); a verified
// DKIM signature only says the message passed through the service at some
// point (a forwarder keeps it), so it is the weakest signal.
package senders
