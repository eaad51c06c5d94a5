package shaping_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hikyaku/hikyaku/internal/shaping"
)

// The delivery loop for one site: a connection slot, a message slot for
// each message, a fresh connection when one has carried enough, and
// Throttled when the site pushes back.
func Example() {
	rules, err := shaping.ParseRules("shaping.toml", []byte(`
[provider.yahoo]
mx_suffixes = [".yahoodns.net"]
max_connections = 10
messages_per_connection = 20
messages_per_second = 2
`))
	if err != nil {
		panic(err)
	}
	clk := shaping.NewFakeClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	sh, err := shaping.New(rules, clk, nil, nil)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()

	site := sh.Site("mta5.am0.yahoodns.net:25", []string{"mta5.am0.yahoodns.net"})
	release, err := site.AcquireConn(ctx)
	if err != nil {
		panic(err)
	}
	for n := 0; !site.ConnExhausted(n) && n < 3; n++ {
		delay, _ := site.Reserve() // Wait(ctx) sleeps this long on the clock
		fmt.Printf("message %d after %v\n", n+1, delay)
	}
	release()

	site.Throttled("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred")
	st := site.Stats()
	fmt.Printf("%s: %d connections, %v/s until %s\n", st.Rule, st.Limits.MaxConnections, st.Limits.MessagesPerSecond, st.ThrottledUntil.Format("15:04"))
	// Output:
	// message 1 after 0s
	// message 2 after 0s
	// message 3 after 500ms
	// yahoo: 5 connections, 1/s until 09:15
}
