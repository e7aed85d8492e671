package forensic_test

import (
	"encoding/base64"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parse-dmarc/parse-dmarc/internal/aggregate"
	"github.com/parse-dmarc/parse-dmarc/internal/forensic"
)

func parse(t *testing.T, mail string, r forensic.Redaction) *forensic.Report {
	t.Helper()
	rep, err := forensic.Parse(strings.NewReader(mail), forensic.Options{Redaction: r})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestFields checks every field of the synthetic report, which has them
// all, under the default policy.
func TestFields(t *testing.T) {
	t.Parallel()
	rep := parse(t, synthReport(nil), forensic.RedactAddresses)
	arrival := time.Date(2022, 7, 19, 5, 57, 48, 0, time.UTC)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"feedback_type", rep.FeedbackType, "auth-failure"},
		{"user_agent", rep.UserAgent, "SynthReporter/2.0"},
		{"version", rep.Version, "1"},
		{"original_mail_from", rep.OriginalMailFrom, "***@mail.brand.example"},
		{"arrival_date", *rep.ArrivalDate, arrival},
		{"source_ip", rep.SourceIP, "192.0.2.2"},
		{"source_port", rep.SourcePort, 12345},
		{"reported_domain", rep.ReportedDomain, "brand.example"},
		{"authentication_results", rep.AuthenticationResults, "mx.receiver.example; dkim=fail header.d=brand.example; spf=softfail smtp.mailfrom=***@mail.brand.example; dmarc=fail header.from=brand.example"},
		{"delivery_result", rep.DeliveryResult, "reject"},
		{"auth_failure", rep.AuthFailure, "dkim"},
		{"auth_failure_reported", rep.AuthFailureReported, "signature"},
		{"original_rcpt_to", strings.Join(rep.OriginalRcptTo, ","), "***@victim.example,***@other.example"},
		{"incidents", rep.Incidents, 3},
		{"dkim", *rep.DKIM, forensic.DKIM{Domain: "brand.example", Identity: "@brand.example", Selector: "s2022"}},
		{"spf_dns", strings.Join(rep.SPFDNS, ","), "txt : brand.example : v=spf1 ip4:198.51.100.0/24 -all"},
		{"identity_alignment", rep.IdentityAlignment, "dkim"},
		{"format", rep.Format, forensic.FormatARF},
		{"reporter.from", rep.Reporter.From, "***@receiver.example"},
		{"reporter.message_id", rep.Reporter.MessageID, "report-1@receiver.example"},
		{"message.from", rep.Message.From, `"The CEO" <***@brand.example>`},
		{"message.from_domain", rep.Message.FromDomain, "brand.example"},
		{"message.subject", rep.Message.Subject, "Urgent wire transfer for ***@victim.example"},
		{"message.message_id", rep.Message.MessageID, "2431dc66-b010@brand.example"},
		{"privacy.recipients_redacted", rep.Privacy.RecipientsRedacted, 4},
		{"privacy.removed", strings.Join(rep.Privacy.Removed, ","), "human-readable part,DKIM-Canonicalized-Header,DKIM-Canonicalized-Body,feedback field X-Vendor-Note"},
		{"unauthenticated", rep.Unauthenticated(), true},
		{"status", rep.Status(), "valid"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if len(rep.Messages) != 0 {
		t.Errorf("messages %+v", rep.Messages)
	}
}

// TestRedaction checks what each policy keeps of the reported message's
// header and of the addresses.
func TestRedaction(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		policy     forensic.Redaction
		has, hasnt []string // in original_headers
		mailFrom   string
		subject    string
		rcptTo     int
	}{
		{
			policy: forensic.RedactAddresses,
			has: []string{
				"Received: from mail.forwarder.example ([2001:db8::23ac]) by mx.receiver.example; Tue, 19 Jul 2022 07:57:44 +0200",
				"Received: from [192.0.2.8] by mail.forwarder.example; Tue, 19 Jul 2022 07:57:35 +0200",
				"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=brand.example; s=s2022; t=1658210268; h=From:To:Date:Subject\n",
				"X-Original-To: ***@forwarded.example\n", "Delivered-To: ***@victim.example\n",
				`From: "The CEO" <***@brand.example>`, "To: ***@victim.example, ***@other.example\n",
				"Cc: ***@lists.example\n", "Subject: Urgent wire transfer for ***@victim.example\n",
				"Message-ID: <2431dc66-b010@brand.example>\n",
			},
			hasnt:    []string{"Alice Recipient", "Bob", "TLSv1.3", "Postfix", "ESMTPSA", synthDKIMSig, synthDKIMBodyTag, "z=", "ceo@"},
			mailFrom: "***@mail.brand.example", subject: "Urgent wire transfer for ***@victim.example", rcptTo: 2,
		},
		{
			policy: forensic.RedactFull,
			has: []string{
				"Received: [redacted]\nReceived: [redacted]\nDKIM-Signature: [redacted]\nX-Original-To: [redacted]\nDelivered-To: [redacted]\n" +
					"From: ***@brand.example\nTo: [redacted]\nCc: [redacted]\nSubject: [redacted]\nDate: [redacted]\nMessage-ID: [redacted]\nContent-Type: [redacted]",
			},
			hasnt:    []string{"The CEO", "forwarder", "victim", "Urgent"},
			mailFrom: "***@mail.brand.example", subject: "sha256:", rcptTo: 0,
		},
		{
			policy: forensic.RedactOff,
			has: []string{
				"Received: from mail.forwarder.example (mail.forwarder.example [IPv6:2001:db8::23ac]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384) by mx.receiver.example (Postfix) with ESMTPS id 5E8B0C159826 for <***@victim.example>; Tue, 19 Jul 2022 07:57:44 +0200",
				"with ESMTPSA id 00000000005DC076 for ***@forwarded.example;", synthDKIMSig, "z=To:***@victim.example",
				`From: "The CEO" <ceo@brand.example>`, `To: "Alice Recipient" <***@victim.example>, Bob Böb <***@other.example>`,
				"Subject: Urgent wire transfer for ***@victim.example\n",
			},
			mailFrom: verpMailFrom, subject: "Urgent wire transfer for ***@victim.example", rcptTo: 2,
		},
	} {
		t.Run(tc.policy.String(), func(t *testing.T) {
			t.Parallel()
			rep := parse(t, synthReport(nil), tc.policy)
			h := rep.OriginalHeaders + "\n"
			for _, s := range tc.has {
				if !strings.Contains(h, s) {
					t.Errorf("original_headers lack %q:\n%s", s, h)
				}
			}
			for _, s := range tc.hasnt {
				if strings.Contains(h, s) {
					t.Errorf("original_headers hold %q:\n%s", s, h)
				}
			}
			if rep.OriginalMailFrom != tc.mailFrom || !strings.HasPrefix(rep.Message.Subject, tc.subject) || len(rep.OriginalRcptTo) != tc.rcptTo {
				t.Errorf("original_mail_from %q, subject %q, original_rcpt_to %q", rep.OriginalMailFrom, rep.Message.Subject, rep.OriginalRcptTo)
			}
			if rep.Privacy.Redaction != tc.policy.String() || !rep.Privacy.BodyRemoved {
				t.Errorf("privacy %+v", rep.Privacy)
			}
		})
	}
}

// TestSpoofedRecipient checks that a From repeating the recipient (a
// spoof of the victim's own address) is redacted under every policy.
func TestSpoofedRecipient(t *testing.T) {
	t.Parallel()
	mail := strings.Replace(synthReport(nil), `From: "The CEO" <`+spoofedSender+">", "From: <"+rcptA+">", 1)
	for _, r := range []forensic.Redaction{forensic.RedactOff, forensic.RedactAddresses, forensic.RedactFull} {
		rep := parse(t, mail, r)
		if strings.Contains(rep.OriginalHeaders+rep.Message.From, rcptA) || rep.Message.FromDomain != "victim.example" {
			t.Errorf("%s: from %q, headers:\n%s", r, rep.Message.From, rep.OriginalHeaders)
		}
	}
}

// TestWarnings checks the validation messages of fields missing, unusual
// or unreadable, and the defaults used.
func TestWarnings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		feedback map[string]string
		field    string // of the one message expected
		errType  string
		action   string
		check    func(*forensic.Report) bool
	}{
		{"no feedback type", map[string]string{"Feedback-Type": ""}, "/feedback-report/Feedback-Type", aggregate.MissingField, aggregate.ActionUsedDefault,
			func(r *forensic.Report) bool { return r.FeedbackType == "auth-failure" }},
		{"no user agent", map[string]string{"User-Agent": ""}, "/feedback-report/User-Agent", aggregate.MissingField, aggregate.ActionKept,
			func(r *forensic.Report) bool { return r.UserAgent == "" }},
		{"no arrival date", map[string]string{"Arrival-Date": ""}, "/feedback-report/Arrival-Date", aggregate.MissingField, aggregate.ActionUsedDefault,
			func(r *forensic.Report) bool {
				return r.ArrivalDate.Equal(time.Date(2022, 7, 19, 5, 57, 50, 0, time.UTC))
			}},
		{"unreadable arrival date", map[string]string{"Arrival-Date": "last Tuesday"}, "/feedback-report/Arrival-Date", aggregate.InvalidValue, aggregate.ActionUsedDefault,
			func(r *forensic.Report) bool {
				return r.ArrivalDate.Equal(time.Date(2022, 7, 19, 5, 57, 50, 0, time.UTC))
			}},
		{"arrival date without zone", map[string]string{"Arrival-Date": "2022-07-19 05:57:48"}, "/feedback-report/Arrival-Date", aggregate.InvalidValue, aggregate.ActionUsedDefault,
			func(r *forensic.Report) bool {
				return r.ArrivalDate.Equal(time.Date(2022, 7, 19, 5, 57, 48, 0, time.UTC))
			}},
		{"received-date", map[string]string{"Arrival-Date": "", "Received-Date": "Tue, 19 Jul 2022 00:57:48 -0500"}, "", "", "",
			func(r *forensic.Report) bool {
				return r.ArrivalDate.Equal(time.Date(2022, 7, 19, 5, 57, 48, 0, time.UTC))
			}},
		{"no source ip", map[string]string{"Source-IP": ""}, "/feedback-report/Source-IP", aggregate.MissingField, aggregate.ActionKept,
			func(r *forensic.Report) bool { return r.SourceIP == "" }},
		{"bad source ip", map[string]string{"Source-IP": "192.0.2.300"}, "/feedback-report/Source-IP", aggregate.InvalidValue, aggregate.ActionKept,
			func(r *forensic.Report) bool { return r.SourceIP == "192.0.2.300" }},
		{"mapped source ip", map[string]string{"Source-IP": "[::ffff:192.0.2.7]"}, "", "", "",
			func(r *forensic.Report) bool { return r.SourceIP == "192.0.2.7" }},
		{"no reported domain", map[string]string{"Reported-Domain": ""}, "/feedback-report/Reported-Domain", aggregate.MissingField, aggregate.ActionUsedDefault,
			func(r *forensic.Report) bool { return r.ReportedDomain == "brand.example" }},
		{"two reported domains", map[string]string{"Reported-Domain": "a.example", "reported-domain": "b.example"}, "", "", "",
			func(r *forensic.Report) bool {
				return r.ReportedDomain == "a.example" && slices.Equal(r.ReportedDomains, []string{"a.example", "b.example"})
			}},
		{"no auth failure, identity alignment", map[string]string{"Auth-Failure": ""}, "/feedback-report/Auth-Failure", aggregate.MissingField, aggregate.ActionUsedDefault,
			func(r *forensic.Report) bool { return r.AuthFailure == "dmarc" }},
		{"no auth failure at all", map[string]string{"Auth-Failure": "", "Identity-Alignment": "", "Authentication-Results": "x; spf=fail"}, "/feedback-report/Auth-Failure", aggregate.MissingField, aggregate.ActionUsedDefault,
			func(r *forensic.Report) bool { return r.AuthFailure == "other" }},
		{"unknown auth failure", map[string]string{"Auth-Failure": "arc"}, "/feedback-report/Auth-Failure", aggregate.InvalidValue, aggregate.ActionNormalized,
			func(r *forensic.Report) bool { return r.AuthFailure == "other" && r.AuthFailureReported == "arc" }},
		{"auth failure spf", map[string]string{"Auth-Failure": "SPF"}, "", "", "",
			func(r *forensic.Report) bool { return r.AuthFailure == "spf" && r.AuthFailureReported == "" }},
		{"delivery result policy", map[string]string{"Delivery-Result": "policy"}, "", "", "",
			func(r *forensic.Report) bool {
				return r.DeliveryResult == "other" && r.DeliveryResultReported == "policy"
			}},
		{"delivery result vendor", map[string]string{"Delivery-Result": "smg-policy-action"}, "/feedback-report/Delivery-Result", aggregate.InvalidValue, aggregate.ActionNormalized,
			func(r *forensic.Report) bool {
				return r.DeliveryResult == "other" && r.DeliveryResultReported == "smg-policy-action"
			}},
		{"no delivery result", map[string]string{"Delivery-Result": ""}, "/feedback-report/Delivery-Result", aggregate.MissingField, aggregate.ActionUsedDefault,
			func(r *forensic.Report) bool { return r.DeliveryResult == "other" }},
		{"bad incidents", map[string]string{"Incidents": "many"}, "/feedback-report/Incidents", aggregate.InvalidValue, aggregate.ActionUsedDefault,
			func(r *forensic.Report) bool { return r.Incidents == 1 }},
		{"bad source port", map[string]string{"Source-Port": "99999"}, "/feedback-report/Source-Port", aggregate.InvalidValue, aggregate.ActionIgnored,
			func(r *forensic.Report) bool { return r.SourcePort == 0 }},
		{"no authentication results", map[string]string{"Authentication-Results": ""}, "/feedback-report/Authentication-Results", aggregate.MissingField, aggregate.ActionKept,
			func(r *forensic.Report) bool { return !r.Unauthenticated() }},
		{"spf passes", map[string]string{"Authentication-Results": "x; spf=pass smtp.mailfrom=a.example; dkim=fail"}, "", "", "",
			func(r *forensic.Report) bool { return !r.Unauthenticated() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := parse(t, synthReport(tc.feedback), forensic.RedactAddresses)
			if !tc.check(rep) {
				t.Errorf("report %+v", rep)
			}
			if tc.field == "" {
				if len(rep.Messages) != 0 || rep.Status() != "valid" {
					t.Errorf("messages %+v", rep.Messages)
				}
				return
			}
			if len(rep.Messages) != 1 || rep.Status() != "warnings" {
				t.Fatalf("messages %+v, want one", rep.Messages)
			}
			m := rep.Messages[0]
			if m.Field != tc.field || m.ErrorType != tc.errType || m.Action != tc.action || m.Severity != aggregate.SeverityWarning {
				t.Errorf("message %+v", m)
			}
		})
	}
}

// TestRefused checks the errors of what is no failure report Parse reads.
func TestRefused(t *testing.T) {
	t.Parallel()
	big := io.MultiReader(strings.NewReader(strings.TrimSuffix(synthReport(nil), "--=_b_--\r\n")),
		&repeat{b: []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n"), n: forensic.MaxSize},
		strings.NewReader("--=_b_--\r\n"))
	for _, tc := range []struct {
		name string
		in   io.Reader
		want error
		msg  string
	}{
		{"plain mail", strings.NewReader("From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n"), forensic.ErrNotARF, "(text/plain) has no message/feedback-report part (parts: text/plain)"},
		{"dsn", strings.NewReader("From: mailer-daemon@b.example\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--x--\r\n"),
			forensic.ErrNotARF, "parts: text/plain, message/delivery-status"},
		{"abuse report", strings.NewReader(synthReport(map[string]string{"Feedback-Type": "abuse"})), forensic.ErrNotAuthFailure, `Feedback-Type is "abuse"`},
		{"too large", big, forensic.ErrTooLarge, "more than 20971520 bytes"},
		{"huge mail header", io.MultiReader(strings.NewReader("From: a@b.example\r\nX-Pad: "), &repeat{b: []byte("x"), n: forensic.MaxHeader}), forensic.ErrTooLarge, "header"},
		{"empty", strings.NewReader(""), forensic.ErrMalformed, "no mail header"},
		{"no header", strings.NewReader("\r\nbody\r\n"), forensic.ErrMalformed, "no mail header"},
		{"binary", strings.NewReader("\x00\x01\x02\r\n\r\n"), forensic.ErrMalformed, "header"},
		{"mbox line only", strings.NewReader("From x"), forensic.ErrMalformed, "mbox"},
		{"no boundary", strings.NewReader("From: a@b.example\r\nContent-Type: multipart/report\r\n\r\nx\r\n"), forensic.ErrMalformed, "without boundary"},
		{"nested too deep", strings.NewReader(nested(10)), forensic.ErrMalformed, "nested"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep, err := forensic.Parse(tc.in, forensic.Options{})
			if !errors.Is(err, tc.want) || rep != nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("%v, %v; want %v with %q", rep, err, tc.want, tc.msg)
			}
			m := forensic.ErrorMessage(err)
			if m.Severity != aggregate.SeverityFatal || m.Action != aggregate.ActionHaltedParse || m.Actual != err.Error() {
				t.Errorf("message %+v", m)
			}
		})
	}
}

// nested returns a mail of multiparts nested n deep.
func nested(n int) string {
	var b strings.Builder
	b.WriteString("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 1; i <= n; i++ {
		b.WriteString("--b" + string(rune('0'+i-1)) + "\r\nContent-Type: multipart/mixed; boundary=b" + string(rune('0'+i)) + "\r\n\r\n")
	}
	return b.String()
}

// repeat reads b over and over, n bytes in all.
type repeat struct {
	b   []byte
	n   int
	off int
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.n > 0 {
		c := copy(p[n:min(len(p), n+r.n)], r.b[r.off:])
		r.off = (r.off + c) % len(r.b)
		n += c
		r.n -= c
	}
	return n, nil
}

// TestVariants checks the structures of real-world reports that the
// corpus does not have.
func TestVariants(t *testing.T) {
	t.Parallel()
	full := synthReport(nil)
	pad := strings.Repeat("X-Pad: "+strings.Repeat("p", 1000)+"\r\n", 300)
	for _, tc := range []struct {
		name  string
		mail  string
		check func(*forensic.Report) bool
		field string // of a warning expected
	}{
		{"headers only", strings.Replace(full, "Content-Type: message/rfc822", "Content-Type: text/rfc822-headers", 1),
			func(r *forensic.Report) bool { return r.Message.FromDomain == "brand.example" }, ""},
		{"no final boundary", strings.TrimSuffix(full, "--=_b_--\r\n"),
			func(r *forensic.Report) bool { return r.Message.FromDomain == "brand.example" }, "/"},
		{"no original message", full[:strings.Index(full, "--=_b_\r\nContent-Type: message/rfc822")] + "--=_b_--\r\n",
			func(r *forensic.Report) bool { return r.OriginalHeaders == "" && r.Message.MessageID == "" }, "/original-message"},
		{"header over the limit", strings.Replace(full, "Content-Type: message/rfc822\r\n\r\n", "Content-Type: message/rfc822\r\n\r\nSubject: first\r\n"+pad, 1),
			func(r *forensic.Report) bool {
				return r.Privacy.HeadersTruncated && r.Message.Subject == "first" && len(r.OriginalHeaders) < forensic.MaxHeader
			}, "/original-message/header"},
		{"feedback part in base64", strings.Replace(full, "Content-Type: message/feedback-report\r\n\r\n"+feedbackOf(full),
			"Content-Type: message/feedback-report\r\nContent-Transfer-Encoding: base64\r\n\r\n"+base64Lines(feedbackOf(full)), 1),
			func(r *forensic.Report) bool { return r.UserAgent == "SynthReporter/2.0" && r.Incidents == 3 }, ""},
		{"canonicalized body over the limit", synthReport(map[string]string{"DKIM-Canonicalized-Body": strings.Repeat(strings.Repeat("Qk9EWQ", 12)+"\r\n ", 20000)}),
			func(r *forensic.Report) bool {
				return r.Incidents == 3 && r.IdentityAlignment == "dkim" && slices.Contains(r.Privacy.Removed, "DKIM-Canonicalized-Body")
			}, ""},
		{"exim wrapped", "From: x@mail.example\r\nSubject: DMARC\r\n\r\nA message claiming to be from you has failed the published DMARC\r\n" +
			"policy for your domain.\r\n\r\n  Sender Domain: brand.example\r\n  Sender IP Address: 192.0.2.9\r\n",
			func(r *forensic.Report) bool {
				return r.Format == forensic.FormatEximText && r.SourceIP == "192.0.2.9" && r.ReportedDomain == "brand.example"
			}, "/"},
		{"mbox", "From dmarc@receiver.example Tue Jul 19 07:57:50 2022\r\n" + full,
			func(r *forensic.Report) bool { return r.UserAgent == "SynthReporter/2.0" }, ""},
		{"multipart/mixed", strings.Replace(full, "multipart/report; report-type=feedback-report;", "multipart/mixed;", 1),
			func(r *forensic.Report) bool { return r.UserAgent == "SynthReporter/2.0" }, ""},
		{"malformed original header", strings.Replace(full, "Date: Tue, 19 Jul 2022 07:57:33 +0200\r\n", "not a header line\r\nDate: x\r\n", 1),
			func(r *forensic.Report) bool {
				return r.Message.Date == nil && !strings.Contains(r.OriginalHeaders, "not a header")
			}, "/original-message/header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rep := parse(t, tc.mail, forensic.RedactAddresses)
			if !tc.check(rep) {
				t.Errorf("report %+v", rep)
			}
			var fields []string
			for _, m := range rep.Messages {
				fields = append(fields, m.Field)
			}
			if tc.field == "" && len(fields) > 0 || tc.field != "" && !slices.Contains(fields, tc.field) {
				t.Errorf("messages %+v, want one at %q", rep.Messages, tc.field)
			}
			if strings.Contains(rep.OriginalHeaders, bodyMarker) {
				t.Error("body in the headers")
			}
		})
	}
}

// feedbackOf returns the fields of the synthetic report's feedback part.
func feedbackOf(mail string) string {
	_, rest, _ := strings.Cut(mail, "Content-Type: message/feedback-report\r\n\r\n")
	fb, _, _ := strings.Cut(rest, "\r\n--=_b_")
	return fb
}

// base64Lines encodes s in base64 lines of 76 characters.
func base64Lines(s string) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.String()
}

// TestParseRedaction checks the policy names.
func TestParseRedaction(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want forensic.Redaction
		ok   bool
	}{
		{"", forensic.RedactAddresses, true}, {"addresses", forensic.RedactAddresses, true},
		{"full", forensic.RedactFull, true}, {"off", forensic.RedactOff, true}, {"none", 0, false}, {"Full", 0, false},
	} {
		got, err := forensic.ParseRedaction(tc.in)
		name := tc.in
		if name == "" {
			name = "addresses"
		}
		if (err == nil) != tc.ok || tc.ok && (got != tc.want || got.String() != name) {
			t.Errorf("%q: %v, %v", tc.in, got, err)
		}
	}
	var zero forensic.Options
	if zero.Redaction != forensic.RedactAddresses {
		t.Error("the zero Options do not redact addresses")
	}
}

// TestSniff checks what is taken for a failure report.
func TestSniff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{synthReport(nil), true},
		{"Content-Type: multipart/report; report-type=Feedback-Report; boundary=x\r\n", true},
		{"Subject: x\r\n\r\nA message claiming to be from you has failed the published DMARC policy for your domain.\r\n", true},
		{"Content-Type: multipart/report; report-type=delivery-status\r\n", false},
		{"Subject: x\r\n\r\nA message claiming to be from you has failed the published DMARC\r\npolicy for your domain.\r\n", true},
		{"Subject: x\r\n\r\nA message claiming to be from you is on its way.\r\n", false},
		{"From: a@b.example\r\n\r\nhello", false},
		{strings.Repeat("x", 70<<10) + "feedback-report", false},
	} {
		if got := forensic.Sniff([]byte(tc.in)); got != tc.want {
			t.Errorf("%.60q: %v", tc.in, got)
		}
	}
}

// TestTruncated cuts the synthetic report at every line: Parse must
// refuse it with one of its errors or read it with a warning, and never
// show the body.
func TestTruncated(t *testing.T) {
	t.Parallel()
	full := synthReport(nil)
	for i := 0; i < len(full); i++ {
		if full[i] != '\n' {
			continue
		}
		rep, err := forensic.Parse(strings.NewReader(full[:i+1]), forensic.Options{})
		if err != nil {
			if !errors.Is(err, forensic.ErrNotARF) && !errors.Is(err, forensic.ErrMalformed) {
				t.Errorf("cut at %d: %v", i, err)
			}
			continue
		}
		if len(rep.Messages) == 0 && i+1 < len(full) && strings.Contains(full[i+1:], "--=_b_\r\n") {
			t.Errorf("cut at %d: no warning", i)
		}
		if strings.Contains(rep.OriginalHeaders, bodyMarker) {
			t.Errorf("cut at %d: body in the headers", i)
		}
	}
}
