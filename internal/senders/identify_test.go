package senders

import (
	"slices"
	"testing"
)

func TestIdentify(t *testing.T) {
	t.Parallel()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		ev         Evidence
		id         string // "" for no match
		confidence string
		by         []Signal
		describe   string
	}{
		{
			name: "reverse DNS and AS agree",
			ev:   Evidence{PTR: "o1.ptr2625.sendgrid.net.", ASN: 11377, ASOrg: "SENDGRID"},
			id:   "sendgrid", confidence: ConfidenceHigh,
			by:       []Signal{{SignalReverseDNS, "o1.ptr2625.sendgrid.net"}, {SignalASN, "AS11377"}},
			describe: "Identified as Twilio SendGrid by reverse DNS o1.ptr2625.sendgrid.net and AS11377 (SENDGRID)",
		},
		{
			name: "reverse DNS alone",
			ev:   Evidence{PTR: "a8-33.smtp-out.amazonses.com"},
			id:   "amazon-ses", confidence: ConfidenceMedium,
			by: []Signal{{SignalReverseDNS, "a8-33.smtp-out.amazonses.com"}},
		},
		{
			name: "reverse DNS contradicted by the AS",
			ev:   Evidence{PTR: "mail-wr1-f54.google.com", ASN: 3320, ASOrg: "Deutsche Telekom AG"},
			id:   "google", confidence: ConfidenceLow,
			describe: "Identified as Google Workspace / Gmail by reverse DNS mail-wr1-f54.google.com, but AS3320 (Deutsche Telekom AG) is not one of Google Workspace / Gmail's networks",
		},
		{
			name: "the AS alone",
			ev:   Evidence{ASN: 30031},
			id:   "mimecast", confidence: ConfidenceMedium,
		},
		{
			name: "SPF pass for the service's domain and its AS",
			ev:   Evidence{ASN: 11377, SPFDomains: []string{"em123.sendgrid.net"}},
			id:   "sendgrid", confidence: ConfidenceHigh,
			describe: "Identified as Twilio SendGrid by AS11377 and an SPF pass for its domain em123.sendgrid.net",
		},
		{
			name: "a DKIM signature alone is weak",
			ev:   Evidence{DKIMDomains: []string{"mandrillapp.com"}},
			id:   "mandrill", confidence: ConfidenceLow,
			describe: "Identified as Mailchimp Transactional (Mandrill) by a DKIM signature of mandrillapp.com",
		},
		{
			// Gmail forwarding SendGrid mail: the network wins over a
			// surviving signature.
			name: "network beats a forwarded signature",
			ev:   Evidence{PTR: "mail-sor-f69.google.com", ASN: 15169, DKIMDomains: []string{"sendgrid.net"}},
			id:   "google", confidence: ConfidenceHigh,
		},
		{
			name: "a service on another's servers",
			ev:   Evidence{PTR: "mail-yw1-f200.google.com", ASN: 15169, SPFDomains: []string{"googlegroups.com"}, DKIMDomains: []string{"googlegroups.com"}},
			id:   "google-groups", confidence: ConfidenceHigh,
			by: []Signal{{SignalReverseDNS, "mail-yw1-f200.google.com"}, {SignalASN, "AS15169"},
				{SignalSPF, "googlegroups.com"}, {SignalDKIM, "googlegroups.com"}},
		},
		{
			// Without Google's network the signature may be a Groups
			// message relayed by someone else: a weak match.
			name: "a guest service without its host's network",
			ev:   Evidence{PTR: "relay.example.org", DKIMDomains: []string{"googlegroups.com"}},
			id:   "google-groups", confidence: ConfidenceLow,
			by: []Signal{{SignalDKIM, "googlegroups.com"}},
		},
		{
			name: "a PTR name that only ends like a service's",
			ev:   Evidence{PTR: "mail.notsendgrid.net"},
		},
		{
			name: "an unlisted shared network",
			ev:   Evidence{PTR: "ec2-192-0-2-1.compute-1.amazonaws.com", ASN: 16509},
		},
		{name: "nothing known"},
		{
			name: "a forwarder",
			ev:   Evidence{PTR: "mail-a.cloudflare-email.net"},
			id:   "cloudflare-email-routing", confidence: ConfidenceMedium,
		},
		{
			name: "case and final dot of domains",
			ev:   Evidence{PTR: "Mail-Sor-F41.Google.COM.", SPFDomains: []string{"GMAIL.com."}},
			id:   "google", confidence: ConfidenceHigh,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, ok := c.Identify(tc.ev)
			if ok != (tc.id != "") || (ok && (m.Service.ID != tc.id || m.Confidence != tc.confidence)) {
				t.Fatalf("got %v %s %s, want %q %s", ok, m.Service.ID, m.Confidence, tc.id, tc.confidence)
			}
			if tc.by != nil && !slices.Equal(m.By, tc.by) {
				t.Errorf("by %v, want %v", m.By, tc.by)
			}
			if tc.describe != "" && m.Describe() != tc.describe {
				t.Errorf("describe %q\nwant     %q", m.Describe(), tc.describe)
			}
		})
	}
}
