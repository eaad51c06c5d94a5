package dns

import (
	"fmt"
	"net"

	mdns "github.com/miekg/dns"
)

// ServerFromResolvConf returns the first nameserver of a resolv.conf(5)
// file as HOST:PORT, the server the C library would ask first.
func ServerFromResolvConf(path string) (string, error) {
	cc, err := mdns.ClientConfigFromFile(path)
	if err != nil {
		return "", fmt.Errorf("reading nameservers: %w", err)
	}
	if len(cc.Servers) == 0 {
		return "", fmt.Errorf("%s lists no nameserver", path)
	}
	return net.JoinHostPort(cc.Servers[0], cc.Port), nil
}
