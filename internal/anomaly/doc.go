// Package anomaly finds what is unusual in a domain's DMARC history: the
// protocol's fixed thresholds ("Trend Analysis" in
// shared/spec/parsing-protocol.md: a volume spike above 200% of the 7-day
// average, a pass rate more than 10 points below its baseline, any new
// source failing both DKIM and SPF, a source country not seen in 30 days),
// and, beyond them, baselines learned per domain (roadmap 4.2).
//
// A baseline is the median and the median absolute deviation (MAD) of one
// daily value over the days of the same class before the day judged:
// weekdays are compared with weekdays and weekend days with weekend days,
// because most domains send far less mail on Saturday and Sunday. The
// values are the volume, the DMARC pass rate, the failing volume and the
// number of new source IPs. A day deviates by (value - median) / MAD; the
// median and MAD are robust, so a past incident in the window does not
// move the baseline as it would a mean and standard deviation. The volume
// baseline also follows a trend (the Theil-Sen slope, equally robust), so
// gradual growth is not a spike, and takes its spread from both classes.
// Deviations become a score from 0 to 100 (Options.Threshold MADs is 50,
// an alert), with a confidence that grows with the days the baseline has.
// A change must also matter: a volume 50% up or 40% down, a pass rate 2
// points down with MinMessages passes lost.
//
// Source rules look at each new source IP (not seen in the lookback) on
// its first three days: one failing both DKIM and SPF is listed (the
// protocol's rule) and alerts when it carries 2% of a usual day or comes
// in a burst of new failing mail; one that passes alerts from 4%, as a
// new sender whose SPF or DKIM may not be set up. New addresses of one
// /24 (or IPv6 /48) on a day count together, as a provider's pool. A
// known source whose own pass rate falls far below its baseline (a broken
// DKIM key) alerts too.
//
// A day kind flagged on consecutive days is one episode: a level that
// moved stays flagged until the baseline learned it, but only the
// episode's first day alerts.
//
// The realities of DMARC data are part of the model:
//   - Reports of a day arrive one to two days after it ends, so the newest
//     days are provisional (Options.Lateness): they are left out of
//     baselines, and they may show a spike but never a drop, which is
//     more likely to be the reports still missing.
//   - A day without reports is a day without mail (zero), not a gap, from
//     the domain's first day on.
//   - Rates of small days mean little: below Options.MinMessages messages
//     a day's pass rate is not judged, and a change must also be at least
//     MinMessages messages to count.
//   - A domain starts in a learning period (Options.LearningDays) during
//     which nothing is reported: every source is new and there is no
//     baseline yet.
//   - A weekday at the weekend's level is a holiday more likely than an
//     outage: such a drop is listed without alerting, unless it is the
//     third day in a row.
//
// People's feedback (store.ExpectedAnomaly) is honoured: an anomaly marked
// expected is still listed but no longer alerts, an expected source or
// country is not counted as new, and an expected day is left out of the
// baselines of its value. Anomalies have stable ids derived from the
// domain, kind and key (ID), so feedback and alerts refer to them across
// runs.
//
// Detect works on a History, plain data the caller reads (Load reads it
// from the store's rollups); it does no I/O. Days are UTC days, as the
// store's: a domain whose weekend is not Saturday and Sunday in UTC gets
// a blurred weekday pattern. Daily data cannot show time-of-day anomalies.
package anomaly
