package e2e

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/store"
	"github.com/hikyaku/hikyaku/internal/store/pgtest"
	"github.com/hikyaku/hikyaku/internal/store/postgres"
	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

// TestNoAcknowledgedMessageIsLostOnSIGKILL sends from many clients, kills
// the server with SIGKILL mid-stream, and checks that every message whose
// ID a client received is in the store, whole, after a restart.
func TestNoAcknowledgedMessageIsLostOnSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	t.Run("sqlite", func(t *testing.T) {
		crashTest(t, nil, func(cx context.Context, n *node) (store.Store, error) {
			return sqlite.Open(cx, n.data+"/hikyaku.db")
		})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		crashTest(t, []string{"--store", dsn}, func(cx context.Context, _ *node) (store.Store, error) {
			return postgres.Open(cx, dsn)
		})
	})
}

func crashTest(t *testing.T, args []string, open func(context.Context, *node) (store.Store, error)) {
	n := startNode(t, "", args...)
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	if _, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("crash@example.com")}); err != nil {
		t.Fatal(err)
	}
	n.mustAdmin("identity", "verify", "crash@example.com", "--account", "default")

	var (
		mu    sync.Mutex
		acked = map[string]string{} // message ID -> subject
		sent  atomic.Int64
		wg    sync.WaitGroup
	)
	sendCtx, stop := context.WithCancel(cx)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; sendCtx.Err() == nil; i++ {
				subject := fmt.Sprintf("crash %d-%d", w, i)
				out, err := c.SendEmail(sendCtx, &sesv2.SendEmailInput{
					FromEmailAddress: aws.String("crash@example.com"),
					Destination:      &types.Destination{ToAddresses: []string{fmt.Sprintf("r%d@recipient.test", i)}},
					Content:          simple(subject, "body of "+subject),
				})
				if err != nil {
					continue // the server died mid-request: not acknowledged
				}
				sent.Add(1)
				mu.Lock()
				acked[aws.ToString(out.MessageId)] = subject
				mu.Unlock()
			}
		}()
	}
	deadline := time.Now().Add(20 * time.Second)
	for sent.Load() < 300 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	n.kill()
	stop()
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no message was acknowledged before the kill")
	}
	t.Logf("%d messages acknowledged before SIGKILL", len(acked))

	// Restart on the same data: the store must open cleanly after the crash.
	n2 := startNode(t, n.data, args...)
	n2.stop()

	st, err := open(cx, n)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	missing := 0
	for id, subject := range acked {
		m, err := st.GetMessage(cx, id)
		if err != nil {
			missing++
			t.Errorf("acknowledged message %s is missing: %v", id, err)
			continue
		}
		body, err := st.GetMessageBody(cx, id)
		if err != nil || m.Subject != subject || len(body) == 0 || len(m.Recipients) != 1 {
			t.Errorf("message %s damaged: subject %q body %d bytes recipients %d err %v", id, m.Subject, len(body), len(m.Recipients), err)
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged messages lost", missing, len(acked))
	}
}
