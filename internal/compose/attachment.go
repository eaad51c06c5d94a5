package compose

import (
	"mime"
	"sort"
	"strings"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// Attachment is an SES v2 Attachment.
type Attachment struct {
	// RawContent is the file's bytes (base64 in the JSON request,
	// decoded by the API layer).
	RawContent []byte
	// FileName is the name the recipient sees. Required. SES refuses
	// executable and script extensions (see blockedExtensions).
	FileName string
	// ContentType is the media type; empty means one chosen from the
	// file name's extension.
	ContentType string
	// ContentDisposition is "ATTACHMENT" (the default) or "INLINE".
	ContentDisposition string
	// ContentID identifies an inline part for "cid:" references in the
	// HTML body. An INLINE attachment with a ContentID goes into a
	// multipart/related next to the body.
	ContentID string
	// ContentDescription is a short description of the file.
	ContentDescription string
	// ContentTransferEncoding is "BASE64" (the default),
	// "QUOTED_PRINTABLE" or "SEVEN_BIT".
	ContentTransferEncoding string
}

// Values of Attachment.ContentDisposition and
// Attachment.ContentTransferEncoding, as in the SES v2 model.
const (
	DispositionAttachment = "ATTACHMENT"
	DispositionInline     = "INLINE"
	EncodingBase64        = "BASE64"
	EncodingQP            = "QUOTED_PRINTABLE"
	EncodingSevenBit      = "SEVEN_BIT"
)

// related reports whether the attachment belongs next to the body in a
// multipart/related: an inline part the HTML refers to by Content-ID.
func (a *Attachment) related() bool {
	return strings.EqualFold(a.ContentDisposition, DispositionInline) && a.ContentID != ""
}

// part checks the attachment and builds its MIME part.
func (a *Attachment) part() (*part, error) {
	if a.FileName == "" {
		return nil, fault.BadRequest("Every attachment needs a FileName.")
	}
	if err := checkFileName(a.FileName); err != nil {
		return nil, err
	}
	if hasCRLF(a.FileName) || hasCRLF(a.ContentType) || hasCRLF(a.ContentID) {
		return nil, fault.BadRequest("Attachment '%s': FileName, ContentType and ContentId must not contain line breaks.", a.FileName)
	}

	disposition := "attachment"
	switch strings.ToUpper(a.ContentDisposition) {
	case "", DispositionAttachment:
	case DispositionInline:
		disposition = "inline"
	default:
		return nil, fault.BadRequest("Attachment '%s': ContentDisposition '%s' is not one of ATTACHMENT, INLINE.", a.FileName, a.ContentDisposition)
	}

	ctype := strings.TrimSpace(a.ContentType)
	if ctype == "" {
		ctype = defaultContentType(a.FileName)
	}
	mt, mparams, err := mime.ParseMediaType(ctype)
	if err != nil || !strings.Contains(mt, "/") {
		return nil, fault.BadRequest("Attachment '%s': ContentType '%s' is not a media type such as application/pdf.", a.FileName, a.ContentType)
	}
	if strings.HasPrefix(mt, "multipart/") {
		return nil, fault.BadRequest("Attachment '%s': ContentType '%s' cannot be multipart; attach the file's own type.", a.FileName, a.ContentType)
	}
	text := strings.HasPrefix(mt, "text/")

	var cte string
	switch strings.ToUpper(a.ContentTransferEncoding) {
	case "", EncodingBase64:
		cte = cteBase64
	case EncodingQP:
		cte = cteQP
	case EncodingSevenBit:
		cte = cte7bit
	default:
		return nil, fault.BadRequest("Attachment '%s': ContentTransferEncoding '%s' is not one of BASE64, QUOTED_PRINTABLE, SEVEN_BIT.", a.FileName, a.ContentTransferEncoding)
	}
	content := a.RawContent
	if cte == cte7bit {
		content = []byte(normalizeNewlines(string(content)))
		if !is7bit(content) {
			return nil, fault.BadRequest("Attachment '%s' is not 7-bit text with lines of at most 998 characters; use ContentTransferEncoding BASE64 or QUOTED_PRINTABLE.", a.FileName)
		}
	}

	p := &part{}
	p.header = append(p.header,
		field{name: "Content-Type", value: mediaType(mt, typeParams(mparams, a.FileName)...)},
		field{name: "Content-Disposition", value: mediaType(disposition, param{"filename", a.FileName})},
		field{name: "Content-Transfer-Encoding", value: cte},
	)
	if a.ContentID != "" {
		id, ok := bareID(a.ContentID)
		if !ok {
			return nil, fault.BadRequest("Attachment '%s': ContentId '%s' must be printable ASCII without spaces, such as logo@example.com.", a.FileName, a.ContentID)
		}
		p.header = append(p.header, field{name: "Content-ID", value: "<" + id + ">"})
	}
	if a.ContentDescription != "" {
		p.header = append(p.header, field{name: "Content-Description", value: encodeText(a.ContentDescription, utf8Charset)})
	}
	p.body = encodeBody(content, cte, text)
	return p, nil
}

// typeParams returns the caller's media type parameters, sorted, with the
// file name added as "name" for clients that look only there.
func typeParams(given map[string]string, fileName string) []param {
	keys := make([]string, 0, len(given))
	for k := range given {
		if k != "name" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	params := make([]param, 0, len(keys)+1)
	for _, k := range keys {
		params = append(params, param{k, given[k]})
	}
	return append(params, param{"name", fileName})
}

// hasCRLF reports whether s holds a line break.
func hasCRLF(s string) bool { return strings.ContainsAny(s, "\r\n") }
