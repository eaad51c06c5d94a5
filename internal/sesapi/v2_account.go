package sesapi

import (
	"net/http"
)

type sendQuota struct {
	Max24HourSend   float64
	MaxSendRate     float64
	SentLast24Hours float64
}

type getAccountOutput struct {
	DedicatedIpAutoWarmupEnabled bool
	EnforcementStatus            string
	ProductionAccessEnabled      bool
	SendQuota                    sendQuota
	SendingEnabled               bool
	SuppressionAttributes        struct {
		SuppressedReasons []string
	}
}

func (s *Server) v2GetAccount(w http.ResponseWriter, r *http.Request, c call) error {
	q, err := s.sendQuota(r, c)
	if err != nil {
		return err
	}
	a := c.account
	out := getAccountOutput{
		EnforcementStatus:       a.EnforcementStatus,
		ProductionAccessEnabled: a.Production,
		SendQuota:               q,
		SendingEnabled:          a.SendingEnabled,
	}
	out.SuppressionAttributes.SuppressedReasons = append([]string{}, a.SuppressedReasons...)
	return writeJSON(w, out)
}

func (s *Server) sendQuota(r *http.Request, c call) (sendQuota, error) {
	sent, err := s.Intake.SentLast24Hours(r.Context(), c.account.ID)
	if err != nil {
		return sendQuota{}, err
	}
	return sendQuota{Max24HourSend: c.account.Max24HourSend, MaxSendRate: c.account.MaxSendRate,
		SentLast24Hours: float64(sent)}, nil
}

func (s *Server) v2PutAccountSending(w http.ResponseWriter, r *http.Request, c call) error {
	var in struct{ SendingEnabled *bool }
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	a := *c.account
	a.SendingEnabled = in.SendingEnabled != nil && *in.SendingEnabled
	if err := s.Accounts.Update(r.Context(), &a); err != nil {
		return err
	}
	return writeJSON(w, struct{}{})
}
