package feedback

import "strings"

// delivery is what a format decoder reads about one recipient, before the
// classification rules run.
type delivery struct {
	recipient    string
	alias        string // Original-Recipient, X-Actual-Recipient, "(expanded from ...)"
	action       string
	status       string
	replyCode    string
	diag         string
	diagType     string // SMTP, X-UNIX, X-POSTFIX, ...
	command      string
	date         string
	rhost        string
	lhost        string
	reason       string // when the format itself says why
	feedbackType string
}

// decoded is what a format decoder found in a message.
type decoded struct {
	deliveries []delivery
	original   string // header section of the returned message, as text
	complaint  *Complaint
}

// decoder reads one bounce format. It returns nil when the message is not in
// its format or names no recipient.
type decoder func(m *mailMessage) *decoded

// setDSNField stores a parsed RFC 3464 field in d.
func (d *delivery) setDSNField(name, value string) {
	switch name {
	case "action":
		d.action = value
	case "arrival-date", "last-attempt-date":
		d.date = value
	case "diagnostic-code":
		d.diag = value
	case "final-recipient":
		d.recipient = value
	case "original-recipient", "x-actual-recipient":
		d.alias = value
	case "received-from-mta", "remote-mta":
		d.rhost = value
	case "reporting-mta":
		d.lhost = value
	case "status":
		d.status = value
	}
}

// dsnFieldValue returns the member of d that a DSN field fills.
func (d *delivery) dsnFieldValue(name string) string {
	switch name {
	case "action":
		return d.action
	case "arrival-date", "last-attempt-date":
		return d.date
	case "diagnostic-code":
		return d.diag
	case "final-recipient":
		return d.recipient
	case "original-recipient", "x-actual-recipient":
		return d.alias
	case "received-from-mta", "remote-mta":
		return d.rhost
	case "reporting-mta":
		return d.lhost
	case "status":
		return d.status
	}
	return ""
}

// perMessage collects per-message DSN fields (RFC 3464 section 2.2) that
// apply to every recipient.
type perMessage struct {
	names  []string
	values map[string]string
}

func (p *perMessage) set(name, value string) {
	if p.values == nil {
		p.values = map[string]string{}
	}
	if _, ok := p.values[name]; !ok {
		p.names = append(p.names, name)
	}
	p.values[name] = value
}

// apply fills the recipients' empty members from the per-message fields.
func (p *perMessage) apply(ds []delivery) {
	for _, n := range p.names {
		if p.values[n] == "" {
			continue
		}
		for i := range ds {
			if ds[i].dsnFieldValue(n) == "" {
				ds[i].setDSNField(n, p.values[n])
			}
		}
	}
}

// splitOriginal cuts a flat body at the first of markers (tried in order)
// that starts the returned message, and returns the text before it and the
// returned message's header section. Without a marker the whole body is the
// first part. keepHeadOnly cuts the second part at its first blank line even
// when it does not look like a header block.
func splitOriginal(body string, markers []string, keepHeadOnly bool) (string, string) {
	pos := -1
	for _, e := range markers {
		if pos = strings.Index(body, e); pos > 0 {
			break
		}
	}
	if pos <= 0 {
		return body, ""
	}
	former := body[:pos]
	latter := ""
	for _, e := range strings.Split(body[pos:], "\n\n") {
		if strings.Contains(e, "Received: ") || strings.Contains(e, "From: ") {
			latter = e
			break
		}
	}
	if latter == "" {
		latter = body[pos:]
	}
	latter = strings.TrimLeft(latter, " \n\r")
	if keepHeadOnly {
		if i := strings.Index(latter, "\n\n"); i >= 0 {
			latter = latter[:i]
		}
	}
	if latter != "" && !strings.HasSuffix(latter, "\n") {
		latter += "\n"
	}
	return former, latter
}

// newDeliveries starts the list of recipients of a decoder.
func newDeliveries() []delivery { return make([]delivery, 1, 4) }

// next returns the delivery to fill for a new recipient: the last one when it
// has no recipient yet, else a new one.
func next(ds *[]delivery) *delivery {
	if (*ds)[len(*ds)-1].recipient != "" {
		*ds = append(*ds, delivery{})
	}
	return &(*ds)[len(*ds)-1]
}

// countRecipients returns how many deliveries name a recipient.
func countRecipients(ds []delivery) int {
	n := 0
	for _, d := range ds {
		if d.recipient != "" {
			n++
		}
	}
	return n
}
