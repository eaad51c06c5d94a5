package cursor

import (
	"errors"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

func TestATokenDecodesToTheKeyItWasMadeFrom(t *testing.T) {
	for _, tc := range []struct {
		t   time.Time
		key string
	}{
		{time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC), "user@example.com"},
		{time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), "a\nb with newline"},
		{time.Unix(0, 0).UTC(), ""},
	} {
		gotT, gotKey, err := Decode(Encode(tc.t, tc.key))
		if err != nil || !gotT.Equal(tc.t) || gotKey != tc.key {
			t.Errorf("Decode(Encode(%v, %q)) = %v, %q, %v", tc.t, tc.key, gotT, gotKey, err)
		}
	}
}

func TestAForeignTokenIsInvalid(t *testing.T) {
	for _, token := range []string{"***", "bm8gbmV3bGluZQ", "eHl6CmFiYw"} { // "no newline", "xyz\nabc"
		if _, _, err := Decode(token); !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("Decode(%q) = %v, want ErrInvalidCursor", token, err)
		}
	}
}
