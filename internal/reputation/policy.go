// Package reputation watches each account's bounce and complaint rates,
// account-wide and per configuration set (a "stream"), and acts on them
// before a mailbox provider or SES would: a stream that goes bad is
// warned, then paused, alone; the account as a whole goes under review
// (PROBATION) and then has its sending paused at SES's own levels.
//
// Rates are computed as SES does: hard bounces over mail sent, complaints
// over mail delivered, from the event log over a rolling window, and
// judged only once the volume is representative (MinVolume), so one early
// bounce pauses nothing. Mail to the mailbox simulator and recipients
// skipped because of the suppression list count for nothing.
//
// The levels live in DATA/reputation.toml, written with the defaults on
// first start. A pause stays until the operator resumes the stream or the
// account (`hikyaku reputation resume`), which also gives it a fresh start:
// its rates count from then on.
package reputation

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// FileName is the policy file in the data directory.
const FileName = "reputation.toml"

// Levels are a rate's two thresholds, as fractions (0.05 = 5%).
type Levels struct {
	// Warn (for a stream) or Review (for an account) is the first.
	Warn float64 `toml:"warn"`
	// Pause stops new sending.
	Pause float64 `toml:"pause"`
}

// Policy says when to act.
type Policy struct {
	// Window is how far back rates are computed.
	Window Duration `toml:"window"`
	// MinVolume is the least mail sent (for the bounce rate) or delivered
	// (for the complaint rate) in the window before a rate is judged.
	MinVolume int64 `toml:"min_volume"`
	// Every is how often rates are computed.
	Every Duration `toml:"every"`

	StreamBounce     Levels `toml:"stream_bounce"`
	StreamComplaint  Levels `toml:"stream_complaint"`
	AccountBounce    Levels `toml:"account_bounce"`
	AccountComplaint Levels `toml:"account_complaint"`
}

// Duration is a time.Duration written as "168h" in TOML.
type Duration struct{ time.Duration }

func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	d.Duration = v
	return err
}

// Default is the shipped policy. Per stream it acts where SES only starts
// a review: a warning at half of SES's review level and a pause at it.
// Account-wide, SES's own levels (review at bounce 5% / complaint 0.1%,
// pause at 10% / 0.5%).
func Default() Policy {
	return Policy{
		Window:           Duration{7 * 24 * time.Hour},
		MinVolume:        200,
		Every:            Duration{30 * time.Second},
		StreamBounce:     Levels{Warn: 0.025, Pause: 0.05},
		StreamComplaint:  Levels{Warn: 0.0005, Pause: 0.001},
		AccountBounce:    Levels{Warn: 0.05, Pause: 0.10},
		AccountComplaint: Levels{Warn: 0.001, Pause: 0.005},
	}
}

const header = `# hikyaku reputation policy: when a stream (configuration set) or a whole
# account is warned and paused. Rates are fractions: 0.05 is 5%.
# Bounce rate = hard bounces / mail sent; complaint rate = complaints / mail
# delivered; both over the window, judged once min_volume is reached.
# Edit and restart hikyaku to apply.

`

// Load reads DATA/reputation.toml, writing the defaults there first if it
// does not exist.
func Load(dataDir string) (Policy, error) {
	path := filepath.Join(dataDir, FileName)
	p := Default()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		out, err := toml.Marshal(p)
		if err != nil {
			return p, err
		}
		if err := os.WriteFile(path, append([]byte(header), out...), 0o644); err != nil {
			return p, fmt.Errorf("write %s: %w", path, err)
		}
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("read %s: %w", path, err)
	}
	if err := toml.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("%s: %w (fix it, or delete it to get the defaults back)", path, err)
	}
	return p, p.Validate()
}

// Validate checks the levels make sense.
func (p Policy) Validate() error {
	if p.Window.Duration <= 0 || p.Every.Duration <= 0 {
		return fmt.Errorf("%s: window and every must be positive durations", FileName)
	}
	if p.MinVolume < 1 {
		return fmt.Errorf("%s: min_volume must be at least 1", FileName)
	}
	for name, l := range map[string]Levels{"stream_bounce": p.StreamBounce, "stream_complaint": p.StreamComplaint,
		"account_bounce": p.AccountBounce, "account_complaint": p.AccountComplaint} {
		if l.Warn <= 0 || l.Pause <= 0 || l.Warn > l.Pause || l.Pause > 1 {
			return fmt.Errorf("%s: [%s] needs 0 < warn <= pause <= 1, got warn %v pause %v", FileName, name, l.Warn, l.Pause)
		}
	}
	return nil
}
