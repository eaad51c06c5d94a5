package load

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/hikyaku/hikyaku/internal/bench"
)

// sinkClient reads a run's figures from a bench sink's /stats.
type sinkClient struct {
	url string // with ?run=
	run string
	hc  *http.Client
}

// newSinkClient accepts the /stats URL or the sink's base URL.
func newSinkClient(raw, run string) (*sinkClient, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--sink-stats %q: want the sink's URL, e.g. http://127.0.0.1:2601/stats", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/stats"
	}
	q := u.Query()
	q.Set("run", run)
	u.RawQuery = q.Encode()
	return &sinkClient{url: u.String(), run: run, hc: &http.Client{Timeout: 5 * time.Second}}, nil
}

// fetch returns the run's figures (zero before its first message).
func (c *sinkClient) fetch(ctx context.Context) (*bench.RunStats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", c.url, resp.Status)
	}
	var st bench.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return nil, fmt.Errorf("GET %s: not a bench sink's stats: %w", c.url, err)
	}
	if r := st.Runs[c.run]; r != nil {
		return r, nil
	}
	return &bench.RunStats{Latency: &bench.Histogram{}}, nil
}
