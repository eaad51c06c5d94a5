package column

import (
	"testing"
	"time"

	"github.com/hikyaku/hikyaku/internal/store"
)

func TestBucketsAreEpochAligned(t *testing.T) {
	for _, tc := range []struct{ in, want time.Time }{
		{time.Date(2025, 3, 14, 9, 14, 59, 999999999, time.UTC), time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)},
		{time.Date(2025, 3, 14, 9, 15, 0, 0, time.UTC), time.Date(2025, 3, 14, 9, 15, 0, 0, time.UTC)},
		// 18:50 in UTC+05:30 is 13:20 UTC.
		{time.Date(2025, 3, 14, 18, 50, 0, 0, time.FixedZone("IST", 5*3600+1800)), time.Date(2025, 3, 14, 13, 15, 0, 0, time.UTC)},
	} {
		got := Bucket(tc.in)
		if !got.Equal(tc.want) || got.Unix()%int64(store.StatsBucketSize/time.Second) != 0 {
			t.Errorf("Bucket(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestMicrosRoundTrip(t *testing.T) {
	for _, in := range []time.Time{{}, time.Unix(0, 0), time.Date(1900, 1, 1, 0, 0, 0, 1500, time.UTC), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)} {
		got := FromMicros(Micros(in))
		if !got.Equal(Time(in)) || got.IsZero() != in.IsZero() {
			t.Errorf("FromMicros(Micros(%v)) = %v", in, got)
		}
	}
}

func TestEmptyListsDecodeToNil(t *testing.T) {
	tags, err := Tags(nil)
	if err != nil || tags != "[]" {
		t.Fatalf("Tags(nil) = %q, %v", tags, err)
	}
	if got, err := ParseTags(tags); got != nil || err != nil {
		t.Errorf("ParseTags(%q) = %v, %v; want nil", tags, got, err)
	}
	if got, err := ParseStrings("[]"); got != nil || err != nil {
		t.Errorf("ParseStrings([]) = %v, %v; want nil", got, err)
	}
	if _, err := ParseDkimKeys("{not json"); err == nil {
		t.Error("ParseDkimKeys of garbage succeeded")
	}
}
