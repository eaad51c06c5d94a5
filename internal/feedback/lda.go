package feedback

import "strings"

// Errors of local delivery agents (the program that writes into the
// mailbox), which an MTA passes on verbatim. They are specific enough to
// decide the reason before anything else.

var ldaSignatures = []struct {
	name  string
	marks []string
}{
	{"dovecot", []string{"your message to <", "> was automatically rejected:"}}, // dovecot deliver.c
	{"mail.local", []string{"mail.local: "}},
	{"procmail", []string{"procmail: ", "/procmail "}},
	{"maildrop", []string{"maildrop: "}},
	{"vpopmail", []string{"vdelivermail: "}},
	{"vmailmgr", []string{"vdeliver: "}},
}

var ldaMessages = map[string][]struct {
	reason  string
	phrases []string
}{
	"dovecot": {
		{"mailboxfull", []string{"not enough disk space", "quota exceeded", "quota exceeded (mailbox for user is full)"}},
		{"userunknown", []string{"mailbox doesn't exist: "}},
	},
	"mail.local": {
		{"mailboxfull", []string{"disc quota exceeded", "mailbox full or quota exceeded"}},
		{"systemerror", []string{"temporary file write error"}},
		{"userunknown", []string{": invalid mailbox path", ": unknown user:", ": user missing home directory", ": user unknown"}},
	},
	"procmail": {
		{"mailboxfull", []string{"quota exceeded while writing", "user over quota"}},
		{"systemerror", []string{"service unavailable"}},
		{"systemfull", []string{"no space left to finish writing"}},
	},
	"maildrop": {
		{"mailboxfull", []string{"maildir over quota."}},
		{"userunknown", []string{"cannot find system user", "invalid user specified."}},
	},
	"vpopmail": {
		{"filtered", []string{"user does not exist, but will deliver to "}},
		{"mailboxfull", []string{"domain is over quota", "user is over quota"}},
		{"suspend", []string{"account is locked email bounced"}},
		{"userunknown", []string{"sorry, no mailbox here by that name."}},
	},
	"vmailmgr": {
		{"mailboxfull", []string{"delivery failed due to system quota violation"}},
		{"userunknown", []string{"invalid or unknown base user or domain", "invalid or unknown virtual user",
			"user name does not refer to a virtual user"}},
	},
}

// ldaReason returns the reason a local delivery agent's error implies, or ""
// when the failure did not come from one. An agent's error it has no phrase for
// is a mailer error.
func ldaReason(f *fact) string {
	if f.diag == "" || f.command != "" && f.command != "DATA" {
		return ""
	}
	d := strings.ToLower(f.diag)
	agent := ""
	for _, e := range ldaSignatures {
		if containsAny(d, e.marks) {
			agent = e.name
			break
		}
	}
	if agent == "" {
		return ""
	}
	for _, e := range ldaMessages[agent] {
		if containsAny(d, e.phrases) {
			return e.reason
		}
	}
	return "mailererror"
}
