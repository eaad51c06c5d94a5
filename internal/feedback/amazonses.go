package feedback

import (
	"encoding/json"
	"fmt"
	"strings"
)

// sesNotification is the JSON of an Amazon SES notification delivered by
// email, as SNS sends it (SES Developer Guide, "Contents of notifications").
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Mail             struct {
		MessageID     string `json:"messageId"`
		Source        string `json:"source"`
		Headers       []struct{ Name, Value string }
		CommonHeaders struct {
			Date, Subject, MessageID string
			From, To                 []string
		} `json:"commonHeaders"`
	} `json:"mail"`
	Bounce struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
		Timestamp    string `json:"timestamp"`
		ReportingMTA string `json:"reportingMTA"`
	} `json:"bounce"`
	Complaint struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		Timestamp             string `json:"timestamp"`
		FeedbackID            string `json:"feedbackId"`
		UserAgent             string `json:"userAgent"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
	} `json:"complaint"`
	Delivery struct {
		Timestamp    string   `json:"timestamp"`
		Recipients   []string `json:"recipients"`
		SMTPResponse string   `json:"smtpResponse"`
		ReportingMTA string   `json:"reportingMTA"`
	} `json:"delivery"`
}

// sesSubTypeReasons maps SES bounce subtypes to reasons.
var sesSubTypeReasons = map[string]string{
	"Suppressed":               "suppressed",
	"OnAccountSuppressionList": "suppressed",
	"MailboxFull":              "mailboxfull",
	"MessageTooLarge":          "mesgtoobig",
	"ContentRejected":          "contenterror",
	"AttachmentRejected":       "securityerror",
}

// decodeAmazonSES reads an Amazon SES bounce, complaint or delivery
// notification that reached a mailbox by email (an SNS email subscription):
// the SNS JSON envelope, or the bare SES JSON, in the body. SES's own
// RFC 3464 bounces are read by decodeDSN.
func decodeAmazonSES(m *mailMessage) *decoded {
	payload := m.body
	if i := strings.Index(payload, "\n\n--\n"); i > 0 {
		payload = payload[:i] // the SNS unsubscribe footer
	}
	payload = strings.ReplaceAll(payload, "!\n ", "")
	if i := strings.Index(payload, `"Message"`); i > 0 {
		// The SNS envelope: {"Type":"Notification",...,"Message":"{\"notificationType\"...
		var envelope struct{ Message string }
		start := strings.IndexByte(payload, '{')
		end := strings.LastIndexByte(payload, '}')
		if start < 0 || end < start || json.Unmarshal([]byte(payload[start:end+1]), &envelope) != nil {
			return nil
		}
		payload = envelope.Message
	}
	payload = strings.TrimSpace(payload)
	if !strings.Contains(payload, "notificationType") && !strings.Contains(payload, "eventType") {
		return nil
	}
	if start := strings.IndexByte(payload, '{'); start > 0 {
		payload = payload[start:]
	}
	if end := strings.LastIndexByte(payload, '}'); end >= 0 {
		payload = payload[:end+1]
	}
	var n sesNotification
	if json.Unmarshal([]byte(payload), &n) != nil {
		return nil
	}
	kind := n.NotificationType
	if kind == "" {
		kind = n.EventType
	}
	var ds []delivery
	switch kind {
	case "Bounce":
		for _, e := range n.Bounce.BouncedRecipients {
			d := delivery{
				recipient: e.EmailAddress,
				diag:      sweep(e.DiagnosticCode),
				action:    e.Action,
				status:    findStatus(e.Status, ""),
				date:      n.Bounce.Timestamp,
				lhost:     findHost(n.Bounce.ReportingMTA),
				reason:    sesSubTypeReasons[n.Bounce.BounceSubType],
			}
			d.command = findCommand(d.diag)
			d.replyCode = findReply(d.diag, d.status)
			ds = append(ds, d)
		}
	case "Complaint":
		for _, e := range n.Complaint.ComplainedRecipients {
			ds = append(ds, delivery{
				recipient:    e.EmailAddress,
				reason:       "feedback",
				feedbackType: n.Complaint.ComplaintFeedbackType,
				date:         n.Complaint.Timestamp,
				diag:         fmt.Sprintf(`{"feedbackid":"%s", "useragent":"%s"}`, n.Complaint.FeedbackID, n.Complaint.UserAgent),
			})
		}
	case "Delivery":
		for _, e := range n.Delivery.Recipients {
			ds = append(ds, delivery{
				recipient: e,
				reason:    "delivered",
				action:    "delivered",
				date:      n.Delivery.Timestamp,
				lhost:     n.Delivery.ReportingMTA,
				diag:      n.Delivery.SMTPResponse,
				status:    findStatus(n.Delivery.SMTPResponse, "2"),
				replyCode: findReply(n.Delivery.SMTPResponse, "2"),
			})
		}
	}
	if len(ds) == 0 {
		return nil
	}
	var orig strings.Builder
	for _, h := range n.Mail.Headers {
		orig.WriteString(h.Name + ": " + h.Value + "\n")
	}
	if v := n.Mail.CommonHeaders.Date; v != "" {
		orig.WriteString("Date: " + v + "\n")
	}
	if v := n.Mail.CommonHeaders.Subject; v != "" {
		orig.WriteString("Subject: " + v + "\n")
	}
	if n.Mail.MessageID != "" && !strings.Contains(orig.String(), "Message-ID:") {
		orig.WriteString("Message-ID: <" + n.Mail.MessageID + ">\n")
	}
	return &decoded{deliveries: ds, original: orig.String()}
}
