package sink

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
)

// Mix deals each recipient a reply from its domain's rule. Per domain it
// deals from a deck that holds every reply as many times as its weight,
// shuffled with a generator seeded from the seed and the domain, and
// reshuffled when spent: the k-th recipient of a domain always gets the
// same reply for the same seed and rules, and every full deck gives the
// exact shares (250:90,450:5,550:5 gives 90, 5 and 5 in each 100). Which
// message gets which reply still depends on the order in which parallel
// sessions reach the sink.
//
// A Mix is safe for concurrent use.
type Mix struct {
	seed  uint64
	rules map[string]Rule // by domain; "*" for the rest

	mu    sync.Mutex
	decks map[string]*deck
}

// accept is the reply to a domain without a rule: take it at once.
var accept = Reply{Code: 250, Phase: AtData, Weight: 1}

// NewMix makes a mix of rules, dealt with seed. Two rules for one
// domain are an error.
func NewMix(seed uint64, rules []Rule) (*Mix, error) {
	m := &Mix{seed: seed, rules: map[string]Rule{}, decks: map[string]*deck{}}
	for _, r := range rules {
		if _, dup := m.rules[r.Domain]; dup {
			return nil, fmt.Errorf("two reply rules for %s", r.Domain)
		}
		m.rules[r.Domain] = r
	}
	return m, nil
}

// Rules returns the mix's rules.
func (m *Mix) Rules() []Rule {
	out := make([]Rule, 0, len(m.rules))
	for _, r := range m.rules {
		out = append(out, r)
	}
	return out
}

// Deal returns the next reply for a recipient in domain (lower case).
func (m *Mix) Deal(domain string) Reply {
	if m == nil {
		return accept
	}
	rule, ok := m.rules[domain]
	if !ok {
		if rule, ok = m.rules["*"]; !ok {
			return accept
		}
	}
	if len(rule.Replies) == 1 {
		return rule.Replies[0]
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.decks[domain]
	if d == nil {
		d = newDeck(m.seed, domain, rule.Replies)
		m.decks[domain] = d
	}
	return rule.Replies[d.next()]
}

// deck is a shuffled sequence of reply indexes, each as often as its
// weight.
type deck struct {
	rng   *rand.Rand
	cards []int
	pos   int
}

func newDeck(seed uint64, domain string, replies []Reply) *deck {
	h := fnv.New64a()
	h.Write([]byte(domain))
	d := &deck{rng: rand.New(rand.NewPCG(seed, h.Sum64()))}
	for i, r := range replies {
		for range r.Weight {
			d.cards = append(d.cards, i)
		}
	}
	d.pos = len(d.cards) // shuffle before the first deal
	return d
}

func (d *deck) next() int {
	if d.pos == len(d.cards) {
		d.rng.Shuffle(len(d.cards), func(i, j int) { d.cards[i], d.cards[j] = d.cards[j], d.cards[i] })
		d.pos = 0
	}
	c := d.cards[d.pos]
	d.pos++
	return c
}
