package forensic_test

import (
	"fmt"
	"strings"
)

// Markers of the synthetic report that must never reach the output.
const (
	bodyMarker       = "BODY-SECRET-7f3a: the invoice is attached"
	canonBodyMarker  = "Q0FOT04tQk9EWS1TRUNSRVQ="
	canonHeadMarker  = "Q0FOT04tSEVBRC1TRUNSRVQ="
	humanMarker      = "HUMAN-TEXT-91c2 about alice.recipient@victim.example"
	rcptA            = "alice.recipient@victim.example"
	rcptB            = "bob@other.example"
	rcptC            = "carol+tag@lists.example"
	rcptForwarded    = "dave@forwarded.example"
	spoofedSender    = "ceo@brand.example"
	verpMailFrom     = "bounces+4711-alice.recipient=victim.example@mail.brand.example"
	synthDKIMSig     = "b=dGhlIHNpZ25hdHVyZQ=="
	synthDKIMBodyTag = "bh=Ym9keWhhc2g="
)

// synthReport returns an ARF failure report with everything the privacy
// rules are about: recipients in every kind of field, a VERP envelope
// sender, a DKIM signature, canonicalized copies of header and body, a
// human-readable part naming the recipient and a body. Options change it:
// feedback fields replace or add to the defaults (an empty value removes
// one).
func synthReport(feedback map[string]string) string {
	fields := []struct{ k, v string }{
		{"Feedback-Type", "auth-failure"},
		{"User-Agent", "SynthReporter/2.0"},
		{"Version", "1"},
		{"Original-Mail-From", "<" + verpMailFrom + ">"},
		{"Original-Rcpt-To", "<" + rcptA + ">"},
		{"Original-Rcpt-To", rcptB},
		{"Arrival-Date", "Tue, 19 Jul 2022 00:57:48 -0500 (CDT)"},
		{"Source-IP", "192.0.2.2"},
		{"Source-Port", "12345"},
		{"Reported-Domain", "Brand.Example."},
		{"Authentication-Results", "mx.receiver.example; dkim=fail header.d=brand.example; spf=softfail smtp.mailfrom=" + verpMailFrom + "; dmarc=fail header.from=brand.example"},
		{"Delivery-Result", "Reject"},
		{"Auth-Failure", "signature"},
		{"DKIM-Domain", "Brand.Example"},
		{"DKIM-Identity", "@brand.example"},
		{"DKIM-Selector", "s2022"},
		{"DKIM-Canonicalized-Header", canonHeadMarker},
		{"DKIM-Canonicalized-Body", canonBodyMarker},
		{"SPF-DNS", "txt : brand.example : v=spf1 ip4:198.51.100.0/24 -all"},
		{"Identity-Alignment", "dkim"},
		{"Incidents", "3"},
		{"X-Vendor-Note", "kept out"},
	}
	var fb strings.Builder
	for _, f := range fields {
		v, ok := feedback[f.k]
		switch {
		case ok && v == "":
			continue
		case ok:
			f.v = v
			delete(feedback, f.k)
		}
		fmt.Fprintf(&fb, "%s: %s\r\n", f.k, f.v)
	}
	for k, v := range feedback {
		if v != "" {
			fmt.Fprintf(&fb, "%s: %s\r\n", k, v)
		}
	}
	return "From: DMARC Reporter <dmarc-noreply@receiver.example>\r\n" +
		"To: ruf@brand.example\r\n" +
		"Date: Tue, 19 Jul 2022 07:57:50 +0200\r\n" +
		"Subject: Failure report for brand.example\r\n" +
		"Message-ID: <report-1@receiver.example>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report;\r\n boundary=\"=_b_\"\r\n" +
		"\r\n" +
		"--=_b_\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		humanMarker + "\r\n\r\n" +
		"--=_b_\r\n" +
		"Content-Type: message/feedback-report\r\n\r\n" +
		fb.String() + "\r\n" +
		"--=_b_\r\n" +
		"Content-Type: message/rfc822\r\n\r\n" +
		"Received: from mail.forwarder.example (mail.forwarder.example [IPv6:2001:db8::23ac])\r\n" +
		"  (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n" +
		"  by mx.receiver.example (Postfix) with ESMTPS id 5E8B0C159826\r\n" +
		"  for <" + rcptA + ">; Tue, 19 Jul 2022 07:57:44 +0200\r\n" +
		"Received: from [192.0.2.8] (host-8.isp.example [192.0.2.8]) by mail.forwarder.example\r\n" +
		"  with ESMTPSA id 00000000005DC076 for " + rcptForwarded + "; Tue, 19 Jul 2022 07:57:35 +0200\r\n" +
		"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=brand.example; s=s2022;\r\n" +
		"  t=1658210268; " + synthDKIMBodyTag + "; h=From:To:Date:Subject;\r\n" +
		"  z=To:" + rcptA + "; " + synthDKIMSig + "\r\n" +
		"X-Original-To: " + rcptForwarded + "\r\n" +
		"Delivered-To: " + rcptA + "\r\n" +
		"From: \"The CEO\" <" + spoofedSender + ">\r\n" +
		"To: \"Alice Recipient\" <" + rcptA + ">, =?utf-8?q?Bob_B=C3=B6b?= <" + rcptB + ">\r\n" +
		"Cc: =?utf-8?b?" + "Y2Fyb2wrdGFnQGxpc3RzLmV4YW1wbGU=" + "?=\r\n" +
		"Subject: =?utf-8?q?Urgent_wire_transfer_for_" + "alice.recipient=40victim.example" + "?=\r\n" +
		"Date: Tue, 19 Jul 2022 07:57:33 +0200\r\n" +
		"Message-ID: <2431dc66-b010@brand.example>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		bodyMarker + "\r\n" +
		"Please pay " + rcptC + " today.\r\n" +
		"--=_b_--\r\n"
}

// synthRecipients are the recipient addresses of synthReport.
var synthRecipients = []string{rcptA, rcptB, rcptC, rcptForwarded}

// synthBody are the texts of synthReport that no output may hold.
var synthBody = []string{bodyMarker, canonBodyMarker, canonHeadMarker, "HUMAN-TEXT-91c2", "Please pay"}
