package intake

import (
	"bytes"
	"context"
	"time"

	"github.com/hikyaku/hikyaku/internal/dkim"
	"github.com/hikyaku/hikyaku/internal/identity"
	"github.com/hikyaku/hikyaku/internal/verp"
)

// SigningSource finds the DKIM key for mail from a domain (package
// identity's Service).
type SigningSource interface {
	SigningFor(ctx context.Context, accountID, fromDomain string) (*identity.Signing, error)
}

// seal adds what SES adds before a message leaves (Feedback-ID) and signs
// it with the From domain's DKIM key when its identity has signing on.
// Signing happens here, once, so retries send the same signed bytes.
func (in *Intake) seal(ctx context.Context, accountID, configSet, fromDomain string, body []byte, now time.Time) ([]byte, error) {
	if !hasHeader(body, "Feedback-ID") {
		fb := "Feedback-ID: " + verp.FeedbackID(in.region, accountID, configSet) + "\r\n"
		body = append([]byte(fb), body...)
	}
	if in.signing == nil {
		return body, nil
	}
	sg, err := in.signing.SigningFor(ctx, accountID, fromDomain)
	if err != nil || sg == nil {
		return body, err
	}
	return dkim.Sign(body, dkim.SignOptions{Domain: sg.Domain, Selector: sg.Selector, Signer: sg.Key.Signer(), Time: now})
}

// hasHeader reports whether the header section of msg has a field name
// (case-insensitive).
func hasHeader(msg []byte, name string) bool {
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(msg)
	}
	head := msg[:end]
	for len(head) > 0 {
		line := head
		if i := bytes.Index(head, []byte("\r\n")); i >= 0 {
			line, head = head[:i], head[i+2:]
		} else {
			head = nil
		}
		if len(line) > len(name) && line[len(name)] == ':' && bytes.EqualFold(line[:len(name)], []byte(name)) {
			return true
		}
	}
	return false
}
