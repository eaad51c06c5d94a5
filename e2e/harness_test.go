// Package e2e drives the built hikyaku binary with real clients: the AWS
// SDK for Go v2 (sesv2 and ses), the AWS CLI v2, and the binary's own admin
// commands, against a fake DNS server. Nothing here calls hikyaku's Go
// packages except to read the store after a crash.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ses"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hikyaku-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "hikyaku")
	build := exec.Command("go", "build", "-o", binary, "../cmd/hikyaku")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build hikyaku:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Fixed bootstrap credentials, set through the documented environment.
const (
	bootKeyID  = "AKIAE2ETESTKEY000001"
	bootSecret = "e2eTestSecretKey0000000000000000000000000"
)

// node is one running `hikyaku serve`.
type node struct {
	t        *testing.T
	data     string
	args     []string
	cmd      *exec.Cmd
	url      string
	mu       sync.Mutex
	stderr   bytes.Buffer
	stdout   bytes.Buffer
	exited   chan struct{}
	extraEnv []string
	// smtpAddr and smtpsAddr are the submission listeners' addresses.
	smtpAddr, smtpsAddr string
	// mxAddr is the inbound MX listener's address.
	mxAddr string
}

// startNode runs serve on a fresh (or given) data dir with extra flags.
func startNode(t *testing.T, data string, args ...string) *node {
	t.Helper()
	if data == "" {
		data = t.TempDir()
	}
	n := &node{t: t, data: data, args: args}
	n.start()
	t.Cleanup(n.stop)
	return n
}

var (
	servingRE = regexp.MustCompile(`msg="hikyaku serving" http=(\S+)`)
	smtpRE    = regexp.MustCompile(`msg="smtp submission serving" starttls=(\S+) tls=(\S+)`)
	mxRE      = regexp.MustCompile(`msg="mx serving" addr=(\S+)`)
)

func (n *node) start() {
	t := n.t
	t.Helper()
	// Every listener on a free port; the queue off unless a test turns it
	// on with --delivery=true (later flags win).
	args := append([]string{"serve", "--data", n.data, "--http", "127.0.0.1:0", "--smtp", "127.0.0.1:0",
		"--smtps", "127.0.0.1:0", "--mx", "127.0.0.1:0", "--log-level", "debug", "--hostname", "hikyaku.test", "--delivery=false"}, n.args...)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(),
		"HIKYAKU_BOOTSTRAP_ACCESS_KEY_ID="+bootKeyID,
		"HIKYAKU_BOOTSTRAP_SECRET_ACCESS_KEY="+bootSecret)
	cmd.Env = append(cmd.Env, n.extraEnv...)
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	cmd.Stdout = &lockedWriter{mu: &n.mu, w: &n.stdout}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start hikyaku: %v", err)
	}
	n.cmd = cmd
	n.exited = make(chan struct{})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			n.mu.Lock()
			n.stderr.WriteString(line + "\n")
			n.mu.Unlock()
			if m := smtpRE.FindStringSubmatch(line); m != nil {
				n.mu.Lock()
				n.smtpAddr, n.smtpsAddr = m[1], m[2]
				n.mu.Unlock()
			}
			if m := mxRE.FindStringSubmatch(line); m != nil {
				n.mu.Lock()
				n.mxAddr = m[1]
				n.mu.Unlock()
			}
			if m := servingRE.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { _ = cmd.Wait(); pw.Close(); close(n.exited) }()
	select {
	case addr := <-found:
		n.url = "http://" + addr
	case <-n.exited:
		t.Fatalf("hikyaku exited before serving:\n%s", n.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("hikyaku did not start within 30s:\n%s", n.log())
	}
}

func (n *node) log() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stderr.String()
}

// stop ends the server gracefully.
func (n *node) stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	select {
	case <-n.exited:
		return
	default:
	}
	_ = n.cmd.Process.Signal(os.Interrupt)
	select {
	case <-n.exited:
	case <-time.After(20 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.exited
	}
	if n.t.Failed() {
		n.t.Logf("hikyaku log:\n%s", n.log())
	}
}

// kill ends the server with SIGKILL, as a crash would.
func (n *node) kill() {
	_ = n.cmd.Process.Kill()
	<-n.exited
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// admin runs an admin command against the node's data dir.
func (n *node) admin(args ...string) (string, error) {
	n.t.Helper()
	full := append(args, "--data", n.data)
	full = append(full, n.storeArgs()...)
	out, err := exec.Command(binary, full...).CombinedOutput()
	return string(out), err
}

func (n *node) mustAdmin(args ...string) string {
	n.t.Helper()
	out, err := n.admin(args...)
	if err != nil {
		n.t.Fatalf("hikyaku %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// storeArgs repeats a --store flag given to serve for admin commands.
func (n *node) storeArgs() []string {
	for i, a := range n.args {
		if a == "--store" && i+1 < len(n.args) {
			return []string{"--store", n.args[i+1]}
		}
	}
	return nil
}

func (n *node) sesv2(keyID, secret string) *sesv2.Client {
	return sesv2.New(sesv2.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(n.url),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		HTTPClient:   &http.Client{Timeout: 30 * time.Second},
		// No retries: tests must see throttling, not the SDK's recovery.
		Retryer: aws.NopRetryer{},
	})
}

func (n *node) ses(keyID, secret string) *ses.Client {
	return ses.New(ses.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(n.url),
		Credentials:  credentials.NewStaticCredentialsProvider(keyID, secret, ""),
		HTTPClient:   &http.Client{Timeout: 30 * time.Second},
		Retryer:      aws.NopRetryer{},
	})
}

// newKey creates an account (sandbox unless production) and a key for it
// through the admin commands, and returns the key.
func (n *node) newAccount(name string, production bool) (keyID, secret string) {
	n.t.Helper()
	args := []string{"account", "create", name}
	if production {
		args = append(args, "--production")
	}
	n.mustAdmin(args...)
	out := n.mustAdmin("key", "create", "--account", name)
	keyID = field(n.t, out, "AccessKeyId")
	secret = field(n.t, out, "SecretAccessKey")
	return keyID, secret
}

func field(t *testing.T, out, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + name + `:\s+(\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %s in output:\n%s", name, out)
	}
	return m[1]
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitPort(t *testing.T, port int) {
	t.Helper()
	for range 100 {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on port %d", port)
}
