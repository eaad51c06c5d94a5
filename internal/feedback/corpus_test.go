package feedback

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// corpusDir is the shared corpus of real bounces with Sisimai's expected
// classifications (see its README.md).
const corpusDir = "../../../shared/data/bounces"

// corpusRow is one row of expected.tsv.
type corpusRow struct {
	file, recipient, reason, status, source, statusKind string
	hard                                                bool
}

// knownDisagreements are corpus rows where this package deliberately differs
// from the expected labels, with the reason.
var knownDisagreements = map[string]string{
	"lhost-domino-02.eml": "the Japanese reason text is ISO-2022-JP; the labelling Sisimai (Go) no longer converts " +
		"non-UTF-8 text and cannot read it, this package does and finds userunknown (rb-sisimai agrees)",
	"lhost-notes-02.eml": "same: an unlabelled ISO-2022-JP \"not in the directory\" reason, read here as userunknown",
	"rhost-nttdocomo-02.eml": "NTT docomo's \"550 Unknown user\" means the mailbox does not exist since docomo " +
		"stopped SMTP-level filter rejections (March 2025); later Sisimai agrees (userunknown)",
	"rhost-nttdocomo-03.eml": "same as rhost-nttdocomo-02.eml",
}

func loadCorpus(t testing.TB) []corpusRow {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "expected.tsv"))
	if err != nil {
		t.Fatalf("the bounce corpus is missing: %v\n"+
			"These tests read %s (expected.tsv and samples/), shared with the repository's checkout; "+
			"restore it or run only the synthetic tests with -run 'Test[^C]'", err, corpusDir)
	}
	defer f.Close()
	var rows []corpusRow
	sc := bufio.NewScanner(f)
	var cols map[string]int
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = map[string]int{}
			for i, c := range fields {
				cols[c] = i
			}
			continue
		}
		get := func(k string) string {
			if i, ok := cols[k]; ok && i < len(fields) {
				return fields[i]
			}
			return ""
		}
		rows = append(rows, corpusRow{
			file: get("file"), recipient: get("recipient"), reason: get("reason"), status: get("status"),
			source: get("source"), statusKind: get("status_kind"), hard: get("hardbounce") == "true",
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s/expected.tsv has no rows", corpusDir)
	}
	return rows
}

var (
	corpusOnce    sync.Once
	corpusReports map[string]*Report
)

// parseCorpus parses every sample once for all tests.
func parseCorpus(t testing.TB, rows []corpusRow) map[string]*Report {
	t.Helper()
	corpusOnce.Do(func() {
		corpusReports = map[string]*Report{}
		for _, r := range rows {
			if _, ok := corpusReports[r.file]; ok {
				continue
			}
			raw, err := os.ReadFile(filepath.Join(corpusDir, "samples", r.file))
			if err != nil {
				t.Fatalf("read sample: %v", err)
			}
			rep, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse(%s): %v", r.file, err)
			}
			corpusReports[r.file] = rep
		}
	})
	return corpusReports
}

func findRecipient(rep *Report, addr string) *Recipient {
	for i := range rep.Recipients {
		if strings.EqualFold(rep.Recipients[i].Address, addr) {
			return &rep.Recipients[i]
		}
	}
	return nil
}

// TestCorpus checks every recipient of the corpus against Sisimai's labels:
// the address is found, the status code matches where the message carries
// one (its class where Sisimai made one up), and hard agrees with Sisimai's
// hardbounce flag.
func TestCorpus(t *testing.T) {
	t.Parallel()
	rows := loadCorpus(t)
	reports := parseCorpus(t, rows)
	for _, row := range rows {
		t.Run(row.file+"/"+row.recipient, func(t *testing.T) {
			rep := reports[row.file]
			r := findRecipient(rep, row.recipient)
			if strings.HasPrefix(row.recipient, "undisclosed-") && r == nil && len(rep.Recipients) > 0 {
				r = &rep.Recipients[0]
			}
			if r == nil {
				t.Fatalf("recipient %s not found; got %d recipients (format %q)", row.recipient, len(rep.Recipients), rep.Format)
			}
			if why, ok := knownDisagreements[row.file]; ok {
				t.Skipf("known disagreement with the label %s: %s", row.reason, why)
			}
			switch row.statusKind {
			case "explicit":
				if r.Status != row.status {
					t.Errorf("status %q, want %q (reason %s)", r.Status, row.status, r.Reason)
				}
			case "pseudo":
				if r.Status == "" || r.Status[0] != row.status[0] {
					t.Errorf("status %q, want class of %q", r.Status, row.status)
				}
			}
			if r.Hard != row.hard {
				t.Errorf("hard = %v, want %v (reason %s, want %s; status %s)", r.Hard, row.hard, r.Reason, row.reason, r.Status)
			}
			if string(r.Reason) != row.reason {
				t.Logf("reason %s, Sisimai says %s", r.Reason, row.reason)
			}
		})
	}
}

// TestCorpusScore checks the aggregate accuracy the project targets: at
// least 0.95 on recipient, status and hard/soft, known disagreements
// included.
func TestCorpusScore(t *testing.T) {
	t.Parallel()
	rows := loadCorpus(t)
	reports := parseCorpus(t, rows)
	var n, rcpt, hard, stN, st int
	perSource := map[string][2]int{}
	for _, row := range rows {
		n++
		r := findRecipient(reports[row.file], row.recipient)
		if r == nil && strings.HasPrefix(row.recipient, "undisclosed-") && len(reports[row.file].Recipients) > 0 {
			r = &reports[row.file].Recipients[0]
		}
		ok := r != nil && r.Hard == row.hard
		if r != nil {
			rcpt++
		}
		if ok {
			hard++
		}
		if row.statusKind == "explicit" {
			stN++
			if r != nil && r.Status == row.status {
				st++
			}
		}
		c := perSource[row.source]
		c[1]++
		if ok {
			c[0]++
		}
		perSource[row.source] = c
	}
	score := func(a, b int) float64 { return float64(a) / float64(b) }
	t.Logf("recipient %.3f status %.3f hardsoft %.3f (n=%d)", score(rcpt, n), score(st, stN), score(hard, n), n)
	for _, m := range []struct {
		name string
		v    float64
	}{{"recipient", score(rcpt, n)}, {"status", score(st, stN)}, {"hardsoft", score(hard, n)}} {
		if m.v < 0.95 {
			t.Errorf("%s accuracy %.3f, below the 0.95 target", m.name, m.v)
		}
	}
	for src, c := range perSource {
		if score(c[0], c[1]) < 0.8 {
			t.Logf("weak source %s: hard/soft %d/%d", src, c[0], c[1])
		}
	}
}
