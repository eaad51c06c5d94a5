// Package intake is the one path by which mail enters hikyaku, shared by
// the SES API (v1 and v2) and SMTP submission: validate, apply the sending
// policy, compose the message as it will be sent, and commit it durably.
// A message ID is returned only once the message and its recipients are
// synced to the store.
package intake

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/configset"
	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/eventlog"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/msgid"
	"github.com/hikyaku/hikyaku/internal/simulator"
	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/template"
)

// Size limits, as SES's: 40 MB through the v2 API and SMTP, 10 MB through
// the v1 API.
const (
	MaxSizeV2 = 40 * 1024 * 1024
	MaxSizeV1 = 10 * 1024 * 1024
)

// MaxRecipients is SES's limit per message (To + Cc + Bcc).
const MaxRecipients = 50

// Verifier answers whether an account may use an address (package
// identity's Service).
type Verifier interface {
	IsVerified(ctx context.Context, accountID, addr string) (bool, error)
}

// Intake accepts messages.
type Intake struct {
	store    store.Store
	verifier Verifier
	clock    clock.Clock
	log      *slog.Logger
	// region is named in SES's "failed the check in region" messages.
	region string
	// domain is the right-hand side of the Message-IDs hikyaku makes.
	domain string
	// keepMessageID keeps a raw message's own Message-ID.
	keepMessageID bool
	quotas        *quotas
	// signing finds DKIM keys; nil sends unsigned (tests).
	signing SigningSource
	// mailFrom finds custom MAIL FROM domains; nil uses the default
	// return-path domain for all mail.
	mailFrom   MailFromSource
	configSets ConfigSetSource
	// defaultSets gives the sender identity's default configuration set.
	defaultSets interface {
		DefaultConfigurationSet(ctx context.Context, accountID, addr string) (string, error)
	}
	// templates finds stored templates; nil refuses templated sends.
	templates TemplateSource
	// lists resolves list management; nil refuses sends that ask for it.
	lists ListSource
	// hostname names this node as the reporting MTA of events.
	hostname string
	// queue is the delivery queue fresh mail is handed to (SetQueue).
	queue atomic.Pointer[Queue]
}

// Queue is this node's delivery queue (queue.Scheduler), which intake
// hands fresh mail to.
type Queue interface {
	// Reserve asks for room for n queued recipients of a message of size
	// bytes; if ok, they are inserted leased to owner until until, and
	// after the commit handed over with Take (or the room given back
	// with Release).
	// domains are the queued recipients' domains.
	Reserve(n, size int, domains ...string) (owner string, until time.Time, ok bool)
	Release(n, size int)
	Take(m *store.Message, n int)
	// Notify says unclaimed mail was committed, so the queue claims it at
	// once rather than at its next poll.
	Notify()
}

// SetQueue connects the delivery queue: committed mail goes straight to
// it, in memory (see Queue), instead of waiting to be claimed.
func (in *Intake) SetQueue(q Queue) { in.queue.Store(&q) }

// commit durably inserts msg and hands its queued recipients to the
// delivery queue: leased to this node and in memory when the queue has
// room, else unclaimed, for the queue to claim.
func (in *Intake) commit(ctx context.Context, msg *store.Message) error {
	qp := in.queue.Load()
	if qp == nil {
		return in.store.InsertMessage(ctx, msg)
	}
	q := *qp
	n := 0
	var domains []string
	for _, r := range msg.Recipients {
		if r.Status == store.RcptQueued {
			n++
			if !slices.Contains(domains, r.Domain) {
				domains = append(domains, r.Domain)
			}
		}
	}
	owner, until, ok := q.Reserve(n, len(msg.Body), domains...)
	if ok {
		msg.LeaseOwner, msg.LeaseUntil = owner, until
		for i := range msg.Recipients {
			if r := &msg.Recipients[i]; r.Status == store.RcptQueued {
				r.NextAttemptAt = until
			}
		}
	}
	if err := in.store.InsertMessage(ctx, msg); err != nil {
		if ok {
			q.Release(n, len(msg.Body))
		}
		return err
	}
	switch {
	case ok:
		q.Take(msg, n)
	case n > 0:
		q.Notify()
	}
	return nil
}

// Options configure an Intake.
type Options struct {
	Region        string
	Hostname      string
	KeepMessageID bool
	// Signing finds the DKIM key of a From domain; nil sends unsigned.
	Signing SigningSource
	// MailFrom finds the custom MAIL FROM domain of a sender; nil sends
	// all mail with the default return-path domain.
	MailFrom MailFromSource
	// ConfigSets looks up configuration sets; nil accepts any name
	// without checking it (tests).
	ConfigSets ConfigSetSource
	// DefaultConfigSets gives the configuration set of mail that names
	// none, from its sender identity; nil gives none.
	DefaultConfigSets interface {
		DefaultConfigurationSet(ctx context.Context, accountID, addr string) (string, error)
	}
	// Templates finds stored email templates for templated sends; nil
	// refuses them.
	Templates TemplateSource
	// Lists is list management for sends with ListManagementOptions
	// (listmgmt.go); nil refuses them.
	Lists ListSource
}

// ConfigSetSource finds a configuration set (package configset's Service).
// Lookup fails with a fault (NotFound) for a set that does not exist.
type ConfigSetSource interface {
	Lookup(ctx context.Context, accountID, name string) (*configset.Set, []*configset.Destination, error)
}

// New returns an Intake.
func New(s store.Store, v Verifier, c clock.Clock, log *slog.Logger, o Options) *Intake {
	domain := o.Region + "." + o.Hostname
	return &Intake{store: s, verifier: v, clock: c, log: log, region: o.Region, domain: domain,
		keepMessageID: o.KeepMessageID, quotas: newQuotas(), signing: o.Signing, mailFrom: o.MailFrom,
		configSets: o.ConfigSets, defaultSets: o.DefaultConfigSets, templates: o.Templates, lists: o.Lists,
		hostname: o.Hostname}
}

// Request is one message to accept. Exactly one of Simple, Raw and
// Template is set.
type Request struct {
	Account *store.Account
	// Origin is "api-v2", "api-v1" or "smtp".
	Origin string
	// MaxSize is the size limit for this interface (MaxSizeV2, MaxSizeV1).
	MaxSize int

	// From is FromEmailAddress (v2) or Source (v1); for Raw content it may
	// be empty, and the From header is used.
	From string
	// Destination lists the recipients. For Raw content, when all three
	// are empty, the message's To, Cc and Bcc headers are used.
	To, Cc, Bcc []string
	ReplyTo     []string
	// ReturnPath is where feedback goes (FeedbackForwardingEmailAddress).
	ReturnPath       string
	ConfigurationSet string
	Tags             []store.Tag
	// SourceIP and CallerIdentity are the client's address and the
	// credential it used (access key ID or SMTP user); Operation is SES's
	// name for how the message came in (SendEmail, SendRawEmail,
	// SendSmtpEmail). They become the message's ses: tags, which its
	// events carry.
	SourceIP, CallerIdentity, Operation string

	Simple *Simple
	Raw    []byte
	// Template is rendered into Simple content (templated.go); a message
	// whose template fails to render is accepted but not sent.
	Template *TemplateContent
	// ListManagement is SendEmail's ListManagementOptions (listmgmt.go);
	// nil unless the send names a contact list.
	ListManagement *ListManagement
}

// Simple is SES's Simple content (and v1 SendEmail's Message).
type Simple struct {
	Subject, SubjectCharset string
	Text, TextCharset       string
	HTML, HTMLCharset       string
	Headers                 []Header
	Attachments             []Attachment
}

// Header is a custom header of Simple content.
type Header struct{ Name, Value string }

// Attachment is an attachment of Simple content.
type Attachment struct {
	Content                 []byte
	FileName                string
	ContentType             string
	ContentDisposition      string // ATTACHMENT or INLINE
	ContentID               string
	ContentDescription      string
	ContentTransferEncoding string // BASE64, QUOTED_PRINTABLE or SEVEN_BIT
}

// Send applies the sending policy to req, commits the message and returns
// its message ID. Every refusal is a *fault.Error.
func (in *Intake) Send(ctx context.Context, req *Request) (string, error) {
	id, err := in.send(ctx, req)
	if f := fault.As(err); f != nil && f.Code == "MessageRejected" {
		// SES counts rejected messages in GetSendStatistics.
		if err := in.store.AddStats(ctx, req.Account.ID, in.clock.Now(), store.StatBucket{Rejects: 1}); err != nil {
			in.log.Warn("count reject", "err", err)
		}
	}
	return id, err
}

func (in *Intake) send(ctx context.Context, req *Request) (string, error) {
	acct := req.Account
	if err := sendingAllowed(acct); err != nil {
		return "", err
	}
	now := in.clock.Now().UTC().Truncate(time.Microsecond)
	id := msgid.New(now)

	req, lm, err := listOptions(req)
	if err != nil {
		return "", err
	}
	list, err := in.prepareList(ctx, acct.ID, lm)
	if err != nil {
		return "", err
	}
	links := linksFor(list, singleDestination(req), id, now)
	var failure *template.Error
	if req.Template != nil {
		simple, f, err := in.render(ctx, acct.ID, req.Template, links.reserved())
		if err != nil {
			return "", err
		}
		r := *req
		r.Simple, r.Template, failure = simple, nil, f
		req = &r
	} else if req.Simple != nil {
		r := *req
		r.Simple = links.fillSimple(req.Simple)
		req = &r
	}
	m, err := in.compose(req, id, now)
	if err != nil {
		return "", err
	}
	if list == nil && m.listManagement != nil {
		lm := &ListManagement{ContactList: m.listManagement.ContactListName, Topic: m.listManagement.TopicName}
		if list, err = in.prepareList(ctx, acct.ID, lm); err != nil {
			return "", err
		}
	}
	if list != nil && len(m.rcpts) == 1 {
		if links == nil { // raw content: its recipient is known only now
			links = linksFor(list, m.rcpts[0].String(), id, now)
		}
		m.body = links.setHeaders(m.body)
	}
	if len(m.rcpts) == 0 {
		return "", fault.InvalidMessage("Missing required header 'To'.")
	}
	if len(m.rcpts) > MaxRecipients {
		return "", fault.TooManyRecipients(MaxRecipients)
	}
	if err := in.checkSenders(ctx, acct, m.senders); err != nil {
		return "", err
	}
	if !acct.Production {
		if err := in.checkSandboxRecipients(ctx, acct, m.rcpts); err != nil {
			return "", err
		}
	}
	mailFrom, err := in.mailFromDomain(ctx, acct.ID, m.source)
	if err != nil {
		return "", err
	}

	configSet := firstNonEmpty(req.ConfigurationSet, m.configurationSet)
	if configSet == "" && in.defaultSets != nil {
		if configSet, err = in.defaultSets.DefaultConfigurationSet(ctx, acct.ID, m.source.String()); err != nil {
			in.log.Error("look up the sender's default configuration set", "err", err)
			return "", fault.Internal()
		}
	}
	if err := in.checkConfigSet(ctx, acct.ID, configSet); err != nil {
		return "", err
	}
	if failure != nil {
		return in.commitFailed(ctx, req, m, id, now, configSet, mailFrom, failure)
	}
	if m.body, err = in.seal(ctx, acct.ID, configSet, m.from.Domain, m.body, now); err != nil {
		in.log.Error("sign message", "account", acct.ID, "err", err)
		return "", fault.Internal()
	}
	recipients, daily, err := in.recipients(ctx, acct, id, m.rcpts, now, list)
	if err != nil {
		return "", err
	}
	if err := in.quotas.take(ctx, in.store, acct, len(recipients), daily, now); err != nil {
		return "", err
	}
	msg := newMessage(req, m, id, now, configSet, mailFrom, recipients)
	msg.Events = in.events(msg)
	if err := in.commit(ctx, msg); err != nil {
		in.quotas.giveBack(acct, len(recipients), daily, now)
		in.log.Error("commit message", "account", acct.ID, "err", err)
		return "", fault.Internal()
	}
	in.log.Debug("message accepted", "account", acct.ID, "message_id", id, "recipients", len(recipients), "size", len(m.body))
	return id, nil
}

// newMessage returns the message to commit.
func newMessage(req *Request, m *composed, id string, now time.Time, configSet, mailFrom string, rcpts []store.Recipient) *store.Message {
	return &store.Message{
		ID:               id,
		AccountID:        req.Account.ID,
		Source:           m.source.String(),
		FromHeader:       m.fromHeader,
		Subject:          m.subject,
		ReturnPath:       req.ReturnPath,
		MailFromDomain:   mailFrom,
		ConfigurationSet: configSet,
		Tags:             append(append(append([]store.Tag(nil), m.tags...), req.Tags...), autoTags(req)...),
		Origin:           req.Origin,
		CreatedAt:        now,
		Size:             len(m.body),
		Body:             m.body,
		Recipients:       rcpts,
	}
}

func sendingAllowed(a *store.Account) error {
	if a.EnforcementStatus == "SHUTDOWN" {
		return fault.AccountSuspended("Your account has been shut down because of issues related to your email sending practices.")
	}
	if !a.SendingEnabled {
		return fault.SendingPaused("Sending is paused for this account.")
	}
	return nil
}

// checkSenders requires every sender address (Source, From, Return-Path)
// to be verified, as SES does.
func (in *Intake) checkSenders(ctx context.Context, acct *store.Account, senders []address.Address) error {
	var failed []string
	seen := map[string]bool{}
	for _, a := range senders {
		s := a.String()
		if seen[s] {
			continue
		}
		seen[s] = true
		ok, err := in.verifier.IsVerified(ctx, acct.ID, s)
		if err != nil {
			in.log.Error("check sender identity", "err", err)
			return fault.Internal()
		}
		if !ok {
			failed = append(failed, s)
		}
	}
	if len(failed) > 0 {
		return in.notVerified(failed)
	}
	return nil
}

func (in *Intake) notVerified(failed []string) error {
	return fault.MessageRejected("Email address is not verified. The following identities failed the check in region %s: %s",
		strings.ToUpper(in.region), strings.Join(failed, ", "))
}

// checkSandboxRecipients allows, in the sandbox, only verified recipients
// and the mailbox simulator.
func (in *Intake) checkSandboxRecipients(ctx context.Context, acct *store.Account, rcpts []address.Address) error {
	var failed []string
	for _, a := range rcpts {
		s := a.String()
		if simulator.IsDomain(a.Domain) {
			continue
		}
		ok, err := in.verifier.IsVerified(ctx, acct.ID, s)
		if err != nil {
			in.log.Error("check recipient identity", "err", err)
			return fault.Internal()
		}
		if !ok {
			failed = append(failed, s)
		}
	}
	if len(failed) > 0 {
		return in.notVerified(failed)
	}
	return nil
}

// recipients gives each recipient its initial state: simulator addresses
// their simulated outcome, addresses on the account suppression list the
// OnAccountSuppressionList outcome, contacts of a list send who
// unsubscribed the unsubscribed one (listmgmt.go), the rest queued for
// delivery. daily is how many count toward the daily quota (all but the
// simulator's).
func (in *Intake) recipients(ctx context.Context, acct *store.Account, id string, rcpts []address.Address, now time.Time,
	list *contacts.Send) ([]store.Recipient, int, error) {
	var lookup []string
	for _, a := range rcpts {
		if !simulator.IsDomain(a.Domain) {
			lookup = append(lookup, strings.ToLower(a.String()))
		}
	}
	var suppressed map[string]*store.Suppressed
	if len(lookup) > 0 {
		var err error
		suppressed, err = in.store.GetSuppressed(ctx, acct.ID, lookup)
		if err != nil {
			in.log.Error("check suppression list", "err", err)
			return nil, 0, fault.Internal()
		}
	}
	out := make([]store.Recipient, len(rcpts))
	daily := 0
	for i, a := range rcpts {
		r := store.Recipient{MessageID: id, Index: i, Address: a.String(), Domain: a.Domain,
			Status: store.RcptQueued, NextAttemptAt: now, UpdatedAt: now}
		if st, o, ok := simulator.Result(r.Address); ok {
			r.Status, r.Outcome = st, o
		} else if s := suppressed[strings.ToLower(r.Address)]; s != nil {
			daily++
			r.Status = store.RcptSuppressed
			r.Outcome = store.Outcome{BounceType: "Permanent", BounceSubType: "OnAccountSuppressionList", Status: "5.1.1",
				Diagnostic: "Amazon SES did not send the message to this address because it is on the suppression list for your account. (reason: " + s.Reason + ")"}
		} else {
			daily++
			if list != nil {
				ok, why, err := list.Admits(ctx, r.Address)
				if err != nil {
					in.log.Error("check the recipient's subscription", "list", list.List().Name, "err", err)
					return nil, 0, fault.Internal()
				}
				if !ok {
					unsubscribed(&r, why)
				}
			}
		}
		out[i] = r
	}
	return out, daily, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// checkConfigSet refuses a configuration set that does not exist or whose
// sending is paused, as SES does.
func (in *Intake) checkConfigSet(ctx context.Context, accountID, name string) error {
	if name == "" || in.configSets == nil {
		return nil
	}
	set, _, err := in.configSets.Lookup(ctx, accountID, name)
	if err != nil {
		if fault.As(err) != nil {
			return err
		}
		in.log.Error("look up configuration set", "name", name, "err", err)
		return fault.Internal()
	}
	if !set.SendingEnabled {
		f := fault.SendingPaused("Sending is paused for this configuration set.")
		f.V1Code = "ConfigurationSetSendingPausedException"
		return f
	}
	return nil
}

// autoTags are the ses: tags SES adds to a message's events, from what
// only intake knows; the rest are added when the events are published.
func autoTags(req *Request) []store.Tag {
	var tags []store.Tag
	for _, t := range []store.Tag{{Name: "ses:operation", Value: req.Operation},
		{Name: "ses:source-ip", Value: req.SourceIP}, {Name: "ses:caller-identity", Value: req.CallerIdentity}} {
		if t.Value != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

// events are the message's Send event and the outcomes of recipients
// settled at intake (the mailbox simulator's, the suppressed ones). Mail
// hikyaku sends itself has none.
func (in *Intake) events(m *store.Message) []*store.Event {
	if m.Origin == "system" {
		return nil
	}
	em := eventlog.MessageOf(m)
	evs := []*store.Event{eventlog.Send(em, m.CreatedAt)}
	for i := range m.Recipients {
		evs = append(evs, eventlog.Outcome(em, &m.Recipients[i], m.CreatedAt, eventlog.Options{ReportingMTA: in.hostname})...)
	}
	return evs
}
