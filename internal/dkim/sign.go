package dkim

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// SignOptions says who signs a message, with which key, and when.
type SignOptions struct {
	// Domain is the signing domain, the d= tag: the identity's domain, so
	// that the signature aligns with From for DMARC.
	Domain string
	// Selector is the s= tag: the key is published at
	// RecordName(Selector, Domain).
	Selector string
	// Signer is the private key, Key.Signer(); it must be RSA.
	Signer crypto.Signer
	// Time is the signing time, the t= tag, from the caller's clock. It
	// must be set.
	Time time.Time
	// Expiration, if set, is the x= tag: verifiers treat the signature as
	// invalid after it. It must come after Time (RFC 6376 §3.5).
	Expiration time.Time
}

// signedFields are the header fields Sign signs when the message has them,
// in the order h= lists them. They are the fields a reader sees or a
// client acts on (RFC 6376 §5.4.1), plus Feedback-ID, which SES signs too.
// Return-Path, Received and Bcc are left out because they change in
// transit or are removed before sending, X-SES-* because SES removes them.
var signedFields = [...]string{
	"From", "Reply-To", "Subject", "Date", "Message-ID", "To", "Cc",
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding",
	"In-Reply-To", "References",
	"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id",
	"Feedback-ID", "Sender",
}

// fromField is the index of From in signedFields.
const fromField = 0

// Sign returns msg with a DKIM-Signature header field (RFC 6376) put in
// front: rsa-sha256, relaxed/relaxed canonicalization, signing each of
// signedFields the message has, each instance of it, and From once more
// than it appears (RFC 6376 §5.4.2), so that a second From added in
// transit breaks the signature. msg must have CRLF line endings, as
// hikyaku stores messages, and a From field. A body whose last line lacks
// its CRLF gets one, as SMTP would add on the wire (RFC 5321 §4.1.1.4), so
// that the signed bytes are the bytes sent: verifiers differ on such a
// line's trailing WSP (dkimpy keeps it, go-msgauth drops it).
//
// Sign implements signing itself rather than with go-msgauth's dkim.Sign,
// whose t= comes from time.Now and cannot be set; go-msgauth and dkimpy
// verify its signatures in the tests. The output is deterministic for a
// given key, time and message (RSA PKCS #1 v1.5 is), so a golden file
// pins it.
func Sign(msg []byte, opts SignOptions) ([]byte, error) {
	pub, err := checkSignOptions(opts)
	if err != nil {
		return nil, err
	}
	fields, body, err := splitMessage(msg)
	if err != nil {
		return nil, err
	}

	// Which fields are signed, and how often each name occurs.
	var counts [len(signedFields)]int
	for i := range fields {
		if k := fields[i].signed; k >= 0 {
			counts[k]++
		}
	}
	if counts[fromField] == 0 {
		return nil, errors.New("dkim: message has no From field; DKIM must sign From (RFC 6376 §5.4)")
	}
	counts[fromField]++ // oversign

	h := sha256.New()
	w := newCanonWriter(h)
	relaxedBody(w, body)
	w.flush()
	var bh [sha256.Size]byte
	h.Sum(bh[:0])

	// The field, up to and including "b=", is written straight into the
	// output, which then receives the signature and the message.
	sigLen := base64.StdEncoding.EncodedLen(pub.Size())
	out := make([]byte, 0, 512+len(opts.Domain)+len(opts.Selector)+sigLen+sigLen/48*3+len(msg)+2)
	f := folder{b: out}
	f.b = append(f.b, "DKIM-Signature:"...)
	f.tag("v=1;")
	f.tag("a=rsa-sha256;")
	f.tag("c=relaxed/relaxed;")
	f.tag("d=" + opts.Domain + ";")
	f.tag("s=" + opts.Selector + ";")
	f.tag("t=" + strconv.FormatInt(opts.Time.Unix(), 10) + ";")
	if !opts.Expiration.IsZero() {
		f.tag("x=" + strconv.FormatInt(opts.Expiration.Unix(), 10) + ";")
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	listed := 0
	for k, n := range counts {
		for range n {
			listed++
			s := signedFields[k]
			if listed == total {
				s += ";"
			}
			if listed == 1 {
				f.tag("h=" + s)
			} else {
				// h= allows FWS around the colons; fold before them, as
				// Gmail does.
				f.word(":" + s)
			}
		}
	}
	f.tag("bh=" + base64.StdEncoding.EncodeToString(bh[:]) + ";")
	f.newLine()
	f.b = append(f.b, "b="...)
	out = f.b

	// The header hash: the signed fields, each name's instances from the
	// bottom up (RFC 6376 §5.4.2), then this field with b= empty and no
	// final CRLF (§3.7).
	h.Reset()
	for k, n := range counts {
		for i := len(fields) - 1; i >= 0 && n > 0; i-- {
			if fields[i].signed == k {
				relaxedHeader(w, fields[i].raw, true)
				n--
			}
		}
	}
	relaxedHeader(w, out, false)
	w.flush()
	var digest [sha256.Size]byte
	h.Sum(digest[:0])
	sig, err := opts.Signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("dkim: signing for %s: %w", opts.Domain, err)
	}

	// b= in lines of 72 characters: 54 bytes of signature each, a multiple
	// of 3, so the pieces' base64 joins up to that of the whole.
	for i := 0; len(sig) > 0; i++ {
		n := min(len(sig), 54)
		if i > 0 {
			out = append(out, "\r\n\t"...)
		}
		out = base64.StdEncoding.AppendEncode(out, sig[:n])
		sig = sig[n:]
	}
	out = append(out, "\r\n"...)
	out = append(out, msg...)
	if len(body) > 0 && !bytes.HasSuffix(body, []byte("\r\n")) {
		out = append(out, "\r\n"...)
	}
	return out, nil
}

// checkSignOptions reports what is wrong with opts, or returns the public
// key.
func checkSignOptions(opts SignOptions) (*rsa.PublicKey, error) {
	if !isDNSName(opts.Domain) {
		return nil, fmt.Errorf("dkim: signing domain %q is not a domain name", opts.Domain)
	}
	if !isDNSName(opts.Selector) {
		return nil, fmt.Errorf("dkim: selector %q is not a DNS label sequence", opts.Selector)
	}
	if opts.Signer == nil {
		return nil, errors.New("dkim: no signing key; set SignOptions.Signer to Key.Signer()")
	}
	pub, ok := opts.Signer.Public().(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("dkim: signing key is %T; only RSA keys are supported", opts.Signer.Public())
	}
	if bits := pub.N.BitLen(); bits < MinBits {
		return nil, fmt.Errorf("dkim: signing key has %d bits; verifiers refuse keys under %d (RFC 8301 §3.2)", bits, MinBits)
	}
	if opts.Time.Unix() <= 0 {
		return nil, errors.New("dkim: signing time not set; set SignOptions.Time from the clock")
	}
	if !opts.Expiration.IsZero() && opts.Expiration.Unix() <= opts.Time.Unix() {
		return nil, fmt.Errorf("dkim: expiration %v is not after the signing time %v", opts.Expiration, opts.Time)
	}
	return pub, nil
}

// isDNSName reports whether s is dot-separated labels of letters, digits,
// hyphens and underscores: what a d= or s= tag can hold without quoting
// (RFC 6376 §3.5), and what can be looked up in the DNS.
func isDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	label := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
		case isAlpha(c), '0' <= c && c <= '9', c == '-', c == '_':
			label++
			if label > 63 {
				return false
			}
		default:
			return false
		}
	}
	return label > 0
}

// field is one header field of a message.
type field struct {
	raw    []byte // as in the message, continuation lines and final CRLF included
	signed int    // index in signedFields, or -1
}

// splitMessage splits msg into its header fields and body, refusing what
// is not a CRLF message with a well-formed header: a line that is neither
// a field nor a continuation, a bare CR or LF in the header, or a bare LF
// anywhere (a sign that the message skipped compose.Finalize, whose output
// Sign expects).
func splitMessage(msg []byte) (fields []field, body []byte, err error) {
	fields = make([]field, 0, 32)
	rest := msg
	for {
		if len(rest) == 0 {
			// All header, no body (RFC 5322 §3.5 makes the body optional).
			body = rest
			break
		}
		i := bytes.Index(rest, []byte("\r\n"))
		if i < 0 {
			return nil, nil, fmt.Errorf("dkim: message ends inside header line %d, without CRLF", len(fields)+1)
		}
		line := rest[:i]
		if bytes.IndexByte(line, '\r') >= 0 || bytes.IndexByte(line, '\n') >= 0 {
			return nil, nil, fmt.Errorf("dkim: header line at byte %d holds a bare CR or LF; lines must end with CRLF", len(msg)-len(rest))
		}
		if len(line) == 0 {
			body = rest[2:]
			break
		}
		if isWSP(line[0]) {
			if len(fields) == 0 {
				return nil, nil, errors.New("dkim: message starts with a continuation line")
			}
			f := &fields[len(fields)-1]
			f.raw = f.raw[:len(f.raw)+len(line)+2]
		} else {
			colon := bytes.IndexByte(line, ':')
			if colon < 0 {
				return nil, nil, fmt.Errorf("dkim: header line %q is not a field (no colon)", clip(line))
			}
			name := bytes.TrimRight(line[:colon], " \t")
			if !isFieldName(name) {
				return nil, nil, fmt.Errorf("dkim: header field name %q is malformed", clip(name))
			}
			// Continuation lines extend raw within msg, above.
			start := len(msg) - len(rest)
			fields = append(fields, field{raw: msg[start : start+len(line)+2], signed: signedIndex(name)})
		}
		rest = rest[i+2:]
	}
	for off := 0; ; {
		i := bytes.IndexByte(body[off:], '\n')
		if i < 0 {
			break
		}
		off += i
		if off == 0 || body[off-1] != '\r' {
			return nil, nil, fmt.Errorf("dkim: body has a bare LF at byte %d; lines must end with CRLF", len(msg)-len(body)+off)
		}
		off++
	}
	return fields, body, nil
}

// isFieldName: printable ASCII but the colon (RFC 5322 §3.6.8).
func isFieldName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// signedIndex is the index of name in signedFields, or -1.
func signedIndex(name []byte) int {
	for k, s := range signedFields {
		if len(s) == len(name) && bytes.EqualFold(name, []byte(s)) {
			return k
		}
	}
	return -1
}

// clip shortens b for an error message.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// foldWidth is the longest line folder writes, short of the CRLF
// (RFC 5322 §2.1.1 asks for 78).
const foldWidth = 78

// folder writes a header field in folded lines.
type folder struct {
	b    []byte
	line int // where the current line starts in b
}

// tag writes s after a space, or on a new line if it does not fit.
func (f *folder) tag(s string) {
	if len(f.b)-f.line+1+len(s) > foldWidth {
		f.newLine()
	} else {
		f.b = append(f.b, ' ')
	}
	f.b = append(f.b, s...)
}

// word writes s right after what precedes it, or on a new line if it does
// not fit.
func (f *folder) word(s string) {
	if len(f.b)-f.line+len(s) > foldWidth {
		f.newLine()
	}
	f.b = append(f.b, s...)
}

func (f *folder) newLine() {
	f.b = append(f.b, "\r\n\t"...)
	f.line = len(f.b) - 1
}
