package analysis

// RiskIndicators is the protocol's risk_indicators object: the numbers an
// executive summary and alerting start from.
type RiskIndicators struct {
	// UnauthorizedSenders counts the distinct source IPs classified
	// suspicious: sending as the domain while authenticating nothing.
	UnauthorizedSenders int64 `json:"unauthorized_senders"`
	// AuthenticationFailures counts the messages failing DMARC: neither
	// aligned verdict of policy_evaluated is pass and at least one is fail
	// (RFC 7489 section 4.2). Messages without any verdict are not
	// counted. Forwarded messages that fail are counted.
	AuthenticationFailures int64 `json:"authentication_failures"`
	// PolicyOverrides counts the messages whose policy_evaluated carries a
	// reason: the receiver applied another disposition than the published
	// policy asked for (RFC 7489 section 6.7, PolicyOverrideType of
	// Appendix C), sampled_out included.
	PolicyOverrides int64 `json:"policy_overrides"`
	// SpoofingAttempts counts all messages of the sources classified
	// suspicious.
	SpoofingAttempts int64 `json:"spoofing_attempts"`
}

// Risk returns the risk indicators of the records added so far.
func (a *Accumulator) Risk() RiskIndicators {
	r := RiskIndicators{PolicyOverrides: a.overrides.messages}
	for _, s := range a.sources {
		r.AuthenticationFailures += s.fail.messages
		if s.judge().class == ClassSuspicious {
			r.UnauthorizedSenders++
			r.SpoofingAttempts += s.all.messages
		}
	}
	return r
}
