package compose

import (
	"strings"
	"testing"
)

// tenKB is about 10 KB of mixed-language text.
var tenKB = strings.Repeat("The quick brown fox jumps over the lazy dog. Café. 日本語のテキスト。\n", 130)

func BenchmarkSimple10KB(b *testing.B) {
	in := SimpleInput{
		From:      mustParse(b, "Sender <sender@example.com>"),
		Subject:   Content{Data: "Weekly digest — 今週のまとめ", Charset: "UTF-8"},
		Text:      &Content{Data: tenKB, Charset: "UTF-8"},
		HTML:      &Content{Data: "<html><body><p>" + tenKB + "</p></body></html>", Charset: "UTF-8"},
		Headers:   []Header{{Name: "List-Unsubscribe", Value: "<https://example.com/u/1>"}},
		MessageID: "0100-bench-000000@us-east-1.amazonses.com",
		Date:      testDate,
	}
	for range 3 {
		in.To = append(in.To, mustParse(b, "Recipient <r@example.net>"))
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(in.Text.Data) + len(in.HTML.Data)))
	for b.Loop() {
		in.Rand = &countingRand{}
		if _, err := Simple(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseRaw10KB(b *testing.B) {
	in := SimpleInput{
		From:      mustParse(b, "Sender <sender@example.com>"),
		Subject:   Content{Data: "Weekly digest"},
		Text:      &Content{Data: tenKB},
		HTML:      &Content{Data: "<p>" + tenKB + "</p>"},
		MessageID: "0100-bench-000000@us-east-1.amazonses.com",
		Date:      testDate,
		Attachments: []Attachment{
			{RawContent: []byte(tenKB[:2048]), FileName: "notes.txt"},
		},
		Rand: &countingRand{},
	}
	for _, s := range []string{"a@example.net", "B <b@example.net>", "c@example.org"} {
		in.To = append(in.To, mustParse(b, s))
	}
	msg, err := Simple(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := ParseRaw(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFinalize10KB(b *testing.B) {
	r, err := ParseRaw([]byte("From: a@example.com\nTo: b@example.net\nSubject: x\n\n" + tenKB))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Finalize("0100-new-000000@us-east-1.amazonses.com", testDate)
	}
}
