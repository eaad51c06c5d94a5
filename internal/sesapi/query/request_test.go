package query

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hikyaku/hikyaku/internal/fault"
)

func TestParseRequest(t *testing.T) {
	t.Parallel()
	const formType = "application/x-www-form-urlencoded; charset=utf-8"
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		wantAction  string
		wantVersion string
		wantParam   [2]string // a parameter and its expected value
	}{
		{
			name: "a POST as the SDKs send it", method: "POST", target: "/", contentType: formType,
			body:       "Action=SendEmail&Version=2010-12-01&Source=a%40example.com",
			wantAction: "SendEmail", wantVersion: "2010-12-01", wantParam: [2]string{"Source", "a@example.com"},
		},
		{
			name: "a POST without a Content-Type", method: "POST", target: "/",
			body:       "Action=GetSendQuota",
			wantAction: "GetSendQuota", wantParam: [2]string{"Action", "GetSendQuota"},
		},
		{
			name: "a POST with parameters in the URL too", method: "POST", target: "/?Action=ListIdentities", contentType: "Application/X-WWW-Form-Urlencoded",
			body:       "MaxItems=5",
			wantAction: "ListIdentities", wantParam: [2]string{"MaxItems", "5"},
		},
		{
			name: "a GET", method: "GET", target: "/?Action=VerifyEmailIdentity&Version=2010-12-01&EmailAddress=me%2Btag%40example.com",
			wantAction: "VerifyEmailIdentity", wantVersion: "2010-12-01", wantParam: [2]string{"EmailAddress", "me+tag@example.com"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			action, version, form, err := ParseRequest(r, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if action != tt.wantAction || version != tt.wantVersion {
				t.Errorf("action %q version %q, want %q %q", action, version, tt.wantAction, tt.wantVersion)
			}
			if got := form.Get(tt.wantParam[0]); got != tt.wantParam[1] {
				t.Errorf("%s = %q, want %q", tt.wantParam[0], got, tt.wantParam[1])
			}
		})
	}
}

func TestParseRequestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		wantCode    string
		wantMsg     string
	}{
		{
			name: "no Action", method: "POST", target: "/", body: "Version=2010-12-01&Source=a",
			wantCode: CodeMissingAction, wantMsg: "Could not find operation for version 2010-12-01",
		},
		{
			name: "no Action and no Version", method: "GET", target: "/",
			wantCode: CodeMissingAction, wantMsg: "Could not find operation for version NO_VERSION_SPECIFIED",
		},
		{
			name: "an Action SES does not have", method: "POST", target: "/", body: "Action=SendFax&Version=2010-12-01",
			wantCode: CodeInvalidAction, wantMsg: "The action SendFax is not valid for this web service.",
		},
		{
			name: "an Action in the wrong case", method: "POST", target: "/", body: "Action=sendemail",
			wantCode: CodeInvalidAction, wantMsg: "The action sendemail is not valid for this web service.",
		},
		{
			name: "a bad percent-escape in the body", method: "POST", target: "/", body: "Action=SendEmail&Source=%zz",
			wantCode: CodeMalformedQueryString, wantMsg: `The request body is not valid form encoding: invalid URL escape "%zz"`,
		},
		{
			name: "a semicolon separator", method: "POST", target: "/", body: "Action=SendEmail;Source=a",
			wantCode: CodeMalformedQueryString, wantMsg: "The request body is not valid form encoding: invalid semicolon separator in query",
		},
		{
			name: "a bad percent-escape in the URL", method: "GET", target: "/?Action=%G1",
			wantCode: CodeMalformedQueryString, wantMsg: `The query string is malformed: invalid URL escape "%G1"`,
		},
		{
			name: "a JSON body", method: "POST", target: "/", contentType: "application/json", body: `{"Action":"SendEmail"}`,
			wantCode: CodeMalformedQueryString, wantMsg: `The Content-Type "application/json" is not supported. Send the parameters as application/x-www-form-urlencoded.`,
		},
		{
			name: "a PUT", method: "PUT", target: "/?Action=SendEmail",
			wantCode: CodeMalformedQueryString, wantMsg: "The HTTP method PUT is not supported. Send the request as a POST with an application/x-www-form-urlencoded body, or as a GET.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			_, _, _, err := ParseRequest(r, []byte(tt.body))
			f := fault.As(err)
			if f == nil {
				t.Fatalf("ParseRequest = %v, want a fault", err)
			}
			if f.QueryCode() != tt.wantCode || f.Message != tt.wantMsg {
				t.Errorf("got  %s: %s\nwant %s: %s", f.QueryCode(), f.Message, tt.wantCode, tt.wantMsg)
			}
			if status := httpStatus(f); status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", status)
			}
		})
	}
}

func TestIsAction(t *testing.T) {
	t.Parallel()
	if len(actions) != 71 {
		t.Errorf("%d actions, want the 71 of the SES v1 model", len(actions))
	}
	for _, name := range []string{"SendEmail", "SendRawEmail", "VerifyEmailAddress", "UpdateAccountSendingEnabled"} {
		if !IsAction(name) {
			t.Errorf("IsAction(%q) = false", name)
		}
	}
	for _, name := range []string{"", "sendEmail", "SendEmail2", strings.Repeat("A", 100)} {
		if IsAction(name) {
			t.Errorf("IsAction(%q) = true", name)
		}
	}
}
