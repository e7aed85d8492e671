// Package dnscheck validates a domain's mail authentication records in
// DNS and explains each problem in plain English with a fix, for the
// "dns check" command and the API.
//
// A Checker asks the DNS servers it is given (by default those of
// /etc/resolv.conf) with its own DNS client, so NXDOMAIN and an empty
// answer (NODATA) are told apart as SPF's void lookups need, and a
// truncated UDP answer is asked again over TCP. One Check caches every
// answer, so a name is asked once however many records refer to it.
//
// What is checked:
//
//   - DMARC (RFC 7489): the TXT record at _dmarc.<domain>, else at the
//     organizational domain's (found with the Public Suffix List, §6.6.3);
//     that exactly one record starts with v=DMARC1; the syntax and values of
//     v, p, sp, pct, rua, ruf, adkim, aspf, fo, rf, ri and DMARCbis's np,
//     psd and t; unknown tags (with the likely intended one); that report
//     addresses outside the organizational domain have authorized the
//     reports with a <domain>._report._dmarc.<destination> record (§7.1);
//     a policy of none, pct below 100, no rua.
//   - SPF (RFC 7208): that exactly one record starts with v=spf1 (§4.5); a
//     full parse of every mechanism and modifier, macros included (§5–7);
//     the records reached through include and redirect, followed
//     recursively with loops detected, counting the DNS-querying terms
//     against the limit of 10 and the lookups that find nothing against
//     the limit of 2 (§4.6.4); mx names beyond 10; the record's length (a
//     TXT string holds 255 bytes; over 450 bytes, or an answer over 512,
//     risks UDP truncation, §3.4); +all, ?all, no all, ptr, terms after all.
//     EvaluateSPF runs check_host() (§4) for an IP, and CheckSPFRecord
//     checks a record before it is published. SPFAuthorizer caches
//     EvaluateSPF's verdicts per domain and IP for the classification of
//     sources.
//   - DKIM (RFC 6376 §3.6.1, RFC 8463, RFC 8301): the key at
//     <selector>._domainkey.<domain> of each selector given (selectors
//     cannot be discovered): v=DKIM1, k=, the RSA key size read from the
//     key itself (under 1024 bits an error, under 2048 a warning), revoked
//     keys (empty p=), testing (t=y), h= without sha256.
//   - MTA-STS (RFC 8461): the _mta-sts.<domain> record (v=STSv1, id=) and
//     the policy at https://mta-sts.<domain>/.well-known/mta-sts.txt
//     (§3.2–3.3: fetched over HTTPS with certificate checks, without
//     following redirects, at most 64 KiB; version, mode, mx, max_age), and
//     that the policy's mx patterns cover the domain's MX hosts.
//   - TLS-RPT (RFC 8460 §3): the _smtp._tls.<domain> record, v=TLSRPTv1
//     with rua= mailto: or https: URIs.
//   - BIMI (draft-brand-indicators-for-message-identification): the
//     default._bimi.<domain> record, v=BIMI1 with https: l= and a=, and that
//     the DMARC policy is at enforcement, without which no logo is shown.
//
// Limits: each DNS query attempt times out after Checker.Timeout (5 s);
// one check asks at most Checker.MaxQueries (300) questions; the SPF walk
// stops following includes after 100 lookups; the policy fetch times out
// after 20 s and reads at most 64 KiB. DKIM keys are checked only for the
// selectors given; BIMI's logo and certificate are not fetched; the DMARC
// organizational domain comes from the Public Suffix List compiled into
// golang.org/x/net, not DMARCbis's DNS tree walk; DNSSEC is not checked.
package dnscheck
