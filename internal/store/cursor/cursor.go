// Package cursor encodes the opaque page tokens the store backends hand out
// for keyset pagination. A token names the last row of a page by its sort
// key, so the next page starts right after it even while rows are added or
// removed, and both backends produce and accept the same tokens.
package cursor

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

// Encode returns the token for a row whose sort key is (t, key), as used
// by listings ordered by time then by a string.
func Encode(t time.Time, key string) string {
	raw := strconv.FormatInt(t.UnixMicro(), 10) + "\n" + key
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// Decode reverses Encode. The time is in UTC with microsecond precision.
// A token Encode did not produce yields an error wrapping
// store.ErrInvalidCursor.
func Decode(token string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("%w: %q is not base64url", store.ErrInvalidCursor, token)
	}
	micros, key, ok := strings.Cut(string(raw), "\n")
	if !ok {
		return time.Time{}, "", fmt.Errorf("%w: %q has no key", store.ErrInvalidCursor, token)
	}
	us, err := strconv.ParseInt(micros, 10, 64)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("%w: %q has no time", store.ErrInvalidCursor, token)
	}
	return time.UnixMicro(us).UTC(), key, nil
}
