package e2e

import (
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// TestSuppressionListWithTheGoSDK manages the account suppression list
// through aws-sdk-go-v2 and checks that a suppressed recipient is accepted
// but not sent, as SES does.
func TestSuppressionListWithTheGoSDK(t *testing.T) {
	n := startNode(t, "")
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	for _, a := range []string{"gone@example.net", "angry@example.net", "third@example.org"} {
		reason := types.SuppressionListReasonBounce
		if a == "angry@example.net" {
			reason = types.SuppressionListReasonComplaint
		}
		if _, err := c.PutSuppressedDestination(cx, &sesv2.PutSuppressedDestinationInput{EmailAddress: aws.String(a), Reason: reason}); err != nil {
			t.Fatalf("put %s: %v", a, err)
		}
	}

	got, err := c.GetSuppressedDestination(cx, &sesv2.GetSuppressedDestinationInput{EmailAddress: aws.String("Angry@Example.NET")})
	if err != nil {
		t.Fatal(err)
	}
	if d := got.SuppressedDestination; aws.ToString(d.EmailAddress) != "angry@example.net" || d.Reason != types.SuppressionListReasonComplaint || d.LastUpdateTime == nil {
		t.Errorf("GetSuppressedDestination = %+v", d)
	}

	var all []string
	p := sesv2.NewListSuppressedDestinationsPaginator(c, &sesv2.ListSuppressedDestinationsInput{PageSize: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(cx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.SuppressedDestinationSummaries {
			all = append(all, aws.ToString(s.EmailAddress))
		}
	}
	slices.Sort(all)
	if !slices.Equal(all, []string{"angry@example.net", "gone@example.net", "third@example.org"}) {
		t.Errorf("listed %v", all)
	}
	bounces, err := c.ListSuppressedDestinations(cx, &sesv2.ListSuppressedDestinationsInput{Reasons: []types.SuppressionListReason{types.SuppressionListReasonBounce}})
	if err != nil || len(bounces.SuppressedDestinationSummaries) != 2 {
		t.Errorf("BOUNCE filter: %+v, %v", bounces, err)
	}

	if _, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("sender@example.com")}); err != nil {
		t.Fatal(err)
	}
	n.mustAdmin("identity", "verify", "sender@example.com")
	out, err := c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("sender@example.com"),
		Destination: &types.Destination{ToAddresses: []string{"gone@example.net", "fine@example.net"}}, Content: simple("s", "b")})
	if err != nil {
		t.Fatal(err)
	}
	tr := n.trace(aws.ToString(out.MessageId))
	if tr.Recipients[0].Status != "suppressed" || tr.Recipients[0].Outcome.BounceSubType != "OnAccountSuppressionList" || tr.Recipients[1].Status != "queued" {
		t.Errorf("trace = %+v", tr.Recipients)
	}

	if _, err := c.DeleteSuppressedDestination(cx, &sesv2.DeleteSuppressedDestinationInput{EmailAddress: aws.String("gone@example.net")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetSuppressedDestination(cx, &sesv2.GetSuppressedDestinationInput{EmailAddress: aws.String("gone@example.net")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("after delete: %v, want NotFoundException", err)
	}

	if _, err := c.PutAccountSuppressionAttributes(cx, &sesv2.PutAccountSuppressionAttributesInput{
		SuppressedReasons: []types.SuppressionListReason{types.SuppressionListReasonComplaint}}); err != nil {
		t.Fatal(err)
	}
	acct, err := c.GetAccount(cx, &sesv2.GetAccountInput{})
	if err != nil || !slices.Equal(acct.SuppressionAttributes.SuppressedReasons, []types.SuppressionListReason{types.SuppressionListReasonComplaint}) {
		t.Errorf("SuppressedReasons after Put = %+v, %v", acct.SuppressionAttributes, err)
	}

	// The sandbox cannot edit the list, as on SES.
	keyID, secret := n.newAccount("sandboxed", false)
	_, err = n.sesv2(keyID, secret).PutSuppressedDestination(cx, &sesv2.PutSuppressedDestinationInput{
		EmailAddress: aws.String("x@example.net"), Reason: types.SuppressionListReasonBounce})
	var br *types.BadRequestException
	if !errors.As(err, &br) {
		t.Errorf("sandbox put: %v, want BadRequestException", err)
	}
}
