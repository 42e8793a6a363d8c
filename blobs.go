package portal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Blobs keeps the bytes of attachments by key. Package blobs has a memory
// and a directory implementation.
//
// The contract, for implementers: keys are made by Portal of letters,
// digits, '-' and '/' (as "<portal ID>/<attachment ID>"); an implementation
// must refuse, never follow, a key that could leave its storage. Put stores
// data whole or not at all (a reader never sees part of it) and replaces
// what a key held; Open of a missing key returns an error wrapping
// ErrNotFound; Delete of a missing key returns nil. Safe for concurrent
// use.
type Blobs interface {
	Put(ctx context.Context, key string, data []byte) error
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// AttachmentLimits bound the files of one reply. A zero field takes its
// default.
type AttachmentLimits struct {
	// MaxFileSize is the most bytes one file may have. Default 10 MiB.
	MaxFileSize int64
	// MaxMessageSize is the most bytes a reply's files may have together.
	// Default 25 MiB.
	MaxMessageSize int64
	// MaxFiles is the most files one reply may attach, at most
	// MaxAttachments. Default 10.
	MaxFiles int
	// ContentTypes are the media types a file may have, as
	// net/http.DetectContentType sniffs them from its first 512 bytes.
	// Default DefaultContentTypes.
	ContentTypes []string
}

// DefaultContentTypes are the media types attachments may have by default:
// images the browser shows safely, PDF, plain text and ZIP archives.
func DefaultContentTypes() []string {
	return []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "application/zip"}
}

func (l AttachmentLimits) withDefaults() AttachmentLimits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = 10 << 20
	}
	if l.MaxMessageSize <= 0 {
		l.MaxMessageSize = 25 << 20
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = 10
	}
	l.MaxFiles = min(l.MaxFiles, MaxAttachments)
	if len(l.ContentTypes) == 0 {
		l.ContentTypes = DefaultContentTypes()
	}
	l.ContentTypes = slices.Clone(l.ContentTypes)
	return l
}

// upload is an attachment read and checked, not yet stored.
type upload struct {
	name, contentType string
	data              []byte
}

// readAttachments reads and checks a reply's files: the count, each file's
// size and the total against the limits, the type sniffed from the bytes
// against the allowed types (a name whose extension claims another type is
// refused too), and the name (see cleanFileName).
func (p *Portal) readAttachments(in []AttachmentInput) ([]upload, error) {
	if len(in) == 0 {
		return nil, nil
	}
	l := p.limits
	var ps problems
	switch {
	case p.blobs == nil:
		return nil, invalid("attachments", "this portal takes no attachments")
	case len(in) > l.MaxFiles:
		return nil, invalid("attachments", fmt.Sprintf("at most %d files", l.MaxFiles))
	}
	var files []upload
	var total int64
	for i, a := range in {
		f := fmt.Sprintf("attachments[%d]", i)
		name, problem := cleanFileName(a.Name)
		if problem != "" {
			ps.add(f+".name", problem)
		}
		if a.Content == nil {
			ps.add(f+".content", "is required")
			continue
		}
		room := min(l.MaxFileSize, l.MaxMessageSize-total)
		data, err := io.ReadAll(io.LimitReader(a.Content, room+1))
		switch {
		case err != nil:
			ps.add(f+".content", "could not be read")
			continue
		case int64(len(data)) > l.MaxFileSize:
			ps.add(f+".content", fmt.Sprintf("at most %d bytes per file", l.MaxFileSize))
			continue
		case int64(len(data)) > room:
			ps.add("attachments", fmt.Sprintf("at most %d bytes of files per reply", l.MaxMessageSize))
			return nil, ps.err()
		case len(data) == 0:
			ps.add(f+".content", "is empty")
			continue
		}
		total += int64(len(data))
		ct, _, _ := mime.ParseMediaType(http.DetectContentType(data))
		if !slices.Contains(l.ContentTypes, ct) {
			ps.add(f+".content", fmt.Sprintf("is %s, which is not an allowed type (%s)", ct, strings.Join(l.ContentTypes, ", ")))
			continue
		}
		if claimed := nameType(name); claimed != "" && claimed != ct && !(ct == "text/plain" && strings.HasPrefix(claimed, "text/")) {
			ps.add(f+".name", fmt.Sprintf("says %s but the file is %s", claimed, ct))
			continue
		}
		files = append(files, upload{name: name, contentType: ct, data: data})
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return files, nil
}

// nameType is the media type a file name's extension claims, or "".
func nameType(name string) string {
	ext := filepath.Ext(name)
	if ext == "" {
		return ""
	}
	t, _, _ := mime.ParseMediaType(mime.TypeByExtension(strings.ToLower(ext)))
	return t
}

// cleanFileName returns a file name fit to show and to offer for download:
// control and bidirectional-formatting characters removed, surrounding
// space trimmed, at most 255 bytes. A name that is a path (holds / or \) or
// is "." or ".." is refused, as is one with nothing left.
func cleanFileName(name string) (string, string) {
	if !utf8.ValidString(name) {
		return "", "must be valid UTF-8"
	}
	if strings.ContainsAny(name, `/\`) {
		return "", "must be a file name, not a path"
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name))
	switch {
	case name == "" || strings.Trim(name, ".") == "":
		return "", "is required"
	case len(name) > 255:
		return "", "at most 255 bytes"
	}
	return name, ""
}

// putBlobs stores checked files under new keys. When one fails, the ones
// stored are deleted again and the error is returned.
func (p *Portal) putBlobs(ctx context.Context, portalID uuid.UUID, files []upload) ([]Attachment, error) {
	var out []Attachment
	for _, f := range files {
		id, err := p.id()
		if err != nil {
			return nil, p.dropBlobs(ctx, out, err)
		}
		a := Attachment{ID: id, Name: f.name, ContentType: f.contentType, Size: int64(len(f.data)),
			BlobKey: portalID.String() + "/" + id.String()}
		if err := p.blobs.Put(ctx, a.BlobKey, f.data); err != nil {
			// A Put that failed may have written part of the file: delete
			// its key as well.
			return nil, p.dropBlobs(ctx, append(out, a), classify(err))
		}
		out = append(out, a)
	}
	return out, nil
}

// dropBlobs deletes the blobs of an action that failed with err, and
// returns err, joined with any failure to delete.
func (p *Portal) dropBlobs(ctx context.Context, as []Attachment, err error) error {
	for _, a := range as {
		// The action failed; the blobs must go even when its context did.
		if derr := p.blobs.Delete(context.WithoutCancel(ctx), a.BlobKey); derr != nil {
			err = errors.Join(err, fmt.Errorf("%w: delete blob %s", ErrInternal, a.BlobKey))
		}
	}
	return err
}
