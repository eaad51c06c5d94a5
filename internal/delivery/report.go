package delivery

// Report is what happened when one message was offered to one site.
// Deliver returns one for every attempt, with a result for every
// recipient, whether or not it also returns an error.
type Report struct {
	// Site is the site's key.
	Site string
	// Host and Addr are the server that took the transaction (its name
	// and the IP:port dialled); empty when no server was reached.
	Host, Addr string
	// TLS says the session was encrypted; Auth that it was authenticated.
	TLS, Auth bool
	// Reused says the connection had carried earlier messages.
	Reused bool
	// Rcpts holds one result per recipient, in the envelope's order.
	Rcpts []RcptResult
	// Data is the reply that settled the message for the recipients
	// accepted at RCPT: the reply to the final dot, or a refusal of the
	// DATA command. Nil when the transaction did not get that far.
	Data *Reply
	// HostErrors are the failures of servers tried before the one used
	// (or of all servers tried, when none could be used), for logs.
	HostErrors []*Error
}

// RcptResult is the outcome for one recipient.
type RcptResult struct {
	Rcpt   string
	Result Result
	// Reply is the reply that decided the result: the server's answer to
	// RCPT TO when that refused the recipient, else the one to the
	// message (or the failure that ended the session).
	Reply Reply
	// Stage is the step that Reply answered.
	Stage Stage
}

// Throttled reports whether any reply in the report asked to slow down.
func (r *Report) Throttled() bool {
	if r.Data != nil && Throttled(*r.Data) {
		return true
	}
	for _, rr := range r.Rcpts {
		if rr.Reply.Code != 0 && Throttled(rr.Reply) {
			return true
		}
	}
	for _, e := range r.HostErrors {
		if e.Throttled() {
			return true
		}
	}
	return false
}

// Count returns how many recipients ended with result res.
func (r *Report) Count(res Result) int {
	n := 0
	for _, rr := range r.Rcpts {
		if rr.Result == res {
			n++
		}
	}
	return n
}

// settle gives every recipient that has no result yet the outcome of e.
func (r *Report) settle(e *Error) {
	for i := range r.Rcpts {
		if r.Rcpts[i].Result == 0 {
			r.Rcpts[i].Result = e.Result()
			r.Rcpts[i].Reply = e.Reply()
			r.Rcpts[i].Stage = e.Stage
		}
	}
}
