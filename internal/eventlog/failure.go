package eventlog

import (
	"time"

	"github.com/hikyaku/hikyaku/internal/events"
	"github.com/hikyaku/hikyaku/internal/store"
)

// RenderingFailure returns the Rendering Failure event of a message whose
// template could not be rendered, at at: SES accepts a templated send,
// returns its message ID and publishes this event instead of sending
// (SendTemplatedEmail's documentation in the v1 API reference; Developer
// Guide, send-personalized-email-api). It is about the whole message, so
// it names no recipient. templateName is empty for inline template content;
// msg is the rendering error, such as "Attribute 'name' is not present in
// the rendering data.".
func RenderingFailure(m Message, at time.Time, templateName, msg string) *store.Event {
	return New(m, "", at.UTC(), &events.Event{Type: events.TypeRenderingFailure,
		Failure: &events.RenderingFailure{TemplateName: templateName, ErrorMessage: msg}})
}
