package compose

import (
	"bytes"
	"time"
)

// FinalizeOptions tunes Finalize.
type FinalizeOptions struct {
	// KeepMessageID keeps the caller's Message-ID field instead of
	// replacing it. SES always replaces it, which breaks reply threading
	// for many users (odoo/odoo#280971, discourse/discourse#4938); a
	// configuration flag turns this on. A message without a Message-ID
	// still gets the one given to Finalize.
	KeepMessageID bool
}

// Finalize returns the bytes to send, as SES would send them: the X-SES-*
// fields, Bcc and Return-Path removed, Date and Message-ID replaced by
// date and <messageID> (written first, in that order), every other field
// kept as written and in order, the body untouched except that bare LF
// line endings become CRLF throughout. messageID is id@domain, with or
// without angle brackets; characters a msg-id cannot hold are dropped.
func (r *Raw) Finalize(messageID string, date time.Time) []byte {
	return r.FinalizeWith(messageID, date, FinalizeOptions{})
}

// FinalizeWith is Finalize with options.
func (r *Raw) FinalizeWith(messageID string, date time.Time, o FinalizeOptions) []byte {
	keepID := o.KeepMessageID && r.MessageID != ""
	var b bytes.Buffer
	b.Grow(len(r.body) + len(r.body)/32 + 1024)
	if !keepID {
		writeFolded(&b, "Message-ID", "<"+cleanID(messageID)+">")
	}
	writeFolded(&b, "Date", date.Format(time.RFC1123Z))
	for _, f := range r.fields {
		if dropOnSend[f.key] && !(keepID && f.key == "message-id") {
			continue
		}
		b.Write(f.raw)
	}
	b.WriteString("\r\n")
	writeCRLF(&b, r.body)
	return b.Bytes()
}

// writeCRLF writes body with every bare LF turned into CRLF.
func writeCRLF(b *bytes.Buffer, body []byte) {
	for len(body) > 0 {
		i := bytes.IndexByte(body, '\n')
		if i < 0 {
			b.Write(body)
			return
		}
		b.Write(body[:i])
		if i == 0 || body[i-1] != '\r' {
			b.WriteByte('\r')
		}
		b.WriteByte('\n')
		body = body[i+1:]
	}
}

// cleanID returns id without angle brackets and without the characters a
// msg-id cannot hold, so that a bad id cannot break the header.
func cleanID(id string) string {
	if bare, ok := bareID(id); ok {
		return bare
	}
	b := make([]byte, 0, len(id))
	for i := 0; i < len(id) && len(b) < maxLineText-len("Message-ID: <>"); i++ {
		if c := id[i]; c > ' ' && c <= '~' && c != '<' && c != '>' {
			b = append(b, c)
		}
	}
	return string(b)
}
