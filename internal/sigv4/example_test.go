package sigv4_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/hikyaku/hikyaku/internal/fault"
	"github.com/hikyaku/hikyaku/internal/sigv4"
)

// A handler authenticates each request before it does anything else.
// Refusals are faults carrying AWS's code and status; anything else is an
// internal error, logged and answered generically.
func ExampleVerifier() {
	keys := map[string]string{"AKIAIOSFODNN7EXAMPLE": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	v := &sigv4.Verifier{
		Lookup: func(_ context.Context, id string) (string, error) {
			if secret, ok := keys[id]; ok {
				return secret, nil
			}
			return "", sigv4.ErrUnknownKey
		},
		Regions: []string{"us-east-1", "ap-northeast-1"},
	}
	handler := func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 40<<20))
		if err != nil {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		who, err := v.Verify(r, body)
		if err != nil {
			f := fault.As(err)
			if f == nil {
				slog.Error("sigv4", "err", err)
				f = fault.Internal()
			}
			http.Error(w, f.Code+": "+f.Message, f.HTTPStatus)
			return
		}
		fmt.Fprintf(w, "hello, %s in %s\n", who.AccessKeyID, who.Region)
	}
	_ = http.HandlerFunc(handler)
}
