package compose

import (
	"bytes"
	"flag"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode every charset when reading back

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/fault"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// countingRand is a deterministic stand-in for crypto/rand: it yields
// 0, 1, 2, … so that boundaries are the same on every run.
type countingRand struct{ n byte }

func (r *countingRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

// testDate is the Date every golden message carries.
var testDate = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// mustParse parses an address or fails the test.
func mustParse(t testing.TB, s string) address.Address {
	t.Helper()
	a, err := address.Parse(s)
	if err != nil {
		t.Fatalf("address.Parse(%q): %v", s, err)
	}
	return a
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update to accept it)\n--- got ---\n%s", path, got)
	}
}

// checkWire checks what every message sent must satisfy: CRLF line
// endings, no bare CR, lines within 998 characters.
func checkWire(t *testing.T, msg []byte) {
	t.Helper()
	for i, line := range bytes.Split(msg, []byte("\r\n")) {
		if bytes.IndexByte(line, '\n') >= 0 || bytes.IndexByte(line, '\r') >= 0 {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > maxLineText {
			t.Errorf("line %d is %d characters long", i+1, len(line))
		}
	}
}

// leaf is one non-multipart entity read back with go-message.
type leaf struct {
	mediaType   string
	params      map[string]string
	disposition string
	dispParams  map[string]string
	header      message.Header
	body        string // decoded from its transfer encoding and charset
}

// readBack parses msg with go-message and returns its leaves in order.
func readBack(t *testing.T, msg []byte) (message.Header, []leaf) {
	t.Helper()
	e, err := message.Read(bytes.NewReader(msg))
	if err != nil {
		t.Fatalf("go-message cannot read the message: %v", err)
	}
	var leaves []leaf
	err = e.Walk(func(path []int, part *message.Entity, err error) error {
		if err != nil {
			return err
		}
		mt, params, err := part.Header.ContentType()
		if err != nil {
			return err
		}
		if strings.HasPrefix(mt, "multipart/") {
			return nil
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			return err
		}
		l := leaf{mediaType: mt, params: params, header: part.Header, body: string(body)}
		if cd := part.Header.Get("Content-Disposition"); cd != "" {
			if l.disposition, l.dispParams, err = mime.ParseMediaType(cd); err != nil {
				return err
			}
		}
		leaves = append(leaves, l)
		return nil
	})
	if err != nil {
		t.Fatalf("go-message cannot walk the message: %v", err)
	}
	return e.Header, leaves
}

// wantFault checks that err is a fault with the given code and message.
func wantFault(t *testing.T, err error, code, msg string) {
	t.Helper()
	f := fault.As(err)
	if f == nil {
		t.Fatalf("error = %v, want fault %s %q", err, code, msg)
	}
	if f.Code != code || f.Message != msg {
		t.Fatalf("fault = %s %q, want %s %q", f.Code, f.Message, code, msg)
	}
}
