package address

import "github.com/hikyaku/hikyaku/internal/fault"

// SES parses addresses with JavaMail's InternetAddress and answers with its
// exception texts, unchanged and without the offending address. The texts
// below are JavaMail's; the ones marked "seen" were observed in SES answers:
//
//   - "Missing final '@domain'": seen, anymail/django-anymail#281,
//     cloud-custodian/cloud-custodian#885, boto/boto#351 (v1
//     InvalidParameterValue).
//   - "Missing domain": seen, brave/accounts#35.
//   - "Missing local name": seen, arithmetric/aws-lambda-ses-forwarder#103.
//   - "Local address contains control or whitespace": seen,
//     rdunlop/unicycling-registration#749; over SMTP as
//     "554 Transaction failed: Local address contains control or whitespace".
//   - "Local address contains illegal character": seen,
//     hcengineering/platform#7864, soto-project/soto#331.
//   - "Domain contains control or whitespace": seen,
//     monde-sistemas/delphi-aws-ses#22.
//   - "Domain contains illegal character": seen,
//     SebastiaanKlippert/lambda-ses-forwarder#2.
//   - "Illegal address": seen on the v2 API (BadRequestException) for a
//     string holding several addresses run together,
//     awsdocs/aws-doc-sdk-examples#5191. JavaMail throws it when a field
//     meant to hold one address holds several.
//   - "Invalid email address <addr>.": seen on the v2 API for an empty
//     address ("Invalid email address ."), domdomegg/aws-ses-v2-local#44.
//   - The dot rules ("… starts with dot", "… ends with dot",
//     "… contains dot-dot"), the bracket and quote texts and the group texts
//     are JavaMail's (InternetAddress.checkAddress and parse); they were not
//     seen in an SES answer.
//
// The length rules and the one-dot rule have no SES text; their messages
// follow JavaMail's style.
const (
	errMissingAt         = "Missing final '@domain'"
	errMissingDomain     = "Missing domain"
	errMissingLocal      = "Missing local name"
	errLocalControl      = "Local address contains control or whitespace"
	errLocalIllegal      = "Local address contains illegal character"
	errLocalStartsDot    = "Local address starts with dot"
	errLocalEndsDot      = "Local address ends with dot"
	errLocalDotDot       = "Local address contains dot-dot"
	errQuoteNotAtStart   = "Quote not at start of local address"
	errQuoteNotAtEnd     = "Quote not at end of local address"
	errDomainControl     = "Domain contains control or whitespace"
	errDomainIllegal     = "Domain contains illegal character"
	errDomainStartsDot   = "Domain starts with dot"
	errDomainEndsDot     = "Domain ends with dot"
	errDomainDotDot      = "Domain contains dot-dot"
	errIllegalAddress    = "Illegal address"
	errMissingQuote      = `Missing '"'`
	errMissingLT         = "Missing '<'"
	errMissingGT         = "Missing '>'"
	errMissingRBracket   = "Missing ']'"
	errMissingLParen     = "Missing '('"
	errMissingRParen     = "Missing ')'"
	errNestedGroup       = "Nested group"
	errIllegalSemicolon  = "Illegal semicolon, not in group"
	errLocalTooLong      = "Local address is longer than 64 characters"
	errLabelTooLong      = "Domain label is longer than 63 characters"
	errDomainTooLong     = "Domain is longer than 253 characters"
	errAddressTooLong    = "Address is longer than 320 characters"
	errDomainNoDot       = "Domain has no dot; expected UserName@[SubDomain.]Domain.TopLevelDomain"
	errDomainHyphen      = "Domain label starts or ends with hyphen"
	errDomainLiteral     = "Domain literals are not supported"
	errInvalidEmailFmt   = "Invalid email address %s."
	maxEchoedInputLength = 320
)

// fail returns the fault for one of the texts above.
func fail(msg string) error { return fault.InvalidAddress("%s", msg) }

// invalid returns SES's generic refusal, which echoes the input.
func invalid(input string) error {
	if len(input) > maxEchoedInputLength {
		input = input[:maxEchoedInputLength] + "…"
	}
	return fault.InvalidAddress(errInvalidEmailFmt, input)
}
