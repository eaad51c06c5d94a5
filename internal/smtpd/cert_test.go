package smtpd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// presented returns the certificate the implicit-TLS listener shows.
func presented(t *testing.T, srv *Server) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", srv.TLSAddr(), clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

func TestSelfSignedCertificateIsMadeOnceAndKept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, Config{DataDir: dir, Hostname: "mail.example.test"}, nil, &fakeSubmitter{})
	cert := presented(t, srv)
	if err := cert.VerifyHostname("mail.example.test"); err != nil {
		t.Fatalf("certificate does not name the host: %v", err)
	}
	if cert.PublicKeyAlgorithm != x509.ECDSA {
		t.Fatalf("public key algorithm %v, want ECDSA", cert.PublicKeyAlgorithm)
	}
	key, err := os.Stat(filepath.Join(dir, SelfSignedKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if key.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", key.Mode().Perm())
	}
	pemBefore, err := os.ReadFile(filepath.Join(dir, SelfSignedCertFile))
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()

	// A restart keeps the certificate.
	again := startServer(t, Config{DataDir: dir, Hostname: "mail.example.test"}, nil, &fakeSubmitter{})
	if !bytes.Equal(presented(t, again).Raw, cert.Raw) {
		t.Fatal("a restart made a new certificate")
	}
	again.Close()

	// A new host name gets a certificate that names it.
	renamed := startServer(t, Config{DataDir: dir, Hostname: "other.example.test"}, nil, &fakeSubmitter{})
	if err := presented(t, renamed).VerifyHostname("other.example.test"); err != nil {
		t.Fatalf("after a host name change: %v", err)
	}
	pemAfter, _ := os.ReadFile(filepath.Join(dir, SelfSignedCertFile))
	if bytes.Equal(pemBefore, pemAfter) {
		t.Fatal("the certificate file was not replaced")
	}
}

func TestConfiguredCertificateIsUsed(t *testing.T) {
	t.Parallel()
	certDir := t.TempDir()
	certFile, keyFile := filepath.Join(certDir, "cert.pem"), filepath.Join(certDir, "key.pem")
	want, err := makeSelfSigned(certFile, keyFile, "127.0.0.1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	srv := startServer(t, Config{DataDir: dataDir, CertFile: certFile, KeyFile: keyFile}, nil, &fakeSubmitter{})
	if got := presented(t, srv); !bytes.Equal(got.Raw, want.Certificate[0]) {
		t.Fatal("the server does not present the configured certificate")
	}
	if _, err := os.Stat(filepath.Join(dataDir, SelfSignedCertFile)); !os.IsNotExist(err) {
		t.Fatalf("a self-signed certificate was made anyway (%v)", err)
	}
}

func TestCertificateConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
	}{
		{"a certificate without its key", Config{CertFile: "/nonexistent/cert.pem"}},
		{"missing files", Config{CertFile: "/nonexistent/cert.pem", KeyFile: "/nonexistent/key.pem"}},
		{"no certificate and no data directory", Config{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.cfg.Addr = "127.0.0.1:0"
			log, _ := testLogger(t)
			srv := New(tt.cfg, fakeAuth{}, &fakeSubmitter{}, log)
			defer srv.Close()
			if err := srv.Start(context.Background()); err == nil {
				t.Fatal("Start succeeded")
			}
		})
	}
}
