package delivery

import "testing"

func TestSplitEnhanced(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, enh, rest string }{
		{"5.1.1 No such user", "5.1.1", "No such user"},
		{"4.7.650 The mail server has been temporarily rate limited", "4.7.650", "The mail server has been temporarily rate limited"},
		{"2.0.0", "2.0.0", ""},
		{"2.0.0\tOk", "2.0.0", "Ok"},
		{"No code here", "", "No code here"},
		{"3.1.1 not a class", "", "3.1.1 not a class"},
		{"5.1 too short", "", "5.1 too short"},
		{"5.1.1234 detail too long", "", "5.1.1234 detail too long"},
		{"5.1.1x glued", "", "5.1.1x glued"},
		{"", "", ""},
	} {
		enh, rest := SplitEnhanced(tc.in)
		if enh != tc.enh || rest != tc.rest {
			t.Errorf("SplitEnhanced(%q) = %q, %q; want %q, %q", tc.in, enh, rest, tc.enh, tc.rest)
		}
	}
}

func TestParseReply(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		code  int
		lines []string
		want  Reply
	}{
		{"enhanced code on every line is kept once", 421, []string{
			"4.7.0 Our system has detected an unusual rate of",
			"4.7.0 unsolicited mail originating from your IP address.",
		}, Reply{421, "4.7.0", "Our system has detected an unusual rate of unsolicited mail originating from your IP address."}},
		{"no enhanced code", 550, []string{"Unknown user x@docomo.ne.jp"}, Reply{550, "", "Unknown user x@docomo.ne.jp"}},
		{"a code of another class stays in the text", 550, []string{"4.2.2 mailbox full"}, Reply{550, "", "4.2.2 mailbox full"}},
		{"empty text", 250, []string{""}, Reply{250, "", ""}},
	} {
		if got := parseReply(tc.code, tc.lines); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestReplyResult(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r          Reply
		res, rcpt  Result
		stringForm string
	}{
		{Reply{250, "2.0.0", "OK"}, Delivered, Delivered, "250 2.0.0 OK"},
		{Reply{450, "4.2.1", "busy"}, Temporary, Temporary, "450 4.2.1 busy"},
		{Reply{550, "5.1.1", "no such user"}, Permanent, Permanent, "550 5.1.1 no such user"},
		{Reply{552, "", "Too many recipients"}, Permanent, Temporary, "552 Too many recipients"},
		{Reply{354, "", "go ahead"}, Temporary, Temporary, "354 go ahead"},
		{Reply{0, "4.4.1", "connection refused"}, Temporary, Temporary, "4.4.1 connection refused"},
		{Reply{0, "5.1.10", "null MX"}, Permanent, Permanent, "5.1.10 null MX"},
	} {
		if got := tc.r.Result(); got != tc.res {
			t.Errorf("%v: Result %v, want %v", tc.r, got, tc.res)
		}
		if got := rcptResult(tc.r); got != tc.rcpt {
			t.Errorf("%v: at RCPT %v, want %v", tc.r, got, tc.rcpt)
		}
		if got := tc.r.String(); got != tc.stringForm {
			t.Errorf("String = %q, want %q", got, tc.stringForm)
		}
	}
}

func TestThrottled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    Reply
		want bool
	}{
		// Every 421 closes the channel.
		{Reply{421, "4.3.2", "Service shutting down"}, true},
		{Reply{421, "", "mx.example.com Service not available"}, true},
		// Gmail.
		{Reply{421, "4.7.28", "Gmail has detected an unusual rate of unsolicited mail"}, true},
		{Reply{450, "4.7.28", "[1.2.3.4] Our system has detected an unusual rate of unsolicited mail"}, true},
		{Reply{451, "4.7.0", "Our system has detected an unusual rate of mail"}, true},
		{Reply{421, "4.4.5", "Server busy, try again later."}, true},
		// Outlook / Microsoft 365.
		{Reply{451, "4.7.650", "The mail server [1.2.3.4] has been temporarily rate limited due to IP reputation."}, true},
		{Reply{451, "4.7.500", "Server busy. Please try again later from [1.2.3.4]. (S77719)"}, true},
		{Reply{452, "4.3.2", "Too many concurrent SMTP connections from this IP address"}, true},
		// Yahoo.
		{Reply{421, "4.7.0", "[TSS04] Messages from 1.2.3.4 temporarily deferred due to unexpected volume or user complaints"}, true},
		{Reply{451, "", "[TS01] Messages from 1.2.3.4 temporarily deferred"}, true},
		// Japanese providers: NTT docomo's 552 limit, J:COM's per-session limit.
		{Reply{552, "", "Too many recipients"}, true},
		{Reply{421, "4.3.2", "Too many messages for this session"}, true},
		{Reply{450, "", "Too many messages for this session"}, true},
		// Postfix anvil and friends.
		{Reply{450, "4.7.1", "Error: too much mail from 1.2.3.4"}, true},
		{Reply{452, "4.3.2", "Connection rate limit exceeded."}, true},
		{Reply{451, "4.7.1", "Client host rejected: Please try again slower"}, true},
		// Not throttling: about the recipient or the message, or permanent.
		{Reply{450, "4.2.1", "Mailbox busy, try again later"}, false},
		{Reply{450, "4.2.1", "The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered"}, false},
		{Reply{452, "4.2.2", "Mailbox full"}, false},
		{Reply{451, "4.3.0", "Temporary local problem"}, false},
		{Reply{550, "5.7.1", "Rate limit exceeded, you are blocked"}, false},
		{Reply{552, "5.2.2", "Mailbox full"}, false},
		{Reply{250, "2.0.0", "Too many connections? fine"}, false},
		{Reply{0, "4.4.1", "connect: connection refused"}, false},
	} {
		if got := Throttled(tc.r); got != tc.want {
			t.Errorf("Throttled(%v) = %v, want %v", tc.r, got, tc.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	e := replyError(StageRcpt, Reply{Code: 550, Text: "no"})
	e.Host, e.Addr = "mx.example.com", "192.0.2.1:25"
	if got, want := e.Error(), "delivery: mx.example.com[192.0.2.1:25]: 550 5.0.0 no (in reply to RCPT TO)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if e.Temporary {
		t.Error("550 is temporary")
	}
	if !replyError(StageRcpt, Reply{Code: 552}).Temporary || replyError(StageMessage, Reply{Code: 552}).Temporary {
		t.Error("552 must be temporary at RCPT only (RFC 5321 §4.5.3.1.10)")
	}
	l := localError(StageConnect, true, "4.4.1", nil, "connect: refused")
	if got, want := l.Error(), "delivery: 4.4.1 connect: refused (connect)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
