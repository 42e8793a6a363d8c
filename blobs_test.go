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

// Files that are not what their names say, programs and pages whatever
// their names, names with paths or without a readable part, and files over
// the limits, alone or together, are refused naming the field; nothing is
// kept, written or announced.
// covers: P5, X8
func TestAttachmentsAreSniffedAndLimited(t *testing.T) {
	st, b := memstore.New(), blobs.NewMemory()
	d := newDemo(t, st, b)
	p, err := portal.New(st, portal.Options{Now: portaltest.Now, Blobs: b,
		Attachments: portal.AttachmentLimits{MaxFileSize: 1 << 10, MaxMessageSize: 3 << 10, MaxFiles: 4}})
	require.NoError(t, err)
	att := func(name string, b []byte) portal.AttachmentInput {
		return portal.AttachmentInput{Name: name, Content: bytes.NewReader(b)}
	}
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0}, 100)...)
	zip := []byte("PK\x03\x04rest") // sniffed as a ZIP archive, as Office documents are
	messages, events := d.messageCount(t), len(d.events(t))
	for _, tc := range []struct {
		name  string
		files []portal.AttachmentInput
		field string
	}{
		{"an executable named invoice.pdf", []portal.AttachmentInput{att("invoice.pdf", exe)}, "attachments[0].content"},
		{"a PNG named invoice.pdf", []portal.AttachmentInput{att("ok.png", png), att("invoice.pdf", png)}, "attachments[1].name"},
		{"a path", []portal.AttachmentInput{att("../../etc/passwd.txt", []byte("root"))}, "attachments[0].name"},
		{"a Windows path", []portal.AttachmentInput{att(`..\boot.txt`, []byte("x"))}, "attachments[0].name"},
		{"a file over the limit", []portal.AttachmentInput{att("big.txt", bytes.Repeat([]byte("a"), 1<<10+1))}, "attachments[0].content"},
		{"files over the limit together", []portal.AttachmentInput{att("a.txt", bytes.Repeat([]byte("a"), 1<<10)),
			att("b.txt", bytes.Repeat([]byte("b"), 1<<10)), att("c.txt", bytes.Repeat([]byte("c"), 1<<10)),
			att("d.txt", bytes.Repeat([]byte("d"), 1<<10))}, "attachments"},
		{"too many files", []portal.AttachmentInput{att("a.txt", []byte("a")), att("b.txt", []byte("b")),
			att("c.txt", []byte("c")), att("d.txt", []byte("d")), att("e.txt", []byte("e"))}, "attachments"},
		{"an empty file", []portal.AttachmentInput{att("a.txt", nil)}, "attachments[0].content"},
		{"no name", []portal.AttachmentInput{att("\x00\x01 ", []byte("a"))}, "attachments[0].name"},
		// A name must fit the sniffed type, and a program or page is
		// never accepted, whatever its bytes.
		{"an SVG page named .html, sniffed as text", []portal.AttachmentInput{att("payload.html",
			[]byte("<svg onload=alert(document.cookie)>"))}, "attachments[0].name"},
		{"a .html. name (Windows drops the dot)", []portal.AttachmentInput{att("payload.html.", []byte("<svg onload=x()>"))}, "attachments[0].name"},
		{"a script", []portal.AttachmentInput{att("run.js", []byte("alert(document.cookie)"))}, "attachments[0].name"},
		{"a batch file", []portal.AttachmentInput{att("setup.bat", []byte("@echo off\r\nformat c:\r\n"))}, "attachments[0].name"},
		{"an SVG image", []portal.AttachmentInput{att("logo.SVG", []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"))}, "attachments[0].name"},
		{"an executable named .exe", []portal.AttachmentInput{att("setup.exe", exe)}, "attachments[0].name"},
		{"a macro-enabled document", []portal.AttachmentInput{att("report.docm", zip)}, "attachments[0].name"},
		{"a Java archive", []portal.AttachmentInput{att("tool.jar", zip)}, "attachments[0].name"},
		{"text named as a PDF", []portal.AttachmentInput{att("report.pdf", []byte("not a pdf"))}, "attachments[0].name"},
		{"a PNG named as text", []portal.AttachmentInput{att("notes.txt", png)}, "attachments[0].name"},
		{"a PNG without an extension", []portal.AttachmentInput{att("screenshot", png)}, "attachments[0].name"},
		{"text with an unknown extension", []portal.AttachmentInput{att("notes.hlpdsk", []byte("words"))}, "attachments[0].name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Reply(context.Background(), d.viewer, d.ticket, portal.ReplyInput{Text: "see attached", Attachments: tc.files})
			requireField(t, err, tc.field)
		})
	}
	assert.Empty(t, b.Keys(), "no file was kept")
	assert.Equal(t, messages, d.messageCount(t), "no message")
	assert.Len(t, d.events(t), events, "no event")
}
