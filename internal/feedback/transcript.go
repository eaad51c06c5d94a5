package feedback

import "strings"

// smtpExchange is one command of an SMTP session transcript and the server's
// response to it.
type smtpExchange struct {
	command  string // EHLO, MAIL, RCPT, DATA, ..., or CONN for the greeting
	argument string // the address of MAIL FROM and RCPT TO, the host of EHLO
	reply    string
	status   string
	text     []string
}

// readTranscript reads an SMTP session transcript in which the client's lines
// start with client and the server's with server (">>>" and "<<<" by
// default; Postfix uses "In:" and "Out:"), folded lines continuing the
// previous one. It stops at the first blank line.
func readTranscript(text, client, server string) []smtpExchange {
	if client == "" {
		client = ">>>"
	}
	if server == "" {
		server = "<<<"
	}
	p1, p2 := strings.Index(text, client), strings.Index(text, server)
	if p1 < 0 || p2 < 0 {
		return nil
	}
	text = text[min(p1, p2):]
	if p3 := strings.Index(text, "\n\n"); p3 > 0 {
		text = text[:p3+1]
	}
	var log []string
	for _, e := range lines(text) {
		e = strings.TrimLeft(e, " ")
		switch {
		case strings.HasPrefix(e, client):
			log = append(log, ">>> "+strings.TrimLeft(e[len(client):], " "))
		case strings.HasPrefix(e, server):
			log = append(log, "<<< "+strings.TrimLeft(e[len(server):], " "))
		case len(log) > 0 && e != "":
			log[len(log)-1] += " " + e
		}
	}
	var out []smtpExchange
	for _, e := range log {
		if strings.HasPrefix(e, ">>> ") {
			c := findCommand(e)
			if c == "" {
				continue
			}
			x := smtpExchange{command: c}
			arg := strings.TrimLeft(e[strings.Index(e, c)+len(c):], " ")
			up := strings.ToUpper(arg)
			switch {
			case (c == "MAIL" || c == "RCPT") && (strings.HasPrefix(up, "FROM:") || strings.HasPrefix(up, "TO:")):
				x.argument = between(arg, "<", ">")
			case c == "EHLO" || c == "HELO":
				x.argument = arg
			}
			out = append(out, x)
			continue
		}
		if len(out) == 0 {
			out = append(out, smtpExchange{command: "CONN"})
		}
		x := &out[len(out)-1]
		x.reply = findReply(e, "")
		x.status = findStatus(e, "")
		x.text = append(x.text, e[4:])
	}
	return out
}
