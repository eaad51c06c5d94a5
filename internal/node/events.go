package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hikyaku/hikyaku/internal/publish"
	"github.com/hikyaku/hikyaku/internal/sns"
)

// Files of the key that signs SNS messages, in the data directory.
const (
	snsKeyFile  = "sns-signing-key.pem"
	snsCertFile = "sns-signing-cert.pem"
)

// snsSigner loads the SNS signing key from the data directory, making one
// on first start. Nodes sharing a PostgreSQL store each have their own; a
// message names the certificate of the node that signed it.
func (n *Node) snsSigner() (*sns.Signer, error) {
	keyPath, certPath := filepath.Join(n.Config.Data, snsKeyFile), filepath.Join(n.Config.Data, snsCertFile)
	key, kerr := os.ReadFile(keyPath)
	cert, cerr := os.ReadFile(certPath)
	if os.IsNotExist(kerr) && os.IsNotExist(cerr) {
		var err error
		if key, cert, err = sns.GenerateSigner("sns." + n.Config.Region() + "." + n.Config.Hostname); err != nil {
			return nil, fmt.Errorf("make SNS signing key: %w", err)
		}
		if err := os.WriteFile(keyPath, key, 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", keyPath, err)
		}
		if err := os.WriteFile(certPath, cert, 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", certPath, err)
		}
		n.Log.Info("made the key that signs event notifications", "cert", certPath)
	} else if kerr != nil || cerr != nil {
		return nil, fmt.Errorf("read SNS signing key (%s and %s in --data; delete both to make new ones): %v %v", keyPath, certPath, kerr, cerr)
	}
	s, err := sns.NewSigner(key, cert)
	if err != nil {
		return nil, fmt.Errorf("SNS signing key in %s: %w", n.Config.Data, err)
	}
	return s, nil
}

// startPublisher runs the event publisher until ctx ends; the returned
// function waits for it to stop.
func (n *Node) startPublisher(ctx context.Context, signer *sns.Signer, baseURL string, reg prometheus.Registerer) func() {
	base := strings.TrimSuffix(baseURL, "/")
	p := publish.New(n.Store, n.ConfigSets, n.Topics, signer, n.Clock, n.Log, reg, publish.Config{
		Region:    n.Config.Region(),
		Endpoints: sns.Endpoints{API: base + "/", SigningCert: base + "/sns/" + signer.CertFileName()},
		NATSURL:   n.Config.NATS,
		Retention: n.Config.EventRetention,
	})
	n.Topics.Confirm = p.Confirm
	p.SetForwarder(n.System.SendNotice)
	go p.ReportBacklog(ctx, reg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := p.Run(ctx); err != nil {
			n.Log.Error("event publisher stopped", "err", err)
		}
	}()
	return func() { <-done }
}
