// Package blobs keeps the bytes of attachments for a portal.Portal
// (Options.Blobs): in memory, or as files in a directory.
//
// Both implement the contract of portal.Blobs: a key is a slash-separated
// path of letters, digits, '.', '_' and '-' that cannot leave the store (no
// "..", no leading slash, no empty element); Put stores data whole or not
// at all and replaces what the key held; Open of a missing key wraps
// portal.ErrNotFound; Delete of a missing key is nil. Both are safe for
// concurrent use.
package blobs

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/helpdeskkit/portal"
)

var (
	_ portal.Blobs = (*Memory)(nil)
	_ portal.Blobs = (*Dir)(nil)
)

// keyElem is one element of a key.
var keyElem = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$`)

// checkKey refuses a key that is not a clean relative path of at most 16
// elements.
func checkKey(key string) error {
	elems := strings.Split(key, "/")
	ok := fs.ValidPath(key) && key != "." && len(key) <= 1024 && len(elems) <= 16
	for _, e := range elems {
		ok = ok && keyElem.MatchString(e) && e != "." && e != ".."
	}
	if !ok {
		return fmt.Errorf("%w: blob key %q: must be a relative path of letters, digits, '.', '_' and '-'", portal.ErrInvalid, key)
	}
	return nil
}

// Memory keeps blobs in memory. The zero value is ready to use.
type Memory struct {
	mu    sync.RWMutex
	blobs map[string][]byte
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{} }

// Put implements portal.Blobs.
func (m *Memory) Put(_ context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	data = bytes.Clone(data)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.blobs == nil {
		m.blobs = map[string][]byte{}
	}
	m.blobs[key] = data
	return nil
}

// Open implements portal.Blobs.
func (m *Memory) Open(_ context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.blobs[key]
	if !ok {
		return nil, fmt.Errorf("%w: blob %q", portal.ErrNotFound, key)
	}
	return io.NopCloser(bytes.NewReader(b)), nil // b is never changed: Put replaces it
}

// Delete implements portal.Blobs.
func (m *Memory) Delete(_ context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, key)
	return nil
}

// Keys returns the stored keys, in any order: for tests that check nothing
// was left behind.
func (m *Memory) Keys() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]string, 0, len(m.blobs))
	for k := range m.blobs {
		out = append(out, k)
	}
	return out
}

// Dir keeps blobs as files under a directory, each key a path below it.
// Every access goes through an os.Root, so no key, link or race can reach
// a file outside the directory. A file is written to a temporary name in
// its directory, synced and renamed into place: a reader sees the whole old
// file or the whole new one, never a part, and a crash leaves at most a
// temporary file (named ".tmp-…") behind.
type Dir struct {
	root *os.Root
}

// OpenDir returns a Dir over the directory at path, creating it when it
// does not exist. The caller closes it.
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Dir{root: root}, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// Put implements portal.Blobs.
func (d *Dir) Put(_ context.Context, key string, data []byte) (err error) {
	if err := checkKey(key); err != nil {
		return err
	}
	dir := path.Dir(key)
	if err := d.root.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	tmp, f, err := d.temp(dir)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			d.root.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return d.root.Rename(tmp, key)
}

// temp creates a new temporary file in dir.
func (d *Dir) temp(dir string) (string, *os.File, error) {
	for {
		var b [8]byte
		if _, err := crand.Read(b[:]); err != nil {
			return "", nil, err
		}
		name := path.Join(dir, fmt.Sprintf(".tmp-%x", b))
		f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return name, f, err
	}
}

// Open implements portal.Blobs.
func (d *Dir) Open(_ context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	f, err := d.root.Open(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: blob %q", portal.ErrNotFound, key)
	}
	return f, err
}

// Delete implements portal.Blobs.
func (d *Dir) Delete(_ context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	err := d.root.Remove(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
