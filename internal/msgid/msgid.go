// Package msgid makes message IDs in SES's shape:
// 0100018f3e0d1c2a-6f1c2b7e-2f4d-4c59-9a55-0d3f3b8e2c11-000000, a 16-hex
// digit prefix ("0100" and the acceptance time in milliseconds), a random
// UUID and a "-000000" suffix. IDs sort by acceptance time, which keeps
// store indexes append-mostly.
package msgid

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// New returns a fresh message ID for a message accepted at t.
func New(t time.Time) string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails (Go ≥1.24)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("0100%012x-%x-%x-%x-%x-%x-000000", t.UnixMilli(), u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// Header returns the Message-ID header value SES uses for id:
// <id@REGION.amazonses.com>; hikyaku uses its own domain instead.
func Header(id, domain string) string {
	return "<" + id + "@" + domain + ">"
}

// Valid reports whether s has the shape New produces.
func Valid(s string) bool {
	if len(s) != 16+1+36+7 || !strings.HasSuffix(s, "-000000") || s[16] != '-' {
		return false
	}
	for i, c := range s[:len(s)-7] {
		switch {
		case i == 16 || i == 25 || i == 30 || i == 35 || i == 40:
			if c != '-' {
				return false
			}
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		default:
			return false
		}
	}
	return true
}
