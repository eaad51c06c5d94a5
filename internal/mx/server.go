// Package mx is hikyaku's inbound MX: the SMTP listener that the MX
// records of the return-path domains point at, where bounces, complaints
// and auto-replies come back.
//
// It takes mail only for hikyaku's VERP return paths (package verp, on
// any domain: custom MAIL FROM domains differ per identity), for the
// configured feedback addresses and for the addresses of its Mailboxes
// (the List-Unsubscribe mailto addresses of package contacts); every
// other recipient gets 550 5.1.1, so it never relays. What it accepts is written to a spool directory and
// synced before the 250 reply, then handed to a Processor (package bounce
// in production). A message stays in the spool until the Processor has
// dealt with it, so a failure or a crash loses nothing: the spool is
// processed again at start-up and every RetryInterval. Messages the
// Processor cannot match are moved to the spool's unmatched/ directory
// for the operator.
//
// The protocol is emersion/go-smtp's; there is no AUTH, and STARTTLS when
// a TLSConfig is given (MTAs deliver bounces in plain text when it is not
// offered).
package mx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Processor deals with one accepted message: raw as received, rcptTo its
// envelope recipients. An error wrapping ErrUnmatched means the message
// is about nothing the Processor knows and will never be: it is kept in
// unmatched/. Any other error leaves the message in the spool to be
// offered again later, so Process must be safe to call twice.
type Processor interface {
	Process(ctx context.Context, raw []byte, rcptTo []string) error
}

// ProcessorFunc adapts a function to Processor.
type ProcessorFunc func(ctx context.Context, raw []byte, rcptTo []string) error

// Process calls f.
func (f ProcessorFunc) Process(ctx context.Context, raw []byte, rcptTo []string) error {
	return f(ctx, raw, rcptTo)
}

// ErrUnmatched is what a Processor wraps to have a message kept for the
// operator rather than retried.
var ErrUnmatched = errors.New("mx: message matches nothing")

// Mailbox is a further kind of address the MX takes mail for, with the
// Processor of that mail. A message is handed to each Mailbox with the
// envelope recipients it accepts, and to the MX's own Processor (bounces
// and complaints) with the others; each must be safe to call again with
// the same message, as a failure of either has the message offered again.
type Mailbox interface {
	// Accepts reports whether the mailbox takes mail for rcpt. It is
	// asked at RCPT TO, so it must answer at once, from rcpt alone.
	Accepts(rcpt string) bool
	Processor
}

// Config configures the listener. The zero value of each field but Addr,
// SpoolDir and VERPKey means its default.
type Config struct {
	// Addr is the listen address; "" or "off" disables the listener.
	Addr string
	// Hostname is the name in the greeting. Default "localhost".
	Hostname string
	// SpoolDir holds accepted messages until processed (DATA/inbound).
	SpoolDir string
	// VERPKey is the return-path key: a recipient is accepted when
	// verp.Decode reads it with this key.
	VERPKey []byte
	// TLSConfig, when set, offers STARTTLS: senders that insist on TLS
	// (and those that prefer it) can return feedback encrypted.
	TLSConfig *tls.Config
	// FeedbackAddresses are further recipients accepted, such as the
	// address feedback loops send complaints to. Compared without case.
	FeedbackAddresses []string
	// Mailboxes take the mail for addresses of their own.
	Mailboxes []Mailbox
	// MaxMessageBytes is the largest message accepted. Default 10 MB:
	// a bounce returns at most the original, which SES caps at 10 MB
	// for the API.
	MaxMessageBytes int
	// MaxRecipients bounds a transaction's recipients. Default 100, the
	// minimum RFC 5321 §4.5.3.1.8 asks servers to take.
	MaxRecipients int
	// MaxConnections bounds the connections open at once; MaxPerIP those
	// from one client address. Defaults 200 and 10.
	MaxConnections int
	MaxPerIP       int
	// ReadTimeout and WriteTimeout bound each command and reply. Defaults
	// 5 minutes (RFC 5321 §4.5.3.2.7) and 1 minute.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// RetryInterval is how often the spool is processed again for the
	// messages that failed. Default 5 minutes.
	RetryInterval time.Duration
}

func (c *Config) setDefaults() {
	if c.Hostname == "" {
		c.Hostname = "localhost"
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 10 << 20
	}
	if c.MaxRecipients <= 0 {
		c.MaxRecipients = 100
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = 200
	}
	if c.MaxPerIP <= 0 {
		c.MaxPerIP = 10
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 5 * time.Minute
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = time.Minute
	}
	if c.RetryInterval <= 0 {
		c.RetryInterval = 5 * time.Minute
	}
}

// processTimeout bounds one Process call.
const processTimeout = time.Minute

// Server is the inbound MX. Make one with New, then Start it.
type Server struct {
	cfg       Config
	proc      Processor
	log       *slog.Logger
	spool     *spool
	feedback  map[string]bool
	smtp      *smtp.Server
	ln        net.Listener
	work      chan string
	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// New returns a Server handing messages to proc and logging to log (nil
// discards). Nothing listens until Start.
func New(cfg Config, proc Processor, log *slog.Logger) *Server {
	cfg.setDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fb := map[string]bool{}
	for _, a := range cfg.FeedbackAddresses {
		fb[strings.ToLower(a)] = true
	}
	return &Server{cfg: cfg, proc: proc, log: log.With("component", "mx"), feedback: fb,
		work: make(chan string, 1024), done: make(chan struct{})}
}

// Start opens the spool, binds the listener and serves it in the
// background, and starts processing: first what the spool holds from
// before, then each message as it arrives. ctx bounds the start only.
func (s *Server) Start(ctx context.Context) error {
	if s.cfg.Addr == "" || s.cfg.Addr == "off" {
		s.log.Info("mx disabled")
		return nil
	}
	sp, err := openSpool(s.cfg.SpoolDir)
	if err != nil {
		return err
	}
	s.spool = sp
	srv := smtp.NewServer(backend{s})
	srv.Domain = s.cfg.Hostname
	srv.MaxMessageBytes = int64(s.cfg.MaxMessageBytes)
	srv.MaxRecipients = s.cfg.MaxRecipients
	srv.ReadTimeout = s.cfg.ReadTimeout
	srv.WriteTimeout = s.cfg.WriteTimeout
	srv.ErrorLog = errorLog{s.log}
	srv.TLSConfig = s.cfg.TLSConfig
	s.smtp = srv
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mx: listen on --mx %s (is another process using it?): %w", s.cfg.Addr, err)
	}
	s.ln = &limitListener{Listener: ln, max: s.cfg.MaxConnections, perIP: s.cfg.MaxPerIP,
		open: map[string]int{}, log: s.log}
	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.run(wctx)
	go func() {
		if err := srv.Serve(s.ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.log.Error("mx listener stopped", "err", err)
		}
	}()
	s.log.Info("mx listening", "addr", s.Addr(), "spool", s.cfg.SpoolDir, "max_message_bytes", s.cfg.MaxMessageBytes)
	return nil
}

// Addr is the bound address, or "" before Start.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Close stops the listener, drops the connections and stops processing,
// waiting for a Process call under way. Messages already answered 250
// are in the spool; a client cut off before its reply sends again.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		if s.smtp == nil {
			return
		}
		if err := s.smtp.Close(); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.log.Warn("close mx listener", "err", err)
		}
		s.cancel()
		<-s.done
	})
}

// accept spools a message and queues it for processing.
func (s *Server) accept(raw []byte, rcpts []string) error {
	name, err := s.spool.write(raw, rcpts, time.Now())
	if err != nil {
		return err
	}
	select {
	case s.work <- name:
	default: // the next pass over the spool takes it
	}
	return nil
}

// run processes the spool until ctx ends: everything in it at start,
// each new message, and everything left every RetryInterval.
func (s *Server) run(ctx context.Context) {
	defer close(s.done)
	s.processAll(ctx)
	tick := time.NewTicker(s.cfg.RetryInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case name := <-s.work:
			s.process(ctx, name)
		case <-tick.C:
			s.processAll(ctx)
		}
	}
}

func (s *Server) processAll(ctx context.Context) {
	names, err := s.spool.list()
	if err != nil {
		s.log.Error("mx spool unreadable", "err", err)
		return
	}
	for _, name := range names {
		if ctx.Err() != nil {
			return
		}
		s.process(ctx, name)
	}
}

// process hands one spooled message to the Processor and, unless it
// failed, removes it from the spool.
func (s *Server) process(ctx context.Context, name string) {
	raw, rcpts, err := s.spool.read(name)
	if err != nil {
		// Already processed by an earlier pass (queued twice).
		s.log.Debug("spooled message gone", "file", name, "err", err)
		return
	}
	log := s.log.With("file", name, "rcpt_to", rcpts)
	pctx, cancel := context.WithTimeout(ctx, processTimeout)
	err = s.dispatch(pctx, raw, rcpts)
	cancel()
	switch {
	case errors.Is(err, ErrUnmatched):
		log.Warn("inbound message matches nothing; kept for the operator", "dir", unmatchedDir, "err", err)
		err = s.spool.keep(name)
	case err != nil:
		log.Error("inbound message not processed; will retry", "err", err)
		return
	default:
		err = s.spool.remove(name)
	}
	if err != nil {
		log.Error("mx spool", "err", err)
	}
}

// dispatch hands a message to the Mailboxes that accept some of its
// recipients and to the Processor with the rest. The message is retried
// if any of them failed otherwise than with ErrUnmatched.
func (s *Server) dispatch(ctx context.Context, raw []byte, rcpts []string) error {
	rest := rcpts
	var errs []error
	for _, mb := range s.cfg.Mailboxes {
		var mine, others []string
		for _, r := range rest {
			if mb.Accepts(r) {
				mine = append(mine, r)
			} else {
				others = append(others, r)
			}
		}
		if len(mine) == 0 {
			continue
		}
		rest = others
		if err := mb.Process(ctx, raw, mine); err != nil {
			errs = append(errs, err)
		}
	}
	if len(rest) > 0 || len(rcpts) == 0 {
		if err := s.proc.Process(ctx, raw, rest); err != nil {
			errs = append(errs, err)
		}
	}
	for _, err := range errs {
		if !errors.Is(err, ErrUnmatched) {
			return errors.Join(errs...)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrUnmatched, errors.Join(errs...))
	}
	return nil
}

// errorLog sends go-smtp's own messages to the structured log.
type errorLog struct{ log *slog.Logger }

func (l errorLog) Printf(format string, v ...any) {
	l.log.Debug("mx connection error", "detail", fmt.Sprintf(format, v...))
}
func (l errorLog) Println(v ...any) {
	l.log.Debug("mx connection error", "detail", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}
