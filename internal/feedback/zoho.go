package feedback

import "strings"

// decodeZoho reads the bounces of Zoho Mail (X-ZohoMail header): "This
// message was created automatically by mail delivery software.", then per
// recipient "addr Invalid Address, ERROR_CODE :550, ERROR_CODE :..." or
// "[Status: Error, Address: <addr>, ResponseCode 421, , Host not reachable.]".
func decodeZoho(m *mailMessage) *decoded {
	if len(m.header["x-zohomail"]) == 0 {
		return nil
	}
	head, orig := splitOriginal(m.body, []string{"\n\nReceived:"}, true)
	ds := newDeliveries()
	reading := false
	for _, e := range lines(head) {
		if !reading {
			reading = strings.HasPrefix(e, "This message was created automatically by mail delivery")
			continue
		}
		if e == "" {
			continue
		}
		if aligned(e, []string{"@", " ", "ERROR_CODE :"}) || strings.HasPrefix(e, "[Status: ") {
			v := next(&ds)
			v.recipient = findAddress(e)
			v.diag += " " + e
			continue
		}
		if !strings.HasPrefix(e, "-----") {
			ds[len(ds)-1].diag += " " + e
		}
	}
	if countRecipients(ds) == 0 {
		return nil
	}
	for i := range ds {
		ds[i].diag = sweep(ds[i].diag)
		if strings.Contains(ds[i].diag, "Host not reachable") {
			ds[i].reason = "expired"
		}
	}
	return &decoded{deliveries: ds, original: orig}
}
