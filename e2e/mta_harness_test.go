package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/smtptest"
)

// The MTA tests send to recipients at mtaDomain, routed to an smtptest
// server that holds every message mtaStall before taking it, through a
// site the shaping file limits to mtaConns connections: about 40 messages
// a second, so a batch of a few hundred is still going out seconds after
// it was accepted, and a kill lands mid-delivery.
const (
	mtaDomain = "mta.test"
	mtaSender = "mta@example.com"
	mtaConns  = 2
	mtaStall  = 50 * time.Millisecond
)

// mtaSink starts the receiving server.
func mtaSink(t *testing.T) *smtptest.Server {
	return smtptest.Start(t, smtptest.Options{Conn: func(int) smtptest.ConnFaults {
		return smtptest.ConnFaults{Data: &smtptest.Fault{Stall: mtaStall}}
	}})
}

// mtaDataDir makes a data dir whose shaping file limits mtaDomain to
// mtaConns connections.
func mtaDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	rule := fmt.Sprintf("[domain.%q]\nmax_connections = %d\n", mtaDomain, mtaConns)
	if err := os.WriteFile(filepath.Join(dir, "shaping.toml"), []byte(rule), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// mtaArgs are the serve flags of a delivering node: the queue on, the
// recipients' domain routed to the sink, a short lease so a dead node's
// work comes back in seconds.
func mtaArgs(dnsAddr string, sink *smtptest.Server, lease time.Duration) []string {
	return []string{"--delivery=true", "--resolver", dnsAddr, "--queue-lease", lease.String(),
		"--route", fmt.Sprintf("%s=%s", mtaDomain, sink.Addr)}
}

// mtaSubject is the subject of the i-th message, by which the sink's
// copies are counted.
func mtaSubject(i int) string { return fmt.Sprintf("mta-%04d", i) }

// submit sends n messages through the given clients in turn, 8 at a time,
// one recipient each, and returns the message IDs by subject. Every one
// must be acknowledged.
func submit(t *testing.T, n int, clients ...*sesv2.Client) map[string]string {
	t.Helper()
	cx := ctx(t)
	var (
		mu    sync.Mutex
		acked = map[string]string{}
		wg    sync.WaitGroup
		next  = make(chan int)
	)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				subject := mtaSubject(i)
				out, err := clients[i%len(clients)].SendEmail(cx, &sesv2.SendEmailInput{
					FromEmailAddress: aws.String(mtaSender),
					Destination:      &types.Destination{ToAddresses: []string{fmt.Sprintf("r%04d@%s", i, mtaDomain)}},
					Content:          simple(subject, "body of "+subject),
				})
				if err != nil {
					t.Errorf("SendEmail %s: %v", subject, err)
					continue
				}
				mu.Lock()
				acked[subject] = aws.ToString(out.MessageId)
				mu.Unlock()
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(acked) != n {
		t.Fatalf("%d of %d messages acknowledged", len(acked), n)
	}
	return acked
}

var subjectRE = regexp.MustCompile(`(?m)^Subject: (mta-\d{4})\r?$`)

// copies counts the sink's copies of each message by subject.
func copies(t *testing.T, sink *smtptest.Server) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range sink.Messages() {
		s := subjectRE.FindSubmatch(m.Data)
		if s == nil {
			t.Fatalf("the sink got a message without an MTA test subject:\n%s", head(m.Data))
		}
		out[string(s[1])]++
	}
	return out
}

// duplicates is how many copies beyond the first the sink holds.
func duplicates(c map[string]int) int {
	d := 0
	for _, n := range c {
		d += n - 1
	}
	return d
}

// waitSink waits until the sink holds at least one copy of n messages.
func waitSink(t *testing.T, sink *smtptest.Server, n int, within time.Duration) map[string]int {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		c := copies(t, sink)
		if len(c) >= n {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sink holds %d of %d messages after %v", len(c), n, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// verifySender makes mtaSender a verified identity of the default account.
func verifySender(t *testing.T, n *node) {
	t.Helper()
	if _, err := n.sesv2(bootKeyID, bootSecret).CreateEmailIdentity(ctx(t),
		&sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String(mtaSender)}); err != nil {
		t.Fatal(err)
	}
	n.mustAdmin("identity", "verify", mtaSender, "--account", "default")
}

// counter reads an unlabelled counter from the node's /metrics.
func (n *node) counter(name string) float64 {
	n.t.Helper()
	resp, err := http.Get(n.url + "/metrics")
	if err != nil {
		n.t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				n.t.Fatalf("metric %s: %v", name, err)
			}
			return f
		}
	}
	n.t.Fatalf("no metric %s on /metrics", name)
	return 0
}

// delivered counts the deliveries the node has logged.
func (n *node) delivered() int {
	c := 0
	for _, line := range strings.Split(n.log(), "\n") {
		if strings.Contains(line, "msg=attempt ") && strings.Contains(line, "status=delivered") {
			c++
		}
	}
	return c
}
