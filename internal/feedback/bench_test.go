package feedback

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParse parses every message of the corpus once per iteration.
func BenchmarkParse(b *testing.B) {
	paths, _ := filepath.Glob(filepath.Join(corpusDir, "samples", "*.eml"))
	if len(paths) == 0 {
		b.Fatalf("the bounce corpus is missing under %s", corpusDir)
	}
	var msgs [][]byte
	var size int64
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, raw)
		size += int64(len(raw))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, raw := range msgs {
			if _, err := Parse(raw); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/msg")
}
