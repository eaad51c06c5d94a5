package smtptest

import (
	"crypto/tls"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// errDropped is what a session method returns after dropping the
// connection; go-smtp's reply to it goes nowhere.
var errDropped = errors.New("smtptest: connection dropped on purpose")

// backend makes a session per EHLO (and again after STARTTLS).
type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	tc := tracked(c.Conn())
	if tc == nil {
		return nil, errors.New("smtptest: untracked connection")
	}
	_, isTLS := c.Conn().(*tls.Conn)
	return &session{s: b.s, c: c, conn: tc, tls: isTLS}, nil
}

// session is one SMTP session; go-smtp calls its methods in turn.
type session struct {
	s    *Server
	c    *smtp.Conn
	conn *trackedConn
	tls  bool
	user string

	from  string
	opts  smtp.MailOptions
	rcpts []string
}

// apply plays a fault: stall, then drop or answer. A nil error means
// "answer normally".
func (ss *session) apply(f *Fault) error {
	if f == nil {
		return nil
	}
	ss.s.sleep(f.Stall)
	switch {
	case f.Drop:
		_ = ss.c.Conn().Close()
		return errDropped
	case f.Code == 0:
		return nil
	case f.Code == 421:
		// Real servers close after a 421 (RFC 5321 §3.8); go-smtp would
		// keep reading, so answer and close here.
		nc := ss.c.Conn()
		_ = nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, _ = nc.Write([]byte(f.line()))
		_ = nc.Close()
	}
	return f.smtpError()
}

func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	if ss.s.opts.RequireAuth && ss.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	if err := ss.apply(ss.s.connFaults(ss.conn.n).Mail); err != nil {
		return err
	}
	ss.from = from
	if opts != nil {
		ss.opts = *opts
	}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.apply(ss.s.fault(ss.s.rcptFaults, to)); err != nil {
		return err
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	f := ss.s.connFaults(ss.conn.n).Data
	for _, rcpt := range ss.rcpts {
		if f != nil {
			break
		}
		f = ss.s.fault(ss.s.dataFaults, rcpt)
	}
	if f != nil && f.Drop {
		// Take a little of the message, then hang up mid-transfer.
		_, _ = io.ReadFull(r, make([]byte, 16))
		return ss.apply(f)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.apply(f); err != nil {
		return err
	}
	ss.s.record(Message{
		From:  ss.from,
		Rcpts: slices.Clone(ss.rcpts),
		Data:  data,
		Conn:  ss.conn.n,
		TLS:   ss.tls || ss.s.opts.ImplicitTLS,
		User:  ss.user,
		Body:  string(ss.opts.Body),
		Size:  ss.opts.Size,
		UTF8:  ss.opts.UTF8,
	})
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.opts, ss.rcpts = "", smtp.MailOptions{}, nil
}

func (ss *session) Logout() error { return nil }

// AuthMechanisms implements smtp.AuthSession: AUTH is offered only when
// the server has users.
func (ss *session) AuthMechanisms() []string {
	if len(ss.s.opts.Users) == 0 {
		return nil
	}
	if len(ss.s.opts.AuthMechs) > 0 {
		return ss.s.opts.AuthMechs
	}
	return []string{sasl.Plain, sasl.Login}
}

// Auth implements smtp.AuthSession.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	if !slices.Contains(ss.AuthMechanisms(), mech) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	check := func(user, pass string) error {
		if want, ok := ss.s.opts.Users[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return smtp.ErrAuthFailed
			}
			return check(user, pass)
		}), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// loginServer is the server side of the LOGIN mechanism, which go-sasl
// has only as a client: it asks "Username:" then "Password:", and takes
// a username sent as an initial response.
type loginServer struct {
	check func(user, pass string) error
	user  string
	step  int
}

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		l.step = 1
		if len(response) == 0 {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		l.user = strings.TrimSpace(string(response))
		l.step = 2
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(response))
	}
}
