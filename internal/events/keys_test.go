package events

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// commonHeaderExtras are the commonHeaders keys that shopMessage has and
// AWS's examples lack; [DG:receiving-email-notifications-contents] lists
// them and recordings of SES output show them.
var commonHeaderExtras = []string{"mail.commonHeaders.replyTo", "mail.commonHeaders.date", "mail.commonHeaders.cc"}

// keyCases says, for each golden file, which AWS example it must match
// and which keys it may have beyond it (testdata/aws/README.md says why).
var keyCases = map[string]struct {
	example string
	extra   []string
}{
	"event-send":              {"event-send", commonHeaderExtras},
	"event-reject":            {"event-reject", commonHeaderExtras},
	"event-bounce":            {"event-bounce", append([]string{"bounce.remoteMtaIp"}, commonHeaderExtras...)},
	"event-complaint":         {"event-complaint", append([]string{"complaint.complaintSubType"}, commonHeaderExtras...)},
	"event-delivery":          {"event-delivery", append([]string{"delivery.remoteMtaIp"}, commonHeaderExtras...)},
	"event-deliverydelay":     {"event-deliverydelay", []string{"mail.headers", "mail.headers[].name", "mail.headers[].value", "mail.commonHeaders", "mail.commonHeaders.from", "mail.commonHeaders.to", "mail.commonHeaders.messageId", "mail.commonHeaders.subject", "mail.commonHeaders.replyTo", "mail.commonHeaders.date", "mail.commonHeaders.cc"}},
	"event-rendering-failure": {"event-rendering-failure", nil},
	"event-open":              {"event-open", commonHeaderExtras},
	"event-click":             {"event-click", commonHeaderExtras},
	"event-subscription":      {"event-subscription", commonHeaderExtras},

	"notification-bounce":            {"notification-bounce", []string{"mail.callerIdentity"}},
	"notification-bounce-headers":    {"notification-bounce", []string{"mail.callerIdentity", "mail.commonHeaders.replyTo", "mail.commonHeaders.cc"}},
	"notification-complaint":         {"notification-complaint", []string{"mail.callerIdentity", "complaint.complaintSubType"}},
	"notification-complaint-headers": {"notification-complaint", []string{"mail.callerIdentity", "complaint.complaintSubType", "mail.commonHeaders.replyTo", "mail.commonHeaders.cc"}},
	"notification-delivery":          {"notification-delivery", []string{"mail.callerIdentity"}},
	"notification-delivery-headers":  {"notification-delivery", []string{"mail.callerIdentity", "mail.commonHeaders.replyTo", "mail.commonHeaders.cc"}},
}

// opaque are objects whose keys are data (tag names), not field names.
var opaque = map[string]bool{"mail.tags": true, "click.linkTags": true}

// TestKeysMatchAWSExamples decodes each golden file and AWS's example for
// its type and compares their key paths ("mail.headers[].name"): every
// key of the example must be there, and every other key must be a listed
// exception, so that a misspelt or misplaced field fails.
func TestKeysMatchAWSExamples(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kc, ok := keyCases[tc.name]
			if !ok {
				t.Fatalf("no AWS example is named for %s", tc.name)
			}
			got := keyPathsOf(t, filepath.Join("testdata", tc.name+".json"))
			want := keyPathsOf(t, filepath.Join("testdata", "aws", kc.example+".json"))
			if tc.notification && !tc.headers {
				// [DG:notification-examples]: "When … notifications are
				// not configured to include the original email headers,
				// the mail object … does not include the
				// headersTruncated, headers, and commonHeaders fields."
				for p := range want {
					if p == "mail.headersTruncated" || strings.HasPrefix(p, "mail.headers") || strings.HasPrefix(p, "mail.commonHeaders") {
						delete(want, p)
					}
				}
			}
			for _, problem := range compareKeys(got, want, kc.extra) {
				t.Errorf("%s %s", tc.name, problem)
			}
		})
	}
}

// compareKeys lists the keys of want missing from got, and those of got
// neither in want nor in extra.
func compareKeys(got, want map[string]bool, extra []string) []string {
	var problems []string
	for _, p := range sortedKeys(want) {
		if !got[p] {
			problems = append(problems, "lacks "+p+", which AWS's example has")
		}
	}
	for _, p := range sortedKeys(got) {
		if !want[p] && !slices.Contains(extra, p) {
			problems = append(problems, "has "+p+", which AWS's example has not")
		}
	}
	return problems
}

func keyPathsOf(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/events -run Golden -update)", err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	paths := map[string]bool{}
	collectKeyPaths(v, "", paths)
	return paths
}

// collectKeyPaths adds the path of every object key under v to paths;
// array elements share the path of their array with "[]" added.
func collectKeyPaths(v any, prefix string, paths map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			paths[p] = true
			if !opaque[p] {
				collectKeyPaths(child, p, paths)
			}
		}
	case []any:
		for _, child := range v {
			collectKeyPaths(child, prefix+"[]", paths)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestKeyCheckCatchesATypo makes sure the comparison above is not vacuous:
// a golden file with one key misspelt must not match its example.
func TestKeyCheckCatchesATypo(t *testing.T) {
	t.Parallel()
	out, err := MarshalEvent(bounceEvent(t))
	if err != nil {
		t.Fatal(err)
	}
	typo := strings.Replace(string(out), `"bouncedRecipients"`, `"bounceRecipients"`, 1)
	var v any
	if err := json.Unmarshal([]byte(typo), &v); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	collectKeyPaths(v, "", got)
	want := keyPathsOf(t, filepath.Join("testdata", "aws", "event-bounce.json"))
	problems := compareKeys(got, want, keyCases["event-bounce"].extra)
	if !slices.Contains(problems, "lacks bounce.bouncedRecipients, which AWS's example has") ||
		!slices.Contains(problems, "has bounce.bounceRecipients, which AWS's example has not") {
		t.Fatalf("the misspelt key went unnoticed: %q", problems)
	}
}
