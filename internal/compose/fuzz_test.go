package compose

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// FuzzParseRaw checks that ParseRaw never panics, refuses only with
// faults, and that what Finalize returns for an accepted message parses
// again to the same addresses, uses CRLF throughout and keeps its lines
// within 998 characters.
func FuzzParseRaw(f *testing.F) {
	for _, dir := range []string{"raw", "."} {
		paths, _ := filepath.Glob(filepath.Join("testdata", dir, "*.eml"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("From: a@example.com\n\nbody\rwith a bare CR\n"))
	f.Add([]byte("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRaw(data)
		if err != nil {
			if fault.As(err) == nil {
				t.Fatalf("ParseRaw error %v is not a fault", err)
			}
			return
		}
		out := r.Finalize("0100-fuzz-000000@us-east-1.amazonses.com", testDate)
		if bytes.Contains(bytes.ReplaceAll(out, []byte("\r\n"), nil), []byte("\n")) {
			t.Fatalf("Finalize left a bare LF:\n%q", out)
		}
		again, err := ParseRaw(out)
		if err != nil {
			t.Fatalf("ParseRaw(Finalize(…)): %v\ninput: %q\noutput: %q", err, data, out)
		}
		if again.From != r.From || !reflect.DeepEqual(again.To, r.To) || !reflect.DeepEqual(again.Cc, r.Cc) || again.Subject != r.Subject {
			t.Fatalf("re-parsed message differs:\nfirst  %+v\nsecond %+v", r, again)
		}
		if len(again.Bcc) != 0 || again.MessageID != "0100-fuzz-000000@us-east-1.amazonses.com" {
			t.Fatalf("Finalize kept Bcc %v or lost the Message-ID (%q)", again.Bcc, again.MessageID)
		}
	})
}
