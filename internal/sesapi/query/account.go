package query

import "time"

// Inputs and outputs of the account-wide sending operations. Names follow
// the SES v1 model.

// GetSendQuotaInput has no parameters.
type GetSendQuotaInput struct{}

// GetSendQuotaOutput is the account's sending limits and usage. The model
// types them as doubles, and SES writes them so ("200.0").
type GetSendQuotaOutput struct {
	Max24HourSend   float64 `query:"Max24HourSend"`
	MaxSendRate     float64 `query:"MaxSendRate"`
	SentLast24Hours float64 `query:"SentLast24Hours"`
}

// GetSendStatisticsInput has no parameters.
type GetSendStatisticsInput struct{}

// GetSendStatisticsOutput is the account's sending activity over the last
// two weeks, one point per 15-minute interval with activity.
type GetSendStatisticsOutput struct {
	SendDataPoints []SendDataPoint `query:"SendDataPoints"`
}

// SendDataPoint is the activity of one 15-minute interval; Timestamp is its
// start.
type SendDataPoint struct {
	Timestamp        time.Time `query:"Timestamp"`
	DeliveryAttempts int64     `query:"DeliveryAttempts"`
	Bounces          int64     `query:"Bounces"`
	Complaints       int64     `query:"Complaints"`
	Rejects          int64     `query:"Rejects"`
}
