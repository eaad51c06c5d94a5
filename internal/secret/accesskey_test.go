package secret

import (
	"regexp"
	"testing"
)

func TestNewAccessKeyLooksLikeAWS(t *testing.T) {
	t.Parallel()
	idShape := regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`)
	secretShape := regexp.MustCompile(`^[A-Za-z0-9+/]{40}$`)
	seen := make(map[string]bool)
	for range 1000 {
		id, secret := NewAccessKey()
		if !idShape.MatchString(id) {
			t.Fatalf("id %q is not shaped like an AWS access key id", id)
		}
		if !secretShape.MatchString(secret) {
			t.Fatalf("secret %q is not shaped like an AWS secret access key", secret)
		}
		if seen[id] || seen[secret] {
			t.Fatalf("NewAccessKey repeated itself: %s %s", id, secret)
		}
		seen[id], seen[secret] = true, true
	}
}
