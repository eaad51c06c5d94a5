package compose

import (
	"strings"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// The X-SES-* header fields a raw message may carry to steer sending. SES
// reads them and removes them before delivery. API parameters win over
// them (ConfigurationSetName, EmailTags, FromArn…); that choice is the
// caller's, this file only reads the fields.

// Tag is a message tag (SES MessageTag).
type Tag struct {
	Name  string
	Value string
}

// ListManagement is SES's ListManagementOptions as given in
// X-SES-LIST-MANAGEMENT-OPTIONS.
type ListManagement struct {
	ContactListName string
	TopicName       string // "" when the message is for the whole list
}

// maxTagLength is the SES MessageTag limit for names and values.
const maxTagLength = 256

// parseTags reads X-SES-MESSAGE-TAGS: "name1=value1, name2=value2"
// (Developer Guide, event-publishing-send-email). Names and values are
// limited as in the MessageTag model: ASCII letters, digits, '_' and '-',
// at most 256 characters.
func parseTags(v string) ([]Tag, error) {
	var tags []Tag
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, value, ok := strings.Cut(item, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || !validTagText(name) || !validTagText(value) {
			return nil, fault.InvalidMessage("Invalid message tag '%s' in X-SES-MESSAGE-TAGS: write name=value pairs separated by commas, using only ASCII letters, digits, '_' and '-' (at most %d characters each).", echo([]byte(item)), maxTagLength)
		}
		tags = append(tags, Tag{Name: name, Value: value})
	}
	return tags, nil
}

// validTagText reports whether s is a valid tag name or value.
func validTagText(s string) bool {
	if s == "" || len(s) > maxTagLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// ParseListManagement reads the value of an X-SES-LIST-MANAGEMENT-OPTIONS
// header given outside raw content (a custom header of Simple or Template
// content); errors are faults, as for raw content.
func ParseListManagement(v string) (*ListManagement, error) { return parseListManagement(v) }

// parseListManagement reads X-SES-LIST-MANAGEMENT-OPTIONS:
// "contactListName; topic=topicName", the topic being optional (Developer
// Guide, sending-email-list-management).
func parseListManagement(v string) (*ListManagement, error) {
	parts := strings.Split(v, ";")
	lm := &ListManagement{ContactListName: strings.TrimSpace(parts[0])}
	if lm.ContactListName == "" || strings.Contains(lm.ContactListName, "=") {
		return nil, fault.InvalidMessage("Invalid X-SES-LIST-MANAGEMENT-OPTIONS '%s': write the contact list name, optionally followed by '; topic=<topic name>'.", echo([]byte(v)))
	}
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, val, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "topic") || strings.TrimSpace(val) == "" {
			return nil, fault.InvalidMessage("Invalid X-SES-LIST-MANAGEMENT-OPTIONS '%s': write the contact list name, optionally followed by '; topic=<topic name>'.", echo([]byte(v)))
		}
		lm.TopicName = strings.TrimSpace(val)
	}
	return lm, nil
}
