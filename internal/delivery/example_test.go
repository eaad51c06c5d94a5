package delivery_test

import (
	"context"
	"fmt"

	"github.com/hikyaku/hikyaku/internal/delivery"
	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/dnstest"
	"github.com/hikyaku/hikyaku/internal/smtptest"
)

func Example() {
	// A receiving server that refuses one mailbox, and a DNS that sends
	// example.test's mail to it.
	srv, err := smtptest.New(smtptest.Options{Rcpt: map[string]smtptest.Fault{"gone": smtptest.NoSuchUser}})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ns, err := dnstest.Listen("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ns.Close()
	ns.SetMX("example.test", dnstest.MX{Host: "mx.example.test", Pref: 10})
	ns.SetA("mx.example.test", "127.0.0.1")
	resolver, err := dns.New(dns.Config{Server: ns.Addr()})
	if err != nil {
		panic(err)
	}

	router, err := delivery.NewRouter(delivery.RouterConfig{Resolver: resolver, MXPort: srv.Port})
	if err != nil {
		panic(err)
	}
	pool, err := delivery.NewPool(delivery.PoolConfig{Resolver: resolver, HelloName: "mta.sender.test"})
	if err != nil {
		panic(err)
	}
	defer pool.Close()

	ctx := context.Background()
	site, err := router.Resolve(ctx, "example.test")
	if err != nil {
		panic(err)
	}
	fmt.Println("MX:", site.Hosts[0].Name)
	rep, err := pool.Deliver(ctx, site, &delivery.Envelope{
		MailFrom: "bounces@sender.test",
		Rcpts:    []string{"alice@example.test", "gone@example.test"},
		Data:     []byte("From: news@sender.test\r\nSubject: Hello\r\n\r\nHi.\r\n"),
	})
	if err != nil {
		panic(err)
	}
	for _, r := range rep.Rcpts {
		fmt.Printf("%s: %s (%s)\n", r.Rcpt, r.Result, r.Reply)
	}
	fmt.Println("over TLS:", rep.TLS)
	// Output:
	// MX: mx.example.test
	// alice@example.test: delivered (250 2.0.0 OK: queued)
	// gone@example.test: permanent (550 5.1.1 No such user)
	// over TLS: true
}
