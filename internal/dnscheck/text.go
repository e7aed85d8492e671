package dnscheck

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteText writes r for a terminal: per record kind a line with its
// status (✅ valid, ⚠️ warning, ❌ error, ℹ️ not published or not checked),
// then, indented, the record, its summary and each finding with its fix.
func WriteText(w io.Writer, r *Result) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "DNS check of %s\n", r.Domain)
	var errs, warns int
	for _, c := range r.Checks() {
		fmt.Fprintln(bw)
		label := kindLabel[c.Kind]
		if c.Kind == KindDKIM && c.Name != "" {
			label += " (" + strings.TrimSuffix(c.Name, "._domainkey."+r.Domain) + ")"
		}
		fmt.Fprintf(bw, "%s %s: %s\n", statusIcon[c.Status], label, statusWord(c))
		for _, rec := range c.Records {
			if c.Kind == KindDKIM {
				rec = shortenKey(rec)
			}
			fmt.Fprintf(bw, "   %s: %s\n", c.Name, rec)
		}
		if c.Summary != "" {
			fmt.Fprintf(bw, "   %s\n", c.Summary)
		}
		for _, f := range c.Findings {
			switch f.Severity {
			case SeverityError:
				errs++
			case SeverityWarning:
				warns++
			}
			fmt.Fprintf(bw, "   %s %s\n", severityIcon[f.Severity], f.Message)
			if f.Fix != "" {
				fmt.Fprintf(bw, "      Fix: %s\n", f.Fix)
			}
		}
	}
	fmt.Fprintf(bw, "\n%s, %s\n", plural(errs, "error"), plural(warns, "warning"))
	return bw.Flush()
}

var kindLabel = map[Kind]string{
	KindDMARC: "DMARC", KindSPF: "SPF", KindDKIM: "DKIM", KindMTASTS: "MTA-STS", KindTLSRPT: "TLS-RPT", KindBIMI: "BIMI",
}

var statusIcon = map[Status]string{
	StatusOK: "✅", StatusWarning: "⚠️", StatusError: "❌", StatusMissing: "ℹ️", StatusInfo: "ℹ️",
}

var severityIcon = map[Severity]string{
	SeverityError: "❌", SeverityWarning: "⚠️", SeverityInfo: "ℹ️",
}

// statusWord is the word after a check's label.
func statusWord(c *RecordCheck) string {
	switch c.Status {
	case StatusOK:
		return "Valid"
	case StatusWarning:
		return "Warning"
	case StatusError:
		return "Error"
	case StatusMissing:
		return "Not published"
	}
	return "Not checked"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// shortenKey shortens the p= of a DKIM key record for display: its first
// 24 characters and its length.
func shortenKey(rec string) string {
	i := strings.Index(rec, "p=")
	if i < 0 {
		return rec
	}
	key, rest, _ := strings.Cut(rec[i+2:], ";")
	if len(key) <= 40 {
		return rec
	}
	if rest != "" {
		rest = ";" + rest
	}
	return fmt.Sprintf("%sp=%s… (%d characters)%s", rec[:i], key[:24], len(key), rest)
}
