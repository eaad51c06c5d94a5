package shaping

import "testing"

func TestMatch(t *testing.T) {
	t.Parallel()
	rules := &Rules{
		Default: DefaultLimits(),
		Providers: []Rule{
			{Name: "docomo", MXSuffixes: []string{"docomo.ne.jp"}},
			{Name: "microsoft", MXSuffixes: []string{".protection.outlook.com"}},
			{Name: "outlook", MXSuffixes: []string{".olc.protection.outlook.com"}},
			{Name: "wide", MXSuffixes: []string{".com"}},
		},
	}
	tests := []struct {
		name string
		mx   []string
		want string
	}{
		{"a suffix with a dot matches hosts under it", []string{"mx.tenant.protection.outlook.com"}, "microsoft"},
		{"the longest matching suffix wins", []string{"hotmail-com.olc.protection.outlook.com"}, "outlook"},
		{"a longer suffix wins over a short one matching another host", []string{"mx.example.com", "a.olc.protection.outlook.com"}, "outlook"},
		{"a suffix without a dot matches the host itself", []string{"docomo.ne.jp"}, "docomo"},
		{"a suffix without a dot matches hosts under it", []string{"mfsmax.docomo.ne.jp"}, "docomo"},
		{"a suffix without a dot stops at a label boundary", []string{"xdocomo.ne.jp"}, "default"},
		{"host names are compared without case and trailing dot", []string{"MFSMAX.Docomo.NE.JP."}, "docomo"},
		{"a host no rule covers gets the default", []string{"mx.example.org"}, "default"},
		{"no hosts get the default", nil, "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := rules.Match(tt.mx).Name; got != tt.want {
				t.Errorf("Match(%q) = %q, want %q", tt.mx, got, tt.want)
			}
		})
	}
}

func TestMatchDefaultCarriesDefaultLimits(t *testing.T) {
	t.Parallel()
	r := rulesWith(Limits{MaxConnections: 3})
	if got := r.Match([]string{"mx.example.org"}); got.Name != DefaultRule || got.Limits.MaxConnections != 3 {
		t.Errorf("Match = %+v, want the default rule with 3 connections", got)
	}
}

func TestPresetsMatchTheProviders(t *testing.T) {
	t.Parallel()
	rules, err := ParseRules(FileName, Presets())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mx   string
		want string
	}{
		{"gmail-smtp-in.l.google.com", "google"},
		{"alt1.aspmx.l.google.com", "google"},
		{"smtp.google.com", "google"},
		{"aspmx2.googlemail.com", "google"},
		{"contoso-com.mail.protection.outlook.com", "microsoft"},
		{"contoso-com.o-v1.mx.microsoft", "microsoft"},
		{"hotmail-com.olc.protection.outlook.com", "outlook"},
		{"mta5.am0.yahoodns.net", "yahoo"},
		{"mx-aol.mail.gm0.yahoodns.net", "yahoo"},
		{"mx1.mail.yahoo.co.jp", "yahoo-japan"},
		{"mx01.mail.icloud.com", "icloud"},
		{"mfsmax.docomo.ne.jp", "docomo"},
		{"lsean.ezweb.ne.jp", "au"},
		{"msmx.au.com", "au"},
		{"mx.softbank.ne.jp", "softbank"},
		{"mx.example.org", "default"},
		{"notgoogle.com", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.mx, func(t *testing.T) {
			t.Parallel()
			if got := rules.Match([]string{tt.mx}).Name; got != tt.want {
				t.Errorf("Match(%q) = %q, want %q", tt.mx, got, tt.want)
			}
		})
	}
}
