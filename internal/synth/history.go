package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
)

// Synthetic histories: months of daily reports of one domain, as several
// receivers send them, with the ground truth of what happened, for
// measuring an anomaly detector (cmd/anomalyeval) and for tests that need
// weeks of data. The world of one domain:
//
//   - its own servers (DKIM and SPF aligned), an email service provider
//     (DKIM aligned, SPF on the provider's envelope domain), mailing lists
//     forwarding its mail (DKIM mostly surviving, SPF failing) and a trickle
//     of spoofing from ever new IPs in many countries;
//   - a weekday volume with a weekend level of its own, day-to-day noise,
//     and four reporters (50%, 30%, 10%, 10% of the mail) whose reports
//     arrive 1 to 47 hours after the day ends, as real ones do one to two
//     days late; now and then the smallest reporter skips a day;
//   - incidents, each labelled with its days and source IPs: a spoofing
//     burst (new IPs failing DKIM and SPF), a broken DKIM key of the
//     provider (its mail then fails DMARC), a new provider without SPF
//     (DKIM only, or failing both until set up), a volume spike and a
//     volume drop (an outage);
//   - benign changes a detector must not flag: holidays (a weekday at the
//     weekend's level) and gradual growth.
//
// Incidents are sized to be worth an alert: at least 100 messages a day
// of changed mail, so a tiny domain gets fewer kinds.

// Incident kinds of a history.
const (
	IncidentSpoofing   = "spoofing_burst"
	IncidentBrokenDKIM = "broken_dkim"
	IncidentNewESP     = "new_esp"
	IncidentSpike      = "volume_spike"
	IncidentDrop       = "volume_drop"
	BenignHoliday      = "holiday"
	BenignGrowth       = "growth"
)

// IncidentKinds are the kinds of real incidents; BenignKinds those of
// changes that are not.
var (
	IncidentKinds = []string{IncidentSpoofing, IncidentBrokenDKIM, IncidentNewESP, IncidentSpike, IncidentDrop}
	BenignKinds   = []string{BenignHoliday, BenignGrowth}
)

// HistoryOptions shape a synthetic history. Zero fields take defaults
// drawn from Seed.
type HistoryOptions struct {
	Domain string    // default example.com
	Start  time.Time // first day; default 2026-01-05, a Monday
	Days   int       // default 150
	Seed   uint64
	// Volume is the mean weekday volume; default log-uniform from 30 to
	// 50,000 messages.
	Volume int
	// Quiet leaves out incidents and benign changes.
	Quiet bool
}

// History is a synthetic history: its reports in order of arrival, and
// what happened.
type History struct {
	Domain    string
	Start     time.Time
	Days      int
	Volume    int     // mean weekday volume
	Weekend   float64 // weekend volume as a share of a weekday's
	Reports   []HistoryReport
	Incidents []Incident
	// Countries are the countries of the source IPs, as IP data would
	// tell them.
	Countries map[string]string
}

// HistoryReport is one report of a history and when it arrived.
type HistoryReport struct {
	Header  aggregate.Header
	Records []*aggregate.Record
	Arrival time.Time
}

// Incident is a labelled change: its kind, its days [Start, End) and the
// source IPs it concerns (none for volume changes).
type Incident struct {
	Kind       string
	Benign     bool
	Start, End time.Time
	IPs        []string
}

// reporter is a receiver sending reports.
type reporter struct {
	org        string
	share      float64
	delayLo    time.Duration
	delayHi    time.Duration
	skipChance float64
}

var reporters = []reporter{
	{"google.com", 0.50, 1 * time.Hour, 8 * time.Hour, 0},
	{"outlook.com", 0.30, 6 * time.Hour, 30 * time.Hour, 0},
	{"yahoo.com", 0.10, 12 * time.Hour, 40 * time.Hour, 0},
	{"comcast.net", 0.10, 1 * time.Hour, 47 * time.Hour, 0.03},
}

// Countries of the synthetic world.
var (
	homeCountries  = []string{"US", "DE", "FR", "GB", "NL", "SE", "JP", "CA", "AU", "ES"}
	spoofCountries = []string{"CN", "RU", "BR", "VN", "IN", "ID", "TR", "UA", "NG", "PK", "IR", "EG", "TH", "AR", "MX",
		"CO", "PH", "KR", "RO", "BD", "ZA", "KE", "MA", "VE", "PE", "KZ", "BY", "DZ", "MY", "CL"}
)

// sender is a source IP with its share of its group and its behaviour.
type sender struct {
	ip     string
	weight float64
	// dkim, spf: fraction of its messages passing each (aligned).
	dkim, spf float64
}

// day of a history: its volume and the mail of each sender.
type mail struct {
	ip        string
	count     int64
	dkim, spf float64
}

type world struct {
	rng                 *rand.Rand
	o                   HistoryOptions
	h                   *History
	own, esp, forwarder []sender
	noise, growthTo     float64
	growthFrom, growthN int
	events              []event
}

// event is an incident's effect on the days it covers.
type event struct {
	Incident
	factor float64  // volume factor (spike, drop, holiday)
	extra  []sender // senders added (spoofing, new ESP)
	share  float64  // their share of a usual day
	// until ends the effect when it outlasts the incident: a new
	// provider stays after its arrival (and its fix) was the news.
	until time.Time
	fixed time.Time // from then on, extra senders pass DKIM
}

// NewHistory builds the history of o.
func NewHistory(o HistoryOptions) *History {
	if o.Domain == "" {
		o.Domain = "example.com"
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	}
	o.Start = o.Start.UTC().Truncate(24 * time.Hour)
	if o.Days <= 0 {
		o.Days = 150
	}
	w := &world{rng: rand.New(rand.NewPCG(o.Seed, 0x415d)), o: o}
	if o.Volume <= 0 {
		o.Volume = int(logUniform(w.rng, 30, 50000))
		w.o = o
	}
	w.h = &History{Domain: o.Domain, Start: o.Start, Days: o.Days, Volume: o.Volume, Countries: map[string]string{}}
	w.h.Weekend = 0.25 + 0.7*w.rng.Float64()
	w.noise = 0.05 + 0.08*w.rng.Float64()
	w.senders()
	if !o.Quiet {
		w.plan()
	}
	for d := range o.Days {
		w.day(d)
	}
	slices.SortStableFunc(w.h.Reports, func(a, b HistoryReport) int { return a.Arrival.Compare(b.Arrival) })
	for _, e := range w.events {
		w.h.Incidents = append(w.h.Incidents, e.Incident)
	}
	return w.h
}

// senders makes the domain's usual senders.
func (w *world) senders() {
	home := homeCountries[w.rng.IntN(len(homeCountries))]
	n := 0
	add := func(list *[]sender, count int, country string, dkim, spf float64) {
		for range count {
			n++
			ip := fmt.Sprintf("198.18.%d.%d", n/250, 1+n%250)
			*list = append(*list, sender{ip: ip, weight: 0.5 + w.rng.Float64(), dkim: dkim, spf: spf})
			w.h.Countries[ip] = country
		}
	}
	add(&w.own, 2+w.rng.IntN(5), home, 0.995, 0.99)
	add(&w.esp, 2+w.rng.IntN(4), []string{"US", "IE"}[w.rng.IntN(2)], 0.99, 0)
	for range 30 {
		add(&w.forwarder, 1, []string{home, "US", "GB", "DE"}[w.rng.IntN(4)], 0.85, 0)
	}
}

// Shares of a usual day's volume per group.
const (
	shareOwn       = 0.65
	shareESP       = 0.30
	shareForwarder = 0.05
	// minIncident is the least daily volume of changed mail that makes an
	// incident worth an alert.
	minIncident = 100
)

// plan places incidents and benign changes on the days after a learning
// period, apart from each other.
func (w *world) plan() {
	v := float64(w.o.Volume)
	var kinds []string
	for _, k := range []string{IncidentSpoofing, IncidentBrokenDKIM, IncidentNewESP, IncidentSpike, IncidentDrop, BenignHoliday, BenignHoliday, BenignGrowth} {
		if w.rng.Float64() < 0.55 {
			kinds = append(kinds, k)
		}
	}
	w.rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	next := 45 + w.rng.IntN(10)
	for _, k := range kinds {
		if next > w.o.Days-8 {
			break
		}
		e := event{Incident: Incident{Kind: k}}
		dur := 1
		switch k {
		case IncidentSpoofing:
			dur = 1 + w.rng.IntN(3)
			e.share = max(logUniform(w.rng, 0.03, 1.5), minIncident/v)
			e.extra = w.spoofers(5+w.rng.IntN(150), e.share)
		case IncidentBrokenDKIM:
			// A key broken on some of the provider's servers, or all.
			var all, broken float64
			for i, s := range w.esp {
				all += s.weight
				if i < 1+w.rng.IntN(len(w.esp)) {
					broken += s.weight
					e.IPs = append(e.IPs, s.ip)
				}
			}
			if v*shareESP*broken/all < 2*minIncident {
				continue
			}
			dur = 3 + w.rng.IntN(8)
		case IncidentNewESP:
			e.share = max(0.06+0.24*w.rng.Float64(), minIncident/v)
			dkim := 0.99
			dur = 3 // the news is its arrival
			if w.rng.Float64() < 0.3 {
				// Failing both until someone sets DKIM up.
				dkim = 0
				dur = 3 + w.rng.IntN(8)
				e.fixed = w.o.Start.AddDate(0, 0, next+dur)
			}
			country := []string{"US", "IE", "DE"}[w.rng.IntN(3)]
			for i := range 1 + w.rng.IntN(4) {
				ip := fmt.Sprintf("100.64.%d.%d", next, 10+i)
				e.extra = append(e.extra, sender{ip: ip, weight: 1, dkim: dkim})
				w.h.Countries[ip] = country
			}
			e.until = w.o.Start.AddDate(0, 0, w.o.Days)
		case IncidentSpike:
			if v < minIncident {
				continue
			}
			dur = 1 + w.rng.IntN(2)
			e.factor = 1.8 + 4.2*w.rng.Float64()
		case IncidentDrop:
			if v < 2*minIncident {
				continue
			}
			dur = 2 + w.rng.IntN(3)
			e.factor = 0.02 + 0.38*w.rng.Float64()
		case BenignHoliday:
			for weekend(w.o.Start, next) {
				next++
			}
			dur = 1
			if !weekend(w.o.Start, next+1) && w.rng.Float64() < 0.4 {
				dur = 2
			}
			e.factor = w.h.Weekend
			e.Benign = true
		case BenignGrowth:
			dur = 30 + w.rng.IntN(31)
			w.growthFrom, w.growthN, w.growthTo = next, dur, 1.3+0.5*w.rng.Float64()
			e.Benign = true
		}
		for _, s := range e.extra {
			e.IPs = append(e.IPs, s.ip)
		}
		e.Start = w.o.Start.AddDate(0, 0, next)
		e.End = w.o.Start.AddDate(0, 0, next+dur)
		if e.until.IsZero() {
			e.until = e.End
		}
		w.events = append(w.events, e)
		if k == BenignGrowth {
			dur = 7 // later changes may follow while it goes on
		}
		next += dur + 7 + w.rng.IntN(10)
	}
}

// spoofers are n new IPs failing DKIM and SPF from one or two countries,
// weighted unevenly, sending share of a usual day together.
func (w *world) spoofers(n int, share float64) []sender {
	countries := []string{spoofCountries[w.rng.IntN(len(spoofCountries))], spoofCountries[w.rng.IntN(len(spoofCountries))]}
	out := make([]sender, n)
	for i := range out {
		ip := w.randomIP()
		out[i] = sender{ip: ip, weight: math.Exp(w.rng.NormFloat64())}
		w.h.Countries[ip] = countries[i%2]
	}
	return out
}

// logUniform draws from lo to hi, evenly in logarithms.
func logUniform(rng *rand.Rand, lo, hi float64) float64 {
	return math.Exp(math.Log(lo) + rng.Float64()*(math.Log(hi)-math.Log(lo)))
}

// randomIP is an IPv4 address outside the synthetic world's own ranges.
func (w *world) randomIP() string {
	return fmt.Sprintf("%d.%d.%d.%d", 1+w.rng.IntN(96), w.rng.IntN(256), w.rng.IntN(256), 1+w.rng.IntN(254))
}

// weekend reports whether day d of a history starting at start is a
// Saturday or Sunday.
func weekend(start time.Time, d int) bool {
	wd := start.AddDate(0, 0, d).Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// day makes the reports of day d.
func (w *world) day(d int) {
	date := w.o.Start.AddDate(0, 0, d)
	usual := float64(w.o.Volume)
	if weekend(w.o.Start, d) {
		usual *= w.h.Weekend
	}
	if w.growthN > 0 && d >= w.growthFrom {
		usual *= 1 + (w.growthTo-1)*min(1, float64(d-w.growthFrom)/float64(w.growthN))
	}
	volume := usual * math.Exp(w.noise*w.rng.NormFloat64())
	esp := slices.Clone(w.esp)
	var extra []mail
	for _, e := range w.events {
		if date.Before(e.Start) || !date.Before(e.until) {
			continue
		}
		switch e.Kind {
		case IncidentSpike, IncidentDrop, BenignHoliday:
			volume *= e.factor
		case IncidentBrokenDKIM:
			for i := range esp {
				if slices.Contains(e.IPs, esp[i].ip) {
					esp[i].dkim = 0
				}
			}
		case IncidentSpoofing, IncidentNewESP:
			senders := e.extra
			if !e.fixed.IsZero() && !date.Before(e.fixed) {
				senders = slices.Clone(senders)
				for i := range senders {
					senders[i].dkim = 0.99
				}
			}
			v := e.share * float64(w.o.Volume)
			if e.Kind == IncidentNewESP {
				v = e.share * usual // a sender of the domain's, with its rhythm
			}
			extra = append(extra, w.spread(senders, v*math.Exp(0.1*w.rng.NormFloat64()))...)
		}
	}
	var mails []mail
	mails = append(mails, w.spread(w.own, volume*shareOwn)...)
	mails = append(mails, w.spread(esp, volume*shareESP)...)
	var fw []sender
	for _, i := range w.rng.Perm(len(w.forwarder))[:3+w.rng.IntN(7)] {
		fw = append(fw, w.forwarder[i])
	}
	mails = append(mails, w.spread(fw, volume*shareForwarder)...)
	mails = append(mails, extra...)
	// The trickle of spoofing: a few new IPs a day, a few messages each.
	for range w.rng.IntN(5) {
		ip := w.randomIP()
		w.h.Countries[ip] = spoofCountries[w.rng.IntN(len(spoofCountries))]
		mails = append(mails, mail{ip: ip, count: 1 + w.rng.Int64N(15)})
	}
	w.report(date, mails)
}

// spread splits total messages among senders by weight, rounding at
// random so that small counts keep their mean.
func (w *world) spread(senders []sender, total float64) []mail {
	var sum float64
	for _, s := range senders {
		sum += s.weight
	}
	var out []mail
	for _, s := range senders {
		x := total * s.weight / sum
		n := int64(x)
		if w.rng.Float64() < x-float64(n) {
			n++
		}
		if n > 0 {
			out = append(out, mail{ip: s.ip, count: n, dkim: s.dkim, spf: s.spf})
		}
	}
	return out
}

// report splits the day's mail among the reporters and makes their
// reports.
func (w *world) report(date time.Time, mails []mail) {
	recs := make([][]*aggregate.Record, len(reporters))
	for _, m := range mails {
		left := m.count
		for r := range reporters {
			n := left
			if r < len(reporters)-1 {
				n = w.binomial(left, reporters[r].share/cumulative(r))
			}
			left -= n
			recs[r] = append(recs[r], w.records(m, n)...)
		}
	}
	for r, rep := range reporters {
		if len(recs[r]) == 0 || w.rng.Float64() < rep.skipChance {
			continue
		}
		delay := rep.delayLo + time.Duration(w.rng.Int64N(int64(rep.delayHi-rep.delayLo)))
		h := aggregate.Header{
			Metadata: aggregate.Metadata{
				Reporter: aggregate.Reporter{OrgName: rep.org, Email: "dmarc-reports@" + rep.org},
				ReportID: fmt.Sprintf("%s-%s-%s", rep.org, w.o.Domain, date.Format("20060102")),
				DateRange: aggregate.DateRange{Begin: date, End: date.Add(24*time.Hour - time.Second),
					DurationHours: 24},
			},
			Policy: aggregate.PolicyPublished{Domain: w.o.Domain, ADKIM: "r", ASPF: "r", Policy: "none",
				SubdomainPolicy: "none", Percentage: 100},
		}
		w.h.Reports = append(w.h.Reports, HistoryReport{Header: h, Records: recs[r], Arrival: date.Add(24*time.Hour + delay)})
	}
}

// cumulative is the share of the reporters from r on.
func cumulative(r int) float64 {
	var s float64
	for _, rep := range reporters[r:] {
		s += rep.share
	}
	return s
}

// binomial draws from B(n, p), by its normal approximation for large n.
func (w *world) binomial(n int64, p float64) int64 {
	if n < 30 {
		var k int64
		for range n {
			if w.rng.Float64() < p {
				k++
			}
		}
		return k
	}
	x := float64(n)*p + w.rng.NormFloat64()*math.Sqrt(float64(n)*p*(1-p))
	return min(n, max(0, int64(math.Round(x))))
}

// records are n messages of m as records: one per combination of DKIM
// and SPF verdicts.
func (w *world) records(m mail, n int64) []*aggregate.Record {
	dkimPass := w.binomial(n, m.dkim)
	var out []*aggregate.Record
	for _, dk := range []struct {
		verdict string
		n       int64
	}{{"pass", dkimPass}, {"fail", n - dkimPass}} {
		spfPass := w.binomial(dk.n, m.spf)
		for _, sp := range []struct {
			verdict string
			n       int64
		}{{"pass", spfPass}, {"fail", dk.n - spfPass}} {
			if sp.n == 0 {
				continue
			}
			out = append(out, &aggregate.Record{
				SourceIP: m.ip, Count: sp.n,
				PolicyEvaluated: aggregate.PolicyEvaluated{Disposition: "none", DKIM: dk.verdict, SPF: sp.verdict},
				Identifiers:     aggregate.Identifiers{HeaderFrom: w.o.Domain},
			})
		}
	}
	return out
}
