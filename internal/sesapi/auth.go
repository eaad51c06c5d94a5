package sesapi

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/store"
)

type ctxKey int

const (
	keyAccount ctxKey = iota
	keyBody
	keyRequestID
	keyService
	keyAccessKey
)

// call is what an authenticated handler knows about its request.
type call struct {
	account   *store.Account
	body      []byte
	requestID string
	// service is the SigV4 signing service: "ses" or "email" for SES,
	// "sns" for the SNS API.
	service string
	// accessKey is the access key ID the request was signed with.
	accessKey string
}

func callOf(r *http.Request) call {
	return call{
		account:   r.Context().Value(keyAccount).(*store.Account),
		body:      r.Context().Value(keyBody).([]byte),
		requestID: r.Context().Value(keyRequestID).(string),
		service:   r.Context().Value(keyService).(string),
		accessKey: r.Context().Value(keyAccessKey).(string),
	}
}

// authenticated reads the body, verifies the SigV4 signature and loads the
// key's account; only then does next run. Failures are written with
// writeErr, in the dialect of the API the request was for.
func (s *Server) authenticated(next http.Handler, writeErr func(http.ResponseWriter, *http.Request, string, *fault.Error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqID := newRequestID()
		w.Header().Set("X-Amzn-RequestId", reqID)
		body, err := readBody(w, r)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeErr(w, r, reqID, fault.MessageRejected("Request body is larger than %d bytes.", maxBody))
				return
			}
			writeErr(w, r, reqID, fault.BadRequest("Could not read the request body."))
			return
		}
		p, err := s.Verifier.Verify(r, body)
		if err != nil {
			f := fault.As(err)
			if f == nil {
				s.Log.Error("verify signature", "err", err)
				f = fault.Internal()
			}
			s.metrics.authFailures.WithLabelValues(f.Code).Inc()
			writeErr(w, r, reqID, f)
			return
		}
		if p.SessionToken != "" {
			// hikyaku issues no temporary credentials.
			writeErr(w, r, reqID, fault.UnrecognizedClient())
			return
		}
		_, accountID, err := s.Accounts.Secret(r.Context(), p.AccessKeyID)
		if err != nil {
			s.Log.Error("look up key", "err", err)
			writeErr(w, r, reqID, fault.Internal())
			return
		}
		acct, err := s.Accounts.Get(r.Context(), accountID)
		if err != nil {
			s.Log.Error("look up account", "account", accountID, "err", err)
			writeErr(w, r, reqID, fault.Internal())
			return
		}
		ctx := context.WithValue(r.Context(), keyAccount, acct)
		ctx = context.WithValue(ctx, keyBody, body)
		ctx = context.WithValue(ctx, keyRequestID, reqID)
		ctx = context.WithValue(ctx, keyService, p.Service)
		ctx = context.WithValue(ctx, keyAccessKey, p.AccessKeyID)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// readBody reads the whole request body, at most maxBody bytes, in one
// allocation when the client announced its length.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rd := http.MaxBytesReader(w, r.Body, maxBody)
	if n := r.ContentLength; n > 0 && n <= maxBody {
		buf := make([]byte, n)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(rd)
}

// clientIP is the address of the request's client, without its port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
