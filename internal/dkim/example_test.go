package dkim_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/hikyaku/hikyaku/internal/dkim"
	"github.com/hikyaku/hikyaku/internal/dns"
	"github.com/hikyaku/hikyaku/internal/dnstest"
)

func ExampleZoneLines() {
	pub := "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" // shortened
	for _, line := range dkim.ZoneLines("4dq2xoyzmsm3lf7rkhbdqvmhjjpx5thk", "example.com", pub) {
		fmt.Println(line)
	}
	// Output:
	// 4dq2xoyzmsm3lf7rkhbdqvmhjjpx5thk._domainkey.example.com. 3600 IN TXT "v=DKIM1; k=rsa; " "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
}

func ExampleCheckRecord() {
	key, err := dkim.GenerateKey(1024)
	if err != nil {
		panic(err)
	}
	selector := dkim.NewSelector()

	// The user publishes the record, here in a fake DNS.
	srv, err := dnstest.Listen("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	zone := strings.Join(dkim.ZoneLines(selector, "example.com", key.PublicKeyBase64()), "\n")
	if err := srv.LoadZone(strings.NewReader(zone+"\n"), "."); err != nil {
		panic(err)
	}

	r, err := dns.New(dns.Config{Server: srv.Addr()})
	if err != nil {
		panic(err)
	}
	status, _, err := dkim.CheckRecord(context.Background(), r, selector, "example.com", key.PublicKeyBase64())
	fmt.Println(status, err)
	_, errorType, _ := dkim.CheckRecord(context.Background(), r, selector, "other.example", key.PublicKeyBase64())
	fmt.Println(errorType)
	// Output:
	// SUCCESS <nil>
	// HOST_NOT_FOUND
}
