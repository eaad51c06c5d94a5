package feedback

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics and that what it returns holds
// together, whatever the input. The corpus samples and the test messages
// seed it.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(corpusDir, "samples", "*.eml"))
	more, _ := filepath.Glob("testdata/*.eml")
	for _, p := range append(seeds, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Subject: Undelivered Mail Returned to Sender\n\nThis is the mail system\n<a@b.c>: x\n"))
	f.Add([]byte("Content-Type: multipart/report; boundary=x\n\n--x\nContent-Type: message/delivery-status\n\nFinal-Recipient: <a@b.cc>\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		rep, err := Parse(raw)
		if err != nil {
			if rep != nil {
				t.Fatal("a report and an error")
			}
			return
		}
		if rep.Kind == "" {
			t.Fatal("empty kind")
		}
		for _, r := range rep.Recipients {
			if !isEmailAddress(r.Address) {
				t.Fatalf("recipient %q is not an address", r.Address)
			}
			if r.Status != "" && !validStatus(r.Status) {
				t.Fatalf("invalid status %q", r.Status)
			}
			if r.Hard && r.Reason != ReasonUserUnknown && r.Reason != ReasonHostUnknown && r.Reason != ReasonHasMoved &&
				r.Reason != ReasonNotAccept {
				t.Fatalf("hard bounce for reason %s", r.Reason)
			}
		}
	})
}
