package events

import (
	"reflect"
	"testing"
)

func TestAutoTags(t *testing.T) {
	t.Parallel()
	own := map[string][]string{"campaign": {"october"}, "ses:configuration-set": {"spoofed"}}
	got := AutoTags(Origin{
		Operation:        OperationSendSMTPEmail,
		ConfigurationSet: "ConfigSet",
		SourceIP:         "192.0.2.1",
		FromDomain:       "example.com",
		CallerIdentity:   "ses-smtp-user",
	}, own)
	want := map[string][]string{
		"campaign":              {"october"},
		"ses:operation":         {"SendSmtpEmail"},
		"ses:configuration-set": {"ConfigSet"},
		"ses:source-ip":         {"192.0.2.1"},
		"ses:from-domain":       {"example.com"},
		"ses:caller-identity":   {"ses-smtp-user"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AutoTags = %v, want %v", got, want)
	}
	if own["ses:configuration-set"][0] != "spoofed" {
		t.Error("AutoTags changed the caller's map")
	}
	got["campaign"][0] = "changed"
	if own["campaign"][0] != "october" {
		t.Error("AutoTags shares value slices with the caller's map")
	}
	if AutoTags(Origin{}, nil) == nil {
		t.Error("AutoTags returned nil")
	}
}

func TestFromDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from []string
		want string
	}{
		{from: []string{"Sender Name <sender@example.com>", "b@example.org"}, want: "example.com"},
		{from: []string{"sender@mail.example.com"}, want: "mail.example.com"},
		{from: []string{`"Doe, Jane" <jane@example.net>`}, want: "example.net"},
		{from: []string{"undisclosed-recipients:;"}, want: ""},
		{from: nil, want: ""},
	}
	for _, tt := range tests {
		if got := FromDomain(CommonHeaders{From: tt.from}); got != tt.want {
			t.Errorf("FromDomain(%q) = %q, want %q", tt.from, got, tt.want)
		}
	}
}
