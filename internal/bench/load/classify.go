package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/emersion/go-smtp"
)

// classify names why a submission failed, for counting ("SMTP 451
// 4.3.0", "API Throttling (HTTP 429)", "network: connection refused"),
// and gives the full error as an example.
func classify(err error) (reason, example string) {
	example = err.Error()
	if len(example) > 200 {
		example = example[:200] + "..."
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		r := fmt.Sprintf("SMTP %d", se.Code)
		if se.EnhancedCode != smtp.NoEnhancedCode && se.EnhancedCode != (smtp.EnhancedCode{}) {
			r += fmt.Sprintf(" %d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
		}
		// The reply as it was on the wire, not go-smtp's "SMTP error 450:".
		return r, strings.TrimPrefix(r, "SMTP ") + " " + se.Message
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		r := "API " + ae.ErrorCode()
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			r += fmt.Sprintf(" (HTTP %d)", re.HTTPStatusCode())
		}
		return r, example
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("API HTTP %d", re.HTTPStatusCode()), example
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled", example
	case errors.Is(err, syscall.ECONNREFUSED):
		return "network: connection refused", example
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "network: connection reset", example
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return "network: connection closed", example
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return "network: timeout", example
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return "network: " + firstWords(ne.Error()), example
	}
	return "error: " + firstWords(err.Error()), example
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// firstWords shortens an error to its first few words, to group like
// errors that differ in details (addresses, IDs).
func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 4 {
		f = f[:4]
	}
	return strings.Join(f, " ")
}
