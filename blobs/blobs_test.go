package blobs_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/blobs"
)

// stores runs fn on a Memory and on a Dir.
func stores(t *testing.T, fn func(t *testing.T, b portal.Blobs)) {
	t.Run("Memory", func(t *testing.T) { fn(t, blobs.NewMemory()) })
	t.Run("Dir", func(t *testing.T) {
		d, err := blobs.OpenDir(filepath.Join(t.TempDir(), "blobs"))
		require.NoError(t, err)
		t.Cleanup(func() { d.Close() })
		fn(t, d)
	})
}

func read(t *testing.T, b portal.Blobs, key string) []byte {
	t.Helper()
	rc, err := b.Open(context.Background(), key)
	require.NoError(t, err)
	defer rc.Close()
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	return data
}

// covers: P5 (attachments)
func TestPutOpenReplaceDelete(t *testing.T) {
	stores(t, func(t *testing.T, b portal.Blobs) {
		ctx := context.Background()
		key := "0190a0a0-0000-7000-8000-000000000001/0190a0a0-0000-7000-8000-000000000002"
		_, err := b.Open(ctx, key)
		require.ErrorIs(t, err, portal.ErrNotFound, "missing")
		data := []byte("hello")
		require.NoError(t, b.Put(ctx, key, data))
		data[0] = 'J'
		assert.Equal(t, []byte("hello"), read(t, b, key), "not aliased")
		require.NoError(t, b.Put(ctx, key, []byte("replaced")))
		assert.Equal(t, []byte("replaced"), read(t, b, key))
		require.NoError(t, b.Delete(ctx, key))
		_, err = b.Open(ctx, key)
		require.ErrorIs(t, err, portal.ErrNotFound, "deleted")
		require.NoError(t, b.Delete(ctx, key), "deleting a missing key is nil")
	})
}

// Keys that could leave the store are refused by every method.
// covers: P5 (attachments)
func TestKeysCannotEscape(t *testing.T) {
	stores(t, func(t *testing.T, b portal.Blobs) {
		ctx := context.Background()
		for _, key := range []string{"", ".", "..", "../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", `a\..\b`, "a/", "x\x00y", strings.Repeat("a/", 20) + "b"} {
			require.ErrorIs(t, b.Put(ctx, key, []byte("x")), portal.ErrInvalid, "put %q", key)
			_, err := b.Open(ctx, key)
			require.ErrorIs(t, err, portal.ErrInvalid, "open %q", key)
			require.ErrorIs(t, b.Delete(ctx, key), portal.ErrInvalid, "delete %q", key)
		}
	})
}

// A link inside the directory that points outside it is not followed.
func TestDirDoesNotFollowLinksOut(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	require.NoError(t, os.MkdirAll(outside, 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600))
	dir := filepath.Join(base, "blobs")
	d, err := blobs.OpenDir(dir)
	require.NoError(t, err)
	defer d.Close()
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "link")))
	_, err = d.Open(context.Background(), "link/secret")
	require.Error(t, err)
	require.Error(t, d.Put(context.Background(), "link/planted", []byte("x")))
	_, err = os.Stat(filepath.Join(outside, "planted"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// Files are written whole: concurrent readers see an old or a new content,
// never a part, and no temporary file is left.
func TestDirWritesAtomically(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "blobs")
	d, err := blobs.OpenDir(dir)
	require.NoError(t, err)
	defer d.Close()
	ctx := context.Background()
	a, b := bytes.Repeat([]byte("a"), 1<<16), bytes.Repeat([]byte("b"), 1<<16)
	require.NoError(t, d.Put(ctx, "p/k", a))
	var wg sync.WaitGroup
	var bad sync.Map
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if i%2 == 0 {
					if err := d.Put(ctx, "p/k", [][]byte{a, b}[i%4/2]); err != nil {
						bad.Store("put", err)
					}
					continue
				}
				rc, err := d.Open(ctx, "p/k")
				if err != nil {
					bad.Store("open", err)
					continue
				}
				got, _ := io.ReadAll(rc)
				rc.Close()
				if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
					bad.Store("torn", len(got))
				}
			}
		}()
	}
	wg.Wait()
	bad.Range(func(k, v any) bool { t.Errorf("%v: %v", k, v); return true })
	entries, err := os.ReadDir(filepath.Join(dir, "p"))
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the blob, no temporary file")
}
