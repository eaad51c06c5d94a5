package intake

import (
	"context"
	"fmt"
	"html"
	"time"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/store"
)

// SentLast24Hours is the number of recipients the account sent to in the
// last 24 hours, as GetAccount and GetSendQuota report it.
func (in *Intake) SentLast24Hours(ctx context.Context, accountID string) (int64, error) {
	return in.quotas.SentLast24Hours(ctx, in.store, accountID, in.clock.Now())
}

// SystemSender is the From address of mail hikyaku sends itself.
type SystemSender struct {
	Intake *Intake
	From   string
}

// SendVerification queues the verification mail of an address identity,
// as SES's "Amazon Web Services – Email Address Verification Request". It
// bypasses the sending policy: the recipient asked for it.
func (s *SystemSender) SendVerification(ctx context.Context, accountID, to, link string) error {
	in := s.Intake
	rcpt, err := address.Parse(to)
	if err != nil {
		return err
	}
	now := in.clock.Now().UTC().Truncate(time.Microsecond)
	id := msgid.New(now)
	text := fmt.Sprintf(`Dear hikyaku customer,

We have received a request to authorize this email address for use with
hikyaku (an Amazon SES-compatible service). If you requested this
verification, go to the following URL to confirm that you are authorized to
use this email address:

%s

Your request will not be processed unless you confirm the address using
this URL. This link expires 72 hours after your original verification
request.

If you did NOT request to verify this email address, do not click on the
link. Please note that many times, the situation isn't a phishing attempt,
but either a misunderstanding of how to use our service, or someone
setting up email-sending capabilities on your behalf as part of a legitimate
service, but without having fully communicated the procedure first.
`, link)
	body, err := in.buildSimple(id, now, s.From, []string{to}, nil, nil, &Simple{
		Subject: "Email Address Verification Request", Text: text,
	})
	if err != nil {
		return err
	}
	msg := &store.Message{
		ID: id, AccountID: accountID, Source: s.From, FromHeader: s.From,
		Subject: "Email Address Verification Request", Origin: "system", CreatedAt: now,
		Size: len(body), Body: body,
		Recipients: []store.Recipient{{MessageID: id, Address: rcpt.String(), Domain: rcpt.Domain,
			Status: store.RcptQueued, NextAttemptAt: now, UpdatedAt: now}},
	}
	if err := in.commit(ctx, msg); err != nil {
		return err
	}
	in.log.Info("verification mail queued", "account", accountID, "message_id", id)
	return nil
}

// SendNotice queues a plain-text notice from hikyaku to one address of an
// account, such as feedback forwarded to a sender. Like the verification
// mail it bypasses the sending policy and counts toward no quota; it
// returns the notice's message ID.
func (s *SystemSender) SendNotice(ctx context.Context, accountID, to, subject, text string) (string, error) {
	in := s.Intake
	rcpt, err := address.Parse(to)
	if err != nil {
		return "", err
	}
	now := in.clock.Now().UTC().Truncate(time.Microsecond)
	id := msgid.New(now)
	body, err := in.buildSimple(id, now, s.From, []string{rcpt.String()}, nil, nil, &Simple{Subject: subject, Text: text})
	if err != nil {
		return "", err
	}
	msg := &store.Message{
		ID: id, AccountID: accountID, Source: s.From, FromHeader: s.From,
		Subject: subject, Origin: "system", CreatedAt: now, Size: len(body), Body: body,
		Recipients: []store.Recipient{{MessageID: id, Address: rcpt.String(), Domain: rcpt.Domain,
			Status: store.RcptQueued, NextAttemptAt: now, UpdatedAt: now}},
	}
	if err := in.commit(ctx, msg); err != nil {
		return "", err
	}
	return id, nil
}

// SendCustomVerification queues SendCustomVerificationEmail's mail: from
// the template's From address, with its subject and HTML, the verification
// link appended after the content as SES adds it (the template has no
// placeholder for it). Like the standard verification mail it bypasses
// the sending policy and quota; configSet, if any, is recorded on the
// message for its events. It returns the message ID.
func (s *SystemSender) SendCustomVerification(ctx context.Context, accountID, from, to, subject, content, link, configSet string) (string, error) {
	l := html.EscapeString(link)
	content += fmt.Sprintf("\n<p><a href=\"%s\">%s</a></p>\n", l, l)
	return s.queue(ctx, accountID, from, to, configSet, &Simple{Subject: subject, HTML: content})
}

// SendFrom queues a plain-text mail from hikyaku's own address to one
// address of an account, such as a contact's confirmation request, and
// returns its message ID.
func (s *SystemSender) SendFrom(ctx context.Context, accountID, to, subject, text string) (string, error) {
	return s.queue(ctx, accountID, s.From, to, "", &Simple{Subject: subject, Text: text})
}

// queue builds and queues one system mail.
func (s *SystemSender) queue(ctx context.Context, accountID, from, to, configSet string, content *Simple) (string, error) {
	in := s.Intake
	rcpt, err := address.Parse(to)
	if err != nil {
		return "", err
	}
	now := in.clock.Now().UTC().Truncate(time.Microsecond)
	id := msgid.New(now)
	body, err := in.buildSimple(id, now, from, []string{rcpt.String()}, nil, nil, content)
	if err != nil {
		return "", err
	}
	msg := &store.Message{
		ID: id, AccountID: accountID, Source: from, FromHeader: from, ConfigurationSet: configSet,
		Subject: content.Subject, Origin: "system", CreatedAt: now, Size: len(body), Body: body,
		Recipients: []store.Recipient{{MessageID: id, Address: rcpt.String(), Domain: rcpt.Domain,
			Status: store.RcptQueued, NextAttemptAt: now, UpdatedAt: now}},
	}
	if err := in.commit(ctx, msg); err != nil {
		return "", err
	}
	in.log.Info("system mail queued", "account", accountID, "subject", content.Subject, "message_id", id)
	return id, nil
}
