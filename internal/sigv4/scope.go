package sigv4

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/fault"
)

// amzDateFormat is X-Amz-Date's ISO 8601 basic format.
const amzDateFormat = "20060102T150405Z"

// parseAmzDate reads an X-Amz-Date value. Only the exact basic format is
// accepted: the signer formats the time back into the canonical request, so
// a value that would not round-trip could never verify.
func parseAmzDate(v string) (time.Time, error) {
	t, err := time.Parse(amzDateFormat, v)
	if err != nil || t.Format(amzDateFormat) != v {
		return time.Time{}, fault.IncompleteSignature("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", v)
	}
	return t, nil
}

// checkFreshness refuses a signature made more than skew before or after
// now, with AWS's wording, e.g. "Signature expired: 20260101T000000Z is now
// earlier than 20260101T001500Z (20260101T003000Z - 15 min.)".
func checkFreshness(signedAt, now time.Time, skew time.Duration) error {
	now = now.UTC()
	f := func(t time.Time) string { return t.Format(amzDateFormat) }
	if earliest := now.Add(-skew); signedAt.Before(earliest) {
		return fault.InvalidSignature("Signature expired: %s is now earlier than %s (%s - %s)",
			f(signedAt), f(earliest), f(now), skewText(skew))
	}
	if latest := now.Add(skew); signedAt.After(latest) {
		return fault.InvalidSignature("Signature not yet current: %s is still later than %s (%s + %s)",
			f(signedAt), f(latest), f(now), skewText(skew))
	}
	return nil
}

// skewText writes the allowed skew as AWS does ("15 min.").
func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min.", int64(d/time.Minute))
	}
	return d.String() + "."
}

// checkScope refuses a credential scoped to a region or service this server
// does not answer for, or to another day than X-Amz-Date. Like AWS it names
// every problem in one message.
func (v *Verifier) checkScope(c credential, amzDate string) error {
	var problems []string
	if !slices.Contains(v.regions(), c.Region) {
		problems = append(problems, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", c.Region))
	}
	if services := v.services(); !slices.Contains(services, c.Service) {
		problems = append(problems, fmt.Sprintf("Credential should be scoped to correct service: '%s'.", services[0]))
	}
	if c.Terminator != "aws4_request" {
		problems = append(problems, fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", c.Terminator))
	}
	if day := amzDate[:8]; c.Date != day {
		problems = append(problems, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", c.Date, day, amzDate))
	}
	if len(problems) > 0 {
		return fault.InvalidSignature("%s", strings.Join(problems, " "))
	}
	return nil
}
