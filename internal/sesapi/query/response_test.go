package query

import (
	"bytes"
	"encoding/xml"
	"flag"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/fault"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot  %s\nwant %s", name, got, want)
	}
	var doc struct{}
	if err := xml.Unmarshal(got, &doc); err != nil {
		t.Errorf("%s is not well-formed XML: %v", name, err)
	}
}

func TestMarshalResponseGolden(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		file   string
		action string
		result any
	}{
		{"get_send_quota.xml", "GetSendQuota", GetSendQuotaOutput{Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 127}},
		{"get_send_statistics.xml", "GetSendStatistics", &GetSendStatisticsOutput{SendDataPoints: []SendDataPoint{
			{Timestamp: day, DeliveryAttempts: 5, Bounces: 1},
			{Timestamp: day.Add(15 * time.Minute).In(time.FixedZone("JST", 9*3600)), DeliveryAttempts: 3, Complaints: 1, Rejects: 2},
		}}},
		{"get_identity_verification_attributes.xml", "GetIdentityVerificationAttributes", &GetIdentityVerificationAttributesOutput{
			VerificationAttributes: map[string]IdentityVerificationAttributes{
				"me@example.com": {VerificationStatus: VerificationStatusSuccess},
				"example.com":    {VerificationStatus: VerificationStatusPending, VerificationToken: "QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0="},
			},
		}},
		{"verify_email_identity.xml", "VerifyEmailIdentity", &VerifyEmailIdentityOutput{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got, err := MarshalResponse(tt.action, "47e0ef1a-9bf2-11e1-9279-0100e8cf109a", tt.result)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, got)
		})
	}
}

func TestMarshalErrorGolden(t *testing.T) {
	t.Parallel()
	golden(t, "error_throttling.xml", MarshalError("ca6d1b6a-3a4f-4c4e-9a2b-6f3c2d1e0f9a", fault.SendRateExceeded()))
}

func TestMarshalResponseResultElement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		action string
		result any
		want   string
	}{
		{"a modeled empty output gets an empty result", "DeleteIdentity", DeleteIdentityOutput{}, "<DeleteIdentityResult/>"},
		{"a nil result of a modeled output still gets one", "DeleteIdentity", nil, "<DeleteIdentityResult/>"},
		{"a typed nil result too", "VerifyEmailIdentity", (*VerifyEmailIdentityOutput)(nil), "<VerifyEmailIdentityResult/>"},
		{"an operation without an output shape gets none", "VerifyEmailAddress", nil, `<VerifyEmailAddressResponse xmlns="` + Namespace + `"><ResponseMetadata>`},
		{"a required empty list is written", "ListIdentities", ListIdentitiesOutput{}, "<ListIdentitiesResult><Identities/></ListIdentitiesResult>"},
		{"an optional empty list is not", "GetSendStatistics", GetSendStatisticsOutput{SendDataPoints: []SendDataPoint{}}, "<GetSendStatisticsResult/>"},
		{"a required empty string is written", "SendEmail", SendEmailOutput{}, "<SendEmailResult><MessageId/></SendEmailResult>"},
		{"text is escaped", "ListIdentities", ListIdentitiesOutput{Identities: []string{`a<b>&"c"`}, NextToken: "x]]>y"},
			"<Identities><member>a&lt;b&gt;&amp;&#34;c&#34;</member></Identities><NextToken>x]]&gt;y</NextToken>"},
		{"the request ID is escaped", "DeleteIdentity", nil, "<RequestId>&lt;id&gt;</RequestId>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := MarshalResponse(tt.action, "<id>", tt.result)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(got), tt.want) {
				t.Errorf("got %s\nwant it to contain %s", got, tt.want)
			}
		})
	}
}

func TestMarshalResponseProgrammingErrors(t *testing.T) {
	t.Parallel()
	type withChan struct {
		C chan int `query:"C"`
	}
	tests := []struct {
		name   string
		action string
		result any
	}{
		{"an action that is not a name", "Send<Email", nil},
		{"an empty action", "", nil},
		{"a result that is not a struct", "GetSendQuota", 42},
		{"a field the encoder cannot write", "GetSendQuota", withChan{C: make(chan int)}},
		{"a map with non-string keys", "GetSendQuota", struct {
			M map[int]string `query:"M"`
		}{M: map[int]string{1: "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := MarshalResponse(tt.action, "id", tt.result); err == nil {
				t.Fatal("MarshalResponse succeeded")
			}
			w := httptest.NewRecorder()
			if err := WriteResponse(w, tt.action, "id", tt.result); err == nil {
				t.Fatal("WriteResponse returned no error")
			}
			if w.Code != http.StatusInternalServerError || !strings.Contains(w.Body.String(), "<Code>InternalFailure</Code>") {
				t.Errorf("client got %d %s, want an InternalFailure", w.Code, w.Body)
			}
		})
	}
}

func TestWriteResponse(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	if err := WriteResponse(w, "SendEmail", "rid", &SendEmailOutput{MessageId: "m"}); err != nil {
		t.Fatal(err)
	}
	want := `<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendEmailResult><MessageId>m</MessageId></SendEmailResult>` +
		`<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></SendEmailResponse>`
	if w.Code != http.StatusOK || w.Body.String() != want {
		t.Errorf("got %d %s\nwant 200 %s", w.Code, w.Body, want)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type %q", ct)
	}
	if id := w.Header().Get("X-Amzn-RequestId"); id != "rid" {
		t.Errorf("x-amzn-RequestId %q", id)
	}
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      *fault.Error
		wantStatus int
		wantType   string
		wantCode   string
	}{
		{"a sender fault is a 400", fault.MessageRejected("no"), 400, "Sender", "MessageRejected"},
		{"throttling is a 400 in the v1 API", fault.SendRateExceeded(), 400, "Sender", "Throttling"},
		{"a v2 404 is a 400 in the v1 API", fault.NotFound("gone"), 400, "Sender", "NotFoundException"},
		{"an authentication failure is a 403", &fault.Error{Code: "InvalidClientTokenId", HTTPStatus: 403, Message: "m"}, 403, "Sender", "InvalidClientTokenId"},
		{"an internal failure is a 500 from the Receiver", fault.Internal(), 500, "Receiver", "InternalFailure"},
		{"a 503 stays a 503", &fault.Error{Code: "ServiceUnavailable", HTTPStatus: 503, Message: "m"}, 503, "Receiver", "ServiceUnavailable"},
		{"no fault is an internal failure", nil, 500, "Receiver", "InternalFailure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			WriteError(w, "rid", tt.fault)
			var doc struct {
				Error     struct{ Type, Code, Message string }
				RequestID string `xml:"RequestId"`
			}
			if err := xml.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatalf("%v in %s", err, w.Body)
			}
			if w.Code != tt.wantStatus || doc.Error.Type != tt.wantType || doc.Error.Code != tt.wantCode || doc.RequestID != "rid" {
				t.Errorf("got %d %s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestFormatDouble(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{200, "200.0"},
		{0, "0.0"},
		{1, "1.0"},
		{0.5, "0.5"},
		{14.25, "14.25"},
		{-3, "-3.0"},
		{1e21, "1000000000000000000000.0"},
		{0.1, "0.1"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
	}
	for _, tt := range tests {
		if got := formatDouble(tt.in, 64); got != tt.want {
			t.Errorf("formatDouble(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
