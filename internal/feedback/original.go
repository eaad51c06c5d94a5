package feedback

import (
	"net/textproto"
	"strings"
)

// readOriginal reads the identifiers of the returned message from its header
// section.
func readOriginal(head string) Original {
	var o Original
	if head == "" {
		return o
	}
	h, _ := readHeader([]byte(head + "\n"))
	fields := headerMap(h)
	get := func(k string) string {
		if v := fields[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	o.MessageID = strings.Trim(strings.TrimSpace(get("message-id")), "<>")
	o.From = get("from")
	o.To = get("to")
	o.Subject = get("subject")
	o.Date = get("date")
	o.ReturnPath = findAddress(get("return-path"))
	for k, v := range fields {
		if strings.HasPrefix(k, "x-ses-") || strings.HasPrefix(k, "x-hikyaku-") || k == "feedback-id" ||
			k == "list-id" || k == "x-original-message-id" {
			if o.Headers == nil {
				o.Headers = map[string]string{}
			}
			o.Headers[textproto.CanonicalMIMEHeaderKey(k)] = v[0]
		}
	}
	return o
}
