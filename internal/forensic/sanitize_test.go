package forensic

import (
	"slices"
	"testing"
)

func TestReplaceAddresses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"a@b.example", "***@b.example"},
		{`"Bob" <bob@x.example>`, `"Bob" <***@x.example>`},
		{`"redacted@163.com" <redacted@163.com>`, `"***@163.com" <***@163.com>`},
		{"smtp.mailfrom=user@example.com", "smtp.mailfrom=***@example.com"},
		{`envelope-from="abuse@163.com"; x-sender="abuse@163.com"`, `envelope-from="***@163.com"; x-sender="***@163.com"`},
		// VERP: the local part encodes the recipient and goes whole.
		{"smtp.mailfrom=bounces+1-x=163.com@email.example", "smtp.mailfrom=***@email.example"},
		{"bounces+1-x=163.com@email.example", "***@email.example"},
		{`"john doe"@example.com`, "***@example.com"},
		{"user@[192.0.2.1]", "***@[192.0.2.1]"},
		{"for <a.b@example.com>;", "for <***@example.com>;"},
		{"end x@y.example.", "end ***@y.example."},
		{"a@b.example c@d.example", "***@b.example ***@d.example"},
		{"müller@bücher.example", "***@bücher.example"},
		{".dot@x.example", ".***@x.example"},
		// Not addresses: no local part, no domain, no at sign.
		{"header.i=@example.com", "header.i=@example.com"},
		{"<id@ host>", "<id@ host>"},
		{`""@x.example`, `""@x.example`},
		{"no at sign", "no at sign"},
		{"trailing@", "trailing@"},
		{"@", "@"},
	} {
		if got := replaceAddresses(tc.in, redactAddress); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := addresses(`"A" <A.B@X.example>, c@d.example`); !slices.Equal(got, []string{"a.b@x.example", "c@d.example"}) {
		t.Errorf("addresses %q", got)
	}
	if got := firstAddress(" <Reporter@X.example> "); got != "Reporter@X.example" {
		t.Errorf("firstAddress %q", got)
	}
	if got := domainOf(`"x" <a@Mail.Example>`); got != "mail.example" {
		t.Errorf("domainOf %q", got)
	}
}

func TestReduceReceived(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want, rcpt string }{
		{
			"from [10.10.10.10] ([10.10.10.10:4227] helo=mail02.someserver.com) by mail516.prod.linkedin.com (envelope-from <>) (ecelerity 3.6.21.53563 r(Core:3.6.21.0)) with ESMTPS (cipher=ECDHE-RSA-AES256-GCM-SHA384 subject=\"/OU=Domain Control Validated/CN=*.someserver.com\") id CA/91-26019-ABCDECC5; Tue, 30 Apr 2019 02:09:00 +0000",
			"from [10.10.10.10] by mail516.prod.linkedin.com; Tue, 30 Apr 2019 02:09:00 +0000", "",
		},
		{
			"from mail.example (mail.example [192.0.2.1]) by mx.example (Postfix) with ESMTP id X for <a@b.example>; Mon, 1 Jan 2024 00:00:00 +0000",
			"from mail.example ([192.0.2.1]) by mx.example; Mon, 1 Jan 2024 00:00:00 +0000", "<a@b.example> ",
		},
		{
			"from a.example (a.example [IPv6:2001:db8::1]) (using TLSv1.3) by c.example; Mon, 1 Jan 2024 00:00:00 +0000",
			"from a.example ([2001:db8::1]) by c.example; Mon, 1 Jan 2024 00:00:00 +0000", "",
		},
		{
			"from DENU02MS0016.someserver.loc (10.156.68.14) by DENU02MS0017.someserver.loc (10.10.10.9) with Microsoft SMTP Server (TLS) id 15.0.1367.3; Tue, 30 Apr 2019 04:09:09 +0200",
			"from DENU02MS0016.someserver.loc ([10.156.68.14]) by DENU02MS0017.someserver.loc; Tue, 30 Apr 2019 04:09:09 +0200", "",
		},
		{
			"from root by node04.example with local-generated (Exim 4.92) (envelope-from <x@y.example>) id 1u1tpB for dmarc@example.com; Mon, 07 Apr 2025 23:16:09 +0200",
			"from root by node04.example; Mon, 07 Apr 2025 23:16:09 +0200", "dmarc@example.com ",
		},
		{"by filter.sendgrid.net with SMTP id f-30359 2018-09-28 08:48:36.858842501 +0000 UTC", "by filter.sendgrid.net", ""},
		{"from a (b [192.0.2.1] by c", "from a ([192.0.2.1])", ""},
		{"; Mon, 1 Jan 2024 00:00:00 +0000", "Mon, 1 Jan 2024 00:00:00 +0000", ""},
		{"", "", ""},
	} {
		if got := reduceReceived(tc.in); got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if got := receivedFor(tc.in); got != tc.rcpt {
			t.Errorf("%q: for %q, want %q", tc.in, got, tc.rcpt)
		}
	}
}

func TestReduceSignature(t *testing.T) {
	t.Parallel()
	in := "v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel; t=1; bh=abc=; h=From:To; z=To:a@b.example|Subject:x; b=c2ln\n bmF0dXJl;"
	if got, want := reduceSignature(in), "v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel; t=1; h=From:To"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

func TestMediaType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, mt, boundary string }{
		{"", "text/plain", ""},
		{`multipart/report; report-type=feedback-report; boundary="=_b_"`, "multipart/report", "=_b_"},
		{"Multipart/Mixed; boundary=B_36;", "multipart/mixed", "B_36"},
		{`multipart/report; report-type=feedback-report;; boundary="a=b"; x`, "multipart/report", "a=b"},
		{"multipart/report; boundary=a=b; charset", "multipart/report", "a=b"},
	} {
		mt, params := mediaType(tc.in)
		if mt != tc.mt || params["boundary"] != tc.boundary {
			t.Errorf("%q: %q %q", tc.in, mt, params["boundary"])
		}
	}
}
