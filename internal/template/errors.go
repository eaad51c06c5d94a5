package template

import (
	"net/http"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// Kind says which SES error a template failure is. Its String is the SES v1
// Query error code; the v2 API reports all of them as BadRequestException
// (the errors modelled for CreateEmailTemplate and TestRenderEmailTemplate).
type Kind int

const (
	// InvalidParameter is a request the template operations refuse before
	// looking at the template language: a bad name, no content, a part or
	// TemplateData over SES's size limit. v1 code InvalidParameterValue.
	InvalidParameter Kind = iota + 1
	// InvalidTemplate is a template that does not parse, or refers to a
	// partial that does not exist (the case the v1 model's
	// InvalidTemplateException documentation names).
	InvalidTemplate
	// InvalidRenderingParameter is TemplateData that is not a JSON object
	// ("This error may occur when the TemplateData object contains invalid
	// JSON", v1 model).
	InvalidRenderingParameter
	// MissingRenderingAttribute is a variable the template needs and the
	// data does not have. Sending reports it as a Rendering Failure event,
	// TestRenderTemplate as this error.
	MissingRenderingAttribute
)

// String returns the SES v1 error code for k.
func (k Kind) String() string {
	switch k {
	case InvalidParameter:
		return "InvalidParameterValue"
	case InvalidTemplate:
		return "InvalidTemplate"
	case InvalidRenderingParameter:
		return "InvalidRenderingParameter"
	case MissingRenderingAttribute:
		return "MissingRenderingAttribute"
	}
	return "InternalFailure"
}

// Error is a template that cannot be stored or rendered.
type Error struct {
	Kind Kind
	// Message is the text the client sees, worded as SES words it where
	// SES's wording is known (see testdata/README.md).
	Message string
	// Template is the template's name, empty for inline content.
	Template string
	// Part is "subject", "text" or "html" when one part is at fault.
	Part string
	// Attribute is the variable that was missing (the last segment of
	// Path, which is the name SES reports) for MissingRenderingAttribute.
	Attribute string
	// Path is the variable as written in the template, e.g. "user.name".
	Path string
	// Line is the 1-based line in Part where the problem was found, 0 if
	// unknown.
	Line int
}

func (e *Error) Error() string { return e.Kind.String() + ": " + e.Message }

// Fault converts e into hikyaku's client-facing error: BadRequestException
// on the v2 API and e.Kind's code on the v1 API, both HTTP 400 as the
// models say (v1 senderFault exceptions; v2 BadRequestException).
func (e *Error) Fault() *fault.Error {
	return &fault.Error{
		Code: "BadRequestException", V1Code: e.Kind.String(),
		HTTPStatus: http.StatusBadRequest, SMTPCode: 554, Enhanced: "5.6.0",
		Message: e.Message,
	}
}

// missingAttribute is SES's Rendering Failure text, verbatim from the
// Developer Guide's event example ("Attribute 'attributeName' is not present
// in the rendering data.") and moto's TestRenderTemplate.
func missingAttribute(path string, leaf string, line int) *Error {
	return &Error{Kind: MissingRenderingAttribute,
		Message:   "Attribute '" + leaf + "' is not present in the rendering data.",
		Attribute: leaf, Path: path, Line: line}
}
