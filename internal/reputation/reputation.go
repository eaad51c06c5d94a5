package reputation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hikyaku/hikyaku/internal/clock"
	"github.com/hikyaku/hikyaku/internal/configset"
	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

// Statuses. A stream is HEALTHY, WARNING or PAUSED; an account HEALTHY,
// PROBATION (SES's "under review") or PAUSED.
const (
	Healthy   = "HEALTHY"
	Warning   = "WARNING"
	Probation = "PROBATION"
	Paused    = "PAUSED"
)

const kindState = "reputation"

// Figures are one stream's counts over the window and its rates.
type Figures struct {
	Sent          int64   `json:"sent"`
	HardBounces   int64   `json:"hardBounces"`
	Delivered     int64   `json:"delivered"`
	Complaints    int64   `json:"complaints"`
	BounceRate    float64 `json:"bounceRate"`
	ComplaintRate float64 `json:"complaintRate"`
}

// State is what was last decided about a stream, with its cause.
type State struct {
	Status string    `json:"status"`
	Since  time.Time `json:"since"`
	// Cause says why, with the figures behind it.
	Cause   string  `json:"cause"`
	Figures Figures `json:"figures"`
	// FreshStart, when set, is where the stream's rates count from (the
	// operator resumed it then).
	FreshStart time.Time `json:"freshStart,omitzero"`
}

// Row is one stream in a report.
type Row struct {
	AccountID string `json:"accountId"`
	// ConfigurationSet is "" for the account as a whole.
	ConfigurationSet string  `json:"configurationSet"`
	Figures          Figures `json:"figures"`
	State            State   `json:"state"`
}

// Monitor computes rates and enforces the policy.
type Monitor struct {
	Store      store.Store
	ConfigSets *configset.Service
	Clock      clock.Clock
	Log        *slog.Logger
	Policy     Policy

	bounce, complaint *prometheus.GaugeVec
}

// Register adds the rate gauges to reg.
func (m *Monitor) Register(reg prometheus.Registerer) {
	m.bounce = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "hikyaku_reputation_bounce_rate",
		Help: "Hard bounces over mail sent in the reputation window, per account and configuration set (\"\" for the whole account)."},
		[]string{"account", "configuration_set"})
	m.complaint = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "hikyaku_reputation_complaint_rate",
		Help: "Complaints over mail delivered in the reputation window, per account and configuration set (\"\" for the whole account)."},
		[]string{"account", "configuration_set"})
	reg.MustRegister(m.bounce, m.complaint)
}

// Run evaluates every Policy.Every until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.Policy.Every.Duration)
	defer t.Stop()
	for {
		if err := m.Evaluate(ctx); err != nil && ctx.Err() == nil {
			m.Log.Error("reputation check failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type streamKey struct{ account, set string }

func stateName(set string) string {
	if set == "" {
		return "account"
	}
	return "set/" + set
}

// add counts one group of events into f.
func (f *Figures) add(c store.EventCount) {
	if strings.HasPrefix(c.Subtype, "simulated") {
		return // the mailbox simulator counts for nothing, as on SES
	}
	switch c.Type {
	case "Delivery":
		f.Delivered += c.N
		f.Sent += c.N
	case "Bounce":
		// Mail never sent counts for nothing: to a suppressed address, or
		// to a contact who unsubscribed (intake.UnsubscribedSubType).
		if strings.HasPrefix(c.Subtype, "Permanent/") && c.Subtype != "Permanent/OnAccountSuppressionList" &&
			c.Subtype != "Permanent/UnsubscribedRecipient" {
			f.HardBounces += c.N
			f.Sent += c.N
		}
	case "Complaint":
		f.Complaints += c.N
	}
}

func (f *Figures) rates() {
	f.BounceRate, f.ComplaintRate = 0, 0
	if f.Sent > 0 {
		f.BounceRate = float64(f.HardBounces) / float64(f.Sent)
	}
	if f.Delivered > 0 {
		f.ComplaintRate = float64(f.Complaints) / float64(f.Delivered)
	}
}

// figures counts every stream's events since the window start, and since
// their fresh start for streams that have one.
func (m *Monitor) figures(ctx context.Context, states map[streamKey]*State) (map[streamKey]*Figures, error) {
	now := m.Clock.Now()
	start := now.Add(-m.Policy.Window.Duration)
	counts, err := m.Store.CountEvents(ctx, start)
	if err != nil {
		return nil, err
	}
	out := map[streamKey]*Figures{}
	add := func(k streamKey, c store.EventCount) {
		f := out[k]
		if f == nil {
			f = &Figures{}
			out[k] = f
		}
		f.add(c)
	}
	fresh := map[streamKey]time.Time{}
	for k, s := range states {
		if s.FreshStart.After(start) {
			fresh[k] = s.FreshStart
		}
	}
	for _, c := range counts {
		if _, ok := fresh[streamKey{c.AccountID, c.ConfigurationSet}]; !ok && c.ConfigurationSet != "" {
			add(streamKey{c.AccountID, c.ConfigurationSet}, c)
		}
		if _, ok := fresh[streamKey{c.AccountID, ""}]; !ok {
			add(streamKey{c.AccountID, ""}, c)
		}
	}
	for k, since := range fresh {
		later, err := m.Store.CountEvents(ctx, since)
		if err != nil {
			return nil, err
		}
		out[k] = &Figures{}
		for _, c := range later {
			if c.AccountID == k.account && (k.set == "" || c.ConfigurationSet == k.set) {
				out[k].add(c)
			}
		}
	}
	for _, f := range out {
		f.rates()
	}
	return out, nil
}

// states loads every stored state.
func (m *Monitor) states(ctx context.Context, accountID string) (map[streamKey]*State, error) {
	var accounts []string
	if accountID != "" {
		accounts = []string{accountID}
	} else {
		list, err := m.Store.ListAccounts(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			accounts = append(accounts, a.ID)
		}
	}
	out := map[streamKey]*State{}
	for _, id := range accounts {
		objs, err := m.Store.ListObjects(ctx, id, kindState, "", "", 0)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			var s State
			if err := json.Unmarshal(o.Body, &s); err != nil {
				return nil, fmt.Errorf("reputation state %s of %s: %w", o.Name, id, err)
			}
			set := strings.TrimPrefix(o.Name, "set/")
			if o.Name == "account" {
				set = ""
			}
			out[streamKey{id, set}] = &s
		}
	}
	return out, nil
}

func (m *Monitor) save(ctx context.Context, k streamKey, s *State) error {
	body, _ := json.Marshal(s)
	now := m.Clock.Now()
	o := &store.Object{AccountID: k.account, Kind: kindState, Name: stateName(k.set), Body: body, CreatedAt: now, UpdatedAt: now}
	err := m.Store.UpdateObject(ctx, o)
	if errors.Is(err, store.ErrNotFound) {
		err = m.Store.CreateObject(ctx, o)
	}
	return err
}

// judge returns the status a stream's figures call for, and why.
func (m *Monitor) judge(k streamKey, f *Figures) (string, string) {
	bounce, complaint := m.Policy.StreamBounce, m.Policy.StreamComplaint
	warn := Warning
	if k.set == "" {
		bounce, complaint, warn = m.Policy.AccountBounce, m.Policy.AccountComplaint, Probation
	}
	window := m.Policy.Window.Duration
	status, cause := Healthy, ""
	rank := map[string]int{Healthy: 0, Warning: 1, Probation: 1, Paused: 2}
	consider := func(s, c string) {
		if rank[s] > rank[status] {
			status, cause = s, c
		}
	}
	if f.Sent >= m.Policy.MinVolume {
		why := fmt.Sprintf("bounce rate %.2f%% (%d hard bounces of %d sent in %s)", 100*f.BounceRate, f.HardBounces, f.Sent, window)
		if f.BounceRate >= bounce.Pause {
			consider(Paused, fmt.Sprintf("%s reached the pause level %.2f%%", why, 100*bounce.Pause))
		} else if f.BounceRate >= bounce.Warn {
			consider(warn, fmt.Sprintf("%s reached the %s level %.2f%%", why, strings.ToLower(warn), 100*bounce.Warn))
		}
	}
	if f.Delivered >= m.Policy.MinVolume {
		why := fmt.Sprintf("complaint rate %.3f%% (%d complaints of %d delivered in %s)", 100*f.ComplaintRate, f.Complaints, f.Delivered, window)
		if f.ComplaintRate >= complaint.Pause {
			consider(Paused, fmt.Sprintf("%s reached the pause level %.3f%%", why, 100*complaint.Pause))
		} else if f.ComplaintRate >= complaint.Warn {
			consider(warn, fmt.Sprintf("%s reached the %s level %.3f%%", why, strings.ToLower(warn), 100*complaint.Warn))
		}
	}
	return status, cause
}

// Evaluate computes every stream's rates once and acts on changes.
func (m *Monitor) Evaluate(ctx context.Context) error {
	states, err := m.states(ctx, "")
	if err != nil {
		return err
	}
	figs, err := m.figures(ctx, states)
	if err != nil {
		return err
	}
	keys := make([]streamKey, 0, len(figs))
	for k := range figs {
		keys = append(keys, k)
	}
	// Streams first, then accounts, so a bad stream is paused before its
	// account is judged in the same pass.
	slices.SortFunc(keys, func(a, b streamKey) int {
		if (a.set == "") != (b.set == "") {
			if a.set == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(a.account+"/"+a.set, b.account+"/"+b.set)
	})
	now := m.Clock.Now().UTC()
	for _, k := range keys {
		f := figs[k]
		if m.bounce != nil {
			m.bounce.WithLabelValues(k.account, k.set).Set(f.BounceRate)
			m.complaint.WithLabelValues(k.account, k.set).Set(f.ComplaintRate)
		}
		old := states[k]
		if old == nil {
			old = &State{Status: Healthy}
		}
		status, cause := m.judge(k, f)
		if old.Status == Paused || status == old.Status {
			continue // a pause lasts until the operator resumes
		}
		next := &State{Status: status, Since: now, Cause: cause, Figures: *f, FreshStart: old.FreshStart}
		if status == Healthy {
			next.Cause = "rates back under the warning levels"
		}
		if err := m.apply(ctx, k, next); err != nil {
			return err
		}
		if err := m.save(ctx, k, next); err != nil {
			return err
		}
		log := m.Log.With("account", k.account, "configuration_set", k.set, "status", status, "previous", old.Status,
			"bounce_rate", f.BounceRate, "complaint_rate", f.ComplaintRate, "sent", f.Sent, "delivered", f.Delivered)
		switch status {
		case Paused:
			log.Error("sending paused to protect reputation: " + cause)
		case Healthy:
			log.Info("reputation healthy again")
		default:
			log.Warn("reputation warning: " + cause)
		}
	}
	return nil
}

// apply makes a status take effect: a paused stream's configuration set
// stops sending; an account under review is PROBATION, a paused one stops
// sending. An account an operator shut down is left as it is.
func (m *Monitor) apply(ctx context.Context, k streamKey, s *State) error {
	if k.set != "" {
		if s.Status != Paused {
			return nil
		}
		err := m.ConfigSets.Update(ctx, k.account, k.set, func(set *configset.Set) error {
			set.SendingEnabled = false
			return nil
		})
		if f := fault.As(err); f != nil && f.HTTPStatus == http.StatusNotFound {
			return nil // the set was deleted; nothing to pause
		}
		return err
	}
	acct, err := m.Store.GetAccount(ctx, k.account)
	if err != nil {
		return err
	}
	if acct.EnforcementStatus == "SHUTDOWN" {
		return nil
	}
	switch s.Status {
	case Healthy:
		acct.EnforcementStatus = "HEALTHY"
	case Probation:
		acct.EnforcementStatus = "PROBATION"
	case Paused:
		acct.EnforcementStatus, acct.SendingEnabled = "PROBATION", false
	}
	acct.UpdatedAt = m.Clock.Now().UTC()
	return m.Store.UpdateAccount(ctx, acct)
}

// Resume lifts a stream's (set != "") or an account's pause or warning:
// sending is enabled again and the rates start afresh from now.
func (m *Monitor) Resume(ctx context.Context, accountID, set string) error {
	k := streamKey{accountID, set}
	now := m.Clock.Now().UTC()
	s := &State{Status: Healthy, Since: now, Cause: "resumed by the operator; rates count afresh from now", FreshStart: now}
	if set != "" {
		if err := m.ConfigSets.Update(ctx, accountID, set, func(cs *configset.Set) error {
			cs.SendingEnabled = true
			return nil
		}); err != nil {
			return err
		}
	} else {
		acct, err := m.Store.GetAccount(ctx, accountID)
		if err != nil {
			return err
		}
		acct.SendingEnabled, acct.EnforcementStatus, acct.UpdatedAt = true, "HEALTHY", now
		if err := m.Store.UpdateAccount(ctx, acct); err != nil {
			return err
		}
	}
	m.Log.Info("reputation resumed by the operator", "account", accountID, "configuration_set", set)
	return m.save(ctx, k, s)
}

// Report returns the account's streams with their current figures and
// last decided state, the account itself first.
func (m *Monitor) Report(ctx context.Context, accountID string) ([]Row, error) {
	states, err := m.states(ctx, accountID)
	if err != nil {
		return nil, err
	}
	figs, err := m.figures(ctx, states)
	if err != nil {
		return nil, err
	}
	seen := map[streamKey]bool{}
	var rows []Row
	add := func(k streamKey) {
		if k.account != accountID || seen[k] {
			return
		}
		seen[k] = true
		r := Row{AccountID: k.account, ConfigurationSet: k.set, State: State{Status: Healthy}}
		if f := figs[k]; f != nil {
			r.Figures = *f
		}
		if s := states[k]; s != nil {
			r.State = *s
		}
		rows = append(rows, r)
	}
	add(streamKey{accountID, ""})
	for k := range figs {
		add(k)
	}
	for k := range states {
		add(k)
	}
	slices.SortFunc(rows[1:], func(a, b Row) int { return strings.Compare(a.ConfigurationSet, b.ConfigurationSet) })
	return rows, nil
}
