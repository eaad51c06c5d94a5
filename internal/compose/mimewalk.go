package compose

import (
	"io"
	"mime"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// Walking a caller's MIME tree for attachment file names.
//
// SES refuses a raw message that carries a file with a blocked extension
// anywhere in it. The walk reads part headers only, never decodes a body,
// and gives up quietly on structure it cannot follow: a message that is
// not valid MIME but is valid RFC 5322 text is acceptable.

// maxMIMEDepth bounds the nesting the walk follows, so that a hostile
// message cannot make it recurse without end.
const maxMIMEDepth = 32

// checkMIME checks the file names of the entity with the given Content-Type
// and Content-Disposition values and body, and of every part inside it.
// Nested multiparts are read straight from their parent's reader, so no
// body is copied.
func checkMIME(contentType, disposition string, body io.Reader, depth int) error {
	for _, name := range fileNames(contentType, disposition) {
		if err := checkFileName(name); err != nil {
			return err
		}
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" || depth >= maxMIMEDepth {
		return nil
	}
	mr := textproto.NewMultipartReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return nil // io.EOF, or structure past which nothing can be read
		}
		if err := checkMIME(p.Header.Get("Content-Type"), p.Header.Get("Content-Disposition"), p, depth+1); err != nil {
			return err
		}
	}
}

// fileNames returns the file names an entity declares: the Content-Disposition
// filename and the Content-Type name, decoded from RFC 2231 and from the
// RFC 2047 encoded words many mailers put there. When a field does not
// parse, its parameters are read leniently and every candidate is
// returned, since a client may still find a name in it.
func fileNames(contentType, disposition string) []string {
	var names []string
	add := func(value, param string) {
		if value == "" {
			return
		}
		var found []string
		if _, params, err := mime.ParseMediaType(value); err == nil {
			found = []string{params[param]}
		} else {
			found = lenientParams(value, param)
		}
		for _, v := range found {
			if v == "" {
				continue
			}
			if d, err := wordDecoder.DecodeHeader(v); err == nil {
				v = d
			}
			names = append(names, v)
		}
	}
	add(disposition, "filename")
	add(contentType, "name")
	return names
}

// lenientParams finds param in a header value that mime.ParseMediaType
// refused, reading "; name=value" pairs without judging them. Each plain
// occurrence is a candidate, and so are RFC 2231 continuations (name*0,
// name*1…) joined in order of appearance, undecoded.
func lenientParams(value, param string) []string {
	var found []string
	var continued strings.Builder
	for _, item := range strings.Split(value, ";")[1:] {
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch {
		case k == param || k == param+"*":
			found = append(found, v)
		case strings.HasPrefix(k, param+"*"):
			continued.WriteString(v)
		}
	}
	if continued.Len() > 0 {
		found = append(found, continued.String())
	}
	return found
}
