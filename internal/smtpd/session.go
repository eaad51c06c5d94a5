package smtpd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/intake"
	"github.com/hikyaku/hikyaku/internal/store"
)

// rcptHardLimit bounds the recipients held for one transaction. Up to it,
// recipients are accepted and a message with more than SES's 50 is refused
// after DATA, as SES does; beyond it RCPT itself is refused.
const rcptHardLimit = 1000

type backend struct{ srv *Server }

// NewSession is called on the first EHLO of a connection, and again after
// STARTTLS (go-smtp starts a new session on the encrypted channel).
func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	s := &session{srv: b.srv, conn: c, tls: isTLS, tracked: tracked(c.Conn())}
	s.log = b.srv.log.With("remote", c.Conn().RemoteAddr().String(), "tls", isTLS)
	if b.srv.cfg.trusted(c.Conn().RemoteAddr()) {
		s.trusted, s.acct = true, b.srv.cfg.TrustedAccount
		s.log = s.log.With("account", s.acct.ID, "trusted_network", true)
	}
	s.log.Debug("smtp session", "helo", c.Hostname())
	return s, nil
}

// session is one SMTP session: the connection's state from EHLO (or from
// STARTTLS) on. It implements go-smtp's Session and AuthSession.
type session struct {
	srv     *Server
	conn    *smtp.Conn
	tracked *trackedConn
	log     *slog.Logger
	tls     bool
	// trusted sessions come from Config.TrustedNetworks: no TLS or AUTH
	// needed, mail goes out as Config.TrustedAccount.
	trusted bool

	acct *store.Account

	from  string
	rcpts []string
}

// AuthMechanisms lists what EHLO advertises: nothing before TLS, as SES.
func (s *session) AuthMechanisms() []string {
	if !s.tls {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

// Auth starts an AUTH exchange.
func (s *session) Auth(mech string) (sasl.Server, error) {
	if !s.tls {
		return nil, replyMustStartTLS
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(s.authenticate), nil
	case sasl.Login:
		return &loginServer{authenticate: s.authenticate}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// authenticate checks one set of credentials. The password goes to the
// Authenticator and nowhere else.
func (s *session) authenticate(identity, username, password string) error {
	ctx, cancel := context.WithTimeout(s.srv.ctx, time.Minute)
	defer cancel()
	var acct *store.Account
	err := ErrBadCredentials
	// PLAIN may name an authorization identity; there is nobody else to
	// act for, so only the user itself is allowed.
	if identity == "" || identity == username {
		acct, err = s.srv.auth.Authenticate(ctx, username, password)
		if err == nil && acct == nil {
			err = ErrBadCredentials
		}
	}
	switch {
	case err == nil:
		s.acct = acct
		s.log = s.log.With("user", username, "account", acct.ID)
		s.log.Info("smtp authenticated")
		return nil
	case errors.Is(err, ErrBadCredentials):
		failures := 0
		if s.tracked != nil {
			s.tracked.authFailures++
			failures = s.tracked.authFailures
			if failures >= maxAuthFailures {
				s.tracked.hangUp.Store(true)
			}
		}
		s.log.Warn("smtp authentication failed", "user", username, "failures", failures, "err", err)
		return replyBadAuth
	default:
		s.log.Error("smtp authentication could not be checked", "user", username, "err", err)
		return replyAuthTemporary
	}
}

// Mail starts a transaction.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	switch {
	case !s.tls && !s.trusted:
		return replyMustStartTLS
	case s.acct == nil:
		return replyAuthRequired
	case s.from != "":
		// go-smtp would let a second MAIL through and keep the first
		// one's recipients; RFC 5321 §4.1.4 makes it a sequence error.
		return replyBadSequence
	case from == "":
		return replyNullSender
	}
	a, err := envelopeAddress(from)
	if err != nil {
		s.log.Info("smtp sender refused", "from", from, "err", err)
		return reply(553, "5.1.7", "<"+from+"> Invalid email address")
	}
	s.from, s.rcpts = a.String(), nil
	return nil
}

// Rcpt adds a recipient.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.acct == nil {
		return replyAuthRequired
	}
	a, err := envelopeAddress(to)
	if err != nil {
		s.log.Info("smtp recipient refused", "to", to, "err", err)
		return reply(553, "5.1.3", "<"+to+"> address unknown")
	}
	if len(s.rcpts) >= rcptHardLimit {
		return replyTooManyRcpts
	}
	s.rcpts = append(s.rcpts, a.String())
	return nil
}

// Data reads the message and submits it. Whatever it returns becomes the
// reply, success included (see replyOK).
func (s *session) Data(r io.Reader) error {
	// With BDAT, go-smtp runs Data on a goroutine of its own while it
	// goes on reading commands (an RSET resets the session), so the
	// transaction is copied first.
	acct, from, rcpts := s.acct, s.from, s.rcpts
	if acct == nil || from == "" || len(rcpts) == 0 {
		// go-smtp allows DATA only after MAIL and a RCPT it accepted,
		// which are the ones recorded here; this is a safety net.
		return replyBadSequence
	}
	log := s.log.With("from", from, "recipients", len(rcpts))
	if len(rcpts) > intake.MaxRecipients {
		// SES answers after DATA, not at the 51st RCPT
		// (thewca/worldcubeassociation.org#9467, skaut/SRS#1027: "SMTP
		// server did not accept . with error: 554 Transaction failed:
		// Recipient count exceeds 50."). go-smtp discards the unread data.
		rep := faultReply(fault.TooManyRecipients(intake.MaxRecipients))
		log.Info("smtp message refused", "code", rep.Code, "result", rep.Message)
		return rep
	}
	if !s.srv.beginSubmit() {
		return replyTemporary
	}
	defer s.endSubmitAfterReply()

	buf, err := s.read(r)
	defer putBuffer(buf)
	if err != nil {
		var rep *smtp.SMTPError
		if errors.As(err, &rep) {
			log.Info("smtp message refused", "code", rep.Code, "result", rep.Message)
			return rep
		}
		log.Info("smtp message not received", "err", err)
		return replyTemporary
	}

	ctx, cancel := context.WithTimeout(s.srv.ctx, submitTimeout)
	defer cancel()
	start := time.Now()
	id, err := s.srv.sub.Submit(ctx, acct, from, rcpts, buf.Bytes())
	log = log.With("size", buf.Len(), "took", time.Since(start))
	if err != nil {
		f := fault.As(err)
		if f == nil {
			log.Error("smtp message not submitted", "err", err)
			return replyTemporary
		}
		rep := faultReply(f)
		log.Info("smtp message refused", "code", rep.Code, "result", rep.Message, "err", err)
		return rep
	}
	log.Info("smtp message accepted", "message_id", id)
	return replyOK(id)
}

// endSubmitAfterReply tells Shutdown the transaction is over once its
// reply has reached the connection, so that closing it cannot swallow a
// "250 Ok" for a message that was accepted.
func (s *session) endSubmitAfterReply() {
	if s.tracked == nil {
		s.srv.endSubmit()
		return
	}
	s.tracked.afterNextWrite(s.srv.endSubmit)
}

// read reads the message, up to the size limit go-smtp enforces, keeping
// the connection's read deadline moving as data arrives: go-smtp sets it
// once per command, which would otherwise bound the whole transfer. The
// buffer comes from a pool (give it back with putBuffer once Submit has
// returned): growing a fresh one for every message was the largest share
// of the bytes the MTA benchmark allocated.
func (s *session) read(r io.Reader) (*bytes.Buffer, error) {
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	_, err := buf.ReadFrom(&deadlineReader{r: r, conn: s.conn.Conn(), timeout: s.srv.cfg.ReadTimeout})
	var ne net.Error
	switch {
	case err == nil:
		return buf, nil
	case errors.Is(err, smtp.ErrDataTooLarge):
		return buf, replyTooLong
	case errors.As(err, &ne) && ne.Timeout():
		return buf, replyDataTimeout
	}
	return buf, fmt.Errorf("read message: %w", err)
}

// buffers holds read buffers for reuse.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooled is the largest buffer kept for reuse; a rare huge message's
// buffer goes to the garbage collector rather than stay in the pool.
const maxPooled = 1 << 20

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooled {
		buffers.Put(b)
	}
}

type deadlineReader struct {
	r       io.Reader
	conn    net.Conn
	timeout time.Duration
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	if err := d.conn.SetReadDeadline(time.Now().Add(d.timeout)); err != nil {
		return 0, err
	}
	return d.r.Read(p)
}

// Reset ends a transaction (RSET, a new EHLO, or the end of DATA).
func (s *session) Reset() {
	s.from, s.rcpts = "", nil
}

// Logout ends the session.
func (s *session) Logout() error {
	s.log.Debug("smtp session ended")
	return nil
}
