package compose

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
)

// part is one MIME entity of a message being built: a leaf with an encoded
// body, or a multipart with children.
type part struct {
	// header holds the Content-* fields of a leaf. A multipart's
	// Content-Type is written from multipart and params when the boundary
	// is known.
	header []field
	// body is a leaf's body, already transfer-encoded (see encodeBody).
	body []byte

	multipart string // "mixed", "alternative", "related"; "" for a leaf
	params    []param
	children  []*part
}

// multipartOf returns a multipart part, or the only child when there is
// one: a multipart/mixed around a single part says nothing.
func multipartOf(subtype string, params []param, children ...*part) *part {
	if len(children) == 1 {
		return children[0]
	}
	return &part{multipart: subtype, params: params, children: children}
}

// boundaries hands out the boundaries of one message: a random base drawn
// once, and a counter that keeps nested multiparts apart.
type boundaries struct {
	base string
	n    int
}

// newBoundaries draws 128 random bits for the base. The base starts with
// "=_", which quoted-printable and base64 bodies can never hold, so only a
// 7bit body could collide with a boundary, and only by guessing it.
func newBoundaries(rnd io.Reader) (*boundaries, error) {
	var buf [16]byte
	if _, err := io.ReadFull(rnd, buf[:]); err != nil {
		return nil, fmt.Errorf("compose: reading a boundary: %w", err)
	}
	return &boundaries{base: "=_" + hex.EncodeToString(buf[:])}, nil
}

// next returns a boundary not used before in the message.
func (g *boundaries) next() string {
	g.n++
	return g.base + "_" + strconv.Itoa(g.n)
}

// write writes the part after the header fields in top: the message's own
// fields for the message, nil for a part nested in a multipart.
func (p *part) write(b *bytes.Buffer, top []field, g *boundaries) {
	nested := top == nil
	fields := append([]field(nil), top...)
	if p.multipart == "" {
		fields = append(fields, p.header...)
		writeHeader(b, fields)
		b.Write(p.body)
		if nested || !bytes.HasSuffix(p.body, []byte("\r\n")) {
			// In a multipart this CRLF is the boundary's own.
			b.WriteString("\r\n")
		}
		return
	}
	boundary := g.next()
	params := append(append([]param(nil), p.params...), param{"boundary", boundary})
	fields = append(fields, field{name: "Content-Type", value: mediaType("multipart/"+p.multipart, params...)})
	writeHeader(b, fields)
	for _, c := range p.children {
		b.WriteString("--" + boundary + "\r\n")
		c.write(b, nil, g)
	}
	b.WriteString("--" + boundary + "--\r\n")
}
