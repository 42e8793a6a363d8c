package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// A ticket and what a customer does with it: its detail and conversation
// (P4), a reply with attachments (P5), closing it (P6), reopening it
// (P13) and rating it (P14), downloading an attachment, and the support
// form that makes a new one (S6, P8).

type detailData struct {
	portal.TicketDetail
	Back     string
	Cells    []cell
	Messages []message
	Reply    string
	Key      string // the reply's idempotency key
	MaxFiles int
	MaxSize  string
	MaxTotal string
	// RatingLabel is the ticket's rating in the visitor's language,
	// Choices the rating form's, and Comment its typed comment (P14).
	RatingLabel string
	Choices     []choice
	Comment     string
	// Email is the colleague's address typed into the participants form
	// (P12).
	Email string
}

// choice is one value of the rating form.
type choice struct {
	Value, Label string
	Checked      bool
}

// typed is what a visitor typed into the ticket page's forms, shown again
// when a form is refused: the reply and its key, and the rating.
type typed struct {
	reply, key      string
	rating, comment string
	email           string
}

type message struct {
	portal.ConversationMessage
	HTML  template.HTML
	Files []file
	// Mine is set on the viewer's own messages.
	Mine bool
}

type file struct {
	Name, Size, URL string
}

// pathUUID reads the UUID of a path parameter; anything that is not one
// names a record that does not exist.
func pathUUID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue(name))
	if err != nil || id == uuid.Nil {
		return uuid.Nil, fmt.Errorf("%s: %w", name, portal.ErrNotFound)
	}
	return id, nil
}

// flashes are the notes a redirect after an action asks for, by its ok
// parameter: the URL names a note, never carries its text.
var flashes = map[string]string{
	"replied": "flash.replied", "closed": "flash.closed", "already": "flash.alreadyClosed", "reopened": "flash.reopened", "submitted": "flash.submitted",
	"rated": "flash.rated", "added": "flash.participantAdded", "removed": "flash.participantRemoved",
}

// detail shows a ticket and its conversation (P4).
func (s *server) detail(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.fail(w, v, err)
		return
	}
	var p page
	if key, ok := flashes[r.URL.Query().Get("ok")]; ok {
		p.Flash = v.T(key)
	}
	s.renderDetail(w, v, http.StatusOK, id, p, typed{})
}

// renderDetail shows a ticket, with what was typed in its forms: the reply
// under its key (a new one when in.key is ""), and the rating.
func (s *server) renderDetail(w http.ResponseWriter, v *visit, code int, id uuid.UUID, p page, in typed) {
	td, err := s.Portal.TicketDetail(v.ctx(), v.Viewer(), id)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	key := in.key
	if key == "" {
		key = rand.Text() // one reply, however often it is sent (P5)
	}
	d := detailData{TicketDetail: td, Back: "/tickets", Reply: in.reply, Key: key, MaxFiles: s.Limits.MaxFiles,
		MaxSize: size(s.Limits.MaxFileSize), MaxTotal: size(s.Limits.MaxMessageSize)}
	d.rating(v, in)
	d.Email = in.email
	if u, err := url.Parse(v.r.Referer()); err == nil && u.Path == "/tickets" {
		d.Back = u.RequestURI() // back to the list as it was: a path of this site
	}
	for i, c := range td.Cells {
		d.Cells = append(d.Cells, v.cell(td.Columns[i], c, td.Closed))
	}
	for _, m := range td.Conversation {
		// The portal has passed the body through its allow-list (S9).
		msg := message{ConversationMessage: m, HTML: template.HTML(m.Body),
			Mine: m.FromContact && strings.EqualFold(m.From, v.Contact.Email)}
		for _, a := range m.Attachments {
			msg.Files = append(msg.Files, file{Name: a.Name, Size: size(a.Size),
				URL: "/tickets/" + td.ID.String() + "/attachments/" + a.ID.String()})
		}
		d.Messages = append(d.Messages, msg)
	}
	if p.Flash == v.T("flash.submitted") {
		p.Flash = v.Tf("flash.submittedRef", td.Ref) // the number to give on the phone (P10)
	}
	p.Title, p.Data = td.Ref+" "+td.Subject, &d
	p.TabTitle = p.Title // its number and subject: the display name (S8) is the list's
	s.render(w, v, code, "ticket", p)
}

// size writes a byte count for people.
func size(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+512)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// reply sends the customer's reply with its attachments (P5). A refused
// reply shows the ticket again with what was typed and why: files over the
// portal's limits with 413, any other problem with 400.
func (s *server) reply(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.fail(w, v, err)
		return
	}
	if err := s.parseMultipart(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	defer r.MultipartForm.RemoveAll()
	text, key := r.PostFormValue("body"), r.PostFormValue("key")
	if err := s.checkForm(w, r); errors.Is(err, errExpired) {
		s.renderDetail(w, v, http.StatusForbidden, id, page{Errors: []string{v.T("error.expired")}}, typed{reply: text, key: key})
		return
	} else if err != nil {
		s.fail(w, v, err)
		return
	}
	files, names, code, done, err := s.postedFiles(r)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	defer done()
	in := portal.ReplyInput{HTML: formatReply(text), Text: text, Key: key, Attachments: files}
	msg, err := s.Portal.Reply(v.ctx(), v.Viewer(), id, in)
	switch {
	case err == nil:
		http.Redirect(w, r, flashed(id, "replied")+"#m-"+msg.ID.String(), http.StatusSeeOther)
	case errors.Is(err, portal.ErrInvalid):
		problems := v.problems(err, func(field string) string {
			if i, ok := index(field, "attachments"); ok && i < len(names) {
				return names[i]
			}
			if strings.HasPrefix(field, "attachments") {
				return v.T("detail.attach")
			}
			return v.T("detail.reply")
		})
		s.renderDetail(w, v, code, id, page{Errors: problems}, typed{reply: text, key: key})
	case busy(err):
		// Try again: what was typed stays, under the same key, so that a
		// reply the store wrote after all is not written twice. Files
		// cannot be put back into the form: the visitor chooses them again
		// (the same reply is the same text and the same files).
		s.logBusy(w, v, err)
		p := page{Errors: []string{v.T("error.busyForm")}}
		if len(names) > 0 {
			p.Errors = append(p.Errors, v.T("error.filesAgain"))
		}
		s.renderDetail(w, v, http.StatusServiceUnavailable, id, p, typed{reply: text, key: key})
	case errors.Is(err, portal.ErrConflict):
		// The key was sent before with other text: what was typed stays,
		// under a new key.
		s.renderDetail(w, v, http.StatusConflict, id, page{Errors: []string{v.T("error.replied")}}, typed{reply: text})
	default:
		s.fail(w, v, err)
	}
}

// postedFiles opens the files of a posted form (its field "files") for a
// reply or a submission, with their names, and the status of the form's
// refusal: 413 when they are over the portal's limits, 400 otherwise. The
// caller closes them with done.
func (s *server) postedFiles(r *http.Request) (files []portal.AttachmentInput, names []string, code int, done func(), err error) {
	var opened []multipart.File
	done = func() {
		for _, f := range opened {
			f.Close()
		}
	}
	code = http.StatusBadRequest
	var total int64
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the file input, left empty
		}
		if total += fh.Size; fh.Size > s.Limits.MaxFileSize || total > s.Limits.MaxMessageSize {
			code = http.StatusRequestEntityTooLarge
		}
		f, err := fh.Open()
		if err != nil {
			done()
			return nil, nil, 0, func() {}, err
		}
		opened = append(opened, f)
		files = append(files, portal.AttachmentInput{Name: fh.Filename, Content: f})
		names = append(names, fh.Filename)
	}
	return files, names, code, done, nil
}

// parseMultipart reads a form with files, within the server's limit, once
// its origin is checked (errCSRF for another site's), before a large body
// is spooled. A form without files (sent as a plain form) reads as one
// with none.
func (s *server) parseMultipart(w http.ResponseWriter, r *http.Request) error {
	if err := s.origins.Check(r); err != nil {
		return errCSRF
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxUpload)
	err := r.ParseMultipartForm(8 << 20)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm()
	}
	if r.MultipartForm == nil {
		r.MultipartForm = &multipart.Form{}
	}
	if err != nil {
		return tooLarge(err)
	}
	return nil
}

// closeTicket closes the ticket when the settings let customers (P6, S10).
func (s *server) closeTicket(w http.ResponseWriter, r *http.Request, v *visit) {
	s.moveTicket(w, r, v, func(id uuid.UUID) (string, error) {
		res, err := s.Portal.Close(v.ctx(), v.Viewer(), id)
		if res.AlreadyClosed {
			return "already", err
		}
		return "closed", err
	})
}

// reopenTicket reopens a closed ticket (P13): within the settings' window,
// to their open stage.
func (s *server) reopenTicket(w http.ResponseWriter, r *http.Request, v *visit) {
	s.moveTicket(w, r, v, func(id uuid.UUID) (string, error) {
		_, err := s.Portal.Reopen(v.ctx(), v.Viewer(), id)
		return "reopened", err
	})
}

// rate rates a closed ticket, or changes the visitor's rating (P14). A
// refused rating shows the ticket again with what was chosen and typed,
// and why; one refused as rated meanwhile, or past its window, shows the
// comment that was not saved.
func (s *server) rate(w http.ResponseWriter, r *http.Request, v *visit) {
	s.ticketForm(w, r, v, ticketForm{
		read: func(r *http.Request) typed {
			return typed{rating: r.PostFormValue("rating"), comment: r.PostFormValue("comment")}
		},
		act: func(id uuid.UUID, in typed) (string, error) {
			_, err := s.Portal.Rate(v.ctx(), v.Viewer(), id, portal.RatingInput{Value: in.rating, Comment: in.comment})
			return "rated", err
		},
		label: func(field string) string {
			if field == "comment" {
				return v.T("rating.comment")
			}
			return v.T("rating.title")
		},
		refused: func(in typed) []string {
			out := []string{v.T("rating.refused")}
			if in.comment != "" {
				out = append(out, v.Tf("rating.notSaved", in.comment))
			}
			return out
		},
	})
}

// ticketForm is a form of the ticket page whose typed values a refusal
// keeps (a rating, a colleague's address): read takes them from the
// request, act does what it asks and names the flash of its success,
// label names a field of an ErrInvalid, and refused, when set, says an
// ErrForbidden on the page (otherwise the error page says it).
type ticketForm struct {
	read    func(r *http.Request) typed
	act     func(id uuid.UUID, in typed) (string, error)
	label   func(field string) string
	refused func(in typed) []string
}

// ticketForm does f for the ticket of the path. A refusal shows the
// ticket again with what was typed, and why.
func (s *server) ticketForm(w http.ResponseWriter, r *http.Request, v *visit, f ticketForm) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.fail(w, v, err)
		return
	}
	err = s.checkForm(w, r)
	in := f.read(r)
	if errors.Is(err, errExpired) {
		s.renderDetail(w, v, http.StatusForbidden, id, page{Errors: []string{v.T("error.expired")}}, in)
		return
	} else if err != nil {
		s.fail(w, v, err)
		return
	}
	ok, err := f.act(id, in)
	switch {
	case err == nil:
		http.Redirect(w, r, flashed(id, ok), http.StatusSeeOther)
	case errors.Is(err, portal.ErrInvalid):
		s.renderDetail(w, v, http.StatusBadRequest, id, page{Errors: v.problems(err, f.label)}, in)
	case errors.Is(err, portal.ErrForbidden) && f.refused != nil:
		// The ticket changed meanwhile (rated, say): the page shows it as
		// it is now, and what was typed.
		s.renderDetail(w, v, http.StatusForbidden, id, page{Errors: f.refused(in)}, in)
	case busy(err):
		s.logBusy(w, v, err)
		s.renderDetail(w, v, http.StatusServiceUnavailable, id, page{Errors: []string{v.T("error.busyForm")}}, in)
	default:
		s.fail(w, v, err)
	}
}

// rating fills the rating's part of the page (P14): the ticket's rating
// in the visitor's language, and the form with what was chosen and typed,
// or else the visitor's own rating.
func (d *detailData) rating(v *visit, in typed) {
	if d.Rating != nil {
		d.RatingLabel = v.ratingLabel(d.Rating.Value)
		if d.Rating.Mine && in.rating == "" && in.comment == "" {
			in.rating, in.comment = d.Rating.Value, d.Rating.Comment
		}
	}
	d.Comment = in.comment
	for _, o := range d.RatingOptions {
		d.Choices = append(d.Choices, choice{Value: o.Value, Label: v.ratingLabel(o.Value), Checked: o.Value == in.rating})
	}
}

// ratingLabel is a rating's value in the visitor's language.
func (v *visit) ratingLabel(value string) string { return v.cat.ratingLabel(value) }

// ratingLabel is a rating's value in the catalog's language.
func (c catalog) ratingLabel(value string) string {
	switch value {
	case portal.RatingGood, portal.RatingBad:
		return c.text("rating." + value)
	}
	return fmt.Sprintf(c.text("rating.of5"), value)
}

// addParticipant adds a colleague to the ticket by e-mail (P12). A refused
// address shows the ticket again with it, and why; the answer for an
// address of no contact is the one for another company's.
func (s *server) addParticipant(w http.ResponseWriter, r *http.Request, v *visit) {
	s.ticketForm(w, r, v, ticketForm{
		read: func(r *http.Request) typed { return typed{email: r.PostFormValue("email")} },
		act: func(id uuid.UUID, in typed) (string, error) {
			_, err := s.Portal.AddParticipant(v.ctx(), v.Viewer(), id, in.email)
			return "added", err
		},
		label: func(field string) string {
			if field == "participants" {
				return v.T("participants.title")
			}
			return v.T("participants.email")
		},
	})
}

// removeParticipant takes a participant off the ticket (P12): one the
// visitor added, or the visitor itself, who then leaves it and goes back
// to the list when it no longer sees the ticket.
func (s *server) removeParticipant(w http.ResponseWriter, r *http.Request, v *visit) {
	s.postAction(w, r, v, func(id uuid.UUID) (string, error) {
		who, err := pathUUID(r, "contact")
		if err != nil {
			return "", err
		}
		if err := s.Portal.RemoveParticipant(v.ctx(), v.Viewer(), id, who); err != nil {
			return "", err
		}
		if who == v.Contact.ID {
			if _, err := s.Portal.TicketDetail(v.ctx(), v.Viewer(), id); errors.Is(err, portal.ErrNotFound) {
				return "/tickets", nil // left: no longer the visitor's to see
			}
		}
		return flashed(id, "removed"), nil
	})
}

// moveTicket does a posted action on the ticket of the path (move, which
// names the flash it asks for) and shows the ticket again.
func (s *server) moveTicket(w http.ResponseWriter, r *http.Request, v *visit, move func(id uuid.UUID) (string, error)) {
	s.postAction(w, r, v, func(id uuid.UUID) (string, error) {
		ok, err := move(id)
		return flashed(id, ok), err
	})
}

// postAction does a posted action on the ticket of the path, from one of
// the portal's own pages, and goes where act says.
func (s *server) postAction(w http.ResponseWriter, r *http.Request, v *visit, act func(id uuid.UUID) (string, error)) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.fail(w, v, err)
		return
	}
	if err := s.checkForm(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	next, err := act(id)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// flashed is the ticket's page with the flash ok names.
func flashed(id uuid.UUID, ok string) string { return "/tickets/" + id.String() + "?ok=" + ok }

// attachment downloads a file of a message the customer may see; any other
// is not found (P4, S9). The file is never shown in the portal's origin:
// it downloads, sandboxed.
func (s *server) attachment(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := pathUUID(r, "id")
	if err != nil {
		s.fail(w, v, err)
		return
	}
	aid, err := pathUUID(r, "attachment")
	if err != nil {
		s.fail(w, v, err)
		return
	}
	a, body, err := s.Portal.Attachment(v.ctx(), v.Viewer(), id, aid)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Disposition", portal.ContentDisposition(a.Name))
	h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	if _, err := io.Copy(w, body); err != nil {
		s.Log.Printf("webportal: attachment %s: %v", aid, err)
	}
}

type formData struct {
	portal.FormView
	Key    string
	Values map[string]string
	// The limits of the form's files (P15), as the reply states them.
	MaxFiles          int
	MaxSize, MaxTotal string
	// Request is set on a request form (P15), not the main one.
	Request bool
}

// formPage shows the support form (S6, P8).
//
// With request forms the visitor may use (P15), it first asks which one:
// /new?form=<id> is that form, /new?form=main the main one.
func (s *server) formPage(w http.ResponseWriter, r *http.Request, v *visit) {
	if r.URL.Query().Has("form") {
		id, err := formID(r.URL.Query().Get("form"))
		if err != nil {
			s.fail(w, v, err)
			return
		}
		s.renderForm(w, v, http.StatusOK, page{}, id, map[string]string{}, "")
		return
	}
	choices, err := s.Portal.SupportForms(v.ctx(), v.Viewer())
	if err != nil {
		s.fail(w, v, err)
		return
	}
	if len(choices) == 1 {
		s.renderForm(w, v, http.StatusOK, page{}, uuid.Nil, map[string]string{}, "")
		return
	}
	var links []formLink
	for _, c := range choices {
		l := formLink{FormChoice: c, URL: "/new?form=main"}
		if c.ID != uuid.Nil {
			l.URL = "/new?form=" + c.ID.String()
		}
		links = append(links, l)
	}
	s.render(w, v, http.StatusOK, "pick", page{Title: v.Settings.SupportForm.MenuText, TabTitle: v.Settings.SupportForm.MenuText, Data: links})
}

// formLink is a support form the visitor may choose (P15).
type formLink struct {
	portal.FormChoice
	URL string
}

// formField is the name of the form's field that names its request form
// (P15): a name no ticket property has.
const formField = "form.id"

// usableForm returns the support form a posted form names (its field
// form.id), or, when that is not one the visitor may use (any more), the
// main form, and says so: what was typed goes there rather than being
// lost (X8).
func (s *server) usableForm(v *visit, posted string) (uuid.UUID, portal.FormView, bool, error) {
	form, err := formID(posted)
	gone := err != nil
	var fv portal.FormView
	if !gone {
		fv, err = s.Portal.RequestForm(v.ctx(), v.Viewer(), form)
		gone = errors.Is(err, portal.ErrNotFound) && form != uuid.Nil
	}
	if gone {
		form = uuid.Nil
		fv, err = s.Portal.RequestForm(v.ctx(), v.Viewer(), form)
	}
	return form, fv, gone, err
}

// formID reads a request form's ID: "main" or "" is the main form, and
// anything that is not an ID names a form there is not.
func formID(s string) (uuid.UUID, error) {
	if s == "" || s == "main" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(s)
	if err != nil || id == uuid.Nil {
		return uuid.Nil, fmt.Errorf("form: %w", portal.ErrNotFound)
	}
	return id, nil
}

func (s *server) renderForm(w http.ResponseWriter, v *visit, code int, p page, form uuid.UUID, values map[string]string, key string) {
	fv, err := s.Portal.RequestForm(v.ctx(), v.Viewer(), form)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	if key == "" {
		key = rand.Text() // one submission, however often it is sent (P8)
	}
	p.Title, p.TabTitle, p.Data = fv.Heading, fv.Heading, formData{FormView: fv, Key: key, Values: values, MaxFiles: s.Limits.MaxFiles,
		MaxSize: size(s.Limits.MaxFileSize), MaxTotal: size(s.Limits.MaxMessageSize), Request: fv.ID != uuid.Nil}
	s.render(w, v, code, "form", p)
}

// submit creates the ticket from the support form and shows it. The form's
// key makes a resent form (a double click, a reload) the same ticket.
func (s *server) submit(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.parseMultipart(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	defer r.MultipartForm.RemoveAll()
	formErr := s.checkForm(w, r)
	if formErr != nil && !errors.Is(formErr, errExpired) {
		s.fail(w, v, formErr)
		return
	}
	form, fv, gone, err := s.usableForm(v, r.PostFormValue(formField))
	if err != nil {
		s.fail(w, v, err)
		return
	}
	typed := map[string]string{}
	values := map[string]any{}
	for _, f := range fv.Fields {
		raw := r.PostFormValue(f.Property)
		if f.Property != portal.PropContent {
			raw = strings.TrimSpace(raw)
		}
		typed[f.Property] = raw
		if raw != "" {
			values[f.Property] = fieldValue(f.Type, raw, v.zone)
		}
	}
	key := r.PostFormValue("key")
	files, names, code, done, err := s.postedFiles(r)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	defer done()
	in := portal.SubmissionInput{Values: values, Key: key, Form: form, Attachments: files}
	again := func(p page) page { // files cannot be put back into the form
		if len(names) > 0 {
			p.Errors = append(p.Errors, v.T("error.filesAgain"))
		}
		return p
	}
	if gone { // what was typed, in the main form, to send from there
		s.renderForm(w, v, http.StatusNotFound, again(page{Errors: []string{v.T("form.gone")}}), form, typed, key)
		return
	}
	if formErr != nil { // expired: the typed values, to send again
		s.renderForm(w, v, http.StatusForbidden, again(page{Errors: []string{v.T("error.expired")}}), form, typed, key)
		return
	}
	res, err := s.Portal.SubmitTicket(v.ctx(), v.Viewer(), in)
	switch {
	case err == nil:
		http.Redirect(w, r, flashed(res.TicketID, "submitted"), http.StatusSeeOther)
	case errors.Is(err, portal.ErrInvalid):
		fields := map[string]string{}
		p := page{Fields: fields, Errors: []string{v.T("error.invalid")}}
		for f, problem := range validationProblems(err) {
			if strings.HasPrefix(f, "attachments") {
				name := v.T("detail.attach")
				if i, ok := index(f, "attachments"); ok && i < len(names) {
					name = names[i]
				}
				p.Errors = append(p.Errors, v.Tf("error.check", name, problem))
				continue
			}
			fields[strings.TrimPrefix(f, "values.")] = problem
		}
		s.renderForm(w, v, code, again(p), form, typed, key)
	case busy(err):
		// Try again, under the same key (see reply).
		s.logBusy(w, v, err)
		s.renderForm(w, v, http.StatusServiceUnavailable, again(page{Errors: []string{v.T("error.busyForm")}}), form, typed, key)
	case errors.Is(err, portal.ErrConflict):
		// The key was sent before with other values (Back, changed, sent
		// again): the typed values stay, under a new key.
		s.renderForm(w, v, http.StatusConflict, again(page{Errors: []string{v.T("error.resubmitted")}}), form, typed, "")
	default:
		s.fail(w, v, err)
	}
}

// fieldValue converts a form field to the value SubmissionInput wants for
// its type. What does not convert is passed on as text, for the portal to
// refuse with the field's name.
func fieldValue(t portal.PropertyType, raw string, loc *time.Location) any {
	switch t {
	case portal.Number:
		if f, err := strconv.ParseFloat(raw, 64); err == nil {
			return f
		}
	case portal.Date:
		if d, err := time.ParseInLocation(time.DateOnly, raw, loc); err == nil {
			return d // the visitor's day (X3)
		}
	case portal.Boolean:
		return raw == "true" || raw == "on"
	}
	return raw
}
