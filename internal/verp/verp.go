// Package verp makes and reads hikyaku's return-path addresses: VERP
// (variable envelope return path) addresses that name the message and the
// recipient a delivery was for, so that a bounce sent back to one, maybe
// days later, says which recipient bounced without parsing the bounce's
// text. A keyed tag in each address means a forged bounce cannot name a
// message it did not see, and so cannot get a recipient suppressed.
//
// The package also makes the Feedback-ID header field value, with which
// Gmail's feedback loop reports complaints per sender.
package verp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/hikyaku/hikyaku/internal/msgid"
)

// An address's local part is
//
//	b-<id>-<index>-<tag>
//
// where id is the message ID's 24 bytes (its 48 hex digits; the dashes
// and the "-000000" suffix are fixed) in base32, 39 characters; index is
// the recipient's position in decimal; and tag is the first 40 bits of
// HMAC-SHA256(key, tagContext || id || 0 || index) in base32, 8
// characters. An ID written as it is would make a local part of 74
// characters, over the 64 that RFC 5321 §4.5.3.1.1 allows and that some
// MTAs enforce; this form is at most 57.
//
// The local part is lower-case letters, digits and dashes only, so
// Decode takes it in any case: some MTAs lower- or upper-case addresses.
//
// The form is part of hikyaku's state: bounces arrive for messages sent
// before an upgrade, so a change needs a new prefix with Decode taking
// both.
const (
	prefix   = "b-"
	idChars  = 39 // base32 of the 24 bytes of a message ID
	tagBytes = 5  // 40 bits: a forger's chance per try is 2^-40
	tagChars = 8  // base32 of tagBytes
	maxLocal = 64 // RFC 5321 §4.5.3.1.1
)

// MaxIndex is the largest recipient index Encode takes.
const MaxIndex = 999_999

// tagContext starts the tag's HMAC input, so that the key can be used
// for other MACs without one standing in for another.
const tagContext = "hikyaku verp v1\x00"

// encoding is base32 (RFC 4648 §6) in lower case, without padding.
var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Encode returns the return-path address for the delivery of message
// messageID to the recipient at position index (0 first), at domain:
// the identity's custom MAIL FROM domain or hikyaku's own. key is the
// server's secret for return paths; every node that receives bounces
// needs the same key, and changing it makes the addresses of messages
// in flight unreadable.
//
// messageID must be an ID msgid.New made and index within 0 to MaxIndex;
// Encode panics otherwise, as those are programming errors.
func Encode(messageID string, index int, domain string, key []byte) string {
	id, ok := packID(messageID)
	if !ok {
		panic("verp: " + strconv.Quote(messageID) + " is not a message ID from msgid.New")
	}
	if index < 0 || index > MaxIndex {
		panic("verp: recipient index " + strconv.Itoa(index) + " is outside 0 to " + strconv.Itoa(MaxIndex))
	}
	b := make([]byte, 0, len(prefix)+idChars+1+6+1+tagChars+1+len(domain))
	b = append(b, prefix...)
	b = encoding.AppendEncode(b, id[:])
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(index), 10)
	b = append(b, '-')
	tag := sum(key, messageID, index)
	b = encoding.AppendEncode(b, tag[:])
	b = append(b, '@')
	b = append(b, domain...)
	return string(b)
}

// Decode reads an address Encode made, as a bounce's recipient (without
// angle brackets). It returns the message ID and recipient index, and
// ok = false for any other address, including one whose tag does not
// match: a guessed or altered address, or one made with another key. The
// local part is read in any case; the domain is not checked. Decode
// never panics, whatever address is.
func Decode(address string, key []byte) (messageID string, index int, ok bool) {
	local := address
	if at := strings.LastIndexByte(address, '@'); at >= 0 {
		local = address[:at]
	}
	const minLocal = len(prefix) + idChars + 1 + 1 + 1 + tagChars
	if len(local) < minLocal || len(local) > maxLocal {
		return "", 0, false
	}
	var buf [maxLocal]byte
	l := buf[:len(local)]
	for i := range l {
		c := local[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		l[i] = c
	}

	if string(l[:len(prefix)]) != prefix {
		return "", 0, false
	}
	l = l[len(prefix):]
	enc := l[:idChars]
	if l[idChars] != '-' {
		return "", 0, false
	}
	l = l[idChars+1:]
	dash := bytes.IndexByte(l, '-')
	if dash < 1 || dash > len(strconv.Itoa(MaxIndex)) || len(l)-dash-1 != tagChars {
		return "", 0, false
	}
	digits, tag := l[:dash], l[dash+1:]
	if digits[0] == '0' && len(digits) > 1 {
		return "", 0, false // one index, one address
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return "", 0, false
		}
		index = index*10 + int(c-'0')
	}

	var id [24]byte
	if n, err := encoding.Decode(id[:], enc); err != nil || n != len(id) {
		return "", 0, false
	}
	// The last character carries 2 bits of the ID and 3 of padding; only
	// the form Encode writes, with them zero, is accepted.
	var canon [idChars]byte
	encoding.Encode(canon[:], id[:])
	if !bytes.Equal(canon[:], enc) {
		return "", 0, false
	}
	messageID = unpackID(&id)

	want := sum(key, messageID, index)
	var wantTag [tagChars]byte
	encoding.Encode(wantTag[:], want[:])
	if !hmac.Equal(wantTag[:], tag) {
		return "", 0, false
	}
	return messageID, index, true
}

// sum is the tag's bytes for a message ID and index.
func sum(key []byte, messageID string, index int) [tagBytes]byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(tagContext))
	mac.Write([]byte(messageID))
	var num [1 + 20]byte
	mac.Write(strconv.AppendInt(append(num[:0], 0), int64(index), 10))
	var out [tagBytes]byte
	copy(out[:], mac.Sum(nil))
	return out
}

// idGroups are where the hex digits of a message ID are: the 16-digit
// time prefix and the UUID's five groups (see msgid).
var idGroups = [...][2]int{{0, 16}, {17, 25}, {26, 30}, {31, 35}, {36, 40}, {41, 53}}

const idSuffix = "-000000"

// packID returns the 24 bytes a message ID's hex digits stand for.
func packID(messageID string) (id [24]byte, ok bool) {
	if !msgid.Valid(messageID) {
		return id, false
	}
	n := 0
	for _, g := range idGroups {
		m, err := hex.Decode(id[n:], []byte(messageID[g[0]:g[1]]))
		if err != nil {
			return id, false
		}
		n += m
	}
	return id, true
}

// unpackID writes id back as a message ID.
func unpackID(id *[24]byte) string {
	var b [60]byte
	n := 0
	for i, g := range idGroups {
		if i > 0 {
			b[g[0]-1] = '-'
		}
		n += hex.Encode(b[g[0]:g[1]], id[n:n+(g[1]-g[0])/2]) / 2
	}
	copy(b[53:], idSuffix)
	return string(b[:])
}
