package msgid

import (
	"testing"
	"time"
)

func TestNewHasSESShapeAndSortsByTime(t *testing.T) {
	t.Parallel()
	a := New(time.UnixMilli(1_700_000_000_000))
	b := New(time.UnixMilli(1_700_000_000_001))
	for _, id := range []string{a, b} {
		if !Valid(id) {
			t.Fatalf("New produced %q, which Valid rejects", id)
		}
	}
	if a[:16] != "0100018bcfe56800" {
		t.Errorf("prefix = %q, want 0100 + millisecond time", a[:16])
	}
	if !(a < b) {
		t.Errorf("IDs do not sort by time: %q >= %q", a, b)
	}
}

func TestValidRejectsOtherShapes(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "abc", "0100018bcfe56800-not-a-uuid-000000",
		"0100018bcfe56800-6f1c2b7e-2f4d-4c59-9a55-0d3f3b8e2c11-000001"} {
		if Valid(s) {
			t.Errorf("Valid(%q) = true", s)
		}
	}
}
