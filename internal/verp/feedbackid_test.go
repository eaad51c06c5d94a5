package verp

import (
	"regexp"
	"testing"
)

// feedbackShape is SES's Feedback-ID shape with hikyaku's identifier.
var feedbackShape = regexp.MustCompile(`^1\.[a-z0-9-]+\.[A-Za-z0-9+/]{43}=:hikyaku$`)

func TestFeedbackID(t *testing.T) {
	t.Parallel()
	base := FeedbackID("us-east-1", "123456789012", "marketing")
	tests := []struct {
		name                       string
		region, account, configSet string
		same                       bool
	}{
		{"the same account and configuration set give the same value", "us-east-1", "123456789012", "marketing", true},
		{"another configuration set gives another value", "us-east-1", "123456789012", "receipts", false},
		{"no configuration set gives another value", "us-east-1", "123456789012", "", false},
		{"another account gives another value", "us-east-1", "123456789013", "marketing", false},
		{"moving a character between account and set gives another value", "us-east-1", "12345678901", "2marketing", false},
		{"another region gives another value", "eu-west-1", "123456789012", "marketing", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := FeedbackID(tc.region, tc.account, tc.configSet)
			if !feedbackShape.MatchString(got) {
				t.Errorf("FeedbackID = %q, not in SES's shape", got)
			}
			if same := got == base; same != tc.same {
				t.Errorf("FeedbackID = %q, base %q: same = %v, want %v", got, base, same, tc.same)
			}
		})
	}
}

// TestFeedbackIDGolden: Gmail groups reports by the value, so it must not
// change between releases.
func TestFeedbackIDGolden(t *testing.T) {
	t.Parallel()
	const want = "1.us-east-1.CkTzqMm4itzVPKmfIcEkAXXgzrwdoZ/BFcPsL67EXEA=:hikyaku"
	if got := FeedbackID("us-east-1", "123456789012", "marketing"); got != want {
		t.Errorf("FeedbackID = %q, want %q", got, want)
	}
}
