package feedback

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"strings"

	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// maxPartBytes bounds how much of one MIME part is decoded. A bounce's useful
// text is short; the returned original can be anything.
const maxPartBytes = 4 << 20

// maxDepth bounds MIME nesting, against hostile input.
const maxDepth = 8

// mailMessage is a received bounce, complaint or auto-reply, read into the two
// things the format decoders work on: its header fields and a flat text body.
type mailMessage struct {
	// header holds the top-level header fields by lower-case name, values
	// unfolded and with RFC 2047 encoded-words decoded, in message order.
	header map[string][]string

	// body is the message body made flat: every text/* and message/* part of a
	// multipart body decoded (transfer encoding and charset, to UTF-8) and
	// concatenated, LF line ends, tabs as spaces. Parts whose type matters to
	// the decoders (message/delivery-status, message/rfc822,
	// text/rfc822-headers, message/feedback-report) are introduced by a
	// "Content-Type: <type>" line, the way RFC 3464 and RFC 5965 decoders have
	// always found them in the raw text.
	body string
}

// get returns the first value of a header field, or "".
func (m *mailMessage) get(name string) string {
	if v := m.header[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// readMessage reads a raw message: CRLF or LF line ends, an optional mbox
// "From " line before the header.
func readMessage(raw []byte) (*mailMessage, error) {
	raw = toLF(raw)
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		} else {
			raw = nil
		}
	}
	raw = bytes.TrimLeft(raw, "\n")
	if len(raw) == 0 {
		return nil, errors.New("empty input")
	}
	h, body := readHeader(raw)
	if h.Len() == 0 {
		return nil, errors.New("no header fields")
	}
	m := &mailMessage{header: headerMap(h)}
	var flat strings.Builder
	flattenEntity(&flat, h, body, "", 0, true)
	m.body = strings.ReplaceAll(toLFString(flat.String()), "\t", " ")
	return m, nil
}

// toLF turns CRLF (and stray CR) line ends into LF.
func toLF(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}

func toLFString(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// readHeader reads the header section of an entity and returns it with the
// rest as the body. Lines that are not header fields (no colon, a space in the
// name, mbox ">From " escapes) are dropped rather than ending the header: a
// bounce generator's sloppiness should not hide its body (RFC 5322 section 2.2
// says what a field is; real mail does not always agree).
func readHeader(b []byte) (textproto.Header, []byte) {
	end := bytes.Index(b, []byte("\n\n"))
	var head, body []byte
	if end < 0 {
		head, body = b, nil
	} else {
		head, body = b[:end+1], b[end+2:]
	}
	var clean bytes.Buffer
	clean.Grow(len(head) + 2)
	inField := false
	for _, ln := range bytes.Split(head, []byte("\n")) {
		if len(ln) == 0 {
			continue
		}
		if ln[0] == ' ' || ln[0] == '\t' {
			if inField {
				clean.Write(ln)
				clean.WriteByte('\n')
			}
			continue
		}
		i := bytes.IndexByte(ln, ':')
		if i < 1 || !validFieldName(ln[:i]) {
			inField = false
			continue
		}
		inField = true
		clean.Write(ln)
		clean.WriteByte('\n')
	}
	clean.WriteByte('\n')
	h, err := textproto.ReadHeader(bufio.NewReader(&clean))
	if err != nil && h.Len() == 0 {
		return textproto.Header{}, body
	}
	return h, body
}

// validFieldName reports whether b is a field name (RFC 5322 section 2.2:
// printable US-ASCII except colon), tolerating trailing spaces.
func validFieldName(b []byte) bool {
	b = bytes.TrimRight(b, " \t")
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 127 || c == ':' {
			return false
		}
	}
	return true
}

// headerMap returns the header as a map of lower-case names to decoded values.
func headerMap(h textproto.Header) map[string][]string {
	out := make(map[string][]string, h.Len())
	dec := mime.WordDecoder{CharsetReader: charsetReader}
	fields := h.Fields()
	for fields.Next() {
		k := strings.ToLower(fields.Key())
		v := fields.Value()
		if strings.Contains(v, "=?") {
			if d, err := dec.DecodeHeader(v); err == nil {
				v = d
			}
		}
		v = decodeUnlabelled(v)
		out[k] = append(out[k], strings.TrimSpace(v))
	}
	// Fields() walks in reverse; restore message order.
	for k, v := range out {
		for i, j := 0, len(v)-1; i < j; i, j = i+1, j-1 {
			v[i], v[j] = v[j], v[i]
		}
		out[k] = v
	}
	return out
}

// contentType parses a Content-Type value leniently: the media type in lower
// case and its parameters, even when mime.ParseMediaType gives up on a
// malformed parameter list.
func contentType(v string) (string, map[string]string) {
	if v == "" {
		return "", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		return strings.ToLower(mt), params
	}
	params = map[string]string{}
	parts := strings.Split(v, ";")
	mt = strings.ToLower(strings.TrimSpace(parts[0]))
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"'`)
	}
	return mt, params
}

// markedTypes are the media types whose parts the decoders look for by a
// "Content-Type:" line in the flat body. The RFC 6531/6533 internationalized
// variants are folded into their ASCII counterparts.
var markedTypes = map[string]string{
	"message/delivery-status":          "message/delivery-status",
	"message/global-delivery-status":   "message/delivery-status",
	"message/xdelivery-status":         "message/delivery-status",
	"message/disposition-notification": "message/delivery-status",
	"message/rfc822":                   "message/rfc822",
	"message/global":                   "message/rfc822",
	"message/partial":                  "message/partial",
	"text/rfc822-headers":              "text/rfc822-headers",
	"text/rfc822-header":               "text/rfc822-headers",
	"message/global-headers":           "text/rfc822-headers",
	"message/feedback-report":          "message/feedback-report",
}

// flattenEntity appends the text of one entity (a whole message or a part) to
// out. parent is the media type of the enclosing multipart.
func flattenEntity(out *strings.Builder, h textproto.Header, body []byte, parent string, depth int, top bool) {
	mt, params := contentType(h.Get("Content-Type"))
	if mt == "" {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") && depth < maxDepth {
		if b := params["boundary"]; b != "" && flattenMultipart(out, mt, b, body, depth) {
			return
		}
		// No usable boundary: treat the body as text.
		mt = "text/plain"
	}
	if !top && !strings.HasPrefix(mt, "text/") && !strings.HasPrefix(mt, "message/") {
		return // images, attachments
	}
	if mt == "text/html" && parent == "multipart/alternative" {
		return
	}
	text := decodeBody(h, mt, params, body)
	if mt == "text/html" {
		text = htmlToText(text)
	}
	if mark, ok := markedTypes[mt]; ok && !top {
		out.WriteString("Content-Type: " + mark + "\n")
	}
	out.WriteString(text)
	if !strings.HasSuffix(text, "\n\n") {
		out.WriteString("\n\n")
	}
}

// flattenMultipart splits a multipart body (RFC 2046 section 5.1) with
// go-message's reader and flattens each part. The preamble is kept: some MTAs
// write their explanation there. It reports false when the body has no part
// at all, so the caller can fall back to reading it as text.
func flattenMultipart(out *strings.Builder, mt, boundary string, body []byte, depth int) bool {
	delim := []byte("--" + boundary)
	first := bytes.Index(body, delim)
	if first < 0 {
		return false
	}
	if pre := bytes.TrimSpace(body[:first]); len(pre) >= 8 {
		out.Write(pre)
		out.WriteString("\n\n")
	}
	mr := textproto.NewMultipartReader(bytes.NewReader(body), boundary)
	n := 0
	for {
		p, err := mr.NextPart()
		if err != nil {
			if !errors.Is(err, io.EOF) && n == 0 {
				return flattenMultipartByHand(out, mt, delim, body, depth)
			}
			break
		}
		data, rerr := io.ReadAll(io.LimitReader(p, maxPartBytes))
		n++
		flattenEntity(out, p.Header, data, mt, depth+1, false)
		if rerr != nil {
			break
		}
	}
	return n > 0
}

// flattenMultipartByHand splits a multipart body whose structure go-message
// rejects (a part header it cannot parse, a boundary line with junk after it)
// by looking for the delimiter lines directly.
func flattenMultipartByHand(out *strings.Builder, mt string, delim, body []byte, depth int) bool {
	chunks := bytes.Split(body, delim)
	if len(chunks) < 2 {
		return false
	}
	for _, c := range chunks[1:] {
		if bytes.HasPrefix(c, []byte("--")) {
			break // close-delimiter
		}
		if i := bytes.IndexByte(c, '\n'); i >= 0 {
			c = c[i+1:]
		} else {
			continue
		}
		var h textproto.Header
		var data []byte
		if len(c) > 0 && (c[0] == '\n' || !bytes.Contains(firstLine(c), []byte(":"))) {
			data = bytes.TrimPrefix(c, []byte("\n"))
		} else {
			h, data = readHeader(c)
		}
		flattenEntity(out, h, data, mt, depth+1, false)
	}
	return true
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

// decodeBody undoes the content transfer encoding of a leaf part and, for
// text, converts its charset to UTF-8 (go-message does both). Text that
// declares no charset but carries ISO-2022-JP escapes or Shift_JIS bytes is
// converted too: Japanese carriers' bounces often forget to label it.
func decodeBody(h textproto.Header, mt string, params map[string]string, body []byte) string {
	if strings.HasPrefix(mt, "message/") || mt == "text/rfc822-headers" {
		// An embedded message keeps its own encodings; only undo an outer
		// transfer encoding, which some MTAs apply anyway.
		hh := textproto.Header{}
		if cte := h.Get("Content-Transfer-Encoding"); cte != "" {
			hh.Set("Content-Transfer-Encoding", cte)
		}
		e, _ := gomessage.New(gomessage.Header{Header: hh}, bytes.NewReader(body))
		if data, err := io.ReadAll(io.LimitReader(e.Body, maxPartBytes)); err == nil || len(data) > 0 {
			return string(data)
		}
		return string(body)
	}
	hh := textproto.Header{}
	if cte := h.Get("Content-Transfer-Encoding"); cte != "" {
		hh.Set("Content-Transfer-Encoding", cte)
	}
	// Charset conversion is done here rather than by go-message so that a
	// malformed Content-Type still gets it.
	e, _ := gomessage.New(gomessage.Header{Header: hh}, bytes.NewReader(body))
	data, err := io.ReadAll(io.LimitReader(e.Body, maxPartBytes))
	if err != nil && len(data) == 0 {
		data = body
	}
	return toUTF8(data, params["charset"])
}
