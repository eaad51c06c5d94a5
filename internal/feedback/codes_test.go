package feedback

import "testing"

func TestFindStatus(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, text, class, want string }{
		{"a plain reply", "550 5.1.1 <a@example.jp>... User Unknown", "", "5.1.1"},
		{"a three-digit detail", "550 5.7.509 Access denied", "", "5.7.509"},
		{"an IPv4 address is not a code", "host 192.0.2.1 said: 550 5.7.1 blocked", "", "5.7.1"},
		{"a version number is not a code", "Postfix v5.1.1 says 4.2.2 mailbox full", "", "4.2.2"},
		{"the specific code wins over X.0.0", "5.0.0 - Unknown address error 550-'5.2.2 ... Mailbox Full'", "", "5.2.2"},
		{"X.0.0 when nothing else", "554 5.0.0 Service unavailable", "", "5.0.0"},
		{"the class filter", "4.4.1 then 5.1.1", "5", "5.1.1"},
		{"no code", "mailbox unavailable", "", ""},
		{"a subject above 7 is not a code", "error 5.9.1 happened", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := findStatus(c.text, c.class); got != c.want {
				t.Errorf("findStatus(%q, %q) = %q, want %q", c.text, c.class, got, c.want)
			}
		})
	}
}

func TestPreferStatus(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, field, text, reply, want string }{
		{"an X.0.0 field gives way", "5.0.0", "5.1.1", "550", "5.1.1"},
		{"the reply code settles a class conflict", "5.0.0", "4.2.2", "452", "4.2.2"},
		{"a specific field stays", "5.1.1", "5.0.0", "", "5.1.1"},
		{"4.4.7 is a catch-all", "4.4.7", "4.2.2", "", "4.2.2"},
		{"5.1.1 keeps its own against an X.Y.0", "5.1.1", "5.2.0", "", "5.1.1"},
		{"an empty field", "", "5.7.1", "", "5.7.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := preferStatus(c.field, c.text, c.reply); got != c.want {
				t.Errorf("preferStatus(%q, %q, %q) = %q, want %q", c.field, c.text, c.reply, got, c.want)
			}
		})
	}
}

func TestFindReply(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, text, class, want string }{
		{"a reply code", "said: 550 5.1.1 user unknown", "", "550"},
		{"part of a number is not a code", "queue id 45501 deferred 421 try later", "", "421"},
		{"a status code is not a reply code", "5.5.0 error", "", ""},
		{"the class filter", "452 then 550", "4", "452"},
		{"a local program's error has none", "X-Unix; 550 something", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := findReply(c.text, c.class); got != c.want {
				t.Errorf("findReply(%q, %q) = %q, want %q", c.text, c.class, got, c.want)
			}
		})
	}
}

func TestFindAddress(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, text, want string }{
		{"angle brackets", "Neko <neko@example.jp>", "neko@example.jp"},
		{"a bare address with a comment", "neko@example.jp (Neko)", "neko@example.jp"},
		{"a DSN address type", "rfc822;neko@example.jp", "neko@example.jp"},
		{"a quoted local part", `"neko..nyaan"@example.org`, `"neko..nyaan"@example.org`},
		{"a source route", "<@relay.example:neko@example.jp>", "neko@example.jp"},
		{"a trailing dot", "to neko@example.jp.", "neko@example.jp"},
		{"not an address", "neko at example dot jp", ""},
		{"a numeric top-level domain", "neko@192.0.2.1", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := findAddress(c.text); got != c.want {
				t.Errorf("findAddress(%q) = %q, want %q", c.text, got, c.want)
			}
		})
	}
}

func TestFindHost(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, text, want string }{
		{"Postfix", "host mx.example.jp[192.0.2.1] said: 550 5.1.1 unknown", "mx.example.jp"},
		{"Exim", "host mx1.example.org [192.0.2.2]: 550 5.7.1 blocked", "mx1.example.org"},
		{"Sendmail", "... while talking to mx.example.net.:", "mx.example.net"},
		{"the longest host name otherwise", "relay a.example.jp via mail.relay.example.jp", "mail.relay.example.jp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := findHost(c.text); got != c.want {
				t.Errorf("findHost(%q) = %q, want %q", c.text, got, c.want)
			}
		})
	}
}

func TestPseudoStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		reason    string
		temporary bool
		want      string
	}{
		{"userunknown", false, "5.0.911"},
		{"userunknown", true, ""}, // an unknown user is never temporary
		{"filtered", true, "4.0.924"},
		{"expired", true, "4.0.947"},
		{"nosuchreason", false, ""},
	}
	for _, c := range cases {
		if got := pseudoStatus(c.reason, c.temporary); got != c.want {
			t.Errorf("pseudoStatus(%s, %v) = %q, want %q", c.reason, c.temporary, got, c.want)
		}
	}
}
