package node

import (
	"github.com/hikyaku/hikyaku/internal/reputation"
)

// Reputation returns the reputation monitor with the data directory's
// policy (DATA/reputation.toml, made with the defaults if absent).
func (n *Node) Reputation() (*reputation.Monitor, error) {
	p, err := reputation.Load(n.Config.Data)
	if err != nil {
		return nil, err
	}
	return &reputation.Monitor{Store: n.Store, ConfigSets: n.ConfigSets, Clock: n.Clock,
		Log: n.Log.With("component", "reputation"), Policy: p}, nil
}
