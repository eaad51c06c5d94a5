// Package bounce turns the feedback the inbound MX receives (bounces,
// complaints, auto-replies) into what hikyaku knows about a recipient: it
// parses the message with package feedback, matches it to the message and
// recipient it is about, and records the outcome, the account's
// statistics and, where the account asks for it, a suppression.
//
// Matching prefers the VERP return path (package verp), whose keyed tag
// names the message and recipient without trusting the report's content;
// only when no VERP address is at hand does it fall back to the
// Message-ID the report quotes, together with the recipient's address.
package bounce

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/feedback"
	"github.com/hikyaku/hikyaku/internal/store"
)

// ErrUnmatched is returned (wrapped) by Process for feedback that names
// no message or recipient hikyaku knows, or that is not feedback at all.
// Retrying it cannot help: the caller keeps the message for the operator.
var ErrUnmatched = errors.New("bounce: feedback matches no message")

// Processor records feedback. Its fields are required but Log (nil
// discards) and Clock (nil means the real clock).
type Processor struct {
	Store store.Store
	// VERPKey is the node's return-path key (node.VERPKey).
	VERPKey []byte
	Clock   clock.Clock
	Log     *slog.Logger
	// SuppressedReasons gives the reasons for automatic suppression of
	// mail sent with a configuration set (configset.Service's); nil uses
	// the account's.
	SuppressedReasons func(ctx context.Context, acct *store.Account, configSet string) []string
}

func (p *Processor) log() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Log
}

func (p *Processor) now() clock.Clock {
	if p.Clock == nil {
		return clock.Real{}
	}
	return p.Clock
}

// Process reads one received message, raw, delivered to the envelope
// recipients rcptTo, and records what it says. It returns an error
// wrapping ErrUnmatched when the message is not about a recipient hikyaku
// sent to, and another error when the store failed, in which case calling
// it again with the same message is safe: it counts a bounce or complaint
// in the statistics only when it changes the recipient's status.
func (p *Processor) Process(ctx context.Context, raw []byte, rcptTo []string) error {
	rep, err := feedback.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnmatched, err)
	}
	log := p.log().With("kind", rep.Kind, "format", rep.Format)
	switch rep.Kind {
	case feedback.KindBounce, feedback.KindComplaint:
	case feedback.KindAutoReply, feedback.KindDelivery:
		// An auto-reply says nothing about delivery; a delivery report
		// confirms what the queue already recorded.
		log.Info("feedback ignored", "returned_to", rep.ReturnedTo, "original_message_id", rep.Original.MessageID)
		return nil
	default:
		return fmt.Errorf("%w: not a bounce, complaint or auto-reply", ErrUnmatched)
	}
	matches, err := p.match(ctx, rep, rcptTo)
	if err != nil {
		return err
	}
	if len(matches) == 0 {
		return fmt.Errorf("%w: %s for %q (Message-ID %q)", ErrUnmatched, rep.Kind, rep.ReturnedTo, rep.Original.MessageID)
	}
	for _, m := range matches {
		if err := p.apply(ctx, rep, m); err != nil {
			return err
		}
	}
	return nil
}
