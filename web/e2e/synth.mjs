// Generated aggregate reports for the last days, so the browser tests (and
// their screenshots) see a store like a real one: daily reports from a few
// reporters for two domains, well-known senders that pass, a forwarder and
// a spoofer that fail, and a SendGrid server not set up for the domains
// (its mail authenticates as sendgrid.net only). Deterministic: a seeded generator, dates relative
// to today.

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const senders = [
  // ip, dkim, spf, share: Google, Amazon SES, Microsoft, a forwarder, a
  // spoofer, SendGrid (AS11377) signing and bouncing as sendgrid.net
  { ip: '209.85.220.41', dkim: 'pass', spf: 'pass', weight: 50 },
  { ip: '54.240.8.31', dkim: 'pass', spf: 'fail', weight: 20 },
  { ip: '40.107.22.52', dkim: 'pass', spf: 'pass', weight: 15 },
  { ip: '66.111.4.25', dkim: 'fail', spf: 'fail', weight: 4, forwarded: true },
  { ip: '185.220.101.7', dkim: 'fail', spf: 'fail', weight: 3 },
  { ip: '92.53.116.102', dkim: 'fail', spf: 'fail', weight: 1 },
  { ip: '149.72.58.20', dkim: 'fail', spf: 'fail', weight: 2, auth: 'sendgrid.net' },
];

// The auth_results of a record: a service's own domain (auth) passing,
// the domain's signature surviving a forwarder, or a spoofer's.
function authResults(r, domain) {
  if (r.auth) return { dkim: [r.auth, 'pass', 'smtpapi'], spf: [r.auth, 'pass'] };
  return {
    dkim: [r.dkim === 'pass' || r.forwarded ? domain : 'spoof.example', r.forwarded ? 'fail' : r.dkim, 's1'],
    spf: [r.spf === 'pass' ? domain : 'bounce.example', r.spf],
  };
}

function report({ org, email, domain, policy, begin, id, records }) {
  const t = Math.floor(begin.getTime() / 1000);
  const rows = records
    .map((r) => [r, authResults(r, domain)])
    .map(
      ([r, a]) => `  <record>
    <row><source_ip>${r.ip}</source_ip><count>${r.count}</count>
      <policy_evaluated><disposition>${r.disposition}</disposition><dkim>${r.dkim}</dkim><spf>${r.spf}</spf></policy_evaluated></row>
    <identifiers><header_from>${domain}</header_from></identifiers>
    <auth_results><dkim><domain>${a.dkim[0]}</domain><selector>${a.dkim[2]}</selector><result>${a.dkim[1]}</result></dkim>
      <spf><domain>${a.spf[0]}</domain><result>${a.spf[1]}</result></spf></auth_results>
  </record>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>${org}</org_name><email>${email}</email><report_id>${id}</report_id>
    <date_range><begin>${t}</begin><end>${t + 86399}</end></date_range></report_metadata>
  <policy_published><domain>${domain}</domain><adkim>r</adkim><aspf>r</aspf><p>${policy}</p><sp>${policy}</sp><pct>100</pct></policy_published>
${rows}
</feedback>
`;
}

/**
 * recentReports returns [name, xml] pairs: for each of the last `days`
 * days, one report per reporter for each domain. The failing share shrinks
 * over time (the domain owner fixing things), so trends have a shape.
 */
export function recentReports(days = 30, now = new Date()) {
  const rand = rng(7);
  const out = [];
  const reporters = [
    ['google.com', 'noreply-dmarc-support@google.com'],
    ['Outlook.com', 'dmarcreport@microsoft.com'],
  ];
  const domains = [
    ['shop.example', 'quarantine', 900],
    ['mail.example', 'none', 250],
  ];
  for (let d = days; d >= 1; d--) {
    const begin = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - d));
    for (const [domain, policy, volume] of domains) {
      for (const [org, email] of reporters) {
        const fix = d / days; // 1 at the start, near 0 today
        const records = senders.map((s) => {
          const failing = s.dkim === 'fail' && s.spf === 'fail';
          const w = failing ? s.weight * (0.3 + fix) : s.weight;
          return {
            ...s,
            count: Math.max(1, Math.round(((volume * w) / 100) * (0.8 + rand() * 0.4))),
            disposition: failing && policy === 'quarantine' ? 'quarantine' : 'none',
          };
        });
        const id = `${org}-${domain}-${begin.toISOString().slice(0, 10)}`;
        out.push([`${id}.xml`, report({ org, email, domain, policy, begin, id, records })]);
      }
    }
  }
  return out;
}

/**
 * spoofedReports is opt-in, for the anomaly tests: `days` days of daily
 * reports (two reporters) for one domain whose senders are those above,
 * fewer on weekends, with a trickle of one small new spoofing source a day
 * (quiet anomalies) and, `burstAgo` days ago, a spoofing burst: `burst`
 * new source IPs failing both DKIM and SPF with a few hundred messages
 * together (alerting anomalies). Deterministic, dates relative to now.
 */
export function spoofedReports({ domain = 'spoofed.example', days = 45, burstAgo = 4, burst = 6, volume = 1000, now = new Date() } = {}) {
  const rand = rng(11);
  const out = [];
  const reporters = [
    ['google.com', 'noreply-dmarc-support@google.com'],
    ['Outlook.com', 'dmarcreport@microsoft.com'],
  ];
  for (let d = days; d >= 1; d--) {
    const begin = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - d));
    const weekend = begin.getUTCDay() === 0 || begin.getUTCDay() === 6;
    const extra = [{ ip: `198.51.100.${d}`, dkim: 'fail', spf: 'fail', count: 1 + (d % 3) }];
    if (d === burstAgo) {
      for (let i = 0; i < burst; i++) extra.push({ ip: `203.0.113.${10 + i * 7}`, dkim: 'fail', spf: 'fail', count: 30 + ((i * 17) % 40) });
    }
    for (const [r, [org, email]] of reporters.entries()) {
      const records = senders.map((s) => ({
        ...s,
        count: Math.max(1, Math.round(((volume * (weekend ? 0.4 : 1) * s.weight) / 200) * (0.9 + rand() * 0.2))),
        disposition: 'none',
      }));
      // Each new source is seen by one reporter.
      if (r === 0) records.push(...extra.map((e) => ({ ...e, disposition: 'none' })));
      const id = `${org}-${domain}-${begin.toISOString().slice(0, 10)}`;
      out.push([`${id}.xml`, report({ org, email, domain, policy: 'none', begin, id, records })]);
    }
  }
  return out;
}

/**
 * spoofHeavyReports is opt-in, for the alert tests: `days` days of daily
 * reports (one reporter) for one domain whose mail comes from the usual
 * senders and from the spoofer 185.220.101.7, which sends `spoofShare`
 * of it failing DKIM and SPF: compliance stays far below 90%.
 */
export function spoofHeavyReports({ domain = 'spoofheavy.example', days = 3, volume = 600, spoofShare = 0.4, now = new Date() } = {}) {
  const out = [];
  const good = senders.filter((s) => s.dkim === 'pass');
  const weights = good.reduce((n, s) => n + s.weight, 0);
  for (let d = days; d >= 1; d--) {
    const begin = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - d));
    const records = [
      ...good.map((s) => ({ ...s, count: Math.round((volume * (1 - spoofShare) * s.weight) / weights), disposition: 'none' })),
      { ip: '185.220.101.7', dkim: 'fail', spf: 'fail', count: Math.round(volume * spoofShare), disposition: 'none' },
    ];
    const id = `google.com-${domain}-${begin.toISOString().slice(0, 10)}`;
    out.push([`${id}.xml`, report({ org: 'google.com', email: 'noreply-dmarc-support@google.com', domain, policy: 'none', begin, id, records })]);
  }
  return out;
}
