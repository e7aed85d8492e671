package tlsrpt

// Result types of RFC 8460 section 4.3.
const (
	// Negotiation failures, section 4.3.1.
	ResultSTARTTLSNotSupported    = "starttls-not-supported"
	ResultCertificateHostMismatch = "certificate-host-mismatch"
	ResultCertificateNotTrusted   = "certificate-not-trusted"
	ResultCertificateExpired      = "certificate-expired"
	ResultValidationFailure       = "validation-failure"
	// DANE policy failures, section 4.3.2.1.
	ResultTLSAInvalid   = "tlsa-invalid"
	ResultDNSSECInvalid = "dnssec-invalid"
	ResultDANERequired  = "dane-required"
	// MTA-STS policy failures, section 4.3.2.2.
	ResultSTSPolicyFetchError = "sts-policy-fetch-error"
	ResultSTSPolicyInvalid    = "sts-policy-invalid"
	ResultSTSWebPKIInvalid    = "sts-webpki-invalid"
)

// Explanation tells what a result type means and what to do about it.
type Explanation struct {
	// Title is a few words, such as "Certificate expired".
	Title string `json:"title"`
	// Meaning says what the sender saw.
	Meaning string `json:"meaning"`
	// Fix says what the domain's owner should do.
	Fix string `json:"fix"`
	// Policy is true for failures of the policy (fetching or validating
	// the MTA-STS policy or the DANE records) rather than of a session.
	Policy bool `json:"policy"`
}

var explanations = map[string]Explanation{
	ResultSTARTTLSNotSupported: {
		Title:   "STARTTLS not offered",
		Meaning: "The receiving MX did not offer STARTTLS, so the sender could not encrypt the session; under an enforced policy the mail was not delivered.",
		Fix:     "Enable STARTTLS on the MX host named in the failure, with a certificate for its name, or remove the host from the MX records and the MTA-STS policy's mx: lines.",
	},
	ResultCertificateHostMismatch: {
		Title:   "Certificate for another name",
		Meaning: "The MX host's certificate does not name the host the sender connected to.",
		Fix:     "Install a certificate whose subject alternative names include the MX host name (a wildcard covers one label), and make sure every mx: pattern of the MTA-STS policy matches a name in it.",
	},
	ResultCertificateNotTrusted: {
		Title:   "Certificate not trusted",
		Meaning: "The certificate is self-signed or signed by an authority the sender does not trust, or the chain is incomplete.",
		Fix:     "Use a certificate from a public certificate authority and serve the full chain (the intermediate certificates) on the MX host.",
	},
	ResultCertificateExpired: {
		Title:   "Certificate expired",
		Meaning: "The MX host presented an expired certificate.",
		Fix:     "Renew the MX host's certificate and automate the renewal (ACME); check every MX host, backups included.",
	},
	ResultValidationFailure: {
		Title:   "Validation failed",
		Meaning: "The session failed for a reason other than the listed ones; the reporter's failure reason code, when present, says which.",
		Fix:     "Look at the failure reason code and the receiving host named in the failure; test the host with a TLS checker (openssl s_client -starttls smtp -connect HOST:25).",
	},
	ResultTLSAInvalid: {
		Title:   "TLSA record invalid",
		Meaning: "The DANE TLSA records of the MX host are malformed or match no certificate the host presents.",
		Fix:     "Publish TLSA records that match the MX host's current certificate or key (publish the new record before rotating keys), or remove them.",
		Policy:  true,
	},
	ResultDNSSECInvalid: {
		Title:   "DNSSEC invalid",
		Meaning: "The DNSSEC validation of the MX host's records failed, so its TLSA records could not be trusted.",
		Fix:     "Repair the zone's DNSSEC chain (expired signatures, a DS record not matching the DNSKEY) and check it with a DNSSEC debugger.",
		Policy:  true,
	},
	ResultDANERequired: {
		Title:   "DANE required but missing",
		Meaning: "The sender requires DANE for this domain but found no usable TLSA records.",
		Fix:     "Publish TLSA records for the MX hosts in a DNSSEC-signed zone, or stop requiring DANE for the domain.",
		Policy:  true,
	},
	ResultSTSPolicyFetchError: {
		Title:   "MTA-STS policy not fetched",
		Meaning: "The sender could not fetch https://mta-sts.DOMAIN/.well-known/mta-sts.txt (no HTTPS server, an error answer such as 404 or 500, a timeout).",
		Fix:     "Serve the policy file at that address over HTTPS with a valid certificate for mta-sts.DOMAIN, answering 200 with Content-Type text/plain; or remove the _mta-sts TXT record if you do not use MTA-STS.",
		Policy:  true,
	},
	ResultSTSPolicyInvalid: {
		Title:   "MTA-STS policy invalid",
		Meaning: "The fetched MTA-STS policy is not valid (missing version, mode, mx or max_age lines, or malformed ones).",
		Fix:     "Correct the policy file: version: STSv1, mode: testing|enforce|none, one mx: line per MX pattern, max_age: in seconds (RFC 8461 section 3.2); then change the id= of the _mta-sts TXT record so senders fetch it again.",
		Policy:  true,
	},
	ResultSTSWebPKIInvalid: {
		Title:   "MTA-STS host certificate invalid",
		Meaning: "The HTTPS certificate of mta-sts.DOMAIN could not be validated, so the policy could not be trusted.",
		Fix:     "Install a publicly trusted certificate for mta-sts.DOMAIN on the server of the policy file, with its full chain.",
		Policy:  true,
	},
}

// Known reports whether resultType is a result type of section 4.3.
func Known(resultType string) bool {
	_, ok := explanations[resultType]
	return ok
}

// Explain tells what a result type means and what to fix. An unknown
// type gets a generic explanation naming it.
func Explain(resultType string) Explanation {
	if e, ok := explanations[resultType]; ok {
		return e
	}
	return Explanation{
		Title:   "Unknown result " + resultType,
		Meaning: "The reporter named a result type (" + resultType + ") that RFC 8460 does not define.",
		Fix:     "Look at the failure reason code and the additional information the reporter gave, and test the receiving host it names.",
	}
}
