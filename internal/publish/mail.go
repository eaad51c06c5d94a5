package publish

import (
	"context"
	"strings"
	"sync"

	"github.com/hikyaku/hikyaku/internal/events"
	"github.com/hikyaku/hikyaku/internal/store"
)

// mailCache builds the mail objects of events, keeping the last few, as
// consecutive events are usually about the same message.
type mailCache struct {
	store  store.Store
	region string

	mu    sync.Mutex
	order []string
	byID  map[string]*events.Mail
}

const mailCacheSize = 512

func newMailCache(st store.Store, region string) *mailCache {
	return &mailCache{store: st, region: region, byID: map[string]*events.Mail{}}
}

// get returns the mail object of se's message.
func (c *mailCache) get(ctx context.Context, se *store.Event) (*events.Mail, error) {
	c.mu.Lock()
	m := c.byID[se.MessageID]
	c.mu.Unlock()
	if m != nil {
		return m, nil
	}
	msg, err := c.store.GetMessage(ctx, se.MessageID)
	if err != nil {
		return nil, err
	}
	body, err := c.store.GetMessageBody(ctx, se.MessageID)
	if err != nil {
		return nil, err
	}
	m = MailOf(msg, body, c.region)
	c.mu.Lock()
	if len(c.order) >= mailCacheSize {
		delete(c.byID, c.order[0])
		c.order = c.order[1:]
	}
	c.order = append(c.order, se.MessageID)
	c.byID[se.MessageID] = m
	c.mu.Unlock()
	return m, nil
}

// MailOf returns SES's mail object of a stored message and its body.
func MailOf(msg *store.Message, body []byte, region string) *events.Mail {
	headers, common, truncated := events.HeadersFrom(body)
	own := map[string][]string{}
	var o events.Origin
	for _, t := range msg.Tags {
		switch t.Name {
		case "ses:operation":
			o.Operation = t.Value
		case "ses:source-ip":
			o.SourceIP = t.Value
		case "ses:caller-identity":
			o.CallerIdentity = t.Value
		default:
			own[t.Name] = append(own[t.Name], t.Value)
		}
	}
	o.ConfigurationSet = msg.ConfigurationSet
	o.FromDomain = events.FromDomain(common)
	m := &events.Mail{
		Timestamp: msg.CreatedAt, Source: msg.Source, SendingAccountID: msg.AccountID, MessageID: msg.ID,
		SourceIP: o.SourceIP, CallerIdentity: o.CallerIdentity,
		Headers: headers, CommonHeaders: common, HeadersTruncated: truncated,
		Tags: events.AutoTags(o, own),
	}
	if id := sourceIdentity(msg.Source); id != "" {
		m.SourceArn = "arn:aws:ses:" + region + ":" + msg.AccountID + ":identity/" + id
	}
	for _, r := range msg.Recipients {
		m.Destination = append(m.Destination, r.Address)
	}
	return m
}

// sourceIdentity is the identity a message was sent under: its sender's
// domain (SES names the domain identity when the address is not itself
// verified; hikyaku does not record which, and the domain is the common
// case).
func sourceIdentity(source string) string {
	if i := strings.LastIndexByte(source, '<'); i >= 0 {
		source = strings.TrimSuffix(source[i+1:], ">")
	}
	if at := strings.LastIndexByte(source, '@'); at >= 0 {
		return source[at+1:]
	}
	return ""
}
