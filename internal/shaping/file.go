package shaping

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// FileName is the shaping file's name in the data directory.
const FileName = "shaping.toml"

//go:embed presets.toml
var presets []byte

// Presets returns the shaping file hikyaku ships: limits for the big
// providers with the public guidance they come from, written to the data
// directory on first start.
func Presets() []byte { return bytes.Clone(presets) }

// FileError is a mistake in the shaping file: where it is, what is wrong
// and how to fix it.
type FileError struct {
	Path string
	Line int // 1-based; 0 when unknown
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// The file's shape. Every setting is optional: a rule's missing settings
// come from [default], [default]'s from DefaultLimits, [throttle]'s from
// DefaultThrottle.
type fileLimits struct {
	MaxConnections        *int     `toml:"max_connections"`
	MessagesPerConnection *int     `toml:"messages_per_connection"`
	MessagesPerSecond     *float64 `toml:"messages_per_second"`
	MessagesPerHour       *int     `toml:"messages_per_hour"`
}

type fileProvider struct {
	MXSuffixes []string `toml:"mx_suffixes"`
	fileLimits
}

type fileThrottle struct {
	Cut                  *float64 `toml:"cut"`
	Duration             *string  `toml:"duration"`
	RecoverEvery         *string  `toml:"recover_every"`
	StackAfter           *string  `toml:"stack_after"`
	MinConnections       *int     `toml:"min_connections"`
	MinMessagesPerSecond *float64 `toml:"min_messages_per_second"`
}

type fileRules struct {
	Default  fileLimits              `toml:"default"`
	Throttle fileThrottle            `toml:"throttle"`
	Provider map[string]fileProvider `toml:"provider"`
	Domain   map[string]fileLimits   `toml:"domain"`
}

// LoadFile reads and parses the shaping file at path.
func LoadFile(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("shaping: %w", err)
	}
	return ParseRules(path, data)
}

// EnsureFile writes the presets to path unless a file is already there, and
// reports whether it wrote one.
func EnsureFile(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("shaping: writing presets: %w", err)
	}
	_, err = f.Write(presets)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path) // a half-written file would be loaded next time
		return false, fmt.Errorf("shaping: writing presets to %s: %w", path, err)
	}
	return true, nil
}

// ParseRules parses a shaping file. path is only used in error messages,
// which give the line and what to write instead.
func ParseRules(path string, data []byte) (*Rules, error) {
	var f fileRules
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, decodeError(path, err)
	}
	p := parser{path: path, data: data}
	r := p.rules(&f)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return r, nil
}

func decodeError(path string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var errs []error
		for _, e := range strict.Errors {
			row, _ := e.Position()
			errs = append(errs, &FileError{Path: path, Line: row, Msg: unknownKey(e.Key())})
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		if key := de.Key(); len(key) > 1 {
			// A value of the wrong type: say what the setting takes.
			return &FileError{Path: path, Line: row, Msg: fmt.Sprintf("%s in [%s] is %s",
				key[len(key)-1], sectionName(key), settingKind(key[len(key)-1]))}
		}
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		return &FileError{Path: path, Line: row, Msg: fmt.Sprintf(`column %d: %s; check the TOML syntax: values are numbers (20, 0.5) or "quoted strings", lists are ["a", "b"], sections are [provider.NAME] or [domain."example.com"]`, col, msg)}
	}
	return &FileError{Path: path, Msg: err.Error()}
}

func unknownKey(key []string) string {
	var known []string
	switch key[0] {
	case "default", "domain":
		known = tomlKeys(reflect.TypeFor[fileLimits]())
	case "throttle":
		known = tomlKeys(reflect.TypeFor[fileThrottle]())
	case "provider":
		known = tomlKeys(reflect.TypeFor[fileProvider]())
	}
	if len(key) == 1 || known == nil {
		return fmt.Sprintf("unknown section [%s]; the sections are [default], [throttle], [provider.NAME] and [domain.\"example.com\"]", key[0])
	}
	return fmt.Sprintf("unknown setting %q in [%s]; the settings there are %s", key[len(key)-1], sectionName(key), strings.Join(known, ", "))
}

// sectionName is the table a setting's key path is in, as written in the
// file.
func sectionName(key []string) string {
	if len(key) > 2 {
		return key[0] + "." + quoteKey(key[1])
	}
	return key[0]
}

func quoteKey(k string) string {
	if strings.ContainsAny(k, ". ") {
		return `"` + k + `"`
	}
	return k
}

func settingKind(key string) string {
	switch key {
	case "max_connections", "messages_per_connection", "messages_per_hour", "min_connections":
		return "a whole number, like 20"
	case "messages_per_second", "min_messages_per_second", "cut":
		return "a number, like 5 or 0.5"
	case "duration", "recover_every", "stack_after":
		return `a quoted duration, like "15m"`
	case "mx_suffixes":
		return `a list of quoted host suffixes, like [".google.com", ".googlemail.com"]`
	}
	return "not settable here"
}

// tomlKeys lists the settings a file struct accepts, in declaration order.
func tomlKeys(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, tomlKeys(f.Type)...)
			continue
		}
		out = append(out, f.Tag.Get("toml"))
	}
	return out
}

// parser turns the decoded file into Rules, collecting every mistake.
type parser struct {
	path string
	data []byte
	errs []error
}

func (p *parser) fail(table []string, key, format string, args ...any) {
	p.errs = append(p.errs, &FileError{Path: p.path, Line: locate(p.data, table, key), Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) rules(f *fileRules) *Rules {
	r := DefaultRules()
	r.Default = p.limits([]string{"default"}, f.Default, DefaultLimits())
	r.Throttle = p.throttle(f.Throttle)

	names := make([]string, 0, len(f.Provider))
	for name := range f.Provider {
		names = append(names, name)
	}
	sort.Strings(names)
	owner := map[string]string{}
	for _, name := range names {
		fp := f.Provider[name]
		table := []string{"provider", name}
		rule := Rule{Name: name, Limits: p.limits(table, fp.fileLimits, r.Default)}
		if len(fp.MXSuffixes) == 0 {
			p.fail(table, "", `[provider.%s] has no mx_suffixes; add the MX host names it covers, like mx_suffixes = [".example.net"], or use [domain."example.com"] for one recipient domain`, quoteKey(name))
		}
		for _, s := range fp.MXSuffixes {
			suf := normHost(s)
			if msg := badSuffix(suf); msg != "" {
				p.fail(table, "mx_suffixes", "mx_suffixes entry %q %s", s, msg)
				continue
			}
			if other, dup := owner[suf]; dup {
				p.fail(table, "mx_suffixes", "mx_suffixes entry %q is also in [provider.%s]; keep it in one provider", s, quoteKey(other))
				continue
			}
			owner[suf] = name
			rule.MXSuffixes = append(rule.MXSuffixes, suf)
		}
		r.Providers = append(r.Providers, rule)
	}

	for name, fl := range f.Domain {
		table := []string{"domain", name}
		d := normHost(name)
		if msg := badDomain(d); msg != "" {
			p.fail(table, "", "[domain.%s]: %s", quoteKey(name), msg)
			continue
		}
		if _, dup := r.Domains[d]; dup {
			p.fail(table, "", "[domain.%s] is listed twice (domain names are not case sensitive); keep one", quoteKey(name))
			continue
		}
		r.Domains[d] = Rule{Name: d, Domain: d, Limits: p.limits(table, fl, r.Default)}
	}
	return r
}

func badSuffix(s string) string {
	switch {
	case s == "" || s == ".":
		return `is empty; write a host suffix like ".google.com"`
	case strings.Contains(s, "*"):
		return fmt.Sprintf(`has a wildcard; write the suffix itself, like %q`, "."+strings.TrimLeft(s, "*."))
	case strings.ContainsAny(s, "@/: \t"):
		return `is not a host name; write the end of the MX host names, like ".google.com"`
	}
	return ""
}

func badDomain(d string) string {
	switch {
	case d == "":
		return "the domain is empty"
	case strings.HasPrefix(d, ".") || strings.Contains(d, "*"):
		return `a domain rule is for one recipient domain; to match MX hosts by suffix use [provider.NAME] with mx_suffixes = [".example.com"]`
	case strings.ContainsAny(d, "@/: \t"):
		return `is not a domain name; write it like [domain."example.co.jp"]`
	}
	return ""
}

func (p *parser) limits(table []string, fl fileLimits, base Limits) Limits {
	l := base
	if v := fl.MaxConnections; v != nil {
		if *v < 1 {
			p.fail(table, "max_connections", "max_connections = %d: must be at least 1 (the SMTP connections hikyaku may hold open to the site at once)", *v)
		} else {
			l.MaxConnections = *v
		}
	}
	if v := fl.MessagesPerConnection; v != nil {
		if *v < 0 {
			p.fail(table, "messages_per_connection", "messages_per_connection = %d: must be 0 (no limit) or more", *v)
		} else {
			l.MessagesPerConnection = *v
		}
	}
	if v := fl.MessagesPerSecond; v != nil {
		if *v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0) {
			p.fail(table, "messages_per_second", "messages_per_second = %v: must be 0 (no limit) or a positive number; fractions are fine, 0.5 is one message every two seconds", *v)
		} else {
			l.MessagesPerSecond = *v
		}
	}
	if v := fl.MessagesPerHour; v != nil {
		if *v < 0 {
			p.fail(table, "messages_per_hour", "messages_per_hour = %d: must be 0 (no limit) or more", *v)
		} else {
			l.MessagesPerHour = *v
		}
	}
	return l
}

func (p *parser) throttle(ft fileThrottle) Throttle {
	t := DefaultThrottle()
	table := []string{"throttle"}
	if v := ft.Cut; v != nil {
		if !(*v > 0 && *v < 1) {
			p.fail(table, "cut", "cut = %v: must be between 0 and 1; it multiplies a site's limits on each signal, 0.5 halves them", *v)
		} else {
			t.Cut = *v
		}
	}
	dur := func(key string, v *string, dst *time.Duration, zeroOK bool) {
		if v == nil {
			return
		}
		d, err := time.ParseDuration(*v)
		if err != nil || d < 0 || (d == 0 && !zeroOK) {
			p.fail(table, key, `%s = %q: must be a positive duration like "15m", "90s" or "1h"`, key, *v)
			return
		}
		*dst = d
	}
	dur("duration", ft.Duration, &t.Duration, false)
	dur("recover_every", ft.RecoverEvery, &t.RecoverEvery, false)
	dur("stack_after", ft.StackAfter, &t.StackAfter, true)
	if v := ft.MinConnections; v != nil {
		if *v < 1 {
			p.fail(table, "min_connections", "min_connections = %d: must be at least 1", *v)
		} else {
			t.MinConnections = *v
		}
	}
	if v := ft.MinMessagesPerSecond; v != nil {
		if !(*v > 0) || math.IsInf(*v, 0) {
			p.fail(table, "min_messages_per_second", "min_messages_per_second = %v: must be more than 0 (0.0167 is one message a minute)", *v)
		} else {
			t.MinMessagesPerSecond = *v
		}
	}
	return t
}

// locate finds the line of key in table (of the table header when key is
// empty), for error messages; 0 when it cannot tell.
func locate(data []byte, table []string, key string) int {
	want := strings.Join(table, ".")
	in := false
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && !strings.HasPrefix(line, "[[") {
			end := strings.Index(line, "]")
			if end < 0 {
				continue
			}
			name := strings.NewReplacer(" ", "", "\t", "", `"`, "", "'", "").Replace(line[1:end])
			in = strings.EqualFold(name, want)
			if in && key == "" {
				return i + 1
			}
			continue
		}
		if in && key != "" && strings.HasPrefix(line, key) {
			if rest := strings.TrimSpace(line[len(key):]); strings.HasPrefix(rest, "=") {
				return i + 1
			}
		}
	}
	return 0
}
