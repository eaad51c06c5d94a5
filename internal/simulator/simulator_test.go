package simulator

import (
	"testing"

	"github.com/hikyaku/hikyaku/internal/store"
)

func TestResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr    string
		status  string
		bounce  string
		subtype string
		ok      bool
	}{
		{"success@simulator.amazonses.com", store.RcptDelivered, "", "", true},
		{"success+label1@simulator.amazonses.com", store.RcptDelivered, "", "", true},
		{"Bounce@SIMULATOR.amazonses.com", store.RcptBounced, "Permanent", "General", true},
		{"ooto@simulator.amazonses.com", store.RcptDelivered, "Transient", "General", true},
		{"complaint+x@simulator.amazonses.com", store.RcptComplained, "", "", true},
		{"suppressionlist@simulator.amazonses.com", store.RcptSuppressed, "Permanent", "OnAccountSuppressionList", true},
		{"nobody@simulator.amazonses.com", "", "", "", false},
		{"success@example.com", "", "", "", false},
		{"success", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			st, o, ok := Result(tt.addr)
			if ok != tt.ok || st != tt.status || o.BounceType != tt.bounce || o.BounceSubType != tt.subtype {
				t.Errorf("Result(%q) = %q %+v %v", tt.addr, st, o, ok)
			}
			if ok && !o.Simulated {
				t.Errorf("outcome not marked simulated")
			}
		})
	}
}
