package dns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	mdns "github.com/miekg/dns"
)

// udpSize is the EDNS0 buffer size advertised (RFC 6891): the size DNS
// flag day 2020 settled on, large enough for most answers and small
// enough to avoid IP fragmentation. Larger answers come back truncated
// and are asked again over TCP.
const udpSize = 1232

var errMismatch = errors.New("answer does not match the question")

// exchange asks the server one question and returns its answer, whatever
// the rcode. It retries after a timeout, a network error or SERVFAIL, up
// to cfg.Attempts queries; the error is that of the last attempt.
func (c *Client) exchange(ctx context.Context, name string, qtype uint16) (*mdns.Msg, error) {
	var (
		r   *mdns.Msg
		err error
	)
	for attempt := 1; attempt <= c.cfg.Attempts; attempt++ {
		r, err = c.exchangeOnce(ctx, name, qtype)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err == nil && r.Rcode != mdns.RcodeServerFailure {
			return r, nil
		}
		if attempt < c.cfg.Attempts {
			c.cfg.Logger.Debug("dns: retrying", slog.String("name", name),
				slog.String("type", mdns.Type(qtype).String()),
				slog.String("server", c.cfg.Server), slog.Any("error", describe(r, err)))
		}
	}
	return r, err
}

// exchangeOnce is one attempt: a UDP query, and the same over TCP if the
// UDP answer is truncated (RFC 7766 §5).
func (c *Client) exchangeOnce(ctx context.Context, name string, qtype uint16) (*mdns.Msg, error) {
	q := new(mdns.Msg)
	q.SetQuestion(name, qtype)
	q.RecursionDesired = true
	q.SetEdns0(udpSize, false)

	r, err := c.send(ctx, "udp", q)
	if err == nil && r.Rcode == mdns.RcodeFormatError {
		// A server that does not know EDNS0 answers FORMERR; ask it
		// again without (RFC 6891 §7).
		q.Extra = nil
		q.Id = mdns.Id()
		r, err = c.send(ctx, "udp", q)
	}
	if err != nil || !r.Truncated {
		return r, err
	}
	c.cfg.Logger.Debug("dns: truncated over UDP, asking over TCP", slog.String("name", name),
		slog.String("type", mdns.Type(qtype).String()))
	q.Id = mdns.Id()
	return c.send(ctx, "tcp", q)
}

func (c *Client) send(ctx context.Context, network string, q *mdns.Msg) (*mdns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	mc := &mdns.Client{Net: network, Timeout: c.cfg.Timeout, UDPSize: udpSize}
	r, _, err := mc.ExchangeContext(ctx, q, c.cfg.Server)
	if err != nil {
		return nil, fmt.Errorf("over %s: %w", network, err)
	}
	// The ID is checked by miekg/dns; the question guards against a
	// confused or spoofing server answering something else. Error answers
	// may leave the question out.
	if len(r.Question) == 0 && r.Rcode != mdns.RcodeSuccess {
		return r, nil
	}
	if len(r.Question) != 1 || r.Question[0].Qtype != q.Question[0].Qtype ||
		!strings.EqualFold(r.Question[0].Name, q.Question[0].Name) {
		return nil, fmt.Errorf("over %s: %w", network, errMismatch)
	}
	return r, nil
}

// describe is the failure of an attempt, for logs.
func describe(r *mdns.Msg, err error) error {
	if err != nil {
		return err
	}
	return rcodeError(r.Rcode)
}

// rcodeError names an error answer.
func rcodeError(rcode int) error {
	return fmt.Errorf("server answered %s", mdns.RcodeToString[rcode])
}
