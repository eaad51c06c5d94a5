package feedback

import (
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden compares the whole Report for a few messages with a stored JSON
// rendering, so that any change of output is seen in review. Run with -update
// to accept a change.
func TestGolden(t *testing.T) {
	for _, name := range []string{"dsn-multi", "arf-redacted"} {
		t.Run(name, func(t *testing.T) {
			rep := mustParse(t, readTestdata(t, name+".eml"))
			got, err := json.MarshalIndent(rep, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := "testdata/" + name + ".golden.json"
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("report differs from %s (go test -run TestGolden -update accepts the change):\n%s", path,
					lineDiff(string(want), string(got)))
			}
		})
	}
}

// lineDiff lists the lines that differ, for a readable failure.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			b.WriteString("- " + a + "\n+ " + c + "\n")
		}
	}
	return b.String()
}
