package query_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/sesapi/query"
)

func ExampleDecode() {
	form, _ := url.ParseQuery("Action=SendEmail&Source=shop%40example.com" +
		"&Destination.ToAddresses.member.1=a%40example.com&Destination.ToAddresses.member.2=b%40example.com" +
		"&Message.Subject.Data=Hello&Message.Body.Text.Data=Hi+there")
	var in query.SendEmailInput
	if err := query.Decode(form, &in); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(in.Source, in.Destination.ToAddresses, in.Message.Subject.Data, in.Message.Body.Text.Data)

	err := query.Decode(url.Values{"Action": {"SendEmail"}, "Source": {"shop@example.com"}}, &in)
	f := fault.As(err)
	fmt.Println(f.QueryCode()+":", f.Message)
	// Output:
	// shop@example.com [a@example.com b@example.com] Hello Hi there
	// ValidationError: 2 validation errors detected: Value null at 'destination' failed to satisfy constraint: Member must not be null; Value null at 'message' failed to satisfy constraint: Member must not be null
}

func ExampleWriteResponse() {
	w := httptest.NewRecorder()
	out := &query.ListIdentitiesOutput{Identities: []string{"example.com", "me@example.com"}}
	if err := query.WriteResponse(w, "ListIdentities", "9b1c1d2e", out); err != nil {
		fmt.Println(err)
	}
	fmt.Println(w.Code, w.Body)
	// Output:
	// 200 <ListIdentitiesResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><ListIdentitiesResult><Identities><member>example.com</member><member>me@example.com</member></Identities></ListIdentitiesResult><ResponseMetadata><RequestId>9b1c1d2e</RequestId></ResponseMetadata></ListIdentitiesResponse>
}

func ExampleWriteError() {
	w := httptest.NewRecorder()
	query.WriteError(w, "9b1c1d2e", fault.MessageRejected("Email address is not verified."))
	fmt.Println(w.Code, w.Body)
	// Output:
	// 400 <ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>MessageRejected</Code><Message>Email address is not verified.</Message></Error><RequestId>9b1c1d2e</RequestId></ErrorResponse>
}
