package secret

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestMasterKeyFromEnvironment(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, KeySize)
	encoded := base64.StdEncoding.EncodeToString(key)
	tests := []struct {
		name, env string
		wantErr   bool
	}{
		{name: "base64 is used", env: encoded},
		{name: "surrounding whitespace is ignored", env: " " + encoded + "\n"},
		{name: "text that is not base64 is refused", env: "not base64!", wantErr: true},
		{name: "a 16-byte key is refused", env: base64.StdEncoding.EncodeToString(key[:16]), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dataDir := filepath.Join(t.TempDir(), "data")
			got, err := LoadMasterKey(dataDir, tt.env)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), EnvMasterKey) || !strings.Contains(err.Error(), "base64") {
					t.Errorf("LoadMasterKey = %v, want an error naming %s and saying how to make a key", err, EnvMasterKey)
				}
				return
			}
			if err != nil || !bytes.Equal(got, key) {
				t.Fatalf("LoadMasterKey = %x, %v; want %x", got, err, key)
			}
			if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
				t.Errorf("the data directory was touched although the key came from the environment: %v", err)
			}
		})
	}
}

func TestMasterKeyFileIsCreatedOnFirstUse(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	key, err := LoadMasterKey(dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != KeySize || bytes.Equal(key, make([]byte, KeySize)) {
		t.Fatalf("new key %x is not %d random bytes", key, KeySize)
	}
	path := filepath.Join(dataDir, KeyFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 && runtime.GOOS != "windows" {
		t.Errorf("%s has mode %04o, want 0600", path, perm)
	}
	data, _ := os.ReadFile(path)
	if want := base64.StdEncoding.EncodeToString(key) + "\n"; string(data) != want {
		t.Errorf("%s holds %q, want %q", path, data, want)
	}
	again, err := LoadMasterKey(dataDir, "")
	if err != nil || !bytes.Equal(again, key) {
		t.Errorf("second LoadMasterKey = %x, %v; want the same key %x", again, err, key)
	}
}

func TestMasterKeyFirstUseByManyAtOnce(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			key, err := LoadMasterKey(dataDir, "")
			if err != nil {
				t.Error(err)
			}
			keys[i] = key
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatalf("concurrent first uses got different keys: %x and %x", keys[0], k)
		}
	}
	entries, _ := os.ReadDir(dataDir)
	if len(entries) != 1 || entries[0].Name() != KeyFile {
		t.Errorf("the data directory holds %v, want only %s", entries, KeyFile)
	}
}

func TestMasterKeyFilePermissions(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX permissions")
	}
	tests := []struct {
		mode    os.FileMode
		refused bool
	}{
		{mode: 0o600},
		{mode: 0o400},
		{mode: 0o640, refused: true},
		{mode: 0o644, refused: true},
		{mode: 0o604, refused: true},
		{mode: 0o660, refused: true},
		{mode: 0o666, refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			t.Parallel()
			dataDir := t.TempDir()
			path := filepath.Join(dataDir, KeyFile)
			key := bytes.Repeat([]byte{9}, KeySize)
			if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			got, err := LoadMasterKey(dataDir, "")
			if !tt.refused {
				if err != nil || !bytes.Equal(got, key) {
					t.Errorf("LoadMasterKey = %x, %v; want %x", got, err, key)
				}
				return
			}
			if err == nil {
				t.Fatalf("a key file with mode %v was used", tt.mode)
			}
			if want := "chmod 600 " + path; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say how to fix it (%q)", err, want)
			}
		})
	}
}

func TestMasterKeyFileContents(t *testing.T) {
	t.Parallel()
	raw := bytes.Repeat([]byte{0xA5}, KeySize)
	tests := []struct {
		name    string
		content []byte
		want    []byte // nil: refused
	}{
		{name: "base64 with a newline", content: []byte(base64.StdEncoding.EncodeToString(raw) + "\n"), want: raw},
		{name: "32 raw bytes", content: raw, want: raw},
		{name: "an empty file", content: nil},
		{name: "text that is not a key", content: []byte("hunter2\n")},
		{name: "a 16-byte key", content: []byte(base64.StdEncoding.EncodeToString(raw[:16]))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dataDir := t.TempDir()
			path := filepath.Join(dataDir, KeyFile)
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadMasterKey(dataDir, "")
			if tt.want == nil {
				if err == nil || !strings.Contains(err.Error(), path) {
					t.Errorf("LoadMasterKey = %x, %v; want an error naming %s", got, err, path)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("LoadMasterKey = %x, %v; want %x", got, err, tt.want)
			}
		})
	}
}

func TestMasterKeyPathThatIsADirectory(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dataDir, KeyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadMasterKey(dataDir, ""); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("LoadMasterKey = %v, want a not-a-regular-file error", err)
	}
}

func TestLoadBoxSealsWithTheLoadedKey(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	b, err := LoadBox(dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	sealed := b.Seal([]byte("secret"))
	again, err := LoadBox(dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open(sealed); err != nil || string(got) != "secret" {
		t.Errorf("a Box loaded again opens %q, %v", got, err)
	}
}
