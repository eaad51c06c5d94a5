package mx

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// rcptField records an envelope recipient at the top of a spooled
// message, as an MTA's local delivery adds Delivered-To: the file stays a
// message an operator can open, and the envelope survives a restart.
const rcptField = "X-Hikyaku-Rcpt-To: "

// spool is the directory of accepted messages not yet processed. A file
// is complete once it has its final name: it is written under a temporary
// name, synced, renamed and the directory synced, so that a crash leaves
// either nothing or the whole message.
type spool struct {
	dir string
}

// unmatchedDir is where messages matching nothing are kept for the
// operator, under the spool.
const unmatchedDir = "unmatched"

func openSpool(dir string) (*spool, error) {
	if err := os.MkdirAll(filepath.Join(dir, unmatchedDir), 0o700); err != nil {
		return nil, fmt.Errorf("mx: create spool %s: %w", dir, err)
	}
	return &spool{dir: dir}, nil
}

// write stores raw, received for rcpts, durably and returns its name.
func (s *spool) write(raw []byte, rcpts []string, now time.Time) (string, error) {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	// Names sort by arrival, so recovery processes in order.
	name := fmt.Sprintf("%d-%s.eml", now.UnixNano(), hex.EncodeToString(rnd[:]))
	tmp, err := os.CreateTemp(s.dir, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("mx: spool: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	w := bufio.NewWriter(tmp)
	for _, r := range rcpts {
		w.WriteString(rcptField + r + "\r\n")
	}
	w.Write(raw)
	err = w.Flush()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(s.dir, name))
	}
	if err == nil {
		err = syncDir(s.dir)
	}
	if err != nil {
		return "", fmt.Errorf("mx: spool: %w", err)
	}
	return name, nil
}

// read returns a spooled message and its envelope recipients.
func (s *spool) read(name string) (raw []byte, rcpts []string, err error) {
	b, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		return nil, nil, fmt.Errorf("mx: read spooled %s: %w", name, err)
	}
	for bytes.HasPrefix(b, []byte(rcptField)) {
		line, rest, _ := bytes.Cut(b, []byte("\n"))
		rcpts = append(rcpts, strings.TrimSpace(string(line[len(rcptField):])))
		b = rest
	}
	return b, rcpts, nil
}

// list returns the names of the spooled messages, oldest first.
func (s *spool) list() ([]string, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("mx: list spool: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".eml") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// remove deletes a processed message.
func (s *spool) remove(name string) error {
	if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("mx: remove spooled %s: %w", name, err)
	}
	return syncDir(s.dir)
}

// keep moves a message that matched nothing to unmatched/.
func (s *spool) keep(name string) error {
	if err := os.Rename(filepath.Join(s.dir, name), filepath.Join(s.dir, unmatchedDir, name)); err != nil {
		return fmt.Errorf("mx: keep unmatched %s: %w", name, err)
	}
	if err := syncDir(filepath.Join(s.dir, unmatchedDir)); err != nil {
		return err
	}
	return syncDir(s.dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
