package sigv4

import (
	"testing"
	"time"
)

func TestFreshnessBoundaries(t *testing.T) {
	t.Parallel()
	now := signTime
	tests := []struct {
		name     string
		signedAt time.Time
		skew     time.Duration
		want     string // "" accepts
	}{
		{name: "exactly the allowed skew in the past is accepted", signedAt: now.Add(-15 * time.Minute), skew: 15 * time.Minute},
		{name: "exactly the allowed skew in the future is accepted", signedAt: now.Add(15 * time.Minute), skew: 15 * time.Minute},
		{name: "a second too old is refused", signedAt: now.Add(-15*time.Minute - time.Second), skew: 15 * time.Minute,
			want: "Signature expired: 20251231T234459Z is now earlier than 20251231T234500Z (20260101T000000Z - 15 min.)"},
		{name: "a second too new is refused", signedAt: now.Add(15*time.Minute + time.Second), skew: 15 * time.Minute,
			want: "Signature not yet current: 20260101T001501Z is still later than 20260101T001500Z (20260101T000000Z + 15 min.)"},
		{name: "a skew that is not whole minutes is written as a duration", signedAt: now.Add(-time.Hour), skew: 90 * time.Second,
			want: "Signature expired: 20251231T230000Z is now earlier than 20251231T235830Z (20260101T000000Z - 1m30s.)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := checkFreshness(tt.signedAt, now, tt.skew)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("checkFreshness = %v, want nil", err)
			case tt.want != "" && (err == nil || err.Error() != "InvalidSignatureException: "+tt.want):
				t.Errorf("checkFreshness = %v, want %q", err, tt.want)
			}
		})
	}
}
