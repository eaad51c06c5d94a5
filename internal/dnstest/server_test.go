package dnstest

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// ask sends one question over network ("udp" or "tcp") and returns the
// answer. edns0 advertises a 1232-byte UDP buffer.
func ask(t *testing.T, s *Server, network, name string, qtype uint16, edns0 bool) *mdns.Msg {
	t.Helper()
	r, err := exchange(s, network, name, qtype, edns0, 2*time.Second)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", mdns.Type(qtype), name, network, err)
	}
	return r
}

func exchange(s *Server, network, name string, qtype uint16, edns0 bool, timeout time.Duration) (*mdns.Msg, error) {
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(name), qtype)
	if edns0 {
		m.SetEdns0(1232, false)
	}
	c := &mdns.Client{Net: network, Timeout: timeout}
	r, _, err := c.Exchange(m, s.Addr())
	return r, err
}

func TestServerAnswers(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.SetA("mx1.example.com", "192.0.2.1", "192.0.2.2")
	s.SetAAAA("mx1.example.com", "2001:db8::1")
	s.SetMX("example.com", MX{Host: "mx1.example.com", Pref: 10}, MX{Host: "mx2.example.com.", Pref: 20})
	s.SetTXT("Example.COM", "v=spf1 -all")
	s.SetCNAME("www.example.com", "mx1.example.com")
	s.SetCNAME("alias.example.com", "www.example.com")
	s.SetTXT("a.b.deep.example.com", "x")
	s.SetCNAME("dangling.example.com", "gone.example.com")

	tests := []struct {
		name    string
		qname   string
		qtype   uint16
		rcode   int
		answers []string // the RDATA-bearing records, in presentation form
		soa     bool
	}{
		{"A records are answered", "mx1.example.com", mdns.TypeA, mdns.RcodeSuccess,
			[]string{"mx1.example.com.\t300\tIN\tA\t192.0.2.1", "mx1.example.com.\t300\tIN\tA\t192.0.2.2"}, false},
		{"AAAA records are answered", "mx1.example.com", mdns.TypeAAAA, mdns.RcodeSuccess,
			[]string{"mx1.example.com.\t300\tIN\tAAAA\t2001:db8::1"}, false},
		{"MX records are answered fully qualified", "example.com", mdns.TypeMX, mdns.RcodeSuccess,
			[]string{"example.com.\t300\tIN\tMX\t10 mx1.example.com.", "example.com.\t300\tIN\tMX\t20 mx2.example.com."}, false},
		{"names match without regard to case", "EXAMPLE.com", mdns.TypeTXT, mdns.RcodeSuccess,
			[]string{"example.com.\t300\tIN\tTXT\t\"v=spf1 -all\""}, false},
		{"a CNAME chain is followed to the data", "alias.example.com", mdns.TypeA, mdns.RcodeSuccess,
			[]string{
				"alias.example.com.\t300\tIN\tCNAME\twww.example.com.",
				"www.example.com.\t300\tIN\tCNAME\tmx1.example.com.",
				"mx1.example.com.\t300\tIN\tA\t192.0.2.1",
				"mx1.example.com.\t300\tIN\tA\t192.0.2.2",
			}, false},
		{"a CNAME is answered when asked for", "www.example.com", mdns.TypeCNAME, mdns.RcodeSuccess,
			[]string{"www.example.com.\t300\tIN\tCNAME\tmx1.example.com."}, false},
		{"an unknown name is NXDOMAIN", "nowhere.example.com", mdns.TypeA, mdns.RcodeNameError, nil, true},
		{"a name without that type is NODATA", "example.com", mdns.TypeA, mdns.RcodeSuccess, nil, true},
		{"an empty non-terminal is NODATA", "deep.example.com", mdns.TypeTXT, mdns.RcodeSuccess, nil, true},
		{"the root exists above every name", ".", mdns.TypeTXT, mdns.RcodeSuccess, nil, true},
		{"a CNAME to nowhere ends in NXDOMAIN", "dangling.example.com", mdns.TypeA, mdns.RcodeNameError,
			[]string{"dangling.example.com.\t300\tIN\tCNAME\tgone.example.com."}, true},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, network := range []string{"udp", "tcp"} {
				r := ask(t, s, network, tc.qname, tc.qtype, false)
				if r.Rcode != tc.rcode {
					t.Errorf("%s: rcode %s, want %s", network, mdns.RcodeToString[r.Rcode], mdns.RcodeToString[tc.rcode])
				}
				if !r.Authoritative {
					t.Errorf("%s: answer is not authoritative", network)
				}
				var got []string
				for _, rr := range r.Answer {
					got = append(got, rr.String())
				}
				if strings.Join(got, "\n") != strings.Join(tc.answers, "\n") {
					t.Errorf("%s: answers\n%s\nwant\n%s", network, strings.Join(got, "\n"), strings.Join(tc.answers, "\n"))
				}
				hasSOA := len(r.Ns) == 1 && r.Ns[0].Header().Rrtype == mdns.TypeSOA
				if hasSOA != tc.soa {
					t.Errorf("%s: SOA in authority = %v, want %v (%v)", network, hasSOA, tc.soa, r.Ns)
				}
			}
		})
	}
}

func TestServerSplitsLongTXT(t *testing.T) {
	t.Parallel()
	s := Start(t)
	long := strings.Repeat("0123456789", 60) // 600 bytes: three strings
	odd := "quote\" backslash\\ byte\x01 utf8 é"
	s.SetTXT("long.example.com", long)
	s.SetTXT("odd.example.com", odd)
	s.SetTXT("empty.example.com", "")

	tests := []struct {
		name    string
		qname   string
		strings []int // lengths of the wire strings
		joined  string
	}{
		{"a long value is split into strings of at most 255 bytes", "long.example.com", []int{255, 255, 90}, long},
		{"special bytes survive the trip", "odd.example.com", []int{len(odd)}, odd},
		{"an empty value is one empty string", "empty.example.com", []int{0}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := ask(t, s, "tcp", tc.qname, mdns.TypeTXT, false)
			if len(r.Answer) != 1 {
				t.Fatalf("answers = %v, want one TXT", r.Answer)
			}
			// Unpack the wire form, not miekg's escaped strings.
			wire := r.Answer[0].(*mdns.TXT).Txt
			var lens []int
			var joined strings.Builder
			for _, w := range wire {
				raw := unescapeForTest(t, w)
				lens = append(lens, len(raw))
				joined.WriteString(raw)
			}
			if joined.String() != tc.joined {
				t.Errorf("joined = %q, want %q", joined.String(), tc.joined)
			}
			if len(lens) != len(tc.strings) {
				t.Fatalf("string lengths %v, want %v", lens, tc.strings)
			}
			for i := range lens {
				if lens[i] != tc.strings[i] {
					t.Errorf("string lengths %v, want %v", lens, tc.strings)
				}
			}
		})
	}
}

// unescapeForTest turns miekg's presentation form back into bytes by
// packing the string as a one-string TXT record.
func unescapeForTest(t *testing.T, s string) string {
	t.Helper()
	rr := &mdns.TXT{Hdr: mdns.RR_Header{Name: ".", Rrtype: mdns.TypeTXT, Class: mdns.ClassINET}, Txt: []string{s}}
	buf := make([]byte, 1024)
	off, err := mdns.PackRR(rr, buf, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	rdata := buf[off-int(rr.Hdr.Rdlength) : off]
	return string(rdata[1 : 1+int(rdata[0])])
}

func TestServerTruncatesOverUDP(t *testing.T) {
	t.Parallel()
	s := Start(t)
	big := strings.Repeat("k", 500)
	s.SetTXT("big.example.com", big, big, big) // ~1.5 KB
	s.SetTXT("small.example.com", "fits")

	tests := []struct {
		name      string
		qname     string
		network   string
		edns0     bool
		truncated bool
	}{
		{"a big answer over UDP sets TC", "big.example.com", "udp", false, true},
		{"a big answer beyond the EDNS0 buffer sets TC", "big.example.com", "udp", true, true},
		{"a big answer over TCP is whole", "big.example.com", "tcp", false, false},
		{"a small answer over UDP is whole", "small.example.com", "udp", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := ask(t, s, tc.network, tc.qname, mdns.TypeTXT, tc.edns0)
			if r.Truncated != tc.truncated {
				t.Errorf("TC = %v, want %v", r.Truncated, tc.truncated)
			}
			if !tc.truncated && len(r.Answer) == 0 {
				t.Errorf("no answers in a whole reply")
			}
		})
	}
}

func TestServerFailures(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.SetTXT("broken.example.com", "v")
	s.SetFailure("broken.example.com", ServFail)
	s.SetFailure("refused.example.com", Refused)
	s.SetFailure("silent.example.com", Timeout)
	s.SetA("partial.example.com", "192.0.2.9")
	s.SetAAAA("partial.example.com", "2001:db8::9")
	s.SetFailure("partial.example.com", ServFail, TypeAAAA)
	s.SetTXT("healed.example.com", "ok")
	s.SetFailure("healed.example.com", ServFail)
	s.SetFailure("healed.example.com", NoFailure)
	s.SetA("target.example.com", "192.0.2.7")
	s.SetFailure("target.example.com", ServFail)
	s.SetCNAME("via.example.com", "target.example.com")

	tests := []struct {
		name    string
		qname   string
		qtype   uint16
		rcode   int
		timeout bool
		answers int
	}{
		{"SERVFAIL hides the records", "broken.example.com", mdns.TypeTXT, mdns.RcodeServerFailure, false, 0},
		{"REFUSED needs no records", "refused.example.com", mdns.TypeA, mdns.RcodeRefused, false, 0},
		{"a silent name times out", "silent.example.com", mdns.TypeA, 0, true, 0},
		{"a failure for one type spares others", "partial.example.com", mdns.TypeA, mdns.RcodeSuccess, false, 1},
		{"a failure for one type hits it", "partial.example.com", mdns.TypeAAAA, mdns.RcodeServerFailure, false, 0},
		{"NoFailure clears a failure", "healed.example.com", mdns.TypeTXT, mdns.RcodeSuccess, false, 1},
		{"a CNAME to a failing name is not followed", "via.example.com", mdns.TypeA, mdns.RcodeSuccess, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, network := range []string{"udp", "tcp"} {
				r, err := exchange(s, network, tc.qname, tc.qtype, false, 300*time.Millisecond)
				if tc.timeout {
					var ne net.Error
					if !errors.As(err, &ne) || !ne.Timeout() {
						t.Errorf("%s: err = %v, want a timeout", network, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", network, err)
				}
				if r.Rcode != tc.rcode || len(r.Answer) != tc.answers {
					t.Errorf("%s: rcode %s with %d answers, want %s with %d",
						network, mdns.RcodeToString[r.Rcode], len(r.Answer), mdns.RcodeToString[tc.rcode], tc.answers)
				}
			}
		})
	}
}

func TestServerRemove(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.SetA("host.example.com", "192.0.2.1")
	s.SetTXT("host.example.com", "t")
	s.SetTXT("gone.example.com", "t")
	s.SetTXT("emptied.example.com", "t")

	s.Remove("host.example.com", TypeTXT)
	s.Remove("gone.example.com")
	s.SetTXT("emptied.example.com") // no values: removes TXT

	tests := []struct {
		name  string
		qname string
		qtype uint16
		rcode int
		n     int
	}{
		{"removing a type leaves NODATA", "host.example.com", mdns.TypeTXT, mdns.RcodeSuccess, 0},
		{"removing a type keeps the others", "host.example.com", mdns.TypeA, mdns.RcodeSuccess, 1},
		{"removing every type leaves NXDOMAIN", "gone.example.com", mdns.TypeTXT, mdns.RcodeNameError, 0},
		{"setting no values removes the type", "emptied.example.com", mdns.TypeTXT, mdns.RcodeNameError, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := ask(t, s, "udp", tc.qname, tc.qtype, false)
			if r.Rcode != tc.rcode || len(r.Answer) != tc.n {
				t.Errorf("rcode %s with %d answers, want %s with %d",
					mdns.RcodeToString[r.Rcode], len(r.Answer), mdns.RcodeToString[tc.rcode], tc.n)
			}
		})
	}
}

func TestServerLoadZone(t *testing.T) {
	t.Parallel()
	s := Start(t)
	zone := `$TTL 60
@        IN MX 10 mx1
mx1      IN A  192.0.2.1
sel._domainkey 3600 IN TXT ( "v=DKIM1; k=rsa; "
                             "p=AAAA" )
`
	if err := s.LoadZone(strings.NewReader(zone), "example.org"); err != nil {
		t.Fatal(err)
	}
	r := ask(t, s, "udp", "sel._domainkey.example.org", mdns.TypeTXT, false)
	if len(r.Answer) != 1 || r.Answer[0].Header().Ttl != 3600 {
		t.Fatalf("TXT answers = %v", r.Answer)
	}
	if got := strings.Join(r.Answer[0].(*mdns.TXT).Txt, ""); got != "v=DKIM1; k=rsa; p=AAAA" {
		t.Errorf("TXT = %q", got)
	}
	r = ask(t, s, "udp", "example.org", mdns.TypeMX, false)
	if len(r.Answer) != 1 || r.Answer[0].(*mdns.MX).Mx != "mx1.example.org." || r.Answer[0].Header().Ttl != 60 {
		t.Errorf("MX answers = %v", r.Answer)
	}

	if err := s.LoadZone(strings.NewReader("bad IN A not-an-ip\n"), "example.org"); err == nil {
		t.Error("a malformed zone loaded without error")
	}
}

func TestServerTTLAndQueries(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.SetTTL(42 * time.Second)
	s.SetTXT("ttl.example.com", "v")
	s.SetTXT("big.example.com", strings.Repeat("x", 400), strings.Repeat("y", 400))

	r := ask(t, s, "udp", "ttl.example.com", mdns.TypeTXT, false)
	if ttl := r.Answer[0].Header().Ttl; ttl != 42 {
		t.Errorf("record TTL = %d, want 42", ttl)
	}
	r = ask(t, s, "udp", "missing.example.com", mdns.TypeTXT, false)
	if soa, ok := r.Ns[0].(*mdns.SOA); !ok || soa.Minttl != 42 || soa.Hdr.Ttl != 42 {
		t.Errorf("negative answer SOA = %v, want TTL and minimum 42", r.Ns)
	}
	ask(t, s, "tcp", "TTL.example.com", mdns.TypeTXT, false)

	want := []Query{
		{Name: "ttl.example.com.", Type: TypeTXT},
		{Name: "missing.example.com.", Type: TypeTXT},
		{Name: "ttl.example.com.", Type: TypeTXT, TCP: true},
	}
	got := s.Queries()
	if len(got) != len(want) {
		t.Fatalf("queries = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("query %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := s.Count("ttl.example.com", TypeTXT); n != 2 {
		t.Errorf("Count = %d, want 2", n)
	}
}

func TestServerCNAMEChasingOff(t *testing.T) {
	t.Parallel()
	s := Start(t)
	s.SetCNAMEChasing(false)
	s.SetCNAME("alias.example.com", "host.example.net")
	s.SetA("host.example.net", "192.0.2.5")

	r := ask(t, s, "udp", "alias.example.com", mdns.TypeA, false)
	if len(r.Answer) != 1 || r.Answer[0].Header().Rrtype != mdns.TypeCNAME {
		t.Errorf("answers = %v, want only the CNAME", r.Answer)
	}
}

// TestServerConcurrentChanges runs under -race: records change while
// queries are answered.
func TestServerConcurrentChanges(t *testing.T) {
	t.Parallel()
	s := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			s.SetTXT("flip.example.com", strings.Repeat("v", i%300))
			s.Remove("flip.example.com")
			s.SetFailure("flip.example.com", Failure(i%3))
		}
	})
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := exchange(s, "udp", "flip.example.com", mdns.TypeTXT, true, time.Second); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestListenFixedPort(t *testing.T) {
	t.Parallel()
	a := Start(t)
	if _, err := Listen(a.Addr()); err == nil {
		t.Error("a second server took a port that is in use")
	}
	if _, err := Listen("no-port"); err == nil {
		t.Error("an address without port was accepted")
	}
}
