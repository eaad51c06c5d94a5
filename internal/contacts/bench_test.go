package contacts

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkImport imports b.N contacts from CSV into the SQLite store,
// one synced write per row.
func BenchmarkImport(b *testing.B) {
	f := newFixture(b)
	f.newsletter(b)
	var in strings.Builder
	in.WriteString("emailAddress,topicPreferences.Sports\n")
	for i := range b.N {
		fmt.Fprintf(&in, "user%07d@example.com,OPT_OUT\n", i)
	}
	b.ResetTimer()
	res, err := f.svc.Import(context.Background(), acct, "Newsletter", strings.NewReader(in.String()), 0, nil)
	if err != nil || res.Created != b.N {
		b.Fatalf("%+v %v", res, err)
	}
}

// BenchmarkListContactsFiltered pages through 20,000 contacts of which
// one in 100 passes the filter, 100 a page.
func BenchmarkListContactsFiltered(b *testing.B) {
	f := newFixture(b)
	f.newsletter(b)
	var in strings.Builder
	in.WriteString("emailAddress,topicPreferences.Daily\n")
	for i := range 20000 {
		st := ""
		if i%100 == 0 {
			st = "OPT_IN"
		}
		fmt.Fprintf(&in, "user%07d@example.com,%s\n", i, st)
	}
	ctx := context.Background()
	if _, err := f.svc.Import(ctx, acct, "Newsletter", strings.NewReader(in.String()), 0, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		n, after := 0, ""
		for {
			cs, _, next, err := f.svc.ListContacts(ctx, acct, "Newsletter", Filter{Status: OptIn, Topic: "Daily"}, after, 100)
			if err != nil {
				b.Fatal(err)
			}
			n += len(cs)
			if next == "" {
				break
			}
			after = next
		}
		if n != 200 {
			b.Fatalf("%d contacts", n)
		}
	}
}
