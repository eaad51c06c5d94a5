package feedback

import "strings"

// decodeDragonFly reads the bounces of the DragonFly Mail Agent (dma,
// mail.c): "Mail delivery failed", "This is the DragonFly Mail Agent ...",
// "There was an error delivering your mail to <addr>.", the remote host's
// reply ("mx [192.0.2.1] did not like our RCPT TO: 550 ..."), then the
// returned message after "Original message follows.".
func decodeDragonFly(m *mailMessage) *decoded {
	if !strings.Contains(m.get("subject"), "Mail delivery failed") {
		return nil
	}
	isDMA := false
	for _, r := range m.header["received"] {
		if strings.Contains(r, " (DragonFly Mail Agent") {
			isDMA = true
		}
	}
	if !isDMA {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"Original message follows.", "Message headers follow"}, false)
	ds := newDeliveries()
	reading := false
	for _, e := range lines(head) {
		if !reading {
			reading = strings.HasPrefix(e, "This is the DragonFly Mail Agent ")
			continue
		}
		if e == "" {
			continue
		}
		if strings.HasPrefix(e, "There was an error delivering your mail to <") {
			next(&ds).recipient = findAddress(e[strings.IndexByte(e, '<'):])
			continue
		}
		v := &ds[len(ds)-1]
		v.diag += e
		// net.c: "%s [%s] did not like our %s:\n%s"
		if !strings.Contains(e, " did not like our ") || v.rhost != "" {
			continue
		}
		p := strings.SplitN(e, " ", 3)
		if strings.IndexByte(p[0], '.') > 1 || len(p) < 2 {
			v.rhost = p[0]
		} else {
			v.rhost = p[1]
		}
		v.command = findCommand(e)
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	for i := range ds {
		e := &ds[i]
		e.diag = sweep(e.diag)
		switch {
		case strings.Contains(e.diag, "Could not deliver for the last "): // dma.c: gave up
			e.reason = "expired"
		case strings.Contains(e.diag, "DNS lookup failure: host "): // net.c
			e.reason = "hostunknown"
		}
	}
	return &decoded{deliveries: ds, original: orig}
}
