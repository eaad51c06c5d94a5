package load

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTP is how to submit over SMTP.
type SMTP struct {
	// Addr is the server, HOST:PORT.
	Addr string
	// PerConnection is how many messages a session carries before it
	// quits; default 1, as smtp-source without -d.
	PerConnection int
	// StartTLS upgrades every session with STARTTLS; InsecureTLS skips
	// verifying the server's certificate (self-signed test servers).
	StartTLS    bool
	InsecureTLS bool
	// Username and Password, when set, authenticate with AUTH PLAIN.
	Username, Password string
	// Helo is the name given in EHLO; default "bench.hikyaku.invalid".
	// With STARTTLS it is given after the upgrade (go-smtp's EHLO before
	// it says "localhost").
	Helo string
}

// smtpSender is one session at a time: it opens a connection when it
// needs one, and quits after PerConnection messages, after a 421 or when
// the connection failed.
type smtpSender struct {
	cfg  SMTP
	from string
	c    *smtp.Client
	used int
}

func (s *smtpSender) send(ctx context.Context, m *message) error {
	if s.c == nil {
		c, err := s.dial(ctx)
		if err != nil {
			return err
		}
		s.c, s.used = c, 0
	}
	err := s.transaction(m)
	s.used++
	var se *smtp.SMTPError
	switch {
	case err != nil && (!errors.As(err, &se) || se.Code == 421):
		// The connection is gone or going: start afresh next time.
		_ = s.c.Close()
		s.c = nil
	case err != nil && s.used < s.cfg.PerConnection:
		// A refusal: the session goes on after RSET.
		if s.c.Reset() != nil {
			_ = s.c.Close()
			s.c = nil
		}
	case s.used >= s.cfg.PerConnection:
		// Its last message, taken or refused: a refused one counts too,
		// or a session whose last message was refused would carry more.
		s.close()
	}
	return err
}

// transaction is MAIL, RCPT and DATA for m.
func (s *smtpSender) transaction(m *message) error {
	size := int64(len(m.head) + len(m.body))
	if err := s.c.Mail(s.from, &smtp.MailOptions{Size: size}); err != nil {
		return err
	}
	if err := s.c.Rcpt(m.to, nil); err != nil {
		return err
	}
	w, err := s.c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.head); err != nil {
		return err
	}
	if _, err := w.Write(m.body); err != nil {
		return err
	}
	return w.Close()
}

// dial opens a session: connect, EHLO, STARTTLS and AUTH as configured.
func (s *smtpSender) dial(ctx context.Context) (*smtp.Client, error) {
	d := net.Dialer{Timeout: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return nil, err
	}
	var c *smtp.Client
	if s.cfg.StartTLS {
		host, _, _ := net.SplitHostPort(s.cfg.Addr)
		c, err = smtp.NewClientStartTLS(nc, &tls.Config{ServerName: host, InsecureSkipVerify: s.cfg.InsecureTLS})
		if err != nil {
			nc.Close()
			return nil, fmt.Errorf("STARTTLS: %w", err)
		}
	} else {
		c = smtp.NewClient(nc)
	}
	helo := s.cfg.Helo
	if helo == "" {
		helo = "bench.hikyaku.invalid"
	}
	if err := c.Hello(helo); err != nil {
		c.Close()
		return nil, err
	}
	if s.cfg.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password)); err != nil {
			c.Close()
			return nil, fmt.Errorf("AUTH: %w", err)
		}
	}
	return c, nil
}

func (s *smtpSender) close() {
	if s.c != nil {
		_ = s.c.Quit()
		_ = s.c.Close()
		s.c = nil
	}
}
