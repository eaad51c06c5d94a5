package feedback

import "strings"

// decodeIMailServer reads the bounces of Progress (Ipswitch) IMail Server
// (X-Mailer: <SMTP32 v...>): "Undeliverable Mail", lines such as "Unknown
// user: addr" or "undeliverable to addr", "Body of message generated
// response:" with the remote reply, then "Original message follows.".
func decodeIMailServer(m *mailMessage) *decoded {
	if !strings.HasPrefix(m.get("subject"), "Undeliverable Mail ") && !strings.HasPrefix(m.get("x-mailer"), "<SMTP32 v") {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"Original message follows."}, false)
	ds := newDeliveries()
	var response strings.Builder
	for _, e := range lines(head) {
		if (strings.Index(e, ": ") > 8 && aligned(e, []string{": ", "@"})) || strings.HasPrefix(e, "undeliverable ") {
			// Unknown user: kijitora@example.com
			v := next(&ds)
			v.diag = e
			v.recipient = findAddress(e)
			continue
		}
		if strings.Contains(e, "Body of message generated response:") {
			response.WriteString(e)
		} else if response.Len() > 0 {
			response.WriteString(" " + e)
		}
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	for i := range ds {
		e := &ds[i]
		e.diag = sweep(strings.ReplaceAll(response.String()+" "+e.diag, "\n", " "))
		e.command = findCommand(e.diag)
		for _, r := range []textRule{
			{"hostunknown", []string{"Unknown host"}},
			{"userunknown", []string{"Unknown user", "Invalid final delivery userid"}},
			{"mailboxfull", []string{"User mailbox exceeds allowed size"}},
			{"virusdetected", []string{"Requested action not taken: virus detected"}},
			{"spamdetected", []string{"Blacklisted URL in message"}},
			{"expired", []string{"Delivery failed "}},
		} {
			if containsAny(e.diag, r.phrases) {
				e.reason = r.reason
				break
			}
		}
	}
	if !strings.Contains(orig, "\nFrom: ") {
		orig = "From: " + m.get("to") + "\n" + orig
	}
	if !strings.Contains(orig, "\nTo: ") {
		orig = "To: " + ds[0].recipient + "\n" + orig
	}
	return &decoded{deliveries: ds, original: orig}
}
