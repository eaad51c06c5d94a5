package sns

import (
	"fmt"
	"strings"
)

// TopicARN returns the ARN of topic name in account accountID and region,
// "arn:aws:sns:region:accountID:name".
func TopicARN(region, accountID, name string) string {
	return "arn:aws:sns:" + region + ":" + accountID + ":" + name
}

// SubscriptionARN returns the ARN of subscription id (SNS uses a UUID) to
// topicARN: the topic's ARN, a colon and the id.
func SubscriptionARN(topicARN, id string) string { return topicARN + ":" + id }

// ParseTopicARN splits an SNS topic ARN, "arn:aws:sns:REGION:ACCOUNT:NAME",
// checking each part: the partition starts with "aws", the account is 12
// digits, the name is a valid topic name.
func ParseTopicARN(arn string) (region, account, name string, err error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "sns" {
		return "", "", "", fmt.Errorf("sns: %q is not a topic ARN, want arn:aws:sns:REGION:ACCOUNT:NAME", arn)
	}
	region, account, name = parts[3], parts[4], parts[5]
	if !validRegion(region) {
		return "", "", "", fmt.Errorf("sns: topic ARN %q: region %q is not lowercase letters, digits and hyphens", arn, region)
	}
	if !validAccount(account) {
		return "", "", "", fmt.Errorf("sns: topic ARN %q: account %q is not 12 digits", arn, account)
	}
	if err := ValidateTopicName(name); err != nil {
		return "", "", "", fmt.Errorf("sns: topic ARN %q: %w", arn, err)
	}
	return region, account, name, nil
}

// ParseSubscriptionARN splits a subscription ARN into its topic's ARN and
// the subscription id.
func ParseSubscriptionARN(arn string) (topicARN, id string, err error) {
	i := strings.LastIndexByte(arn, ':')
	if i < 0 || i == len(arn)-1 {
		return "", "", fmt.Errorf("sns: %q is not a subscription ARN, want TOPIC-ARN:ID", arn)
	}
	topicARN, id = arn[:i], arn[i+1:]
	if _, _, _, err := ParseTopicARN(topicARN); err != nil {
		return "", "", fmt.Errorf("sns: subscription ARN %q: %w", arn, err)
	}
	return topicARN, id, nil
}

// ValidateTopicName checks a topic name as SNS's CreateTopic does: 1 to
// 256 ASCII letters, digits, hyphens and underscores. SNS's FIFO topics
// (names ending in ".fifo") are refused: hikyaku has none.
func ValidateTopicName(name string) error {
	if strings.HasSuffix(name, ".fifo") {
		return fmt.Errorf("sns: topic %q: FIFO topics are not supported; use a standard topic (a name without the .fifo suffix)", name)
	}
	if name == "" || len(name) > 256 {
		return fmt.Errorf("sns: topic name %q must be 1 to 256 characters", name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("sns: topic name %q has %q: use only letters, digits, hyphens and underscores", name, c)
		}
	}
	return nil
}

func validRegion(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
