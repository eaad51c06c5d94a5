package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// The test binary doubles as the command when this variable is set, so
// the test runs the real main without a separate build.
const runMainEnv = "HIKYAKU_TESTDNS_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"hikyaku-testdns"}, strings.Fields(os.Getenv(runMainEnv+"_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestServesZoneFile(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), runMainEnv+"=1", runMainEnv+"_ARGS=--zone testdata/example.com.zone")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("exit: %v", err)
		}
	})

	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		t.Fatalf("first line %q, %v; want listening on ADDR", line, err)
	}

	tests := []struct {
		name  string
		qname string
		qtype uint16
		want  string
	}{
		{"MX from the zone", "example.com.", mdns.TypeMX, "10 mx1.example.com."},
		{"A from the zone", "mx1.example.com.", mdns.TypeA, "192.0.2.10"},
		{"a split TXT from the zone", "sel._domainkey.example.com.", mdns.TypeTXT, `"v=DKIM1; k=rsa; " "p=QUJD"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := new(mdns.Msg)
			m.SetQuestion(tc.qname, tc.qtype)
			r, _, err := (&mdns.Client{Timeout: 2 * time.Second}).Exchange(m, addr)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Answer) != 1 {
				t.Fatalf("answers %v, want one", r.Answer)
			}
			rr := r.Answer[0].String()
			if got := strings.TrimPrefix(rr, r.Answer[0].Header().String()); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRefusesBadZone(t *testing.T) {
	t.Parallel()
	bad := t.TempDir() + "/bad.zone"
	if err := os.WriteFile(bad, []byte("x IN A nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), runMainEnv+"=1", runMainEnv+"_ARGS=--zone "+bad)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "bad.zone") {
		t.Errorf("exit %v with %q; want a failure naming the file", err, out)
	}
}
