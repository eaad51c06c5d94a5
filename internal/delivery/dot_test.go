package delivery

import (
	"bufio"
	"bytes"
	"net/textproto"
	"testing"
)

// dotStuff writes chunks through dotWriter, or textproto's DotWriter when
// std is set, and returns the bytes on the wire.
func dotStuff(t testing.TB, std bool, chunks ...[]byte) []byte {
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	if std {
		w = textproto.NewWriter(bw).DotWriter()
	} else {
		w = &dotWriter{w: bw}
	}
	for _, c := range chunks {
		if n, err := w.Write(c); n != len(c) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", c, n, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestDotWriter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		chunks []string
		want   string
	}{
		{"an empty message", nil, "\r\n.\r\n"},
		{"CRLF lines", []string{"a\r\nb\r\n"}, "a\r\nb\r\n.\r\n"},
		{"no final line end", []string{"a\r\nb"}, "a\r\nb\r\n.\r\n"},
		{"bare LF becomes CRLF", []string{"a\nb\n"}, "a\r\nb\r\n.\r\n"},
		{"leading dots are doubled", []string{".a\r\n..b\r\nc.\r\n.\r\n"}, "..a\r\n...b\r\nc.\r\n..\r\n.\r\n"},
		{"a dot at the start of the message", []string{"."}, "..\r\n.\r\n"},
		{"CR and LF in separate writes", []string{"a\r", "\n.b\r\n"}, "a\r\n..b\r\n.\r\n"},
		{"a dot starting the next write", []string{"a\r\n", ".", "b\r\n"}, "a\r\n..b\r\n.\r\n"},
		{"a lone CR is data", []string{"a\rb\r\n"}, "a\rb\r\n.\r\n"},
		{"ends in CR", []string{"a\r"}, "a\r\n.\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var chunks [][]byte
			for _, c := range tc.chunks {
				chunks = append(chunks, []byte(c))
			}
			got := dotStuff(t, false, chunks...)
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if std := dotStuff(t, true, chunks...); !bytes.Equal(got, std) {
				t.Errorf("got %q, textproto writes %q", got, std)
			}
		})
	}
}

// dotSpec is what dotWriter must write for a whole message, one line at a
// time: each line (up to \n, less one \r before it) with a leading dot
// doubled and CRLF after it, then ".\r\n".
func dotSpec(msg []byte) []byte {
	var out []byte
	if len(msg) == 0 {
		return []byte("\r\n.\r\n")
	}
	lines := bytes.Split(msg, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1] // msg ended in \n
	}
	for _, l := range lines {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) > 0 && l[0] == '.' {
			out = append(out, '.')
		}
		out = append(append(out, l...), "\r\n"...)
	}
	return append(out, ".\r\n"...)
}

// FuzzDotWriter holds dotWriter, for any message cut into any two writes,
// to dotSpec, and to textproto's DotWriter where that has no quirk: it
// reads \r\r\n as a bare CR and a bare LF and sends \r\r\r\n, where
// dotWriter keeps the bytes as they are.
func FuzzDotWriter(f *testing.F) {
	for _, s := range []string{"", ".", "a\r\n.b\r\n", "a\nb", "\r", "\r\n\r\n.", "x\r\r\n..\n", "a\r\n."} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, msg []byte, cut uint8) {
		k := int(cut) % (len(msg) + 1)
		got := dotStuff(t, false, msg[:k], msg[k:])
		if want := dotSpec(msg); !bytes.Equal(got, want) {
			t.Fatalf("message %q cut at %d: got %q, want %q", msg, k, got, want)
		}
		if bytes.Contains(msg, []byte("\r\r")) {
			return
		}
		if std := dotStuff(t, true, msg[:k], msg[k:]); !bytes.Equal(got, std) {
			t.Fatalf("message %q cut at %d: got %q, textproto writes %q", msg, k, got, std)
		}
	})
}
