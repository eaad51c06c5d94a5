// Package column maps store values to the column values both SQL backends
// keep, so that the two encode them identically: times at microsecond
// precision in UTC, and the values without a natural SQL type (tag lists,
// DKIM keys, suppression reasons, outcomes) as JSON text with stable field
// names.
package column

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

// Time returns t as the store keeps it: in UTC, truncated to the
// microsecond (PostgreSQL's timestamp precision). Callers that compare what
// they wrote with what they read should truncate the same way.
func Time(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// Bucket returns the start of the statistics bucket holding t.
func Bucket(t time.Time) time.Time {
	// Truncate counts from the zero time, which lies a whole number of days
	// (so of 15-minute buckets) before the Unix epoch: buckets are
	// epoch-aligned as the interface requires.
	return t.UTC().Truncate(store.StatsBucketSize)
}

// Tags encodes a tag list; an empty list is "[]".
func Tags(tags []store.Tag) (string, error) {
	out := make([]tagJSON, len(tags))
	for i, t := range tags {
		out[i] = tagJSON(t)
	}
	return marshal(out, "tags")
}

// ParseTags decodes Tags' output; an empty list comes back nil.
func ParseTags(s string) ([]store.Tag, error) {
	var in []tagJSON
	if err := unmarshal(s, &in, "tags"); err != nil || len(in) == 0 {
		return nil, err
	}
	tags := make([]store.Tag, len(in))
	for i, t := range in {
		tags[i] = store.Tag(t)
	}
	return tags, nil
}

type tagJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Strings encodes a string list such as suppression reasons; an empty
// list is "[]".
func Strings(list []string) (string, error) {
	if list == nil {
		list = []string{}
	}
	return marshal(list, "string list")
}

// ParseStrings decodes Strings' output; an empty list comes back nil.
func ParseStrings(s string) ([]string, error) {
	var list []string
	if err := unmarshal(s, &list, "string list"); err != nil || len(list) == 0 {
		return nil, err
	}
	return list, nil
}

// DkimKeys encodes a domain's DKIM keys; an empty list is "[]".
func DkimKeys(keys []store.DkimKey) (string, error) {
	out := make([]dkimKeyJSON, len(keys))
	for i, k := range keys {
		out[i] = dkimKeyJSON{
			Selector:         k.Selector,
			SealedPrivateKey: k.SealedPrivateKey,
			PublicKey:        k.PublicKey,
			KeyLength:        k.KeyLength,
			Active:           k.Active,
			External:         k.External,
			CreatedAt:        Time(k.CreatedAt),
		}
	}
	return marshal(out, "DKIM keys")
}

// ParseDkimKeys decodes DkimKeys' output; an empty list comes back nil.
func ParseDkimKeys(s string) ([]store.DkimKey, error) {
	var in []dkimKeyJSON
	if err := unmarshal(s, &in, "DKIM keys"); err != nil || len(in) == 0 {
		return nil, err
	}
	keys := make([]store.DkimKey, len(in))
	for i, k := range in {
		keys[i] = store.DkimKey{
			Selector:         k.Selector,
			SealedPrivateKey: k.SealedPrivateKey,
			PublicKey:        k.PublicKey,
			KeyLength:        k.KeyLength,
			Active:           k.Active,
			External:         k.External,
			CreatedAt:        Time(k.CreatedAt),
		}
	}
	return keys, nil
}

// dkimKeyJSON pins the stored field names, so renaming a Go field cannot
// make existing rows unreadable.
type dkimKeyJSON struct {
	Selector         string    `json:"selector"`
	SealedPrivateKey []byte    `json:"sealedPrivateKey,omitempty"`
	PublicKey        string    `json:"publicKey,omitempty"`
	KeyLength        string    `json:"keyLength,omitempty"`
	Active           bool      `json:"active,omitempty"`
	External         bool      `json:"external,omitempty"`
	CreatedAt        time.Time `json:"createdAt"`
}

// Outcome encodes a recipient's outcome; the zero outcome is "{}".
func Outcome(o store.Outcome) (string, error) {
	return marshal(o, "outcome")
}

// ParseOutcome decodes Outcome's output.
func ParseOutcome(s string) (store.Outcome, error) {
	var o store.Outcome
	err := unmarshal(s, &o, "outcome")
	return o, err
}

func marshal(v any, what string) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

func unmarshal(s string, v any, what string) error {
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode stored %s %q: %w", what, s, err)
	}
	return nil
}

// Micros encodes t as integer microseconds since the Unix epoch, the form
// SQLite keeps times in: sortable, exact, and compact. The zero time
// encodes as its own (very negative) value, so it sorts before every real
// time and decodes back to the zero time.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// FromMicros decodes Micros' output into a UTC time.
func FromMicros(us int64) time.Time {
	if us == zeroMicros {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

var zeroMicros = time.Time{}.UnixMicro()

// Address returns a suppression-list address as stored and matched:
// lower-cased.
func Address(a string) string { return strings.ToLower(a) }

// Addresses lower-cases list and drops duplicates, keeping the first
// occurrence's position.
func Addresses(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := make([]string, 0, len(list))
	for _, a := range list {
		a = Address(a)
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}
