package query

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// ParseRequest reads the Query parameters of an SES v1 request and returns
// its Action, its Version (empty when the client sent none; callers may
// insist on [APIVersion]) and all parameters, Action and Version included.
//
// Parameters come from the URL query string and, for a POST, from the body,
// which must be application/x-www-form-urlencoded (a POST without a
// Content-Type is read the same way). The caller reads the body, bounding its
// size, and passes it in, so that it can also be hashed for the signature.
//
// Errors are *fault.Error: MalformedQueryString for encoding the form
// decoder rejects or a body of another media type, MissingAction, and
// InvalidAction for an Action that SES does not have (see [IsAction]).
func ParseRequest(r *http.Request, body []byte) (action, version string, form url.Values, err error) {
	form, err = url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", "", nil, senderFault(CodeMalformedQueryString, "The query string is malformed: %s", clip(err.Error()))
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		if err := checkFormType(r.Header.Get("Content-Type")); err != nil {
			return "", "", nil, err
		}
		bodyForm, err := url.ParseQuery(string(body))
		if err != nil {
			return "", "", nil, senderFault(CodeMalformedQueryString, "The request body is not valid form encoding: %s", clip(err.Error()))
		}
		for k, vs := range bodyForm {
			form[k] = append(form[k], vs...)
		}
	default:
		return "", "", nil, senderFault(CodeMalformedQueryString,
			"The HTTP method %s is not supported. Send the request as a POST with an application/x-www-form-urlencoded body, or as a GET.", clip(r.Method))
	}

	action = form.Get("Action")
	version = form.Get("Version")
	if action == "" {
		// Coral's wording; the version is the one the client asked for.
		v := version
		if v == "" {
			v = "NO_VERSION_SPECIFIED"
		}
		return "", version, form, senderFault(CodeMissingAction, "Could not find operation for version %s", clip(v))
	}
	if !IsAction(action) {
		return action, version, form, senderFault(CodeInvalidAction, "The action %s is not valid for this web service.", clip(action))
	}
	return action, version, form, nil
}

// checkFormType accepts an empty Content-Type or
// application/x-www-form-urlencoded with any parameters (the AWS SDKs send
// "; charset=utf-8").
func checkFormType(contentType string) error {
	if contentType == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err == nil && strings.EqualFold(mt, "application/x-www-form-urlencoded") {
		return nil
	}
	return senderFault(CodeMalformedQueryString,
		"The Content-Type %q is not supported. Send the parameters as application/x-www-form-urlencoded.", clip(contentType))
}
