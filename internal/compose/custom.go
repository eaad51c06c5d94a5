package compose

import (
	"strings"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// Header is an SES v2 MessageHeader: a header field the caller adds to a
// Simple or Templated message.
type Header struct {
	Name  string
	Value string
}

// Limits of the SES v2 model (MessageHeaderList, MessageHeaderName,
// MessageHeaderValue).
const (
	maxCustomHeaders     = 15
	maxCustomNameLength  = 126
	maxCustomValueLength = 995
	maxCustomFieldLength = 996
)

// customFields checks the caller's headers and returns them as fields.
//
// The model's rules: at most 15 headers; a name of 1 to 126 printable
// ASCII characters other than ':' (pattern ^[!-9;-@A-~]+$); a value of 1 to
// 995 printable ASCII characters (pattern [ -~]*); name and value together
// within 996. The Developer Guide adds the fields SES sets itself, which a
// caller may not set, and the single-instance list, which also holds here
// ("Duplicate header 'X'." is SES's text). The other texts are hikyaku's:
// SES's own were not found in public traces.
func customFields(headers []Header) ([]field, error) {
	if len(headers) > maxCustomHeaders {
		return nil, fault.BadRequest("Too many headers: %d given, at most %d are allowed.", len(headers), maxCustomHeaders)
	}
	seen := make(map[string]bool, len(headers))
	fields := make([]field, 0, len(headers))
	for _, h := range headers {
		if !validCustomName(h.Name) {
			return nil, fault.BadRequest("Header name '%s' is invalid: use 1 to %d printable ASCII characters other than ':'.", h.Name, maxCustomNameLength)
		}
		if h.Value == "" || len(h.Value) > maxCustomValueLength || !isPrintable(h.Value) {
			return nil, fault.BadRequest("Header '%s' has an invalid value: use 1 to %d printable ASCII characters; encode other text as RFC 2047 encoded words.", h.Name, maxCustomValueLength)
		}
		if len(h.Name)+len(h.Value) > maxCustomFieldLength {
			return nil, fault.BadRequest("Header '%s' is too long: name and value together may hold at most %d characters.", h.Name, maxCustomFieldLength)
		}
		key := strings.ToLower(h.Name)
		if reservedCustom[key] {
			return nil, fault.BadRequest("Header '%s' is set by Amazon SES and cannot be given in Headers; use the request's own field for it.", h.Name)
		}
		if _, single := singleInstance[key]; single && seen[key] {
			return nil, fault.InvalidMessage("Duplicate header '%s'.", canonicalName(h.Name))
		}
		seen[key] = true
		fields = append(fields, field{name: h.Name, value: h.Value, verbatim: true})
	}
	return fields, nil
}

// validCustomName reports whether name matches ^[!-9;-@A-~]{1,126}$.
func validCustomName(name string) bool {
	if name == "" || len(name) > maxCustomNameLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}
