package query

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"reflect"
	"strconv"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// contentType is what SES answers Query requests with.
const contentType = "text/xml"

// MarshalResponse returns the XML document answering action:
//
//	<{Action}Response xmlns="http://ses.amazonaws.com/doc/2010-12-01/">
//	  <{Action}Result>...</{Action}Result>
//	  <ResponseMetadata><RequestId>{requestID}</RequestId></ResponseMetadata>
//	</{Action}Response>
//
// result is the output struct, or a pointer to it. Whether the Result
// element is written depends on the action, not on result: operations
// with a modeled output get one even when result is nil or has no members
// (VerifyEmailIdentity, DeleteIdentity: the Go SDK fails without it), the
// few without an output shape (VerifyEmailAddress, ...) never do.
//
// An error means a programming mistake: action is not a plain name, or
// result holds a type the encoder does not support.
func MarshalResponse(action, requestID string, result any) ([]byte, error) {
	if !isName(action) {
		return nil, fmt.Errorf("query: %q is not an action name", action)
	}
	var e encoder
	e.buf.WriteString("<" + action + `Response xmlns="` + Namespace + `">`)
	if hasResult(action) {
		name := action + "Result"
		e.open(name)
		mark := e.buf.Len()
		if err := e.result(result); err != nil {
			return nil, fmt.Errorf("query: encoding %s: %w", name, err)
		}
		e.close(name, mark)
	}
	e.buf.WriteString("<ResponseMetadata><RequestId>")
	if err := xml.EscapeText(&e.buf, []byte(requestID)); err != nil {
		return nil, err
	}
	e.buf.WriteString("</RequestId></ResponseMetadata></" + action + "Response>")
	return e.buf.Bytes(), nil
}

// result writes the members of the output struct r (nil writes nothing).
func (e *encoder) result(r any) error {
	v := reflect.ValueOf(r)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return nil
	}
	if v.Kind() != reflect.Struct {
		return fmt.Errorf("result must be a struct, not %s", v.Type())
	}
	return e.structure(v)
}

// WriteResponse answers a request with status 200 and the document
// [MarshalResponse] builds. If that fails, which only a programming
// mistake causes, the client gets an InternalFailure instead and the
// error is returned for the caller to log.
func WriteResponse(w http.ResponseWriter, action, requestID string, result any) error {
	body, err := MarshalResponse(action, requestID, result)
	if err != nil {
		WriteError(w, requestID, fault.Internal())
		return err
	}
	writeXML(w, http.StatusOK, requestID, body)
	return nil
}

// MarshalError returns the ErrorResponse document for f:
//
//	<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">
//	  <Error><Type>Sender</Type><Code>{f.QueryCode()}</Code><Message>{f.Message}</Message></Error>
//	  <RequestId>{requestID}</RequestId>
//	</ErrorResponse>
//
// Type is Receiver for server faults (HTTP status 5xx). A nil f reports an
// internal failure.
func MarshalError(requestID string, f *fault.Error) []byte {
	if f == nil {
		f = fault.Internal()
	}
	typ := "Sender"
	if httpStatus(f) >= 500 {
		typ = "Receiver"
	}
	var buf bytes.Buffer
	buf.WriteString(`<ErrorResponse xmlns="` + Namespace + `"><Error><Type>` + typ + "</Type><Code>")
	// Writing to a bytes.Buffer cannot fail.
	_ = xml.EscapeText(&buf, []byte(f.QueryCode()))
	buf.WriteString("</Code><Message>")
	_ = xml.EscapeText(&buf, []byte(f.Message))
	buf.WriteString("</Message></Error><RequestId>")
	_ = xml.EscapeText(&buf, []byte(requestID))
	buf.WriteString("</RequestId></ErrorResponse>")
	return buf.Bytes()
}

// WriteError answers a request with f. The status is 400 for every sender
// fault, as SES's Query API answers even throttling, except 403 for
// authentication failures (f.HTTPStatus 403); server faults keep their
// 5xx status.
func WriteError(w http.ResponseWriter, requestID string, f *fault.Error) {
	if f == nil {
		f = fault.Internal()
	}
	writeXML(w, httpStatus(f), requestID, MarshalError(requestID, f))
}

func writeXML(w http.ResponseWriter, status int, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	// A failed write means the client went away; there is no one to tell.
	_, _ = w.Write(body)
}

// isName reports whether s can be used as an XML element name prefix:
// ASCII letters and digits, starting with a letter, as every SES action is.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		letter := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
