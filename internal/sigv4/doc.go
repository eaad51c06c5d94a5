// Package sigv4 authenticates API requests signed with AWS Signature
// Version 4 in the Authorization header, as every AWS SDK and the AWS CLI
// sign them, so that hikyaku's SES-compatible API accepts the real clients
// unchanged.
//
// The expected signature is computed with aws-sdk-go-v2's own signer, not a
// second implementation of the canonical request: the verifier rebuilds the
// request from the headers the client listed in SignedHeaders, signs it with
// the client's time and credential scope and the secret looked up for the
// access key, and compares the two signatures in constant time. What AWS
// checks before the signature (header syntax, date format, clock skew, the
// credential scope) is checked here in AWS's order, and refusals are
// *fault.Error values with AWS's codes and wording, which SDKs parse.
//
// The signature covers the Host header and the path as sent, so a reverse
// proxy in front of hikyaku must pass both through unchanged.
//
// Not supported: presigned URLs (query-string authentication), the Date
// header in place of X-Amz-Date, SigV4a, and chunked (STREAMING-*) payloads;
// SES clients use none of them.
//
// Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
package sigv4
