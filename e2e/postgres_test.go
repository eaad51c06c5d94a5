package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/store/pgtest"
)

// TestServeOnPostgreSQL runs the server with --store postgres://... and
// checks that the API, the admin commands and a restart all work on it.
func TestServeOnPostgreSQL(t *testing.T) {
	dsn := pgtest.DSN(t)
	n := startNode(t, "", "--store", dsn)
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	if _, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("pg@example.com")}); err != nil {
		t.Fatal(err)
	}
	n.mustAdmin("identity", "verify", "pg@example.com")
	out, err := c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("pg@example.com"),
		Destination: &types.Destination{ToAddresses: []string{"a@recipient.test", "bounce@simulator.amazonses.com"}},
		Content:     simple("on postgres", "hello")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.MessageId)
	n.stop()

	n2 := startNode(t, n.data, "--store", dsn)
	tr := n2.trace(id)
	if tr.Subject != "on postgres" || len(tr.Recipients) != 2 || tr.Recipients[0].Status != "queued" || tr.Recipients[1].Status != "bounced" {
		t.Fatalf("trace after restart = %+v", tr)
	}
	acct, err := n2.sesv2(bootKeyID, bootSecret).GetAccount(cx, &sesv2.GetAccountInput{})
	if err != nil {
		t.Fatal(err)
	}
	if acct.SendQuota.SentLast24Hours != 1 {
		t.Errorf("SentLast24Hours = %v after restart, want 1 (the simulator does not count)", acct.SendQuota.SentLast24Hours)
	}
}
