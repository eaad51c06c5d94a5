package compose

import (
	"bytes"
	"strings"
	"testing"
)

func TestFinalize(t *testing.T) {
	t.Parallel()
	r, err := ParseRaw(readRaw(t, "outlook_attachment.eml"))
	if err != nil {
		t.Fatal(err)
	}
	out := r.Finalize("0100018f-new-000000@us-east-1.amazonses.com", testDate)
	golden(t, "finalized.eml", out)
	checkWire(t, out)

	header, body, _ := bytes.Cut(out, []byte("\r\n\r\n"))
	h := string(header)
	for _, gone := range []string{"Bcc:", "Return-Path:", "X-SES-", "20260309230000.ABC123@example.com", "Mon, 09 Mar 2026"} {
		if strings.Contains(h, gone) {
			t.Errorf("finalized header still holds %q", gone)
		}
	}
	if !strings.HasPrefix(h, "Message-ID: <0100018f-new-000000@us-east-1.amazonses.com>\r\nDate: Sat, 14 Mar 2026 15:09:26 +0000\r\nFrom:") {
		t.Errorf("finalized header starts %q", h[:min(len(h), 160)])
	}
	_, origBody, _ := bytes.Cut(readRaw(t, "outlook_attachment.eml"), []byte("\r\n\r\n"))
	if !bytes.Equal(body, origBody) {
		t.Error("the body changed")
	}
	again, err := ParseRaw(out)
	if err != nil {
		t.Fatalf("ParseRaw(Finalize(…)): %v", err)
	}
	if len(again.Bcc) != 0 || again.ConfigurationSet != "" || again.MessageID != "0100018f-new-000000@us-east-1.amazonses.com" {
		t.Errorf("re-parsed: Bcc %v, set %q, id %q", again.Bcc, again.ConfigurationSet, again.MessageID)
	}
}

func TestFinalizeConvertsBareLF(t *testing.T) {
	t.Parallel()
	r, err := ParseRaw(readRaw(t, "lf_only.eml"))
	if err != nil {
		t.Fatal(err)
	}
	out := r.Finalize("id@example.com", testDate)
	checkWire(t, out)
	want := "Message-ID: <id@example.com>\r\nDate: Sat, 14 Mar 2026 15:09:26 +0000\r\n" +
		"From: alerts@example.com\r\nTo: oncall@example.com\r\nSubject: disk usage 91% on db-1\r\n" +
		"Content-Type: text/plain\r\n\r\nFilesystem /var is 91% full.\r\n"
	if string(out) != want {
		t.Errorf("Finalize = %q, want %q", out, want)
	}
}

func TestFinalizeKeepsMessageIDWhenAsked(t *testing.T) {
	t.Parallel()
	r, err := ParseRaw(readRaw(t, "thunderbird.eml"))
	if err != nil {
		t.Fatal(err)
	}
	out := r.FinalizeWith("ses-id@example.com", testDate, FinalizeOptions{KeepMessageID: true})
	if !bytes.Contains(out, []byte("\r\nMessage-ID: <b7f3c1a2-4d5e-6f70-8192-a3b4c5d6e7f8@example.org>\r\n")) || bytes.Contains(out, []byte("ses-id")) {
		t.Errorf("the caller's Message-ID was not kept in place:\n%s", out)
	}
	if bytes.Count(out, []byte("Message-ID:")) != 1 || bytes.Count(out, []byte("Date:")) != 1 {
		t.Errorf("Message-ID or Date written twice:\n%s", out)
	}

	// Without a Message-ID of its own, the message gets the one given.
	r, err = ParseRaw(readRaw(t, "lf_only.eml"))
	if err != nil {
		t.Fatal(err)
	}
	out = r.FinalizeWith("ses-id@example.com", testDate, FinalizeOptions{KeepMessageID: true})
	if !bytes.HasPrefix(out, []byte("Message-ID: <ses-id@example.com>\r\n")) {
		t.Errorf("no Message-ID added:\n%s", out)
	}
}

func TestFinalizeMessageWithoutBody(t *testing.T) {
	t.Parallel()
	r, err := ParseRaw(readRaw(t, "no_body.eml"))
	if err != nil {
		t.Fatal(err)
	}
	out := r.Finalize("<id@example.com>", testDate)
	want := "Message-ID: <id@example.com>\r\nDate: Sat, 14 Mar 2026 15:09:26 +0000\r\n" +
		"From: a@example.com\r\nTo: b@example.com\r\nSubject: header only\r\n\r\n"
	if string(out) != want {
		t.Errorf("Finalize = %q, want %q", out, want)
	}
}

func TestFinalizeCleansABadID(t *testing.T) {
	t.Parallel()
	r, err := ParseRaw(readRaw(t, "no_body.eml"))
	if err != nil {
		t.Fatal(err)
	}
	out := r.Finalize("id@example.com>\r\nBcc: x@example.com", testDate)
	if !bytes.HasPrefix(out, []byte("Message-ID: <id@example.comBcc:x@example.com>\r\nDate:")) {
		t.Errorf("Finalize = %q", out)
	}
}
