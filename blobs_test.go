package portal_test

import (
	"bytes"
	"context"
	"mime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/blobs"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
)

// attach replies with one file and returns the error.
func attach(t *testing.T, p *portal.Portal, d *demo, name string, data []byte) error {
	t.Helper()
	_, err := p.Reply(context.Background(), d.viewer, d.ticket, portal.ReplyInput{Text: "see attached",
		Attachments: []portal.AttachmentInput{{Name: name, Content: bytes.NewReader(data)}}})
	return err
}

// requireName checks that err is ErrInvalid naming the first file's name.
func requireName(t *testing.T, err error, why string) {
	t.Helper()
	var ve *portal.ValidationError
	require.ErrorAs(t, err, &ve, why)
	assert.True(t, ve.Has("attachments[0].name"), "%s: %v", why, err)
}

// Whether a name fits a file is the package's own table, not the system's
// MIME database: an extension the system maps to text/plain is still not
// one a text file may have.
// covers: P5
func TestAttachmentNamesDoNotDependOnTheSystem(t *testing.T) {
	require.NoError(t, mime.AddExtensionType(".hlpdsk", "text/plain"))
	d := newDemo(t, memstore.New(), blobs.NewMemory())
	requireName(t, attach(t, d.p, d, "notes.hlpdsk", []byte("plain words")), "an extension only the system knows")
	require.NoError(t, attach(t, d.p, d, "notes.txt", []byte("plain words")))
	require.NoError(t, attach(t, d.p, d, "README", []byte("plain words")), "text needs no extension")
}

// A host may change the extensions of a type and allow more types; the
// refused extensions stay refused.
// covers: P5
func TestAttachmentExtensionsConfigured(t *testing.T) {
	st := memstore.New()
	d := newDemo(t, st, blobs.NewMemory())
	p, err := portal.New(st, portal.Options{Now: portaltest.Now, Blobs: blobs.NewMemory(), Attachments: portal.AttachmentLimits{
		ContentTypes: append(portal.DefaultContentTypes(), "application/octet-stream"),
		Extensions:   map[string][]string{"text/plain": {"TXT"}, "application/zip": {".zip", ".jar"}},
	}})
	require.NoError(t, err)
	require.NoError(t, attach(t, p, d, "a.txt", []byte("words")), "the host's entry, normalised")
	requireName(t, attach(t, p, d, "a.log", []byte("words")), "the host's entry replaces the default one")
	requireName(t, attach(t, p, d, "README", []byte("words")), "the host's entry has no \"\"")
	require.NoError(t, attach(t, p, d, "shot.png", png), "the other defaults stay")
	requireName(t, attach(t, p, d, "tool.jar", []byte("PK\x03\x04rest")), "a refused extension, whatever Extensions says")
	bin := []byte{0, 1, 2, 3, 0xfe}
	require.NoError(t, attach(t, p, d, "dump", bin), "a type without an entry: no extension")
	requireName(t, attach(t, p, d, "dump.bin", bin), "a type without an entry: no extension only")
	assert.Contains(t, portal.RefusedExtensions(), ".html")
	assert.Contains(t, portal.DefaultExtensions()["application/zip"], ".docx")
}
