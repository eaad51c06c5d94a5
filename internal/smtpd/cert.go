package smtpd

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Files of the self-signed certificate in the data directory.
const (
	SelfSignedCertFile = "smtp-cert.pem"
	SelfSignedKeyFile  = "smtp-key.pem"
)

// selfSignedLifetime is long because nothing renews a self-signed
// certificate but a restart, and clients that pinned it would break.
const selfSignedLifetime = 10 * 365 * 24 * time.Hour

// certificate returns the listeners' certificate: the configured files,
// or else the self-signed one in the data directory, made on first use.
func certificate(cfg *Config, log *slog.Logger, now time.Time) (tls.Certificate, error) {
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		if cfg.CertFile == "" || cfg.KeyFile == "" {
			return tls.Certificate{}, errors.New("smtpd: set both the certificate and the key file, or neither for a self-signed certificate")
		}
		c, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("smtpd: load TLS certificate %s with key %s: %w", cfg.CertFile, cfg.KeyFile, err)
		}
		return c, nil
	}
	if cfg.DataDir == "" {
		return tls.Certificate{}, errors.New("smtpd: no TLS certificate: set the certificate and key files, or a data directory for a self-signed one")
	}
	certPath := filepath.Join(cfg.DataDir, SelfSignedCertFile)
	keyPath := filepath.Join(cfg.DataDir, SelfSignedKeyFile)
	c, err := tls.LoadX509KeyPair(certPath, keyPath)
	switch {
	case err == nil && covers(c.Leaf, cfg.Hostname, now):
		// Made on an earlier start.
	case err == nil || errors.Is(err, fs.ErrNotExist):
		if err == nil {
			log.Info("smtp: replacing the self-signed certificate: it does not name this host or is about to expire",
				"cert", certPath, "hostname", cfg.Hostname)
		}
		if c, err = makeSelfSigned(certPath, keyPath, cfg.Hostname, now); err != nil {
			return tls.Certificate{}, err
		}
	default:
		return tls.Certificate{}, fmt.Errorf("smtpd: load the self-signed certificate %s (delete it and %s to make a new one): %w",
			certPath, keyPath, err)
	}
	log.Warn("smtp: TLS uses a self-signed certificate; clients must trust it or skip verification. "+
		"Set the certificate and key files to use a real one", "cert", certPath, "hostname", cfg.Hostname)
	return c, nil
}

// covers reports whether leaf names host and stays valid for a while.
func covers(leaf *x509.Certificate, host string, now time.Time) bool {
	return leaf != nil && leaf.VerifyHostname(host) == nil && now.Add(30*24*time.Hour).Before(leaf.NotAfter)
}

// makeSelfSigned makes an ECDSA P-256 certificate for host and stores it
// with its key (mode 0600). Each file is written aside and renamed into
// place, so a crash never leaves half a file.
func makeSelfSigned(certPath, keyPath, host string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("smtpd: generate TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("smtpd: generate certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: host, Organization: []string{"hikyaku self-signed"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("smtpd: make self-signed certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("smtpd: encode TLS key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.MkdirAll(filepath.Dir(keyPath), 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("smtpd: create data directory: %w", err)
	}
	// The key first: a certificate without its key is useless, a key
	// without its certificate is just made again.
	if err := writeFile(keyPath, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, err
	}
	if err := writeFile(certPath, certPEM, 0o644); err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

func writeFile(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*") // mode 0600
	if err != nil {
		return fmt.Errorf("smtpd: create %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("smtpd: write %s: %w", path, err)
	}
	return nil
}

// Certificate returns the certificate the submission listeners would use
// with cfg (its CertFile, KeyFile, DataDir and Hostname): the configured
// files, or the self-signed one in the data directory. The inbound MX
// offers STARTTLS with the same one.
func Certificate(cfg Config, log *slog.Logger) (tls.Certificate, error) {
	return certificate(&cfg, log, time.Now())
}
