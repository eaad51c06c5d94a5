package bench

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsCoverEveryValueOnce(t *testing.T) {
	t.Parallel()
	for _, v := range []int64{0, 1, 63, 64, 65, 127, 128, 1000, 1 << 20, 1<<40 + 12345, math.MaxInt64} {
		i := bucket(v)
		if upper(i) < v {
			t.Errorf("value %d in bucket %d whose upper bound is %d", v, i, upper(i))
		}
		if i > 0 && upper(i-1) >= v {
			t.Errorf("value %d in bucket %d, but bucket %d reaches %d", v, i, i-1, upper(i-1))
		}
		if bucket(upper(i)) != i {
			t.Errorf("upper bound %d of bucket %d maps to bucket %d", upper(i), i, bucket(upper(i)))
		}
	}
}

func TestQuantilesAreWithinTwoPercent(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	vals := make([]int64, 100_000)
	for i := range vals {
		vals[i] = int64(rng.ExpFloat64() * 5000) // exponential, mean 5 ms
		h.Record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := vals[int(math.Ceil(q*float64(len(vals))))-1]
		got := h.Quantile(q)
		if got < want || float64(got) > float64(want)*1.02+1 {
			t.Errorf("q%.3f = %d, exact %d", q, got, want)
		}
	}
	if h.Quantile(1) != vals[len(vals)-1] || h.Max() != vals[len(vals)-1] {
		t.Errorf("max = %d / %d, want %d", h.Quantile(1), h.Max(), vals[len(vals)-1])
	}
}

func TestHistogramJSONRoundTripAndMerge(t *testing.T) {
	t.Parallel()
	var a, b Histogram
	for i := range int64(1000) {
		a.Record(i * 37)
		b.RecordDuration(time.Duration(i) * time.Millisecond)
	}
	raw, err := json.Marshal(&a)
	if err != nil {
		t.Fatal(err)
	}
	var back Histogram
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Percentiles() != a.Percentiles() || back.Mean() != a.Mean() {
		t.Errorf("after JSON %+v, before %+v", back.Percentiles(), a.Percentiles())
	}
	back.Merge(&b)
	if back.Count() != 2000 || back.Max() != 999_000 {
		t.Errorf("merged count %d max %d", back.Count(), back.Max())
	}
	if err := json.Unmarshal([]byte(`{"count":3,"buckets":[[10,1]]}`), &back); err == nil {
		t.Error("a histogram whose buckets disagree with its count decoded")
	}
}

func TestEmptyHistogram(t *testing.T) {
	t.Parallel()
	var h Histogram
	if p := h.Percentiles(); p != (Percentiles{}) {
		t.Errorf("empty: %+v", p)
	}
	raw, _ := json.Marshal(&h)
	if string(raw) != `{"count":0,"sum":0,"min":0,"max":0,"buckets":[]}` {
		t.Errorf("empty JSON %s", raw)
	}
}

func TestSentHeader(t *testing.T) {
	t.Parallel()
	at := time.UnixMicro(1_732_284_000_123_456)
	v := FormatSent(at, "run-1")
	if v != "1732284000123456 run-1" {
		t.Fatalf("FormatSent = %q", v)
	}
	got, run, ok := ParseSent(" " + v + "\r")
	if !ok || !got.Equal(at) || run != "run-1" {
		t.Errorf("ParseSent(%q) = %v %q %v", v, got, run, ok)
	}
	for _, bad := range []string{"", "1732284000123456", "x run", "-5 run", "12 bad/run", "12 " + string(make([]byte, 65))} {
		if _, _, ok := ParseSent(bad); ok {
			t.Errorf("ParseSent(%q) accepted", bad)
		}
	}
}

func TestMicros(t *testing.T) {
	t.Parallel()
	for us, want := range map[int64]string{850: "850µs", 12_345: "12.3ms", 4_560_000: "4.56s", 1500: "1.50ms", 250_000: "250ms"} {
		if got := Micros(us); got != want {
			t.Errorf("Micros(%d) = %q, want %q", us, got, want)
		}
	}
}
