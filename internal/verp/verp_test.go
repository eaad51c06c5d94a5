package verp

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/msgid"
)

var (
	testKey   = []byte("0123456789abcdef0123456789abcdef")
	otherKey  = []byte("fedcba9876543210fedcba9876543210")
	exampleID = "0100018f3e0d1c2a-6f1c2b7e-2f4d-4c59-9a55-0d3f3b8e2c11-000000"
)

// localShape is what Encode's local parts look like.
var localShape = regexp.MustCompile(`^b-[a-z2-7]{39}-(0|[1-9][0-9]{0,5})-[a-z2-7]{8}$`)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		id     string
		index  int
		domain string
	}{
		{"the first recipient", exampleID, 0, "bounces.example.com"},
		{"the fiftieth recipient (SES's limit per message)", exampleID, 49, "bounces.example.com"},
		{"the largest index", exampleID, MaxIndex, "mail.example.com"},
		{"a fresh ID", msgid.New(time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)), 7, "example.com"},
		{"an ID of all zeros", "0000000000000000-00000000-0000-0000-0000-000000000000-000000", 1, "example.com"},
		{"an ID of all f", "ffffffffffffffff-ffffffff-ffff-ffff-ffff-ffffffffffff-000000", 1, "example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := Encode(tc.id, tc.index, tc.domain, testKey)
			local, domain, _ := strings.Cut(addr, "@")
			if domain != tc.domain {
				t.Errorf("domain = %q, want %q", domain, tc.domain)
			}
			if !localShape.MatchString(local) {
				t.Errorf("local part %q has not the expected shape", local)
			}
			if len(local) > maxLocal {
				t.Errorf("local part is %d characters, over RFC 5321's %d", len(local), maxLocal)
			}
			id, index, ok := Decode(addr, testKey)
			if !ok || id != tc.id || index != tc.index {
				t.Errorf("Decode(%q) = %q, %d, %v; want %q, %d, true", addr, id, index, ok, tc.id, tc.index)
			}
		})
	}
}

// TestEncodeGolden pins the form: bounces come back for messages sent
// before an upgrade, so the same ID, index and key must keep making the
// same address. The value was checked against Python's hmac and base64.
func TestEncodeGolden(t *testing.T) {
	t.Parallel()
	const want = "b-aeaaddz6buocu3y4fn7c6tkmlgnfkdj7hohcyei-3-xjgbcq7r@bounces.example.com"
	if got := Encode(exampleID, 3, "bounces.example.com", testKey); got != want {
		t.Errorf("Encode = %q, want %q", got, want)
	}
}

func TestDecodeAnyCase(t *testing.T) {
	t.Parallel()
	addr := Encode(exampleID, 12, "Bounces.Example.com", testKey)
	local, domain, _ := strings.Cut(addr, "@")
	tests := []struct {
		name, addr string
	}{
		{"as written", addr},
		{"upper case", strings.ToUpper(addr)},
		{"mixed case", strings.ToUpper(local[:20]) + local[20:] + "@" + strings.ToLower(domain)},
		{"the local part alone", local},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if id, index, ok := Decode(tc.addr, testKey); !ok || id != exampleID || index != 12 {
				t.Errorf("Decode(%q) = %q, %d, %v", tc.addr, id, index, ok)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	addr := Encode(exampleID, 12, "example.com", testKey)
	local := strings.TrimSuffix(addr, "@example.com")
	// Positions in the local part: "b-" id(39) "-" "12" "-" tag(8).
	idEnd, tagStart := 2+39, len(local)-8
	replace := func(i int, c byte) string { return local[:i] + string(c) + local[i+1:] + "@example.com" }
	flip := func(c byte) byte {
		if c == 'a' {
			return 'b'
		}
		return 'a'
	}
	tests := []struct {
		name, addr string
		key        []byte
	}{
		{"another key", addr, otherKey},
		{"no key when there was one", addr, nil},
		{"a changed tag", replace(tagStart, flip(local[tagStart])), testKey},
		{"a changed index", strings.Replace(addr, "-12-", "-13-", 1), testKey},
		{"a changed message ID", replace(10, flip(local[10])), testKey},
		{"an index with a leading zero", strings.Replace(addr, "-12-", "-012-", 1), testKey},
		{"a negative index", strings.Replace(addr, "-12-", "--12-", 1), testKey},
		{"an index of seven digits", strings.Replace(addr, "-12-", "-1000000-", 1), testKey},
		{"an index that is not a number", strings.Replace(addr, "-12-", "-1x-", 1), testKey},
		{"no index", strings.Replace(addr, "-12-", "--", 1), testKey},
		// The 39th character's low 3 bits are padding: the next letter of
		// the alphabet decodes to the same bytes.
		{"a non-canonical ID encoding", replace(idEnd-1, nextDigit(local[idEnd-1])), testKey},
		{"a short tag", local[:len(local)-1] + "@example.com", testKey},
		{"a long tag", local + "a@example.com", testKey},
		{"another prefix", "c" + addr[1:], testKey},
		{"a '+' for a dash", strings.Replace(addr, "b-", "b+", 1), testKey},
		{"a base32 digit outside the alphabet", replace(5, '1'), testKey},
		{"a non-ASCII character", replace(5, 0xc3), testKey},
		{"an empty address", "", testKey},
		{"a plain address", "postmaster@example.com", testKey},
		{"a local part over 64 characters", "b-" + strings.Repeat("a", 63) + "@example.com", testKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if id, index, ok := Decode(tc.addr, tc.key); ok || id != "" || index != 0 {
				t.Errorf("Decode(%q) = %q, %d, %v; want it refused", tc.addr, id, index, ok)
			}
		})
	}
}

// nextDigit is the base32 digit after c, whose value differs in the
// lowest bit.
func nextDigit(c byte) byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	return alphabet[strings.IndexByte(alphabet, c)^1]
}

func TestEncodePanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		id    string
		index int
	}{
		{"an ID msgid did not make", "m1", 0},
		{"an ID in upper case", strings.ToUpper(exampleID), 0},
		{"a negative index", exampleID, -1},
		{"an index over MaxIndex", exampleID, MaxIndex + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Errorf("Encode(%q, %d) did not panic", tc.id, tc.index)
				}
			}()
			Encode(tc.id, tc.index, "example.com", testKey)
		})
	}
}

// FuzzDecode: Decode never panics, and what it accepts is exactly what
// Encode makes, up to case.
func FuzzDecode(f *testing.F) {
	f.Add(Encode(exampleID, 3, "example.com", testKey))
	f.Add(strings.ToUpper(Encode(exampleID, MaxIndex, "example.com", testKey)))
	f.Add("b-aeaaddz6buocu3y4fn7c6tkmlgnfkdj7hohcyei-3-aaaaaaaa@x")
	f.Add("b-" + strings.Repeat("7", 39) + "-0-" + strings.Repeat("7", 8))
	f.Add("postmaster@example.com")
	f.Add("")
	f.Fuzz(func(t *testing.T, addr string) {
		id, index, ok := Decode(addr, testKey)
		if !ok {
			return
		}
		local := addr
		if at := strings.LastIndexByte(addr, '@'); at >= 0 {
			local = addr[:at]
		}
		again := Encode(id, index, "example.com", testKey) // panics on a bad id or index
		if !strings.EqualFold(strings.TrimSuffix(again, "@example.com"), local) {
			t.Fatalf("Decode(%q) = %q, %d, which Encode writes %q", addr, id, index, again)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	addr := Encode(exampleID, 12, "example.com", testKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := Decode(addr, testKey); !ok {
			b.Fatal("refused")
		}
	}
}
