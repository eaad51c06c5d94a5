package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/config"
	"github.com/hikyaku/hikyaku/internal/store/pgtest"
)

// BenchmarkSendEmail measures durable intake end to end: SES v2 SendEmail
// (Simple, 10 KB text) over HTTP with SigV4, 32 concurrent SDK clients,
// each reply sent only after the group commit synced. It reports accepted
// messages/s and p50/p99 latency, on SQLite and (with
// HIKYAKU_TEST_POSTGRES) PostgreSQL.
//
//	go test -run '^$' -bench 'SendEmail|FsyncAppend' -benchtime 20000x ./internal/node
func BenchmarkSendEmail(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchSend(b, "") })
	b.Run("postgres", func(b *testing.B) {
		dsn := pgtest.DSN(b)
		benchSend(b, dsn)
	})
}

func benchSend(b *testing.B, storeDSN string) {
	TuneGC() // as `hikyaku serve` does
	ctx := context.Background()
	cfg := config.Defaults()
	cfg.Data = b.TempDir()
	cfg.Store = storeDSN
	cfg.Resolver = "127.0.0.1:1" // never consulted: the sender is verified by fiat
	cfg.Hostname = "bench.test"
	cfg.Delivery = false // intake alone: the queue is measured separately
	cfg.SMTP, cfg.SMTPS, cfg.MX = "off", "off", "off"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n, err := Open(ctx, cfg, log)
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	const keyID, secretKey = "AKIABENCHMARK0000001", "benchSecret000000000000000000000000000000"
	b.Setenv("HIKYAKU_BOOTSTRAP_ACCESS_KEY_ID", keyID)
	b.Setenv("HIKYAKU_BOOTSTRAP_SECRET_ACCESS_KEY", secretKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	n.Config.HTTP = ln.Addr().String()
	ln.Close()
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Serve(sctx, io.Discard) }()
	defer func() { stop(); <-done }()
	url := "http://" + n.Config.HTTP
	waitHealthy(b, url)

	acct, err := n.Accounts.ByName(ctx, "default")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := n.Identities.Create(ctx, acct.ID, "bench@example.com", nil); err != nil {
		b.Fatal(err)
	}
	if _, err := n.Identities.Verify(ctx, acct.ID, "bench@example.com"); err != nil {
		b.Fatal(err)
	}

	const clients = 32
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	c := sesv2.New(sesv2.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(keyID, secretKey, ""),
		HTTPClient:  &http.Client{Transport: tr},
	})
	text := strings.Repeat(strings.Repeat("0123456789", 7)+"abcdef\n", 10*1024/77)
	in := func(i int64) *sesv2.SendEmailInput {
		return &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("bench@example.com"),
			Destination:      &types.Destination{ToAddresses: []string{fmt.Sprintf("r%d@recipient.test", i)}},
			Content: &types.EmailContent{Simple: &types.Message{
				Subject: &types.Content{Data: aws.String("benchmark")},
				Body:    &types.Body{Text: &types.Content{Data: aws.String(text)}},
			}},
		}
	}
	if _, err := c.SendEmail(ctx, in(0)); err != nil {
		b.Fatal(err)
	}

	var (
		next    atomic.Int64
		mu      sync.Mutex
		lats    = make([]time.Duration, 0, b.N)
		wg      sync.WaitGroup
		failure atomic.Value
	)
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, b.N/clients+1)
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					break
				}
				t0 := time.Now()
				if _, err := c.SendEmail(ctx, in(i)); err != nil {
					failure.Store(err)
					return
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, ok := failure.Load().(error); ok {
		b.Fatal(err)
	}
	slices.Sort(lats)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(lats[len(lats)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds())/1000, "p99-ms")
}

func waitHealthy(b *testing.B, url string) {
	for range 100 {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatal("server did not become healthy")
}

// BenchmarkFsyncAppend10KB is the reference for durable intake on this
// disk: one thread appending 10 KB and fsyncing after each write, which is
// what durability costs without group commit.
func BenchmarkFsyncAppend10KB(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "append"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 10*1024)
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "appends/s")
}
