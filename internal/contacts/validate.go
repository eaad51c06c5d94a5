package contacts

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hikyaku/hikyaku/internal/address"
	"github.com/hikyaku/hikyaku/internal/fault"
)

// SES's answers. The texts are those floci-io/floci records from probes of
// the real service (SesContactService.java); "A maximum of 1 Lists allowed
// per account." is also what scripts written against SES test for
// (sesv2.exceptions.BadRequestException, in public GitHub code). SES
// answers a second list with that BadRequestException, not with the
// LimitExceededException the model lists, and a duplicate name hits the
// same limit before any AlreadyExists check.

func listNotFound(name string) *fault.Error {
	return fault.NotFound("List with name: %s doesn't exist.", name)
}

func contactNotFound(addr string) *fault.Error {
	return fault.NotFound("%s doesn't exist in List.", addr)
}

func contactExists(addr string) *fault.Error {
	return fault.AlreadyExists("%s already exists in List.", addr)
}

func tooManyLists() *fault.Error {
	return fault.BadRequest("A maximum of %d Lists allowed per account.", MaxLists)
}

func unknownTopic(list, topic string) *fault.Error {
	return fault.BadRequest("List: %s doesn't contain Topic: %s", list, topic)
}

// validation is the AWS protocol layer's refusal of a member.
func validation(member, constraint string) *fault.Error {
	return fault.BadRequest("1 validation error detected: Value at '%s' failed to satisfy constraint: %s", member, constraint)
}

// NotNull is the refusal of a required member that is absent.
func NotNull(member string) *fault.Error {
	return fault.BadRequest("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
}

// validName reports whether s is a list or topic name SES takes: 1 to 64
// ASCII letters, digits, '_' and '-'.
func validName(s string) bool {
	if s == "" || len(s) > MaxNameLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func checkListName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fault.BadRequest("ContactListName can't be blank.")
	case !validName(name):
		return fault.BadRequest("ContactListName can contain up to 64 characters. Only alphanumeric characters, underscores(_) and hyphens(-) are allowed.")
	}
	return nil
}

func validStatus(s string) bool { return s == OptIn || s == OptOut }

// checkList validates a list's name, topics and description, in the order
// SES reports them: the protocol layer's checks of every topic first, then
// the name, the topics and the description.
func checkList(l *List) error {
	for i, t := range l.Topics {
		m := fmt.Sprintf("topics.%d.member.", i+1)
		switch {
		case t.Name == "":
			return validation(m+"topicName", "Member must not be null")
		case t.DisplayName == "":
			return validation(m+"displayName", "Member must not be null")
		case t.DefaultSubscriptionStatus == "":
			return validation(m+"defaultSubscriptionStatus", "Member must not be null")
		case !validStatus(t.DefaultSubscriptionStatus):
			return validation(m+"defaultSubscriptionStatus", "Member must satisfy enum value set: [OPT_OUT, OPT_IN]")
		}
	}
	if err := checkListName(l.Name); err != nil {
		return err
	}
	if len(l.Topics) > MaxTopics {
		return fault.BadRequest("Maximum of <%d> topics allowed per ContactList", MaxTopics)
	}
	seen := map[string]bool{}
	for _, t := range l.Topics {
		switch {
		case !validName(t.Name):
			return fault.BadRequest("TopicName can contain up to 64 characters. Only alphanumeric characters, underscores(_) and hyphens(-) are allowed.")
		case len(t.DisplayName) > MaxDisplayNameLength:
			return fault.BadRequest("Topic DisplayName can contain up to <%d> characters.", MaxDisplayNameLength)
		case seen[t.Name]:
			return fault.BadRequest("Duplicate topic names are not allowed within a List.")
		}
		seen[t.Name] = true
	}
	if len(l.Description) > MaxDescriptionLength {
		return fault.BadRequest("List description can contain up to %d characters.", MaxDescriptionLength)
	}
	return nil
}

// checkAddress validates a contact's address and returns its name part:
// the envelope form, lower-cased.
func checkAddress(addr string) (string, error) {
	if strings.TrimSpace(addr) == "" {
		return "", fault.BadRequest("EmailAddress can't be blank.")
	}
	a, err := address.Parse(addr)
	if err != nil || a.Name != "" || strings.ContainsAny(addr, "<>") {
		return "", fault.BadRequest("EmailAddress <%s> is invalid", addr)
	}
	return strings.ToLower(a.String()), nil
}

// checkPreferences validates preferences against the list's topics.
func checkPreferences(l *List, prefs []Preference) error {
	for i, p := range prefs {
		m := fmt.Sprintf("topicPreferences.%d.member.", i+1)
		switch {
		case p.TopicName == "":
			return validation(m+"topicName", "Member must not be null")
		case p.SubscriptionStatus == "":
			return validation(m+"subscriptionStatus", "Member must not be null")
		case !validStatus(p.SubscriptionStatus):
			return validation(m+"subscriptionStatus", "Member must satisfy enum value set: [OPT_OUT, OPT_IN]")
		}
	}
	for _, p := range prefs {
		if l.Topic(p.TopicName) == nil {
			return unknownTopic(l.Name, p.TopicName)
		}
	}
	return nil
}

// checkAttributes requires AttributesData, when given, to be a JSON
// object: "It must be a valid JSON object" (Developer Guide,
// sending-email-list-management). The text of SES's refusal is not
// public; this one is hikyaku's.
func checkAttributes(data string) error {
	if data == "" {
		return nil
	}
	if len(data) > maxAttributesDataSize {
		return fault.BadRequest("AttributesData can contain up to %d characters.", maxAttributesDataSize)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(data), &obj); err != nil || obj == nil {
		return fault.BadRequest("AttributesData must be a JSON object, such as {\"Name\": \"John\"}.")
	}
	return nil
}
