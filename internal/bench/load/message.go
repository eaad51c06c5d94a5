package load

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hikyaku/hikyaku/internal/bench"
)

// Weight is one recipient domain of the mix and its share.
type Weight struct {
	Domain string
	Weight int
}

// ParseDomains reads a recipient mix such as "sink.test=80,slow.test=20";
// a domain without "=W" weighs 1.
func ParseDomains(s string) ([]Weight, error) {
	var out []Weight
	total := 0
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		d, w, hasW := strings.Cut(item, "=")
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" || strings.ContainsAny(d, "@ \t") {
			return nil, fmt.Errorf("--to %q: want DOMAIN[=WEIGHT],... e.g. sink.test=80,slow.test=20", s)
		}
		wt := 1
		if hasW {
			n, err := strconv.Atoi(strings.TrimSpace(w))
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("--to %q: weight of %s is not a positive integer", s, d)
			}
			wt = n
		}
		total += wt
		if total > 1_000_000 {
			return nil, fmt.Errorf("--to %q: the weights add up to more than 1000000", s)
		}
		out = append(out, Weight{Domain: d, Weight: wt})
	}
	return out, nil
}

// pattern spreads the domains over one cycle of sum(weights) messages
// by smooth weighted round robin, so that every stretch of the run has
// close to the asked shares: 80/20 gives a,a,a,a,b,a,a,a,a,b,...
func pattern(ws []Weight) []string {
	total := 0
	for _, w := range ws {
		total += w.Weight
	}
	cur := make([]int, len(ws))
	out := make([]string, 0, total)
	for range total {
		best := 0
		for i, w := range ws {
			cur[i] += w.Weight
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		out = append(out, ws[best].Domain)
	}
	return out
}

// body is a text body of size bytes in lines of at most 78 characters,
// made once and shared by every message.
func body(size int) []byte {
	const line = "The quick brown fox jumps over the lazy dog, and hikyaku carries the mail."
	b := make([]byte, 0, size)
	for len(b) < size {
		rem := size - len(b)
		if rem <= 2 { // too short for a line and its CRLF
			b = append(b, "xx"[:rem]...)
			break
		}
		b = append(b, line[:min(len(line), rem-2)]...)
		b = append(b, "\r\n"...)
	}
	return b
}

// header is the header section of message i, submission begun at sent,
// with stamp as its X-Bench-Sent.
func header(buf []byte, from, to, run, stamp string, i int, sent time.Time) []byte {
	buf = append(buf, "From: <"...)
	buf = append(buf, from...)
	buf = append(buf, ">\r\nTo: <"...)
	buf = append(buf, to...)
	buf = append(buf, ">\r\nSubject: bench "...)
	buf = append(buf, run...)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, int64(i), 10)
	buf = append(buf, "\r\nDate: "...)
	buf = sent.AppendFormat(buf, time.RFC1123Z)
	buf = append(buf, "\r\nMessage-ID: <"...)
	buf = append(buf, run...)
	buf = append(buf, '.')
	buf = strconv.AppendInt(buf, int64(i), 10)
	buf = append(buf, "@bench.hikyaku.invalid>\r\n"...)
	buf = append(buf, bench.SentHeader+": "...)
	buf = append(buf, stamp...)
	buf = append(buf, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"...)
	return buf
}
