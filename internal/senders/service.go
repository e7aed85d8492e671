package senders

import "slices"

// Kinds of service. A service's kind says what DMARC failures of its mail
// usually mean: a sending service (every kind but forwarder and
// mailing-list) failing alignment is not set up for the domain; a relay
// (forwarder, mailing-list) fails because it passes on mail others sent
// (RFC 7960).
const (
	// KindMailboxProvider hosts mailboxes and sends its users' mail:
	// Google Workspace, Microsoft 365, Fastmail.
	KindMailboxProvider = "mailbox-provider"
	// KindESP sends mail through an API or SMTP relay for its customers'
	// applications: Amazon SES, SendGrid, Postmark.
	KindESP = "esp"
	// KindMarketing sends newsletters and campaigns: Mailchimp, Brevo.
	KindMarketing = "marketing"
	// KindCRM sends from a customer relationship system: Salesforce.
	KindCRM = "crm"
	// KindHelpdesk sends support tickets' mail: Zendesk, Freshdesk.
	KindHelpdesk = "helpdesk"
	// KindSecurityGateway filters and relays an organization's mail:
	// Mimecast, Proofpoint.
	KindSecurityGateway = "security-gateway"
	// KindForwarder passes mail received for an address on to another:
	// Cloudflare Email Routing, ImprovMX, SimpleLogin.
	KindForwarder = "forwarder"
	// KindMailingList redistributes a message to a list's members:
	// Google Groups, groups.io, Mailman hosts.
	KindMailingList = "mailing-list"
)

// kinds lists the valid kinds, for validation and its message.
var kinds = []string{KindMailboxProvider, KindESP, KindMarketing, KindCRM, KindHelpdesk,
	KindSecurityGateway, KindForwarder, KindMailingList}

// Service is one entry of the catalogue. The JSON names are those of the
// data file.
type Service struct {
	// ID names the service in the file and in the API: lower case letters,
	// digits and single hyphens ("sendgrid"). A user's file overrides the
	// entry with the same id.
	ID string `json:"id"`
	// Name is the service's name for people ("Twilio SendGrid").
	Name string `json:"name"`
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Relays says the service also relays mail others sent (forwarding
	// rules, aliases) from the same servers it sends its own from: mail
	// of another domain that fails DMARC there but keeps its DKIM
	// signature is forwarded, not spoofed. Always so for forwarders and
	// mailing lists.
	Relays bool `json:"relays,omitempty"`
	// RunsOn is the id of the service whose servers this one sends from
	// (Google Groups runs on Google's). Such a service is recognized by
	// its own DKIM or SPF domains on a source the other is recognized by
	// its network.
	RunsOn string `json:"runs_on,omitempty"`
	// Match is how to recognize the service's servers.
	Match Matchers `json:"match,omitzero"`
	// SPFInclude is the mechanism a customer adds to its SPF record to
	// authorize the service ("include:sendgrid.net"); empty when there is
	// none or it is specific to each customer.
	SPFInclude string `json:"spf_include,omitempty"`
	// DKIM says how the service signs with the customer's domain.
	DKIM DKIMSetup `json:"dkim,omitzero"`
	// Docs is the service's documentation of its SPF, DKIM or DMARC setup
	// (an https URL).
	Docs string `json:"docs,omitempty"`
	// Note is free text for people: caveats of the entry.
	Note string `json:"note,omitempty"`
	// Disabled, in a user's file, removes the built-in entry of that id.
	Disabled bool `json:"disabled,omitempty"`
}

// Matchers recognize a service's servers. Domains match themselves and
// their subdomains: "sendgrid.net" matches o1.ptr1234.sendgrid.net.
type Matchers struct {
	// ReverseDNS are domains of the service's reverse DNS (PTR) names.
	ReverseDNS []string `json:"reverse_dns,omitempty"`
	// ASN are autonomous systems that carry only the service's mail
	// servers; an AS shared with other customers (a cloud's) is left out,
	// since it says nothing alone.
	ASN []uint32 `json:"asn,omitempty"`
	// DKIMDomains are the d= domains the service signs with when it does
	// not sign for the customer's domain.
	DKIMDomains []string `json:"dkim_domains,omitempty"`
	// SPFDomains are the MAIL FROM (envelope) domains of the service's
	// mail when no custom return-path is set up: the domains reports show
	// in auth_results/spf.
	SPFDomains []string `json:"spf_domains,omitempty"`
}

// DKIMSetup says how a service signs mail with the customer's own domain
// (RFC 6376 d=), which is what makes DKIM align for DMARC.
type DKIMSetup struct {
	// Custom says the service can sign with the customer's domain.
	Custom bool `json:"custom"`
	// Method is how the customer publishes the key: "cname" (CNAMEs to
	// keys the service hosts and rotates) or "txt" (the public key
	// itself); empty when unknown.
	Method string `json:"method,omitempty"`
	// Selectors are the fixed selectors to publish under _domainkey, when
	// the service uses fixed ones ("s1", "s2").
	Selectors []string `json:"selectors,omitempty"`
	// Note says what else the setup takes.
	Note string `json:"note,omitempty"`
}

// Relay reports whether the service is a forwarder or a mailing list:
// mail it passes on was sent by others.
func (s Service) Relay() bool {
	return s.Kind == KindForwarder || s.Kind == KindMailingList
}

// RelaysOthers reports whether the service relays mail others sent: a
// relay, or a service with Relays set.
func (s Service) RelaysOthers() bool {
	return s.Relays || s.Relay()
}

// hasASN reports whether the service lists asn.
func (s Service) hasASN(asn uint32) bool {
	return slices.Contains(s.Match.ASN, asn)
}
