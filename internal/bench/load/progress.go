package load

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progress prints a line every interval: how far the run is, the rate
// of acceptance over the last interval and, with a sink, deliveries. On
// a terminal the line is rewritten in place.
type progress struct {
	cancel context.CancelFunc
	done   sync.WaitGroup
	w      io.Writer
	tty    bool
}

func startProgress(ctx context.Context, r *run, sink *sinkClient) *progress {
	p := &progress{w: r.cfg.Progress}
	if p.w == nil {
		return p
	}
	if f, ok := p.w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	interval := r.cfg.Interval
	if interval <= 0 {
		interval = time.Second
	}
	ctx, p.cancel = context.WithCancel(ctx)
	p.done.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		last, lastAt := int64(0), r.cfg.Clock.Now()
		lastDelivered := int64(0)
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			now := r.cfg.Clock.Now()
			acc := r.accepted.Load()
			dt := now.Sub(lastAt).Seconds()
			line := fmt.Sprintf("bench send %5s %s %3d%%  sent %d  accepted %d (%.0f/s)  rejected %d",
				now.Sub(r.start).Round(time.Second), bar(r.sent.Load(), int64(r.cfg.Count)),
				100*r.sent.Load()/int64(r.cfg.Count), r.sent.Load(), acc, float64(acc-last)/dt, r.rejected.Load())
			if sink != nil {
				if st, err := sink.fetch(ctx); err == nil {
					line += fmt.Sprintf("  delivered %d (%.0f/s)", st.Messages, float64(st.Messages-lastDelivered)/dt)
					lastDelivered = st.Messages
				}
			}
			if !r.sending.Load() {
				line += "  (waiting for the sink)"
			}
			last, lastAt = acc, now
			p.print(line)
		}
	})
	return p
}

func (p *progress) print(line string) {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K"+line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// stop ends the progress lines.
func (p *progress) stop() {
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.done.Wait()
	if p.tty {
		fmt.Fprintln(p.w)
	}
}

// bar draws done/total as [#####---------------].
func bar(done, total int64) string {
	const width = 20
	n := int(width * done / max(total, 1))
	return "[" + strings.Repeat("#", n) + strings.Repeat("-", width-n) + "]"
}
