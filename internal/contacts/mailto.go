package contacts

import (
	"bytes"
	"crypto/hmac"
	"encoding/base32"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/hikyaku/hikyaku/internal/msgid"
)

// A List-Unsubscribe mailto address is
//
//	unsubscribe+<id>-<index>@MXHOST
//
// without the token itself: a token names the account, list, topic and
// address and would make a local part of a hundred characters and more,
// over the 64 that RFC 5321 §4.5.3.1.1 allows and some MTAs enforce.
// Instead id is the message ID's 24 bytes in base32 (39 characters), index
// the recipient's position, and a tag of 40 bits of HMAC over both, in
// base32 (8 characters) follows: at most 12+39+1+2+1+8 = 63 characters.
// The mail to it is handled by reading the message's own List-Unsubscribe
// header, whose URL carries the token (see Mailbox). Lower-case letters,
// digits, '+' and '-' only, so the address is read in any case.
const (
	mailtoPrefix   = "unsubscribe+"
	mailtoIDChars  = 39
	mailtoTagBytes = 5
	mailtoTagChars = 8
	maxLocalPart   = 64
)

var mailtoEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Mailto returns the mailto address of the List-Unsubscribe header of
// recipient index of message messageID, or "" if messageID is not one
// msgid.New made.
func (l *Links) Mailto(messageID string, index int) string {
	id, ok := packMessageID(messageID)
	if !ok || index < 0 {
		return ""
	}
	b := []byte(mailtoPrefix)
	b = mailtoEncoding.AppendEncode(b, id[:])
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(index), 10)
	b = append(b, '-')
	b = mailtoEncoding.AppendEncode(b, l.mailtoTag(messageID, index))
	if len(b) > maxLocalPart {
		return ""
	}
	return string(b) + "@" + l.MXHost
}

func (l *Links) mailtoTag(messageID string, index int) []byte {
	return l.mac(mailtoContext, strconv.AppendInt([]byte(messageID+"\x00"), int64(index), 10))[:mailtoTagBytes]
}

// ParseMailto reads an address Mailto made (the domain is not checked):
// the message and recipient index, ok = false for any other address.
func (l *Links) ParseMailto(addr string) (messageID string, index int, ok bool) {
	local := addr
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		local = addr[:at]
	}
	local = strings.ToLower(local)
	rest, found := strings.CutPrefix(local, mailtoPrefix)
	if !found || len(rest) < mailtoIDChars+1+1+1+mailtoTagChars || len(local) > maxLocalPart || rest[mailtoIDChars] != '-' {
		return "", 0, false
	}
	enc, rest := rest[:mailtoIDChars], rest[mailtoIDChars+1:]
	digits, tag, found := strings.Cut(rest, "-")
	if !found || len(tag) != mailtoTagChars || digits == "" || len(digits) > 3 || (digits[0] == '0' && len(digits) > 1) {
		return "", 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return "", 0, false
		}
		index = index*10 + int(c-'0')
	}
	var id [24]byte
	if n, err := mailtoEncoding.Decode(id[:], []byte(enc)); err != nil || n != len(id) {
		return "", 0, false
	}
	if mailtoEncoding.EncodeToString(id[:]) != enc {
		return "", 0, false // one address per message: the padding bits are zero
	}
	messageID = unpackMessageID(&id)
	if !hmac.Equal([]byte(mailtoEncoding.EncodeToString(l.mailtoTag(messageID, index))), []byte(tag)) {
		return "", 0, false
	}
	return messageID, index, true
}

// idGroups are where a message ID's hex digits are (see msgid).
var idGroups = [...][2]int{{0, 16}, {17, 25}, {26, 30}, {31, 35}, {36, 40}, {41, 53}}

func packMessageID(messageID string) (id [24]byte, ok bool) {
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

func unpackMessageID(id *[24]byte) string {
	var b bytes.Buffer
	h := hex.EncodeToString(id[:])
	at := 0
	for i, g := range idGroups {
		if i > 0 {
			b.WriteByte('-')
		}
		w := g[1] - g[0]
		b.WriteString(h[at : at+w])
		at += w
	}
	b.WriteString("-000000")
	return b.String()
}
