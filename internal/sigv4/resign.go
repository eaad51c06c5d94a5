package sigv4

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// expectedSignature is the signature a client holding secret would have
// sent for r: r is rebuilt with only the headers the client signed and
// signed again with aws-sdk-go-v2's signer, at the client's time and scope.
//
// The rebuilt request has to look to the signer exactly as the client's
// request looked to the client's signer. The SDK signer's own rules, and how
// each is met here:
//
//   - It always signs host (from Request.Host) and X-Amz-Date (from the
//     signing time), so those two are never copied as headers.
//   - It signs content-length only from Request.ContentLength, and only when
//     it is above zero, so ContentLength is set only when the client signed
//     content-length. (A client that signs "content-length:0" cannot be
//     verified with this signer; no SDK does.)
//   - It skips the header keys Authorization, User-Agent, X-Amzn-Trace-Id,
//     Expect and Transfer-Encoding, matched in that canonical case. Other
//     clients (the Java SDK v1 among them) do sign some of these, so every
//     copied header is stored under its lower-case name, which the signer
//     does not skip and lower-cases anyway.
//   - It strips a default port from the host for the request's URL scheme;
//     the rebuilt URL has no scheme, so the host is signed as received.
//   - It takes the path from URL.Opaque when set, then escapes it once more
//     as SigV4 requires for every service but S3; Opaque is set to the path
//     as it came on the wire, which is what the client's signer escaped.
//
// A new signer is made for every request on purpose: the SDK signer caches
// derived keys by access key id, region, service and day but not by secret,
// so a shared signer would keep accepting a secret that was just replaced.
func expectedSignature(ctx context.Context, r *http.Request, a authorization, c credential, secret, payloadHash string, signedAt time.Time) (string, error) {
	req := &http.Request{
		Method: r.Method,
		// The host in Opaque is a placeholder: the signer reads only the
		// path from it, and the host from req.Host.
		URL:    &url.URL{Opaque: "//host" + wirePath(r), RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: make(http.Header, len(a.SignedHeaders)),
	}
	for _, name := range a.SignedHeaders {
		name = strings.ToLower(name)
		switch name {
		case "host", "x-amz-date":
			// Written by the signer itself.
		case "content-length":
			req.ContentLength = contentLength(r)
		case "transfer-encoding":
			// net/http moves this header out of r.Header.
			v := r.Header.Values("Transfer-Encoding")
			if len(v) == 0 {
				v = r.TransferEncoding
			}
			req.Header[name] = slices.Clone(v)
		default:
			req.Header[name] = slices.Clone(r.Header.Values(name))
		}
	}

	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, payloadHash, c.Service, c.Region, signedAt); err != nil {
		return "", fmt.Errorf("sigv4: signing the rebuilt request: %w", err)
	}
	_, sig, ok := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	if !ok {
		return "", fmt.Errorf("sigv4: the SDK signer wrote no signature")
	}
	return sig, nil
}

// wirePath is the request path as the client sent it, before net/http
// decoded it. Clients sign the escaped path they send, so decoding and
// re-escaping could change it (user%2Btag%40example.com is a valid path
// segment either escaped or not).
func wirePath(r *http.Request) string {
	if p := r.RequestURI; strings.HasPrefix(p, "/") {
		p, _, _ = strings.Cut(p, "?")
		return p
	}
	return r.URL.EscapedPath()
}

// contentLength is the Content-Length the client sent, or 0 if it sent
// none or one that is not a number (either fails verification).
func contentLength(r *http.Request) int64 {
	if v := r.Header.Get("Content-Length"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0
		}
		return n
	}
	return max(r.ContentLength, 0)
}
