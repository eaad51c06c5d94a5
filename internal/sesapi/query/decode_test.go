package query

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// form parses a literal query string, failing the test on bad encoding.
func form(t *testing.T, s string) url.Values {
	t.Helper()
	f, err := url.ParseQuery(s)
	if err != nil {
		t.Fatalf("bad test form %q: %v", s, err)
	}
	return f
}

func TestDecodeSendEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		form string
		want SendEmailInput
	}{
		{
			name: "a minimal request fills only what was sent",
			form: "Action=SendEmail&Source=a%40example.com&Destination.ToAddresses.member.1=b%40example.com" +
				"&Message.Subject.Data=Hi&Message.Body.Text.Data=Hello",
			want: SendEmailInput{
				Source:      "a@example.com",
				Destination: Destination{ToAddresses: []string{"b@example.com"}},
				Message:     Message{Subject: Content{Data: "Hi"}, Body: Body{Text: &Content{Data: "Hello"}}},
			},
		},
		{
			name: "list members are ordered by number, not by position in the form",
			form: "Source=a&Message.Subject.Data=s&Message.Body.Html.Data=%3Cp%3E" +
				"&Destination.CcAddresses.member.3=c3&Destination.CcAddresses.member.1=c1&Destination.CcAddresses.member.2=c2" +
				"&Tags.member.2.Value=v2&Tags.member.1.Name=n1&Tags.member.2.Name=n2&Tags.member.1.Value=v1",
			want: SendEmailInput{
				Source:      "a",
				Destination: Destination{CcAddresses: []string{"c1", "c2", "c3"}},
				Message:     Message{Subject: Content{Data: "s"}, Body: Body{Html: &Content{Data: "<p>"}}},
				Tags:        []MessageTag{{Name: "n1", Value: "v1"}, {Name: "n2", Value: "v2"}},
			},
		},
		{
			name: "unknown parameters are ignored",
			form: "Source=a&Destination.ToAddresses.member.1=b&Message.Subject.Data=s&Message.Body.Text.Data=t" +
				"&X-Amz-Date=20260101T000000Z&Destination.Foo.member.1=x&Message.Subject.Lang=en&Bogus",
			want: SendEmailInput{
				Source:      "a",
				Destination: Destination{ToAddresses: []string{"b"}},
				Message:     Message{Subject: Content{Data: "s"}, Body: Body{Text: &Content{Data: "t"}}},
			},
		},
		{
			name: "an empty list sent as Name= decodes as an empty list",
			form: "Source=a&Destination.ToAddresses=&Message.Subject.Data=&Message.Body.Text.Data=",
			want: SendEmailInput{
				Source:      "a",
				Destination: Destination{ToAddresses: []string{}},
				Message:     Message{Subject: Content{}, Body: Body{Text: &Content{}}},
			},
		},
		{
			name: "a repeated parameter keeps its first value",
			form: "Source=first&Source=second&Destination.ToAddresses.member.1=b&Message.Subject.Data=s&Message.Body.Text.Data=t",
			want: SendEmailInput{
				Source:      "first",
				Destination: Destination{ToAddresses: []string{"b"}},
				Message:     Message{Subject: Content{Data: "s"}, Body: Body{Text: &Content{Data: "t"}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got SendEmailInput
			if err := Decode(form(t, tt.form), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	const valid = "Source=a&Destination.ToAddresses.member.1=b&Message.Subject.Data=s&Message.Body.Text.Data=t"
	tests := []struct {
		name     string
		form     string
		into     any
		wantCode string
		wantMsg  string
	}{
		{
			name:     "a missing required member is reported as SES reports it",
			form:     "Destination.ToAddresses.member.1=b&Message.Subject.Data=s&Message.Body.Text.Data=t",
			into:     new(SendEmailInput),
			wantCode: CodeValidationError,
			wantMsg:  "1 validation error detected: Value null at 'source' failed to satisfy constraint: Member must not be null",
		},
		{
			name:     "every missing member is reported at once",
			form:     "Action=SendEmail",
			into:     new(SendEmailInput),
			wantCode: CodeValidationError,
			wantMsg: "3 validation errors detected: Value null at 'source' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'destination' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'message' failed to satisfy constraint: Member must not be null",
		},
		{
			name:     "nested members are named by their path",
			form:     "Source=a&Destination.ToAddresses.member.1=b&Message.Subject.Charset=UTF-8&Message.Body.Text.Charset=UTF-8",
			into:     new(SendEmailInput),
			wantCode: CodeValidationError,
			wantMsg: "2 validation errors detected: Value null at 'message.subject.data' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'message.body.text.data' failed to satisfy constraint: Member must not be null",
		},
		{
			name:     "list members are named by number",
			form:     valid + "&Tags.member.1.Name=n&Tags.member.1.Value=v&Tags.member.2.Name=n2",
			into:     new(SendEmailInput),
			wantCode: CodeValidationError,
			wantMsg:  "1 validation error detected: Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null",
		},
		{
			name:     "a blob that is not base64 is an invalid value",
			form:     "RawMessage.Data=not*base64",
			into:     new(SendRawEmailInput),
			wantCode: CodeInvalidParameterValue,
			wantMsg:  "Value (not*base64) for parameter RawMessage.Data is invalid. Expected base64-encoded data.",
		},
		{
			name:     "a gap in a list is refused",
			form:     valid + "&Destination.CcAddresses.member.1=x&Destination.CcAddresses.member.3=y",
			into:     new(SendEmailInput),
			wantCode: CodeInvalidParameterValue,
			wantMsg:  "Destination.CcAddresses.member.2 is missing: members must be numbered from 1 without gaps.",
		},
		{
			name:     "a list that does not start at 1 is refused",
			form:     "RawMessage.Data=eA%3D%3D&Destinations.member.2=x",
			into:     new(SendRawEmailInput),
			wantCode: CodeInvalidParameterValue,
			wantMsg:  "Destinations.member.1 is missing: members must be numbered from 1 without gaps.",
		},
		{
			name:     "member 0 is refused",
			form:     "RawMessage.Data=eA%3D%3D&Destinations.member.0=x",
			into:     new(SendRawEmailInput),
			wantCode: CodeInvalidParameterValue,
			wantMsg:  "Destinations.member.0 is not a valid parameter: members are numbered from 1 to 1000.",
		},
		{
			name:     "a zero-padded member number is refused",
			form:     "RawMessage.Data=eA%3D%3D&Destinations.member.01=x",
			into:     new(SendRawEmailInput),
			wantCode: CodeInvalidParameterValue,
			wantMsg:  "Destinations.member.01 is not a valid parameter: members are numbered from 1 to 1000.",
		},
		{
			name:     "a member number past the cap is refused",
			form:     "RawMessage.Data=eA%3D%3D&Destinations.member.1001=x",
			into:     new(SendRawEmailInput),
			wantCode: CodeInvalidParameterValue,
			wantMsg:  "Destinations.member.1001 is not a valid parameter: members are numbered from 1 to 1000.",
		},
		{
			name:     "a huge member number is refused without allocating",
			form:     "RawMessage.Data=eA%3D%3D&Destinations.member.99999999999999999999=x",
			into:     new(SendRawEmailInput),
			wantCode: CodeInvalidParameterValue,
			wantMsg:  "Destinations.member.99999999999999999999 is not a valid parameter: members are numbered from 1 to 1000.",
		},
		{
			name:     "a list member without a value is null",
			form:     "RawMessage.Data=eA%3D%3D&Destinations.member.1.x=y",
			into:     new(SendRawEmailInput),
			wantCode: CodeValidationError,
			wantMsg:  "1 validation error detected: Value null at 'destinations.1.member' failed to satisfy constraint: Member must not be null",
		},
		{
			name:     "MaxItems must be an integer",
			form:     "MaxItems=ten",
			into:     new(ListIdentitiesInput),
			wantCode: CodeInvalidParameterValue,
			wantMsg:  "Value (ten) for parameter MaxItems is invalid. Expected an integer.",
		},
		{
			name:     "an integer out of range is refused",
			form:     "MaxItems=99999999999999999999",
			into:     new(ListIdentitiesInput),
			wantCode: CodeInvalidParameterValue,
			wantMsg:  "Value (99999999999999999999) for parameter MaxItems is invalid. The number is out of range.",
		},
		{
			name:     "an enum member outside its set is reported as SES reports it",
			form:     "IdentityType=Mailbox",
			into:     new(ListIdentitiesInput),
			wantCode: CodeValidationError,
			wantMsg:  "1 validation error detected: Value 'Mailbox' at 'identityType' failed to satisfy constraint: Member must satisfy enum value set: [EmailAddress, Domain]",
		},
		{
			name:     "a long value is clipped in the message",
			form:     "MaxItems=" + strings.Repeat("9", 100),
			into:     new(ListIdentitiesInput),
			wantCode: CodeInvalidParameterValue,
			wantMsg:  "Value (" + strings.Repeat("9", 64) + "...) for parameter MaxItems is invalid. The number is out of range.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Decode(form(t, tt.form), tt.into)
			f := fault.As(err)
			if f == nil {
				t.Fatalf("Decode = %v, want a fault", err)
			}
			if f.QueryCode() != tt.wantCode || f.Message != tt.wantMsg {
				t.Errorf("got  %s: %s\nwant %s: %s", f.QueryCode(), f.Message, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestDecodeTooManyMembers(t *testing.T) {
	t.Parallel()
	f := url.Values{"RawMessage.Data": {"eA=="}}
	for i := range maxMembers + 1 {
		f.Set("Destinations.member."+strconv.Itoa(i+1), "x")
	}
	err := Decode(f, new(SendRawEmailInput))
	if got := fault.As(err); got == nil || got.Message != "Destinations.member has more than 1000 members." {
		t.Fatalf("Decode = %v", err)
	}
	f.Del("Destinations.member.1001")
	var in SendRawEmailInput
	if err := Decode(f, &in); err != nil || len(in.Destinations) != maxMembers {
		t.Fatalf("Decode of %d members = %v, %d decoded", maxMembers, err, len(in.Destinations))
	}
}

// everything exercises each field type the decoder supports.
type everything struct {
	S     string             `query:"S"`
	B     bool               `query:"B"`
	I     int                `query:"I"`
	I8    int8               `query:"I8"`
	I64   int64              `query:"I64"`
	U16   uint16             `query:"U16"`
	F     float64            `query:"F"`
	F32   float32            `query:"F32"`
	T     time.Time          `query:"T"`
	Blob  []byte             `query:"Blob"`
	PS    *string            `query:"PS"`
	PB    *bool              `query:"PB"`
	PNil  *int               `query:"PNil"`
	Ints  []int              `query:"Ints"`
	Sub   *MessageTag        `query:"Sub"`
	Map   map[string]Content `query:"Map"`
	Flags map[string]bool    `query:"Flags"`
	Plain string
	Skip  string `query:"-"`
	lower string
}

func TestDecodeEveryType(t *testing.T) {
	t.Parallel()
	f := form(t, "S=s&B=TRUE&I=-42&I8=127&I64=9007199254740993&U16=65535&F=0.5&F32=1e3"+
		"&T=2026-01-02T03:04:05.678Z&Blob=aGk%3D&PS=&PB=false&Ints.member.1=1&Ints.member.2=2"+
		"&Sub.Name=n&Sub.Value=v"+
		"&Map.entry.1.key=b&Map.entry.1.value.Data=B&Map.entry.2.key=a&Map.entry.2.value.Data=A&Map.entry.2.value.Charset=c"+
		"&Flags.entry.1.key=on&Flags.entry.1.value=true&Plain=p&Skip=x&lower=x")
	var got everything
	if err := Decode(f, &got); err != nil {
		t.Fatal(err)
	}
	empty, no := "", false
	want := everything{
		S: "s", B: true, I: -42, I8: 127, I64: 9007199254740993, U16: 65535, F: 0.5, F32: 1000,
		T:    time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC),
		Blob: []byte("hi"), PS: &empty, PB: &no,
		Ints:  []int{1, 2},
		Sub:   &MessageTag{Name: "n", Value: "v"},
		Map:   map[string]Content{"a": {Data: "A", Charset: "c"}, "b": {Data: "B"}},
		Flags: map[string]bool{"on": true},
		Plain: "p",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got.lower != "" {
		t.Errorf("unexported field set to %q", got.lower)
	}
}

func TestDecodeBadValues(t *testing.T) {
	t.Parallel()
	tests := []struct{ form, wantMsg string }{
		{"B=yes", "Value (yes) for parameter B is invalid. Expected true or false."},
		{"I8=128", "Value (128) for parameter I8 is invalid. The number is out of range."},
		{"U16=-1", "Value (-1) for parameter U16 is invalid. Expected a non-negative integer."},
		{"F=half", "Value (half) for parameter F is invalid. Expected a number."},
		{"T=yesterday", "Value (yesterday) for parameter T is invalid. Expected an ISO 8601 timestamp such as 2026-01-01T00:00:00Z."},
		{"Ints.member.1=x", "Value (x) for parameter Ints.member.1 is invalid. Expected an integer."},
		{"Flags.entry.1.key=k&Flags.entry.1.value=maybe", "Value (maybe) for parameter Flags.entry.1.value is invalid. Expected true or false."},
		{"Map.entry.1.value.Data=x", "1 validation error detected: Value null at 'map.1.entry.key' failed to satisfy constraint: Member must not be null"},
		{"Map.entry.1.key=k", "1 validation error detected: Value null at 'map.1.entry.value' failed to satisfy constraint: Member must not be null"},
		{"Map.entry.2.key=k", "Map.entry.1 is missing: members must be numbered from 1 without gaps."},
	}
	for _, tt := range tests {
		t.Run(tt.form, func(t *testing.T) {
			t.Parallel()
			err := Decode(form(t, tt.form), new(everything))
			if f := fault.As(err); f == nil || f.Message != tt.wantMsg {
				t.Errorf("Decode = %v\nwant %s", err, tt.wantMsg)
			}
		})
	}
}

func TestDecodeBlob(t *testing.T) {
	t.Parallel()
	// "hi>?" encodes with both characters that differ between the
	// alphabets: standard aGk+Pw==, URL-safe aGk-Pw==.
	want := []byte("hi>?")
	for _, in := range []string{
		"aGk+Pw==",     // what the SDKs send
		"aGk+Pw",       // unpadded
		"aGk-Pw==",     // URL-safe
		"aGk-Pw",       // URL-safe, unpadded
		"aGk Pw==",     // "+" not percent-encoded, read as a space
		"aGk+\r\nPw==", // wrapped
		"aGk+\tPw==",
	} {
		got, err := decodeBlob(in)
		if err != nil || string(got) != string(want) {
			t.Errorf("decodeBlob(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"a", "aGk+P", "aGk*Pw==", "aGk+Pw=", "aG=k"} {
		if got, err := decodeBlob(in); err == nil {
			t.Errorf("decodeBlob(%q) = %q, want an error", in, got)
		}
	}
}

func TestDecodeProgrammingErrors(t *testing.T) {
	t.Parallel()
	type badTag struct {
		X string `query:"X,requird"`
	}
	type badType struct {
		C chan int `query:"C"`
	}
	type badMap struct {
		M map[int]string `query:"M"`
	}
	tests := []struct {
		name string
		into any
		form string
	}{
		{"not a pointer", SendEmailInput{}, ""},
		{"a nil pointer", (*SendEmailInput)(nil), ""},
		{"a pointer to a non-struct", new(string), ""},
		{"an unknown tag option", new(badTag), "X=1"},
		{"an unsupported field type", new(badType), "C=1"},
		{"a map with non-string keys", new(badMap), "M.entry.1.key=1&M.entry.1.value=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Decode(form(t, tt.form), tt.into)
			if err == nil || fault.As(err) != nil {
				t.Errorf("Decode = %v, want a programming error", err)
			}
		})
	}
}
