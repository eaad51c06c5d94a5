package shaping

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPresetsParse(t *testing.T) {
	t.Parallel()
	r, err := ParseRules(FileName, Presets())
	if err != nil {
		t.Fatalf("the shipped presets do not parse: %v", err)
	}
	if r.Default != DefaultLimits() {
		t.Errorf("presets [default] = %+v, want DefaultLimits %+v", r.Default, DefaultLimits())
	}
	want := DefaultThrottle()
	got := r.Throttle
	if !approx(got.MinMessagesPerSecond, want.MinMessagesPerSecond) && got.MinMessagesPerSecond-want.MinMessagesPerSecond > 1e-4 {
		t.Errorf("presets min_messages_per_second = %v, want about %v", got.MinMessagesPerSecond, want.MinMessagesPerSecond)
	}
	got.MinMessagesPerSecond = want.MinMessagesPerSecond
	if got != want {
		t.Errorf("presets [throttle] = %+v, want DefaultThrottle %+v", got, want)
	}
	for _, p := range r.Providers {
		if p.Limits.MaxConnections < 1 || len(p.MXSuffixes) == 0 {
			t.Errorf("preset %s = %+v: want connections and suffixes", p.Name, p)
		}
	}
}

func TestParseRulesInheritsDefault(t *testing.T) {
	t.Parallel()
	r, err := ParseRules(FileName, []byte(`
[default]
max_connections = 8
messages_per_hour = 600

[provider.slow]
mx_suffixes = [".Slow.Example."]
messages_per_second = 0.5

[domain."Example.CO.JP"]
max_connections = 1
`))
	if err != nil {
		t.Fatal(err)
	}
	slow := r.Match([]string{"mx.slow.example"})
	want := Limits{MaxConnections: 8, MessagesPerConnection: 100, MessagesPerSecond: 0.5, MessagesPerHour: 600}
	if slow.Name != "slow" || slow.Limits != want {
		t.Errorf("provider = %+v, want slow with %+v", slow, want)
	}
	if got := slow.MXSuffixes; len(got) != 1 || got[0] != ".slow.example" {
		t.Errorf("suffixes = %q, want lower case without the trailing dot", got)
	}
	d, ok := r.MatchDomain("example.co.jp")
	want = Limits{MaxConnections: 1, MessagesPerConnection: 100, MessagesPerHour: 600}
	if !ok || d.Limits != want {
		t.Errorf("domain = %+v %v, want %+v", d, ok, want)
	}
}

func TestParseRulesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		want []string // substrings of the error
	}{
		{
			name: "a syntax error gives its line",
			file: "[default]\nmax_connections = \n",
			want: []string{"shaping.toml:2:", "check the TOML syntax"},
		},
		{
			name: "an unquoted duration is a syntax error",
			file: "[throttle]\n\nduration = 15m\n",
			want: []string{"shaping.toml:3:"},
		},
		{
			name: "a fraction where a whole number goes says so",
			file: "[default]\nmax_connections = 2.5\n",
			want: []string{"shaping.toml:2:", "max_connections in [default] is a whole number"},
		},
		{
			name: "a misspelt setting lists the right ones",
			file: "[provider.gmail]\nmx_suffixes = [\".google.com\"]\nmax_conns = 3\n",
			want: []string{"shaping.toml:3:", `unknown setting "max_conns" in [provider.gmail]`, "max_connections"},
		},
		{
			name: "a misspelt section lists the sections",
			file: "[providers.gmail]\nmax_connections = 3\n",
			want: []string{"shaping.toml:1:", "unknown section [providers]", "[provider.NAME]"},
		},
		{
			name: "zero connections is refused",
			file: "[default]\n\nmax_connections = 0\n",
			want: []string{"shaping.toml:3:", "max_connections = 0: must be at least 1"},
		},
		{
			name: "a negative rate in a provider is refused at its line",
			file: "[provider.x]\nmx_suffixes = [\".x.example\"]\nmessages_per_second = -2\n",
			want: []string{"shaping.toml:3:", "0.5 is one message every two seconds"},
		},
		{
			name: "a cut outside 0..1 explains what it does",
			file: "[throttle]\ncut = 1.5\n",
			want: []string{"shaping.toml:2:", "0.5 halves them"},
		},
		{
			name: "a duration in words shows the format",
			file: "[throttle]\nrecover_every = \"5 minutes\"\n",
			want: []string{"shaping.toml:2:", `like "15m"`},
		},
		{
			name: "a wildcard suffix shows the suffix to write",
			file: "[provider.g]\nmx_suffixes = [\"*.google.com\"]\n",
			want: []string{"shaping.toml:2:", `like ".google.com"`},
		},
		{
			name: "a provider without suffixes points at its header",
			file: "[default]\n[provider.lost]\nmax_connections = 2\n",
			want: []string{"shaping.toml:2:", "has no mx_suffixes"},
		},
		{
			name: "a suffix in two providers is refused",
			file: "[provider.a]\nmx_suffixes = [\".x.example\"]\n[provider.b]\nmx_suffixes = [\".X.example\"]\n",
			want: []string{"shaping.toml:4:", "also in [provider.a]"},
		},
		{
			name: "a suffix as a domain rule points to providers",
			file: "[domain.\".example.com\"]\nmax_connections = 2\n",
			want: []string{"shaping.toml:1:", "use [provider.NAME]"},
		},
		{
			name: "every mistake is reported at once",
			file: "[default]\nmax_connections = 0\nmessages_per_hour = -1\n",
			want: []string{"shaping.toml:2:", "shaping.toml:3:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseRules(FileName, []byte(tt.file))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestEnsureFileWritesPresetsOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	created, err := EnsureFile(path)
	if err != nil || !created {
		t.Fatalf("EnsureFile = %v, %v; want the file written", created, err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, Presets()) {
		t.Error("the written file is not the presets")
	}
	if !bytes.Contains(got, []byte("# ")) {
		t.Error("the written file has no comments for the operator")
	}

	edited := []byte("[default]\nmax_connections = 3\n")
	if err := os.WriteFile(path, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	created, err = EnsureFile(path)
	if err != nil || created {
		t.Fatalf("second EnsureFile = %v, %v; want the file left alone", created, err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, edited) {
		t.Error("EnsureFile overwrote an operator's file")
	}
}

func TestOpenWritesAndReloads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clk := NewFakeClock(t0)
	sh, err := Open(dir, clk, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Open did not write the shaping file: %v", err)
	}
	gmail := sh.Site("gmail", []string{"gmail-smtp-in.l.google.com"})
	other := sh.Site("other", []string{"mx.example.org"})
	if got := gmail.Stats().Limits.MaxConnections; got != 5 {
		t.Fatalf("gmail connections = %d, want the preset 5", got)
	}

	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("[default]\nmax_connections = 7\n[provider.google]\nmx_suffixes = [\".google.com\"]\nmax_connections = 3\n")
	if err := sh.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := gmail.Stats().Limits.MaxConnections; got != 3 {
		t.Errorf("after reload gmail connections = %d, want 3", got)
	}
	if got := other.Stats().Limits.MaxConnections; got != 7 {
		t.Errorf("after reload default connections = %d, want 7", got)
	}

	write("[default]\nmax_connections = -1\n")
	err = sh.Reload()
	if err == nil || !strings.Contains(err.Error(), "shaping.toml:2:") {
		t.Fatalf("reload of a broken file = %v, want an error at line 2", err)
	}
	if got := other.Stats().Limits.MaxConnections; got != 7 {
		t.Errorf("after a broken reload default connections = %d, want the previous 7", got)
	}
}

func TestOpenRefusesABrokenFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("[default]\nmax_connections = 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, NewFakeClock(t0), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "shaping.toml:2:") {
		t.Fatalf("Open = %v, want the line of the mistake", err)
	}
}

func TestRunReloadsWhenTheFileChanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clk := NewFakeClock(t0)
	sh, err := Open(dir, clk, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	site := sh.Site("x", []string{"mx.example.org"})
	ctx, cancel := contextWithCancel(t)
	done := make(chan struct{})
	go func() { sh.Run(ctx); close(done) }()

	clk.WaitTimers(1) // Run is parked until the next poll
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte("[default]\nmax_connections = 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A distinct modification time, whatever the file system's resolution.
	if err := os.Chtimes(path, time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(PollInterval)
	clk.WaitTimers(1) // Run has reloaded and parked again

	if got := site.Stats().Limits.MaxConnections; got != 4 {
		t.Errorf("after the poll connections = %d, want 4 from the edited file", got)
	}
	cancel()
	<-done
}
