package sqlite

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hikyaku/hikyaku/internal/store"
)

// childEnv, when set, makes TestTwoProcessesOnOneFile play the second
// process: it names the database file to write to.
const childEnv = "HIKYAKU_SQLITE_TEST_CHILD"

const processAccount = "444444444444"

// A server and an admin command are two processes on one file. This test
// runs the second process for real: its own binary (this test binary run
// again), its own connections, SQLite's file locks between them.
func TestTwoProcessesOnOneFile(t *testing.T) {
	if path := os.Getenv(childEnv); path != "" {
		writeMessages(t, path, "child")
		return
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "two-processes.db")
	s := openTemp(t, path)
	defer closeStore(t, s)
	if err := s.CreateAccount(t.Context(), account(processAccount)); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}

	child := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestTwoProcessesOnOneFile$", "-test.count=1")
	child.Env = append(os.Environ(), childEnv+"="+path)
	out := make(chan []byte, 1)
	var childErr error
	go func() {
		b, err := child.CombinedOutput()
		childErr = err
		out <- b
	}()
	writeMessagesWith(t, s, "parent")
	if b := <-out; childErr != nil {
		t.Fatalf("child process: %v\n%s", childErr, b)
	}
	for i := range processMessages {
		if _, err := s.GetMessage(t.Context(), fmt.Sprintf("child-%d", i)); err != nil {
			t.Errorf("the child's message %d: %v", i, err)
		}
	}
}

const processMessages = 300

func writeMessages(t *testing.T, path, who string) {
	s := openTemp(t, path)
	defer closeStore(t, s)
	if _, err := s.GetAccount(t.Context(), processAccount); err != nil {
		t.Fatalf("%s: the other process's account: %v", who, err)
	}
	writeMessagesWith(t, s, who)
}

// writeMessagesWith inserts processMessages messages from 16 goroutines,
// with a suppression entry (a single-statement write) now and then.
func writeMessagesWith(t *testing.T, s *Store, who string) {
	t.Helper()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := g; i < processMessages; i += 16 {
				id := fmt.Sprintf("%s-%d", who, i)
				if err := s.InsertMessage(t.Context(), message(processAccount, id)); err != nil {
					t.Errorf("%s: InsertMessage(%s): %v", who, id, err)
				}
				if i%10 == 0 {
					e := &store.Suppressed{AccountID: processAccount, Address: id + "@example.net", Reason: store.ReasonBounce}
					if err := s.PutSuppressed(t.Context(), e); err != nil {
						t.Errorf("%s: PutSuppressed: %v", who, err)
					}
				}
			}
		})
	}
	wg.Wait()
}
