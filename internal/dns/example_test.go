package dns_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/dnstest"
)

func ExampleClient_LookupMX() {
	srv, err := dnstest.Listen("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	srv.SetMX("example.com", dnstest.MX{Host: "mx2.example.com", Pref: 20}, dnstest.MX{Host: "mx1.example.com", Pref: 10})
	srv.SetMX("nomail.example.com", dnstest.MX{Host: ".", Pref: 0})
	srv.SetFailure("broken.example.com", dnstest.ServFail)

	r, err := dns.New(dns.Config{Server: srv.Addr(), Attempts: 1})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	mxs, _ := r.LookupMX(ctx, "example.com")
	for _, mx := range mxs {
		fmt.Println(mx.Pref, mx.Host)
	}
	_, err = r.LookupMX(ctx, "nomail.example.com")
	fmt.Println("null MX:", errors.Is(err, dns.ErrNullMX))
	_, err = r.LookupMX(ctx, "missing.example.com")
	fmt.Println("bounce:", dns.IsNotFound(err))
	_, err = r.LookupMX(ctx, "broken.example.com")
	fmt.Println("retry later:", dns.IsTemporary(err))
	// Output:
	// 10 mx1.example.com
	// 20 mx2.example.com
	// null MX: true
	// bounce: true
	// retry later: true
}
