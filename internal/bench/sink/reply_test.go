package sink

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, spec string
		want       Rule
	}{
		{"a plain mix refuses at RCPT", "Example.NET=250:90,450:5,550:5", Rule{Domain: "example.net", Replies: []Reply{
			{Code: 250, Phase: AtData, Weight: 90}, {Code: 450, Phase: AtRcpt, Weight: 5}, {Code: 550, Phase: AtRcpt, Weight: 5}}}},
		{"a slow 250 delays the reply to DATA", "slow.test=250:100@200ms", Rule{Domain: "slow.test", Replies: []Reply{
			{Code: 250, Phase: AtData, Weight: 100, Delay: 200 * time.Millisecond}}}},
		{"weights default to 1", "x.test=250,421", Rule{Domain: "x.test", Replies: []Reply{
			{Code: 250, Phase: AtData, Weight: 1}, {Code: 421, Phase: AtRcpt, Weight: 1}}}},
		{"a phase moves a refusal to DATA", "big.test=250:9,552/data:1@1s", Rule{Domain: "big.test", Replies: []Reply{
			{Code: 250, Phase: AtData, Weight: 9}, {Code: 552, Phase: AtData, Weight: 1, Delay: time.Second}}}},
		{"a 250 can be slow at RCPT", "r.test=250/rcpt@5ms", Rule{Domain: "r.test", Replies: []Reply{
			{Code: 250, Phase: AtRcpt, Weight: 1, Delay: 5 * time.Millisecond}}}},
		{"* is every other domain", " * = 451 ", Rule{Domain: "*", Replies: []Reply{{Code: 451, Phase: AtRcpt, Weight: 1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRule(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got.Domain != tt.want.Domain || !slices.Equal(got.Replies, tt.want.Replies) {
				t.Fatalf("ParseRule(%q) = %+v, want %+v", tt.spec, got, tt.want)
			}
			again, err := ParseRule(got.String())
			if err != nil || !slices.Equal(again.Replies, got.Replies) {
				t.Errorf("String() %q does not parse back: %+v %v", got.String(), again, err)
			}
		})
	}
}

func TestParseRuleRejects(t *testing.T) {
	t.Parallel()
	for spec, why := range map[string]string{
		"example.net":                  "want DOMAIN=",
		"=250":                         "want DOMAIN=",
		"example.net=":                 "want DOMAIN=",
		"a@example.net=250":            "not a domain",
		"example.net=200":              "not 250 or a 4xx/5xx",
		"example.net=600":              "not 250 or a 4xx/5xx",
		"example.net=abc":              "not 250 or a 4xx/5xx",
		"example.net=250:0":            "not a positive integer",
		"example.net=250:-3":           "not a positive integer",
		"example.net=250@fast":         "not a duration",
		"example.net=450/mail":         "not rcpt or data",
		"example.net=250:999999,550:2": "more than 1000000",
	} {
		_, err := ParseRule(spec)
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseRule(%q) = %v, want an error saying %q", spec, err, why)
		}
	}
}

func TestParseMixFile(t *testing.T) {
	t.Parallel()
	rules, err := ParseMixFile(strings.NewReader("# providers\n\nexample.net=250:90,450:10\n  slow.test=250@1s  \n"))
	if err != nil || len(rules) != 2 || rules[1].Domain != "slow.test" {
		t.Fatalf("rules %+v, %v", rules, err)
	}
	_, err = ParseMixFile(strings.NewReader("ok.test=250\nbad\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error %v does not name line 2", err)
	}
}

func TestMixDealsExactSharesDeterministically(t *testing.T) {
	t.Parallel()
	rule, _ := ParseRule("example.net=250:90,450:5,550:5")
	other, _ := ParseRule("*=421")
	deal := func(seed uint64) []int {
		m, err := NewMix(seed, []Rule{rule, other})
		if err != nil {
			t.Fatal(err)
		}
		var codes []int
		for range 300 {
			codes = append(codes, m.Deal("example.net").Code)
		}
		if c := m.Deal("unlisted.test").Code; c != 421 {
			t.Errorf("an unlisted domain got %d, not the * rule's 421", c)
		}
		return codes
	}
	a, b, c := deal(7), deal(7), deal(8)
	if !slices.Equal(a, b) {
		t.Error("the same seed dealt different replies")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds dealt the same 300 replies")
	}
	for start := 0; start < 300; start += 100 {
		n := map[int]int{}
		for _, code := range a[start : start+100] {
			n[code]++
		}
		if n[250] != 90 || n[450] != 5 || n[550] != 5 {
			t.Errorf("deck %d: %v, want 90/5/5", start/100, n)
		}
	}
	if _, err := NewMix(1, []Rule{rule, rule}); err == nil {
		t.Error("two rules for one domain accepted")
	}
	var none *Mix
	if r := none.Deal("x.test"); r.Code != 250 || r.Delay != 0 {
		t.Errorf("no mix dealt %+v", r)
	}
}
