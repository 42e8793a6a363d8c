package sqlstore_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/blobs"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// killEnv names the SQLite file a child process of TestSQLiteKill writes
// replies to until it is killed.
const killEnv = "PORTAL_KILL_DB"

// A process writing customer replies, each with a file, to a SQLite file
// and a directory is killed (SIGKILL) again and again, in the middle of
// whatever it does: every reply it was told had been written is there
// afterwards, with its file, the database is intact, and no reply is half
// there (each message has its outbox event, and each event its message);
// the files of replies that never committed are deleted by PurgeExpired
// an hour later, and no other.
// covers: X8, P5, X1
func TestSQLiteKill(t *testing.T) {
	if path := os.Getenv(killEnv); path != "" {
		killChild(t, path)
		return
	}
	if testing.Short() {
		t.Skip("kills processes; not with -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "portal.db")
	p, st, db := openFile(t, path, time.Now)
	data, err := portaltest.Generate(ctx, p, portaltest.Size{Companies: 1, Tickets: 10}, 5)
	require.NoError(t, err)
	v, tid, thread := replyTarget(t, p, data)
	target := fmt.Sprintf("%s %s %s %s", v.PortalID, v.ContactID, tid, thread)
	require.NoError(t, os.WriteFile(path+".target", []byte(target), 0o600))
	before, err := st.Messages(ctx, v.PortalID, thread)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	acks := path + ".acks"
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSQLiteKill$", "-test.count=1")
		cmd.Env = append(os.Environ(), killEnv+"="+path)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Kill it once it has acknowledged a few more replies, at a moment
		// that varies with the machine: a reply is being written then.
		want := (round + 1) * 15
		deadline := time.Now().Add(2 * time.Minute)
		for len(readAcks(t, acks)) < want {
			select {
			case err := <-exited:
				t.Fatalf("round %d: the writer stopped by itself: %v", round, err)
			case <-time.After(10 * time.Millisecond):
			}
			require.True(t, time.Now().Before(deadline), "round %d: the writer acknowledged no replies", round)
		}
		require.NoError(t, cmd.Process.Kill())
		<-exited
	}

	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	p, st, db = openFile(t, path, later)
	var check string
	require.NoError(t, db.QueryRow("PRAGMA integrity_check").Scan(&check))
	assert.Equal(t, "ok", check)
	msgs, err := st.Messages(ctx, v.PortalID, thread)
	require.NoError(t, err)
	have := map[uuid.UUID]bool{}
	for _, m := range msgs {
		have[m.ID] = true
	}
	acked := readAcks(t, acks)
	for _, id := range acked {
		assert.True(t, have[id], "acknowledged reply %s is there", id)
	}
	events, err := p.Events(ctx, v.PortalID, 0, portal.MaxEvents)
	require.NoError(t, err)
	replies := map[uuid.UUID]bool{}
	for _, e := range events {
		if e.Kind == portal.EventReply {
			replies[e.MessageID] = true
			assert.True(t, have[e.MessageID], "event %d's message is there", e.Seq)
		}
	}
	assert.Equal(t, len(msgs)-len(before), len(replies), "each reply written has its event, and no more")
	assert.GreaterOrEqual(t, len(replies), len(acked))
	for i, e := range events {
		assert.Equal(t, int64(i+1), e.Seq, "numbered without gaps")
	}

	// The files: each reply's is there; an hour on, PurgeExpired deletes
	// those of replies that never committed, and then every file is a
	// reply's. (A kill inside a file's write can leave a .tmp- file of
	// blobs.Dir, which is no key.)
	files := map[string]bool{}
	for _, m := range msgs {
		for _, a := range m.Attachments {
			files[a.BlobKey] = true
		}
	}
	root := path + ".blobs"
	keyed := func() []string {
		var out []string
		require.NoError(t, filepath.WalkDir(root, func(f string, de os.DirEntry, err error) error {
			if err != nil || de.IsDir() || strings.HasPrefix(de.Name(), ".tmp-") {
				return err
			}
			rel, _ := filepath.Rel(root, f)
			out = append(out, filepath.ToSlash(rel))
			return nil
		}))
		return out
	}
	stored := len(keyed())
	_, _, err = p.PurgeExpired(ctx, v.PortalID)
	require.NoError(t, err)
	onDisk := keyed()
	t.Logf("%d files of replies that never committed deleted", stored-len(onDisk))
	for _, k := range onDisk {
		assert.True(t, files[k], "file %s is a reply's", k)
	}
	for _, m := range msgs {
		for _, a := range m.Attachments {
			assert.FileExists(t, filepath.Join(root, filepath.FromSlash(a.BlobKey)), "reply %s's file", m.ID)
		}
	}
}

// killChild writes replies to the target of the SQLite file at path, and
// appends the ID of each one written to path.acks, synced, until it is
// killed (or two minutes have passed).
func killChild(t *testing.T, path string) {
	ctx := context.Background()
	target, err := os.ReadFile(path + ".target")
	require.NoError(t, err)
	f := strings.Fields(string(target))
	require.Len(t, f, 4)
	v := portal.Viewer{PortalID: uuid.MustParse(f[0]), ContactID: uuid.MustParse(f[1])}
	tid := uuid.MustParse(f[2])
	p, _, _ := openFile(t, path, time.Now)
	acks, err := os.OpenFile(path+".acks", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	require.NoError(t, err)
	for end := time.Now().Add(2 * time.Minute); time.Now().Before(end); {
		file := []portal.AttachmentInput{{Name: "log.txt", Content: strings.NewReader("the printer's log " + uuid.NewString())}}
		m, err := p.Reply(ctx, v, tid, portal.ReplyInput{Text: "Still broken? " + uuid.NewString(), Key: uuid.NewString(), Attachments: file})
		require.NoError(t, err)
		_, err = fmt.Fprintln(acks, m.ID)
		require.NoError(t, err)
		require.NoError(t, acks.Sync())
	}
}

// openFile opens the SQLite store at path, with a Portal over it whose
// files are in the directory path.blobs and whose clock is now.
func openFile(t testing.TB, path string, now func() time.Time) (*portal.Portal, *sqlstore.Store, *sql.DB) {
	t.Helper()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	st, err := sqlstore.Open(context.Background(), db, sqlstore.SQLite)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(path+".blobs", 0o700))
	files, err := blobs.OpenDir(path + ".blobs")
	require.NoError(t, err)
	t.Cleanup(func() { files.Close() })
	p, err := portal.New(st, portal.Options{Blobs: files, Now: now})
	require.NoError(t, err)
	return p, st, db
}

// readAcks reads the acknowledged reply IDs; a last line cut by a kill is
// not one.
func readAcks(t *testing.T, path string) []uuid.UUID {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	defer f.Close()
	var out []uuid.UUID
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if id, err := uuid.Parse(sc.Text()); err == nil {
			out = append(out, id)
		}
	}
	return out
}
