package portal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
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

// AttachmentLimits bound the files of one message: a reply, or a support
// form submission (P15). A zero field takes its default.
//
// A file is accepted when the type sniffed from its bytes is one of
// ContentTypes and its name's extension is one Extensions allows for that
// type. The name is never trusted to say what a file is, but it must not
// lie about it either: the helpdesk agent's system opens a downloaded file
// by its name. Program and script extensions (RefusedExtensions: .exe, .js,
// .html, .svg …) are refused whatever the bytes and whatever Extensions
// says. Both tables are the package's own, so the rule is the same on every
// machine (it does not read the system's MIME database).
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
	// net/http.DetectContentType sniffs them from its first 512 bytes
	// (without parameters such as charset). Default DefaultContentTypes.
	ContentTypes []string
	// Extensions are the file name extensions a file of each content type
	// may have, lower case with the dot (a name's extension is compared in
	// lower case); "" allows a name without an extension. An entry replaces
	// the entry of DefaultExtensions for its type; the others stay. A type
	// of ContentTypes that neither has takes names without an extension
	// only.
	Extensions map[string][]string
}

// DefaultContentTypes are the media types attachments may have by default:
// images the browser shows safely, PDF, plain text and ZIP archives (which
// Office and OpenDocument files are). A file's name must fit its type as
// well: see DefaultExtensions.
func DefaultContentTypes() []string {
	return []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "application/zip"}
}

// DefaultExtensions returns the extensions a file name may have for each
// sniffed content type, for the default types and a few more a host may
// allow. Only a plain-text file may have a name without an extension
// (README, notes): text is what a system shows when it cannot tell, while
// an image, a PDF or an archive without one leaves the agent's system to
// guess what it is. A ZIP archive may be named as the Office and
// OpenDocument formats that are ZIP archives (.docx, .xlsx, .odt …), but
// not as the macro-enabled ones (.docm …), nor as a Java archive (.jar).
func DefaultExtensions() map[string][]string {
	return map[string][]string{
		"text/plain": {"", ".txt", ".text", ".log", ".csv", ".tsv", ".md", ".markdown", ".json", ".yaml", ".yml",
			".ini", ".cfg", ".conf"},
		"image/png":          {".png"},
		"image/jpeg":         {".jpg", ".jpeg", ".jpe", ".jfif"},
		"image/gif":          {".gif"},
		"image/webp":         {".webp"},
		"image/bmp":          {".bmp"},
		"application/pdf":    {".pdf"},
		"application/zip":    {".zip", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".odg"},
		"application/x-gzip": {".gz", ".tgz"},
		"audio/mpeg":         {".mp3"},
		"audio/wave":         {".wav"},
		"video/mp4":          {".mp4", ".m4v"},
	}
}

// refusedExtensions are programs, scripts, installers, shortcuts and
// documents that a browser or an operating system runs or renders as a
// page: never an attachment's name, whatever its bytes.
var refusedExtensions = []string{
	// Windows programs, libraries, installers and shortcuts.
	".exe", ".com", ".scr", ".pif", ".cpl", ".dll", ".sys", ".drv", ".ocx", ".msi", ".msp", ".mst", ".msix",
	".msixbundle", ".appx", ".appxbundle", ".appref-ms", ".application", ".gadget", ".hta", ".lnk", ".url",
	".scf", ".inf", ".reg", ".chm", ".hlp", ".library-ms", ".settingcontent-ms", ".search-ms",
	// Disk images, which Windows and macOS open as drives.
	".iso", ".img", ".vhd", ".vhdx", ".dmg",
	// Shell and script files.
	".bat", ".cmd", ".ps1", ".psm1", ".psd1", ".ps1xml", ".psc1", ".vb", ".vbs", ".vbe", ".js", ".jse",
	".mjs", ".cjs", ".wsf", ".wsh", ".ws", ".wsc", ".sct", ".sh", ".bash", ".zsh", ".csh", ".ksh",
	".command", ".py", ".pyw", ".pl", ".rb", ".php", ".phtml", ".asp", ".aspx", ".jsp", ".cgi",
	// Java, other platforms' packages.
	".jar", ".jnlp", ".class", ".apk", ".app", ".pkg", ".deb", ".rpm",
	// Pages a browser renders with scripts: HTML, SVG, XML and XSLT.
	".html", ".htm", ".xhtml", ".shtml", ".mht", ".mhtml", ".svg", ".svgz", ".xml", ".xsl", ".xslt", ".swf",
	// Office documents with macros.
	".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm", ".potm", ".ppam", ".ppsm", ".sldm",
}

// RefusedExtensions returns the file name extensions an attachment may
// never have, whatever its bytes and whatever AttachmentLimits.Extensions
// says: programs, scripts, installers, shortcuts, disk images, HTML, SVG
// and XML pages, and macro-enabled Office documents.
func RefusedExtensions() []string { return slices.Clone(refusedExtensions) }

// WithDefaults returns l with every zero field set to its default, as a
// Portal uses it: hosts read it to show the same limits on their forms.
func (l AttachmentLimits) WithDefaults() AttachmentLimits {
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
	exts := DefaultExtensions()
	for ct, list := range l.Extensions {
		norm := make([]string, 0, len(list))
		for _, e := range list {
			if e = strings.ToLower(strings.TrimSpace(e)); e != "" && !strings.HasPrefix(e, ".") {
				e = "." + e
			}
			norm = append(norm, e)
		}
		exts[strings.ToLower(ct)] = norm
	}
	l.Extensions = exts
	return l
}

// upload is an attachment read and checked, not yet stored.
type upload struct {
	name, contentType string
	data              []byte
}

// readAttachments reads and checks a reply's files: the count, each file's
// size and the total against the limits, the type sniffed from the bytes
// against the allowed types, and the name (see cleanFileName): never a
// refused extension, and one its type allows (see AttachmentLimits).
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
		return nil, invalid("attachments", "at most %d files", l.MaxFiles)
	}
	var files []upload
	var total int64
	for i, a := range in {
		f := fmt.Sprintf("attachments[%d]", i)
		name, problem := cleanFileName(a.Name)
		ext := extension(name)
		switch {
		case problem.format != "":
			ps.addText(f+".name", problem)
		case slices.Contains(refusedExtensions, ext):
			problem = msg("a %s file is a program, script or page and is never accepted", ext)
			ps.addText(f+".name", problem)
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
			ps.add(f+".content", "at most %s per file", byteSize(l.MaxFileSize))
			continue
		case int64(len(data)) > room:
			ps.add("attachments", "at most %s of files in all", byteSize(l.MaxMessageSize))
			return nil, ps.err()
		case len(data) == 0:
			ps.add(f+".content", "is empty")
			continue
		}
		total += int64(len(data))
		ct, _, _ := mime.ParseMediaType(http.DetectContentType(data))
		if !slices.Contains(l.ContentTypes, ct) {
			ps.add(f+".content", "is %s, which is not an allowed type (%s)", ct, strings.Join(l.ContentTypes, ", "))
			continue
		}
		if problem.format != "" {
			continue
		}
		if allowed := l.Extensions[ct]; !slices.Contains(allowed, ext) && !(ext == "" && len(allowed) == 0) {
			ps.addText(f+".name", nameMismatch(ext, ct, allowed))
			continue
		}
		files = append(files, upload{name: name, contentType: ct, data: data})
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return files, nil
}

// extension returns the extension of a cleaned file name in lower case,
// with its dot, or "" when it has none.
func extension(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(name[i:])
}

// nameMismatch says why a name's extension does not fit a file of type ct.
func nameMismatch(ext, ct string, allowed []string) text {
	var named []string
	for _, e := range allowed {
		if e != "" {
			named = append(named, e)
		}
	}
	if len(named) == 0 {
		if ext == "" {
			return msg("needs an extension that fits the file, which is %s (no extension)", ct)
		}
		return msg("says %s but the file is %s (no extension)", ext, ct)
	}
	want := strings.Join(named, ", ")
	if ext == "" {
		return msg("needs an extension that fits the file, which is %s (%s)", ct, want)
	}
	return msg("says %s but the file is %s (%s)", ext, ct, want)
}

// cleanFileName returns a file name fit to show and to offer for download:
// control and bidirectional-formatting characters removed, surrounding
// space and trailing dots trimmed (Windows drops them when it saves a file,
// so "a.html." would be saved as "a.html"), at most 255 bytes. A name that
// is a path (holds / or \) or is "." or ".." is refused, as is one with
// nothing left.
func cleanFileName(name string) (string, text) {
	if !utf8.ValidString(name) {
		return "", msg("must be valid UTF-8")
	}
	if strings.ContainsAny(name, `/\`) {
		return "", msg("must be a file name, not a path")
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name))
	name = strings.TrimRight(name, ". ")
	switch {
	case name == "" || strings.Trim(name, ".") == "":
		return "", msg("is required")
	case len(name) > 255:
		return "", msg("at most 255 bytes")
	}
	return name, text{}
}

// putBlobs stores checked files under new keys. When one fails, the ones
// stored are deleted again and the error is returned.
// Their keys are recorded as pending first (PendingBlobStore), and the
// reply's commit forgets them: a file whose reply never commits, because
// the process died in between, is found and deleted later
// (PurgeExpired).
func (p *Portal) putBlobs(ctx context.Context, portalID uuid.UUID, files []upload) ([]Attachment, error) {
	if len(files) == 0 {
		return nil, nil
	}
	out := make([]Attachment, len(files))
	keys := make([]string, len(files))
	for i, f := range files {
		id, err := p.id()
		if err != nil {
			return nil, err
		}
		out[i] = Attachment{ID: id, Name: f.name, ContentType: f.contentType, Size: int64(len(f.data)),
			BlobKey: portalID.String() + "/" + id.String()}
		keys[i] = out[i].BlobKey
	}
	if err := p.store.AddPendingBlobs(ctx, portalID, keys, p.clock()); err != nil {
		return nil, classify(err)
	}
	for i, f := range files {
		if err := p.blobs.Put(ctx, out[i].BlobKey, f.data); err != nil {
			// A Put that failed may have written part of the file: delete
			// its key as well.
			return nil, p.dropBlobs(ctx, portalID, out[:i+1], classify(err))
		}
	}
	return out, nil
}

// dropBlobs deletes the blobs of an action that failed with err, and
// forgets their pending keys; it returns err, joined with any failure to
// delete (a key whose file could not be deleted stays pending, for
// PurgeExpired).
func (p *Portal) dropBlobs(ctx context.Context, portalID uuid.UUID, as []Attachment, err error) error {
	ctx = context.WithoutCancel(ctx) // the action failed; the blobs must go even when its context did
	var gone []string
	for _, a := range as {
		if derr := p.blobs.Delete(ctx, a.BlobKey); derr != nil {
			err = errors.Join(err, fmt.Errorf("%w: delete blob %s", ErrInternal, a.BlobKey))
			continue
		}
		gone = append(gone, a.BlobKey)
	}
	if len(gone) > 0 {
		if ferr := p.store.ForgetPendingBlobs(ctx, portalID, gone); ferr != nil {
			err = errors.Join(err, classify(ferr))
		}
	}
	return err
}

// orphanAge is how long a blob key stays pending before PurgeExpired
// takes its file for one whose reply never committed: far longer than
// any reply takes.
const orphanAge = time.Hour

// purgeOrphans deletes the files of pending blob keys older than
// orphanAge, and forgets the keys, and returns how many.
func (p *Portal) purgeOrphans(ctx context.Context, portalID uuid.UUID) (int, error) {
	if p.blobs == nil {
		return 0, nil
	}
	n := 0
	for {
		keys, err := p.store.PendingBlobs(ctx, portalID, p.clock().Add(-orphanAge), MaxPageSize)
		if err != nil {
			return n, classify(err)
		}
		if len(keys) == 0 {
			return n, nil
		}
		for _, k := range keys {
			if err := p.blobs.Delete(ctx, k); err != nil {
				return n, fmt.Errorf("%w: delete blob %s", ErrInternal, k)
			}
		}
		if err := p.store.ForgetPendingBlobs(ctx, portalID, keys); err != nil {
			return n, classify(err)
		}
		n += len(keys)
	}
}
