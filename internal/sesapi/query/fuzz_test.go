package query

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// FuzzDecode feeds arbitrary request bodies through ParseRequest and
// Decode. Neither may panic, and every error must be a fault a client can
// be shown, rendered as well-formed XML.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		"Action=SendEmail&Version=2010-12-01&Source=a%40example.com&Destination.ToAddresses.member.1=b%40example.com" +
			"&Destination.CcAddresses.member.1=c%40example.com&Message.Subject.Data=Hi&Message.Subject.Charset=UTF-8" +
			"&Message.Body.Text.Data=Hello&Message.Body.Html.Data=%3Cp%3EHello%3C%2Fp%3E&Tags.member.1.Name=n&Tags.member.1.Value=v",
		"Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=U3ViamVjdDogaGkNCg0KaGk%3D&Destinations.member.1=a&Destinations.member.2=b",
		"Action=SendRawEmail&RawMessage.Data=aGk+Pw&Destinations=",
		"Action=SendEmail&Destination.ToAddresses.member.2=x&Tags.member.1.Name=n",
		"Action=SendEmail&Destination.ToAddresses.member.01=x",
		"Action=SendEmail&Destination.ToAddresses.member.999999999999999999999=x",
		"Action=SendEmail&Message=x&Message.Body=y&Message.Body.Text=z",
		"Action=SendRawEmail&RawMessage.Data=%zz",
		"Action=SendRawEmail;RawMessage.Data=x",
		"Action=Nope",
		"",
		"=&&=&a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r=1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		_, _, form, err := ParseRequest(r, []byte(body))
		if err != nil {
			checkFault(t, err)
			if form == nil {
				return
			}
		}
		if err := Decode(form, new(SendEmailInput)); err != nil {
			checkFault(t, err)
		}
		if err := Decode(form, new(SendRawEmailInput)); err != nil {
			checkFault(t, err)
		}
	})
}

// checkFault fails unless err is a fault whose error document is
// well-formed.
func checkFault(t *testing.T, err error) {
	t.Helper()
	f := fault.As(err)
	if f == nil {
		t.Fatalf("error %v is not a fault", err)
	}
	doc := MarshalError("id", f)
	d := xml.NewDecoder(bytes.NewReader(doc))
	for {
		_, err := d.Token()
		if err != nil {
			if err != io.EOF {
				t.Fatalf("error document %s: %v", doc, err)
			}
			break
		}
	}
	if !strings.Contains(string(doc), "<Code>"+f.QueryCode()+"</Code>") {
		t.Fatalf("error document %s lacks code %s", doc, f.QueryCode())
	}
}
