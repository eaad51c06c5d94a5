package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/hikyaku/hikyaku/internal/store/sqlite"
)

// TestAddressVerifiedByMailedLink creates an address identity, finds the
// verification mail hikyaku queued for it, follows the link, and sends.
func TestAddressVerifiedByMailedLink(t *testing.T) {
	n := startNode(t, "")
	c := n.sesv2(bootKeyID, bootSecret)
	cx := ctx(t)
	if _, err := c.CreateEmailIdentity(cx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("owner@mailbox.test")}); err != nil {
		t.Fatal(err)
	}

	// The verification mail is queued like any other message; read it
	// from the store the server is running on.
	st, err := sqlite.Open(cx, n.data+"/hikyaku.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	link := ""
	for _, id := range messageIDsInLog(n.log()) {
		body, err := st.GetMessageBody(cx, id)
		if err != nil {
			continue
		}
		if m := regexp.MustCompile(`http://\S+/verify\?token=[0-9a-f]+`).Find(body); m != nil {
			link = string(m)
			if !strings.Contains(string(body), "To: owner@mailbox.test") {
				t.Errorf("verification mail not addressed to the identity:\n%s", body)
			}
		}
	}
	if link == "" {
		t.Fatalf("no verification mail with a link was queued; log:\n%s", n.log())
	}

	send := func() error {
		_, err := c.SendEmail(cx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("owner@mailbox.test"),
			Destination: &types.Destination{ToAddresses: []string{"a@recipient.test"}}, Content: simple("s", "b")})
		return err
	}
	if err := send(); err == nil {
		t.Fatal("an unverified address could send")
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "successfully verified owner@mailbox.test") {
		t.Fatalf("GET %s: %d\n%s", link, resp.StatusCode, page)
	}
	got, err := c.GetEmailIdentity(cx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("owner@mailbox.test")})
	if err != nil || got.VerificationStatus != types.VerificationStatusSuccess {
		t.Fatalf("after the link: %+v, %v", got, err)
	}
	if err := send(); err != nil {
		t.Fatalf("send after verification: %v", err)
	}

	resp, err = http.Get(strings.Split(link, "?")[0] + "?token=0000")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("a made-up token answered %d, want 404", resp.StatusCode)
	}
}

var acceptedRE = regexp.MustCompile(`msg="(?:message accepted|verification mail queued)"[^\n]*message_id=(\S+)`)

func messageIDsInLog(log string) []string {
	var ids []string
	for _, m := range acceptedRE.FindAllStringSubmatch(log, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestUnsignedRequestsNeverReachAHandler sends requests without a
// signature to both APIs and checks they are refused in each API's shape.
func TestUnsignedRequestsNeverReachAHandler(t *testing.T) {
	n := startNode(t, "")
	resp, err := http.Post(n.url+"/v2/email/outbound-emails", "application/json", strings.NewReader(`{"Content":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Errorf("v2 unsigned: %d %s %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body)
	}
	resp, err = http.Post(n.url+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=SendRawEmail&RawMessage.Data=eA=="))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "<Code>MissingAuthenticationToken</Code>") {
		t.Errorf("v1 unsigned: %d %s", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", n.url+"/v2/email/account", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 garbage")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "IncompleteSignatureException" {
		t.Errorf("garbled Authorization: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
}
