// Package address parses and formats email addresses the way Amazon SES
// accepts them.
//
// SES has no SMTPUTF8 (RFC 6531): the local part must be 7-bit ASCII, and a
// domain with non-ASCII characters travels as Punycode (RFC 3492). hikyaku is
// a little kinder than SES here: a domain given in U-label form
// ("例え.jp") is converted to its A-label ("xn--r8jz45g.jp") with the IDNA
// Lookup profile instead of being refused. Display names may hold any
// Unicode text; they are decoded from RFC 2047 encoded words on input and
// encoded again on output.
//
// Errors are *fault.Error values carrying SES's own texts. SES parses
// addresses with JavaMail's InternetAddress, so the texts are JavaMail's
// ("Missing final '@domain'", "Local address contains control or
// whitespace", "Domain ends with dot", …); see errors.go for the catalogue
// and where each text was seen.
package address
