package config

import (
	"flag"
	"os"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

var update = flag.Bool("update", false, "rewrite docs/CONFIG.md")

func TestDocsMatchTheCode(t *testing.T) {
	t.Parallel()
	if *update {
		if err := os.WriteFile("../../docs/CONFIG.md", []byte(Reference()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("../../docs/CONFIG.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != Reference() {
		t.Fatal("docs/CONFIG.md is stale: regenerate with `go run ./cmd/hikyaku config-reference > docs/CONFIG.md`")
	}
}

func TestPrecedenceIsFlagsThenEnvThenFileThenDefaults(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/hikyaku.toml"
	if err := os.WriteFile(file, []byte("data = \"/from/file\"\nhttp = \"127.0.0.1:9000\"\nmax_clock_skew = \"5m\"\nregions = [\"eu-west-1\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HIKYAKU_HTTP", "127.0.0.1:9100")
	t.Setenv("HIKYAKU_ROUTES", "a.test=127.0.0.1:25, *.b.test=127.0.0.1:26")
	var cfg Config
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	l := Bind(fs, &cfg)
	if err := fs.Parse([]string{"--config", file, "--data", "/from/flag"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Load(); err != nil {
		t.Fatal(err)
	}
	if cfg.Data != "/from/flag" || cfg.HTTP != "127.0.0.1:9100" || cfg.MaxClockSkew != 5*time.Minute ||
		cfg.Region() != "eu-west-1" || len(cfg.Routes) != 2 || cfg.SMTP != Defaults().SMTP {
		t.Fatalf("cfg = %+v", cfg)
	}
}

func TestValidateSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	c := Defaults()
	c.HTTP = "no-port"
	if err := c.Validate(); err == nil {
		t.Fatal("accepted --http without a port")
	}
	c = Defaults()
	c.Routes = []string{"nohost"}
	if err := c.Validate(); err == nil {
		t.Fatal("accepted a route without =")
	}
}
