package node

import (
	"os"
	"runtime/debug"
)

// DefaultGCPercent is the garbage collector target serve uses unless GOGC
// is set. Intake allocates a few copies of every message (request body,
// decoded JSON, composed MIME) that die within milliseconds; at Go's
// default of 100 the collector ran so often that it took a third of the
// CPU in BenchmarkSendEmail. 400 raised accepted messages/s by about a
// third there (see BENCHMARKS.md) for a heap that stays small: in-flight
// messages, not the queue, live in memory.
const DefaultGCPercent = 400

// TuneGC applies DefaultGCPercent unless the operator set GOGC.
func TuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(DefaultGCPercent)
	}
}
