package sns

import (
	"strings"
	"testing"
)

func TestTopicARN(t *testing.T) {
	t.Parallel()
	arn := TopicARN("us-east-1", "123456789012", "ses-events")
	if arn != "arn:aws:sns:us-east-1:123456789012:ses-events" {
		t.Errorf("TopicARN = %q", arn)
	}
	sub := SubscriptionARN(arn, "2bcfbf39-05c3-41de-beaa-fcfcc21c8f55")
	if sub != "arn:aws:sns:us-east-1:123456789012:ses-events:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55" {
		t.Errorf("SubscriptionARN = %q", sub)
	}
	region, account, name, err := ParseTopicARN(arn)
	if err != nil || region != "us-east-1" || account != "123456789012" || name != "ses-events" {
		t.Errorf("ParseTopicARN = %q %q %q %v", region, account, name, err)
	}
	topic, id, err := ParseSubscriptionARN(sub)
	if err != nil || topic != arn || id != "2bcfbf39-05c3-41de-beaa-fcfcc21c8f55" {
		t.Errorf("ParseSubscriptionARN = %q %q %v", topic, id, err)
	}
}

func TestParseTopicARNRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arn, want string
	}{
		{"", "not a topic ARN"},
		{"arn:aws:sqs:us-east-1:123456789012:q", "not a topic ARN"},
		{"arn:aws:sns:us-east-1:123456789012", "not a topic ARN"},
		{"arn:aws:sns:us-east-1:123456789012:t:extra", "not a topic ARN"},
		{"urn:aws:sns:us-east-1:123456789012:t", "not a topic ARN"},
		{"arn:gcp:sns:us-east-1:123456789012:t", "not a topic ARN"},
		{"arn:aws:sns::123456789012:t", "region"},
		{"arn:aws:sns:US-EAST-1:123456789012:t", "region"},
		{"arn:aws:sns:us-east-1:1234:t", "account"},
		{"arn:aws:sns:us-east-1:12345678901a:t", "account"},
		{"arn:aws:sns:us-east-1:123456789012:", "1 to 256"},
		{"arn:aws:sns:us-east-1:123456789012:a.b", "letters, digits"},
		{"arn:aws:sns:us-east-1:123456789012:orders.fifo", "FIFO"},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			t.Parallel()
			_, _, _, err := ParseTopicARN(tt.arn)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseTopicARN(%q) = %v, want error containing %q", tt.arn, err, tt.want)
			}
		})
	}
	for _, arn := range []string{"", "nocolon", "arn:aws:sns:us-east-1:123456789012:t:", "arn:aws:sqs:us-east-1:123456789012:t:id"} {
		if _, _, err := ParseSubscriptionARN(arn); err == nil {
			t.Errorf("ParseSubscriptionARN(%q) succeeded", arn)
		}
	}
}

func TestValidateTopicName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"a", true},
		{"ses-events_2024", true},
		{"MyTopic", true},
		{strings.Repeat("x", 256), true},
		{strings.Repeat("x", 257), false},
		{"", false},
		{"has space", false},
		{"dot.ted", false},
		{"émoji", false},
		{"orders.fifo", false},
	}
	for _, tt := range tests {
		if err := ValidateTopicName(tt.name); (err == nil) != tt.ok {
			t.Errorf("ValidateTopicName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		got, want string
	}{
		{SubscribeURL("https://sns.hikyaku.test/", testTopic, "ab12"),
			"https://sns.hikyaku.test/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=ab12"},
		{UnsubscribeURL("https://sns.hikyaku.test/", testSub),
			"https://sns.hikyaku.test/?Action=Unsubscribe&SubscriptionArn=" + testSub},
		{UnsubscribeURL("https://h.test/sns?tenant=1", testSub),
			"https://h.test/sns?tenant=1&Action=Unsubscribe&SubscriptionArn=" + testSub},
		{SubscribeURL("https://h.test/", testTopic, "a&b=c"),
			"https://h.test/?Action=ConfirmSubscription&TopicArn=" + testTopic + "&Token=a%26b%3Dc"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got  %s\nwant %s", tt.got, tt.want)
		}
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	id := NewMessageID()
	if len(id) != 36 || id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) || strings.Count(id, "-") != 4 {
		t.Errorf("NewMessageID = %q, not a version 4 UUID", id)
	}
	if NewMessageID() == id {
		t.Error("two equal message IDs")
	}
	tok := NewToken()
	if len(tok) != 128 || strings.Trim(tok, "0123456789abcdef") != "" || NewToken() == tok {
		t.Errorf("NewToken = %q", tok)
	}
}
