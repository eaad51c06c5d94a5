package compose

import (
	"bytes"
	"crypto/rand"
	"io"
	"time"
)

// Preview builds the message TestRenderEmailTemplate (v1 TestRenderTemplate)
// returns for a rendered template: "the complete MIME message rendered by
// applying the data" (the API models' RenderedTemplate), with a Date, the
// Subject, MIME-Version and the text and HTML parts, as Simple writes them
// (multipart/alternative when the template has both). It has no From, To or
// Message-ID: a preview is addressed to no one. An empty text or HTML is
// left out; with neither, the text part is empty. rnd supplies the
// boundary; nil means crypto/rand.
func Preview(subject, text, html string, date time.Time, rnd io.Reader) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var t, h *Content
	if text != "" {
		t = &Content{Data: text}
	}
	if html != "" {
		h = &Content{Data: html}
	}
	body, err := bodyPart(t, h)
	if err != nil {
		return nil, err
	}
	cs, err := lookupCharset("")
	if err != nil {
		return nil, err
	}
	top := []field{
		{name: "Date", value: date.Format(time.RFC1123Z)},
		{name: "Subject", value: encodeText(subject, cs)},
		{name: "MIME-Version", value: "1.0"},
	}
	g, err := newBoundaries(rnd)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	body.write(&b, top, g)
	return b.Bytes(), nil
}
