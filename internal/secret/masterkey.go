package secret

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

const (
	// KeySize is the master key's length: an AES-256 key.
	KeySize = 32
	// KeyFile is the master key file's name in the data directory.
	KeyFile = "master.key"
	// EnvMasterKey names the environment variable that, when set, holds
	// the master key in base64 and takes the place of the key file.
	EnvMasterKey = "HIKYAKU_MASTER_KEY"
)

// LoadMasterKey returns the master key. If env (the value of
// HIKYAKU_MASTER_KEY) is not empty, the key is decoded from it and the data
// directory is not touched. Otherwise the key is read from dataDir/master.key,
// which is created with a new random key if it does not exist; a file that
// other users could read is refused.
//
// The file holds the key in base64, the same form the environment variable
// takes, so a key can be moved between the two; a file of exactly 32 raw
// bytes is accepted too.
func LoadMasterKey(dataDir, env string) ([]byte, error) {
	if env != "" {
		key, err := decodeKey([]byte(env))
		if err != nil {
			return nil, fmt.Errorf("secret: %s: %w", EnvMasterKey, err)
		}
		return key, nil
	}
	path := filepath.Join(dataDir, KeyFile)
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKeyFile(path)
	}
	return key, err
}

func decodeKey(text []byte) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(text)))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("the master key must be %d bytes in base64 (make one with: head -c %d /dev/urandom | base64)", KeySize, KeySize)
	}
	return key, nil
}

// readKeyFile reads the key from path, refusing a file whose permissions
// let anyone but its owner read or write it.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err) // the caller looks for fs.ErrNotExist
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("secret: %s is not a regular file", path)
	}
	// Windows has no POSIX permissions to check.
	if perm := info.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("secret: %s has mode %04o, which lets other users read or change the master key; fix it with: chmod 600 %s", path, perm, path)
	}
	// A key file is 45 bytes; anything much larger is not one.
	data, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return nil, fmt.Errorf("secret: reading %s: %w", path, err)
	}
	if len(data) == KeySize {
		return data, nil
	}
	key, err := decodeKey(data)
	if err != nil {
		return nil, fmt.Errorf("secret: %s: %w", path, err)
	}
	return key, nil
}

// createKeyFile makes a new key and stores it at path. The key is written
// to a temporary file first and linked into place, so the file never holds
// half a key and, when two processes start at once, both end up with the
// one that was linked first.
func createKeyFile(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secret: creating the data directory: %w", err)
	}
	key := make([]byte, KeySize)
	rand.Read(key)

	tmp, err := os.CreateTemp(dir, ".master.key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("secret: creating %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("secret: writing %s: %w", tmp.Name(), err)
	}

	switch err := os.Link(tmp.Name(), path); {
	case errors.Is(err, fs.ErrExist):
		return readKeyFile(path) // another process made it first
	case err != nil:
		return nil, fmt.Errorf("secret: creating %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("secret: creating %s: %w", path, err)
	}
	return key, nil
}

// syncDir makes a new directory entry durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
