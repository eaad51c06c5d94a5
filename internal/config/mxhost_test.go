package config

import "testing"

func TestInboundMXHostDefaultsToHostname(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name             string
		hostname, mxHost string
		want             string
	}{
		{"without mx_host the node's own name", "node1.example.com", "", "node1.example.com"},
		{"mx_host when set", "node1.example.com", "mx.example.com", "mx.example.com"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Defaults()
			c.Hostname, c.MXHost = tt.hostname, tt.mxHost
			if got := c.InboundMXHost(); got != tt.want {
				t.Errorf("InboundMXHost() = %q, want %q", got, tt.want)
			}
		})
	}
}
