package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/hikyaku/hikyaku/internal/store"
)

// cli runs hikyaku commands in-process against one data directory.
type cli struct {
	t    *testing.T
	data string
}

// newCLI makes a data directory holding account "default".
func newCLI(t *testing.T) *cli {
	t.Helper()
	c := &cli{t: t, data: t.TempDir()}
	c.ok("", "account", "create", "default", "--production")
	return c
}

// run executes args with stdin as standard input.
func (c *cli) run(stdin string, args ...string) (stdout, stderr string, err error) {
	root := &cobra.Command{Use: "hikyaku", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(accountCmd(), suppressionCmd())
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append(args, "--data", c.data))
	err = root.ExecuteContext(c.t.Context())
	return out.String(), errOut.String(), err
}

// ok runs args and fails the test if they fail.
func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(stdin, args...)
	if err != nil {
		c.t.Fatalf("hikyaku %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// listed returns address -> reason from `suppression list --json`.
func (c *cli) listed(extra ...string) map[string]suppressedJSON {
	c.t.Helper()
	out := c.ok("", append([]string{"suppression", "list", "--json"}, extra...)...)
	got := map[string]suppressedJSON{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var s suppressedJSON
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			c.t.Fatalf("list --json line %q: %v", l, err)
		}
		got[s.EmailAddress] = s
	}
	return got
}

func TestSuppressionAddListRemove(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	c.ok("", "suppression", "add", "Jane@Example.COM", "Joe <joe@example.org>", "--reason", "bounce")
	c.ok("", "suppression", "add", "angry@example.net", "--reason", "COMPLAINT")

	got := c.listed()
	if len(got) != 3 || got["jane@example.com"].Reason != store.ReasonBounce ||
		got["joe@example.org"].Reason != store.ReasonBounce || got["angry@example.net"].Reason != store.ReasonComplaint {
		t.Fatalf("list after add = %+v", got)
	}
	if ts := got["jane@example.com"].LastUpdateTime; time.Since(ts) > time.Minute || ts.Nanosecond()%1000 != 0 {
		t.Errorf("LastUpdateTime = %v, want now truncated to the microsecond", ts)
	}
	if got := c.listed("--reason", "complaint"); len(got) != 1 {
		t.Errorf("list --reason complaint = %+v, want only angry@example.net", got)
	}
	if got := c.listed("--since", time.Now().Add(time.Hour).Format(time.RFC3339)); len(got) != 0 {
		t.Errorf("list --since an hour ahead = %+v, want nothing", got)
	}

	table := c.ok("", "suppression", "list")
	if !strings.HasPrefix(table, "ADDRESS") || !strings.Contains(table, "jane@example.com") {
		t.Errorf("table output:\n%s", table)
	}

	out, errOut, err := c.run("", "suppression", "remove", "JANE@example.com", "nobody@example.com")
	if err == nil {
		t.Fatal("remove of an absent address succeeded")
	}
	if !strings.Contains(out, "Removed jane@example.com.") || !strings.Contains(errOut, "nobody@example.com is not on the suppression list") {
		t.Errorf("remove output: stdout %q stderr %q", out, errOut)
	}
	if got := c.listed(); len(got) != 2 {
		t.Errorf("list after remove = %+v", got)
	}
}

func TestSuppressionAddRefuses(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	for _, args := range [][]string{
		{"suppression", "add", "ok@example.com", "not an address", "--reason", "BOUNCE"},
		{"suppression", "add", "ok@example.com", "--reason", "SPAM"},
		{"suppression", "add", "ok@example.com"},
		{"suppression", "list", "--since", "yesterday"},
		{"suppression", "list", "--account", "nosuch"},
	} {
		if _, _, err := c.run("", args...); err == nil {
			t.Errorf("hikyaku %s succeeded", strings.Join(args, " "))
		}
	}
	if got := c.listed(); len(got) != 0 {
		t.Errorf("a refused add wrote %+v", got)
	}
}

func TestSuppressionImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	csvIn := "emailAddress,reason\n" +
		"a@example.com,BOUNCE\n" +
		"B@Example.com,complaint\n" +
		"broken,BOUNCE\n" +
		"c@example.com,SPAM\n" +
		"d@example.com\n" +
		"e@example.com,Bounce\n"
	out, errOut, err := c.run(csvIn, "suppression", "import", "-")
	if err == nil {
		t.Fatal("import with bad rows succeeded")
	}
	if !strings.Contains(out, "Imported 3 addresses.") {
		t.Errorf("import stdout %q", out)
	}
	for _, want := range []string{"-:4:", "-:5:", "SPAM", "-:6:", "no reason"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("import report lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "-:2:") || strings.Contains(errOut, "-:7:") {
		t.Errorf("import report names valid rows:\n%s", errOut)
	}

	exported := c.ok("", "suppression", "export")
	if !strings.HasPrefix(exported, "emailAddress,reason,lastUpdateTime,messageId\n") ||
		strings.Count(exported, "\n") != 4 || !strings.Contains(exported, "b@example.com,COMPLAINT,") {
		t.Fatalf("export:\n%s", exported)
	}
	if e := c.ok("", "suppression", "export", "--reason", "BOUNCE"); strings.Count(e, "\n") != 3 {
		t.Errorf("export --reason BOUNCE:\n%s", e)
	}

	// The export imports back unchanged into another data directory.
	file := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(file, []byte(exported), 0o600); err != nil {
		t.Fatal(err)
	}
	d := newCLI(t)
	d.ok("", "suppression", "import", file)
	if again := d.ok("", "suppression", "export"); again != exported {
		t.Errorf("re-export differs:\n%s\nwant:\n%s", again, exported)
	}
}

func TestSuppressionImportHeaderlessWithProgress(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	var b strings.Builder
	for i := range 2500 {
		fmt.Fprintf(&b, "user%d@example.com,BOUNCE\n", i)
	}
	_, errOut, err := c.run(b.String(), "suppression", "import", "-")
	if err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	if n := strings.Count(errOut, "rows read"); n != 2 {
		t.Errorf("%d progress lines for 2,500 rows, want 2:\n%s", n, errOut)
	}
	if got := c.listed(); len(got) != 2500 {
		t.Errorf("listed %d entries, want 2500 (paging)", len(got))
	}
}

func TestReadSuppressionCSV(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		in     string
		want   []string // address/reason of imported rows
		failed []int    // lines of failed rows
	}{
		{"a header is optional", "x@example.com,bounce\n", []string{"x@example.com/BOUNCE"}, nil},
		{"header columns may come in any order", "Reason,EmailAddress\nCOMPLAINT,x@example.com\n", []string{"x@example.com/COMPLAINT"}, nil},
		{"blank lines are skipped", "\nx@example.com,BOUNCE\n\n", []string{"x@example.com/BOUNCE"}, nil},
		{"a bad quote fails only its row", "\"x@example.com\"z,BOUNCE\ny@example.com,BOUNCE\n", []string{"y@example.com/BOUNCE"}, []int{1}},
		{"a bad time fails its row", "emailAddress,reason,lastUpdateTime\nx@example.com,BOUNCE,soon\n", nil, []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			failed, err := readSuppressionCSV(strings.NewReader(tt.in), now, func(s *store.Suppressed) error {
				got = append(got, s.Address+"/"+s.Reason)
				return nil
			}, func() {})
			if err != nil {
				t.Fatal(err)
			}
			var lines []int
			for _, f := range failed {
				lines = append(lines, f.line)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || fmt.Sprint(lines) != fmt.Sprint(tt.failed) {
				t.Errorf("imported %v, failed lines %v; want %v, %v (%v)", got, lines, tt.want, tt.failed, failed)
			}
		})
	}
}
