// Package trend builds the parsing protocol's trend object ("Trend
// Analysis" in shared/spec/parsing-protocol.md) for one domain and
// period: the volume and DMARC pass rate against the previous period of
// the same length, with a direction; the source IPs that are new (not
// seen in the lookback before the period) and those that disappeared
// (seen in the previous period, not in this one); and the anomalies
// package anomaly finds in the period.
//
// It reads the store's rollups only, never the records, so the cost grows
// with the domain's (day, source IP) rows over the period, the one before
// and the detector's window, bounded by Query.MaxSourceRows. Sources are
// classified from their counters alone (mostly passing, mostly failing
// both DKIM and SPF, or neither): telling forwarding from spoofing needs
// the records' auth results, which the source page reads.
package trend
