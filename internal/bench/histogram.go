package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: every power-of-two range of
// values is split into 2^subBits buckets, so a bucket is at most 1/64
// (1.6 %) wider than its lower bound. Values below 64 are exact.
const (
	subBits = 6
	subN    = 1 << subBits
)

// Histogram counts non-negative values (microseconds, here) in
// log-linear buckets, so that percentiles of millions of latencies come
// from a few kilobytes. The zero value is empty and ready to use. It is
// not safe for concurrent use.
//
// In JSON it is {"count", "sum", "min", "max", "buckets": [[upper, n],
// ...]}, the non-empty buckets by their inclusive upper bound, so a
// reader needs no knowledge of the bucket layout.
type Histogram struct {
	counts   []int64 // by bucket index
	n        int64
	sum      int64
	min, max int64
}

// bucket is the index of v's bucket.
func bucket(v int64) int {
	if v < subN {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - subBits - 1
	return subN + shift*subN + int(v>>shift) - subN
}

// upper is the largest value in bucket i.
func upper(i int) int64 {
	if i < subN {
		return int64(i)
	}
	shift := (i - subN) / subN
	r := int64((i - subN) % subN)
	top := (subN+r+1)<<shift - 1
	if top < 0 { // the last buckets reach past MaxInt64
		return math.MaxInt64
	}
	return top
}

// Record counts one value; negative values count as 0 (a clock that
// stepped back).
func (h *Histogram) Record(v int64) {
	v = max(v, 0)
	i := bucket(v)
	if i >= len(h.counts) {
		h.counts = append(h.counts, make([]int64, i+1-len(h.counts))...)
	}
	h.counts[i]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	h.max = max(h.max, v)
	h.n++
	h.sum += v
}

// RecordDuration counts d in microseconds.
func (h *Histogram) RecordDuration(d time.Duration) { h.Record(d.Microseconds()) }

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.n == 0 {
		return
	}
	if len(o.counts) > len(h.counts) {
		h.counts = append(h.counts, make([]int64, len(o.counts)-len(h.counts))...)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// Clone returns a copy of h.
func (h *Histogram) Clone() *Histogram {
	c := *h
	c.counts = append([]int64(nil), h.counts...)
	return &c
}

// Count is the number of values recorded.
func (h *Histogram) Count() int64 { return h.n }

// Max is the largest value recorded, exactly.
func (h *Histogram) Max() int64 { return h.max }

// Mean is the average value, exactly.
func (h *Histogram) Mean() float64 {
	if h.n == 0 {
		return 0
	}
	return float64(h.sum) / float64(h.n)
}

// Quantile returns the value below or at which a fraction q (0..1) of
// the values lie: the upper bound of the bucket that holds it, never more
// than the largest value recorded. It is 0 for an empty histogram.
func (h *Histogram) Quantile(q float64) int64 {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(max(upper(i), h.min), h.max)
		}
	}
	return h.max
}

// Percentiles are the summary figures of a latency histogram, in
// microseconds.
type Percentiles struct {
	Count int64 `json:"count"`
	P50   int64 `json:"p50"`
	P90   int64 `json:"p90"`
	P99   int64 `json:"p99"`
	Max   int64 `json:"max"`
}

// Percentiles summarises h.
func (h *Histogram) Percentiles() Percentiles {
	return Percentiles{Count: h.n, P50: h.Quantile(0.50), P90: h.Quantile(0.90), P99: h.Quantile(0.99), Max: h.max}
}

// String renders the percentiles as durations: "p50 1.2ms p90 3ms p99 8.1ms max 20ms".
func (p Percentiles) String() string {
	d := func(us int64) string { return Micros(us) }
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s", d(p.P50), d(p.P90), d(p.P99), d(p.Max))
}

// Micros renders a number of microseconds as a short duration with
// three significant digits: "850µs", "12.3ms", "4.56s".
func Micros(us int64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%dµs", us)
	case us < 1_000_000:
		return trim(float64(us)/1e3) + "ms"
	default:
		return trim(float64(us)/1e6) + "s"
	}
}

// trim formats f with three significant digits.
func trim(f float64) string {
	switch {
	case f < 10:
		return fmt.Sprintf("%.2f", f)
	case f < 100:
		return fmt.Sprintf("%.1f", f)
	default:
		return fmt.Sprintf("%.0f", f)
	}
}

type histogramJSON struct {
	Count   int64      `json:"count"`
	Sum     int64      `json:"sum"`
	Min     int64      `json:"min"`
	Max     int64      `json:"max"`
	Buckets [][2]int64 `json:"buckets"`
}

// MarshalJSON implements json.Marshaler.
func (h *Histogram) MarshalJSON() ([]byte, error) {
	out := histogramJSON{Count: h.n, Sum: h.sum, Min: h.min, Max: h.max, Buckets: [][2]int64{}}
	for i, c := range h.counts {
		if c > 0 {
			out.Buckets = append(out.Buckets, [2]int64{upper(i), c})
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON implements json.Unmarshaler.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	var in histogramJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*h = Histogram{n: in.Count, sum: in.Sum, min: in.Min, max: in.Max}
	var total int64
	for _, bc := range in.Buckets {
		if bc[0] < 0 || bc[1] < 0 {
			return fmt.Errorf("histogram: negative bucket %v", bc)
		}
		i := bucket(bc[0])
		if i >= len(h.counts) {
			h.counts = append(h.counts, make([]int64, i+1-len(h.counts))...)
		}
		h.counts[i] += bc[1]
		total += bc[1]
	}
	if total != in.Count {
		return fmt.Errorf("histogram: buckets hold %d values, count says %d", total, in.Count)
	}
	return nil
}
