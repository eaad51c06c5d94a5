package events

import (
	"mime"
	"net/mail"
	"strings"

	"github.com/emersion/go-message/charset"
)

// SES runs on JavaMail (its error texts for addresses are JavaMail's; see
// internal/address), and the commonHeaders it writes match JavaMail's
// accessors, which this file follows: MimeMessage.getSubject for the subject (encoded words
// decoded), InternetAddress.toUnicodeString for each address ("John Doe
// <john@example.com>" for `"John Doe" <john@example.com>` in
// [DG:notification-examples]), and the raw value for Date and Message-ID.
// An address field present several times is read as one list, as
// MimeMessage.getRecipients joins them.

// wordDecoder decodes RFC 2047 encoded words in every charset go-message
// knows, not only the three the standard library handles.
var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// commonHeaders computes SES's commonHeaders from the fields of a message.
func commonHeaders(fields []field) CommonHeaders {
	var c CommonHeaders
	if v, ok := first(fields, "Return-Path"); ok {
		c.ReturnPath = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(v), "<"), ">")
	}
	c.From = addressList(fields, "From")
	if v, ok := first(fields, "Sender"); ok {
		if list := formatList(v); len(list) > 0 {
			c.Sender = list[0]
		}
	}
	c.ReplyTo = addressList(fields, "Reply-To")
	if v, ok := first(fields, "Date"); ok {
		c.Date = strings.TrimSpace(v)
	}
	c.To = addressList(fields, "To")
	c.Cc = addressList(fields, "Cc")
	c.Bcc = addressList(fields, "Bcc")
	if v, ok := first(fields, "Message-ID"); ok {
		c.MessageID = strings.TrimSpace(v)
	}
	if v, ok := first(fields, "Subject"); ok {
		c.Subject = decodeText(v)
	}
	return c
}

// first returns the value of the first field called name.
func first(fields []field, name string) (string, bool) {
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// addressList reads every field called name as one address list.
func addressList(fields []field, name string) []string {
	var values []string
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			values = append(values, f.Value)
		}
	}
	if len(values) == 0 {
		return nil
	}
	return formatList(strings.Join(values, ", "))
}

// formatList parses an address list and writes each address as SES does.
// A value that does not parse, or that holds no address (a group such as
// "undisclosed-recipients:;"), is given as it is, trimmed, as JavaMail's
// lenient parser returns such text as a single address.
func formatList(value string) []string {
	value = strings.TrimSpace(value)
	if value == "" {
		return nil
	}
	parser := mail.AddressParser{WordDecoder: wordDecoder}
	list, err := parser.ParseList(value)
	if err != nil || len(list) == 0 {
		return []string{value}
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, formatAddress(a))
	}
	return out
}

// formatAddress writes a as JavaMail's InternetAddress.toUnicodeString.
func formatAddress(a *mail.Address) string {
	spec := addrSpec(a.Address)
	if a.Name != "" {
		return quotePhrase(a.Name) + " <" + spec + ">"
	}
	if strings.ContainsAny(spec, `()<>,;:\"[]`) {
		return "<" + spec + ">"
	}
	return spec
}

// addrSpec quotes the local part of addr again where net/mail took the
// quotes off ("john doe"@example.com), so that the address reads as it was
// written.
func addrSpec(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	local, domain := addr[:at], addr[at:]
	if isDotAtom(local) {
		return addr
	}
	return quoteString(local) + domain
}

// rfc822Phrase are the characters that make JavaMail quote a display name
// (HeaderTokenizer.RFC822 without space and tab).
const rfc822Phrase = `()<>@,;:\".[]`

// quotePhrase writes a display name as JavaMail's
// InternetAddress.quotePhrase does: as it is, unless it holds a special
// character or a control character. Non-ASCII text is not taken as a
// reason to quote (JavaMail's "allowutf8" mode): a recording shows SES
// reporting a UTF-8 Subject intact in both headers and commonHeaders, so
// it reads header text as UTF-8.
func quotePhrase(name string) string {
	if strings.ContainsAny(name, `"\`) {
		return quoteString(name)
	}
	for _, c := range name {
		if (c < ' ' && c != '\r' && c != '\n' && c != '\t') || c == 0x7f || strings.ContainsRune(rfc822Phrase, c) {
			return `"` + name + `"`
		}
	}
	return name
}

// quoteString writes s as a quoted-string, escaping " and \.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	b.WriteByte('"')
	return b.String()
}

// isDotAtom reports whether s is an RFC 5322 dot-atom-text.
func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '.' && !isAtext(c) {
			return false
		}
	}
	return true
}

// isAtext reports whether c is an RFC 5322 atext character.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// decodeText decodes the encoded words of an unstructured field (RFC 2047
// §5(1)), as JavaMail's MimeUtility.decodeText. A word in a charset no
// decoder knows leaves the text as written.
func decodeText(s string) string {
	decoded, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return strings.ToValidUTF8(decoded, "\uFFFD")
}
