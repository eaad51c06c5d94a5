package contacts

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultTokenTTL is how long an unsubscribe link works: long after
// the mail is read, as a recipient may come back to an old message, and
// not for ever, so that a link in mail forwarded or leaked years later
// changes nothing. SES does not say how long its links last.
const DefaultTokenTTL = 60 * 24 * time.Hour

// Token is what an unsubscribe link stands for: who may change what, and
// until when. It is sealed with an HMAC, so a recipient can change only
// their own subscription, to the list and topic of the mail they got.
type Token struct {
	AccountID string
	List      string
	// Topic is the send's TopicName, "" for the list as a whole.
	Topic string
	// Address is the recipient's address, as the send gave it.
	Address string
	// MessageID is the message the link came in; the Subscription event
	// of a change is about it.
	MessageID string
	Expires   time.Time
}

// Errors of Links.Open.
var (
	// ErrInvalidToken means a token or address hikyaku did not make, or
	// one that was altered.
	ErrInvalidToken = errors.New("contacts: invalid unsubscribe token")
	// ErrExpiredToken means a genuine token past its expiry.
	ErrExpiredToken = errors.New("contacts: unsubscribe link expired")
)

// tokenVersion starts every token, so that its format can change.
const tokenVersion = 1

// macContext starts the token MAC's input, and mailtoContext the mailto
// tag's, so that one can never stand in for the other.
const (
	macContext    = "hikyaku unsubscribe v1\x00"
	mailtoContext = "hikyaku unsubscribe mailto v1\x00"
	macBytes      = 16
)

// Links makes and reads the unsubscribe links of sends with
// ListManagementOptions: the https URL of the one-click endpoint and
// preference page, and the mailto address the inbound MX takes.
type Links struct {
	key []byte
	// MXHost is the domain of the mailto addresses: the inbound MX's
	// host name, whose MX record must reach the --mx listener.
	MXHost string
	// TTL is how long a link works (DefaultTokenTTL when zero).
	TTL     time.Duration
	baseURL atomic.Pointer[string]
}

// NewLinks returns Links sealing with key (a secret every node shares:
// node derives it from the master key), for pages at baseURL.
func NewLinks(key []byte, baseURL, mxHost string) *Links {
	l := &Links{key: key, MXHost: mxHost}
	l.SetBaseURL(baseURL)
	return l
}

// SetBaseURL changes the base URL of the links made from now on (serve
// knows the port it bound only once it listens).
func (l *Links) SetBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	l.baseURL.Store(&u)
}

func (l *Links) ttl() time.Duration {
	if l.TTL > 0 {
		return l.TTL
	}
	return DefaultTokenTTL
}

// Seal returns t as an opaque URL-safe string.
func (l *Links) Seal(t Token) string { return l.seal(macContext, t) }

func (l *Links) seal(context string, t Token) string {
	b := []byte{tokenVersion}
	b = binary.AppendUvarint(b, uint64(t.Expires.Unix()))
	for _, s := range []string{t.AccountID, t.List, t.Topic, t.Address, t.MessageID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = append(b, l.mac(context, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (l *Links) mac(context string, b []byte) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(context))
	m.Write(b)
	return m.Sum(nil)[:macBytes]
}

// Open reads a token Seal made: ErrInvalidToken for anything else,
// ErrExpiredToken once it expired at now.
func (l *Links) Open(s string, now time.Time) (*Token, error) { return l.open(macContext, s, now) }

func (l *Links) open(context, s string, now time.Time) (*Token, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 1+macBytes || b[0] != tokenVersion {
		return nil, ErrInvalidToken
	}
	payload, sum := b[:len(b)-macBytes], b[len(b)-macBytes:]
	if !hmac.Equal(sum, l.mac(context, payload)) {
		return nil, ErrInvalidToken
	}
	rest := payload[1:]
	exp, n := binary.Uvarint(rest)
	if n <= 0 {
		return nil, ErrInvalidToken
	}
	rest = rest[n:]
	var fields [5]string
	for i := range fields {
		size, n := binary.Uvarint(rest)
		if n <= 0 || size > uint64(len(rest)-n) {
			return nil, ErrInvalidToken
		}
		fields[i] = string(rest[n : n+int(size)])
		rest = rest[n+int(size):]
	}
	if len(rest) != 0 {
		return nil, ErrInvalidToken
	}
	t := &Token{AccountID: fields[0], List: fields[1], Topic: fields[2], Address: fields[3], MessageID: fields[4],
		Expires: time.Unix(int64(exp), 0).UTC()}
	if !now.Before(t.Expires) {
		return t, ErrExpiredToken
	}
	return t, nil
}

// NewToken returns the token of a send to addr of message messageID at
// now, expiring after the TTL.
func (l *Links) NewToken(accountID, list, topic, addr, messageID string, now time.Time) Token {
	return Token{AccountID: accountID, List: list, Topic: topic, Address: addr, MessageID: messageID,
		Expires: now.Add(l.ttl()).Truncate(time.Second)}
}

// Path is where the unsubscribe endpoint is served.
const Path = "/unsubscribe"

// URL returns the https (or, without --public-url, http) link of a
// sealed token: GET shows the preference page, POST with
// List-Unsubscribe=One-Click unsubscribes (RFC 8058 §3.1).
func (l *Links) URL(sealed string) string {
	return *l.baseURL.Load() + Path + "?t=" + url.QueryEscape(sealed)
}

// TokenFromURL returns the sealed token of a link URL made.
func TokenFromURL(u string) (string, bool) {
	p, err := url.Parse(u)
	if err != nil || !strings.HasSuffix(p.Path, Path) {
		return "", false
	}
	t := p.Query().Get("t")
	return t, t != ""
}
