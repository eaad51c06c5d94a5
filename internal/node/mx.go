package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/hikyaku/hikyaku/internal/bounce"
	"github.com/hikyaku/hikyaku/internal/contacts"
	"github.com/hikyaku/hikyaku/internal/mx"
	"github.com/hikyaku/hikyaku/internal/smtpd"
)

// startMX starts the inbound MX listener, which spools bounces and
// complaints into DATA/inbound and records them through package bounce,
// and takes the mail to List-Unsubscribe mailto addresses for package
// contacts.
func (n *Node) startMX(ctx context.Context) (*mx.Server, error) {
	cfg := n.Config
	proc := &bounce.Processor{Store: n.Store, VERPKey: n.VERPKey, Clock: n.Clock, Log: n.Log.With("component", "bounce"),
		SuppressedReasons: n.ConfigSets.SuppressedReasons}
	cert, err := smtpd.Certificate(smtpd.Config{Hostname: cfg.Hostname, CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey,
		DataDir: cfg.Data}, n.Log)
	if err != nil {
		return nil, fmt.Errorf("inbound MX TLS certificate: %w", err)
	}
	srv := mx.New(mx.Config{
		Addr: cfg.MX, Hostname: cfg.InboundMXHost(), SpoolDir: filepath.Join(cfg.Data, "inbound"), VERPKey: n.VERPKey,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		FeedbackAddresses: cfg.FeedbackAddresses,
		Mailboxes: []mx.Mailbox{unsubscribeMailbox{&contacts.Mailbox{Contacts: n.Contacts, Links: n.Links,
			Store: n.Store, Clock: n.Clock}}},
	}, mx.ProcessorFunc(func(ctx context.Context, raw []byte, rcptTo []string) error {
		err := proc.Process(ctx, raw, rcptTo)
		if errors.Is(err, bounce.ErrUnmatched) {
			return fmt.Errorf("%w: %w", mx.ErrUnmatched, err)
		}
		return err
	}), n.Log)
	if err := srv.Start(ctx); err != nil {
		return nil, fmt.Errorf("inbound MX (--mx %s): %w", cfg.MX, err)
	}
	return srv, nil
}

// unsubscribeMailbox is contacts.Mailbox as an mx.Mailbox: mail to a link
// that is not (or no longer) valid is kept for the operator, not retried.
type unsubscribeMailbox struct{ *contacts.Mailbox }

func (m unsubscribeMailbox) Process(ctx context.Context, raw []byte, rcptTo []string) error {
	err := m.Mailbox.Process(ctx, raw, rcptTo)
	if errors.Is(err, contacts.ErrInvalidToken) || errors.Is(err, contacts.ErrExpiredToken) {
		return fmt.Errorf("%w: %w", mx.ErrUnmatched, err)
	}
	return err
}
