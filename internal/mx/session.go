package mx

import (
	"bytes"
	"io"
	"log/slog"
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/hikyaku/hikyaku/internal/verp"
)

var (
	// replyNoSuchUser refuses every recipient that is not ours: the MX
	// relays nothing. ../rfc/3463 §3.2 X.1.1 "Bad destination mailbox address".
	replyNoSuchUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such user here"}
	// replySpoolFailed asks the client to try again: nothing was kept.
	replySpoolFailed = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Local error in processing; try again later"}
)

type backend struct{ srv *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	log := b.srv.log.With("remote", c.Conn().RemoteAddr().String())
	log.Debug("mx session", "helo", c.Hostname())
	return &session{srv: b.srv, log: log}, nil
}

// session is one SMTP session. Any MAIL FROM is taken, bounces' null
// path <> first among them.
type session struct {
	srv   *Server
	log   *slog.Logger
	from  string
	rcpts []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

// Rcpt accepts hikyaku's VERP addresses, the feedback addresses and
// those of the Mailboxes.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !s.srv.accepts(to) {
		s.log.Info("mx recipient refused", "rcpt_to", to, "mail_from", s.from)
		return replyNoSuchUser
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

// Data reads the message and spools it; the 250 reply is sent only once
// it is on disk.
func (s *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err // go-smtp's ErrDataTooLarge and the like, answered as is
	}
	if err := s.srv.accept(buf.Bytes(), s.rcpts); err != nil {
		s.log.Error("mx message not spooled", "err", err)
		return replySpoolFailed
	}
	s.log.Info("mx message accepted", "mail_from", s.from, "rcpt_to", s.rcpts, "size", buf.Len())
	return nil
}

func (s *session) Reset() {
	s.from, s.rcpts = "", nil
}

func (s *session) Logout() error { return nil }

// accepts reports whether the MX takes mail for rcpt.
func (srv *Server) accepts(rcpt string) bool {
	if _, _, ok := verp.Decode(rcpt, srv.cfg.VERPKey); ok || srv.feedback[strings.ToLower(rcpt)] {
		return true
	}
	for _, mb := range srv.cfg.Mailboxes {
		if mb.Accepts(rcpt) {
			return true
		}
	}
	return false
}
