package main

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// A draft is what a customer typed into a form (a reply, a rating, a
// colleague's address, the support form)
// that reached the server after its session had ended or its cookie was
// lost (X8: no typed text is lost). The login page carries it in hidden
// fields, and the login that follows shows the form again with it, under
// its idempotency key, to be sent. Files cannot be carried: the page says
// so.
type draft struct {
	// Next is the form's page: /tickets/{id} or /new.
	Next   string
	Fields []draftField
	files  bool
}

type draftField struct{ Name, Value string }

// draftPrefix marks the login form's fields that carry a draft.
const draftPrefix = "draft."

// draftOf reads the draft a form posted to r carries, when r is a reply, a
// rating, an added colleague or a submission from one of the portal's own
// pages.
func (s *server) draftOf(w http.ResponseWriter, r *http.Request) (draft, bool) {
	var d draft
	switch {
	case r.Method != http.MethodPost:
		return d, false
	case r.URL.Path == "/new":
		d.Next = "/new"
	case strings.HasSuffix(r.URL.Path, "/reply"), strings.HasSuffix(r.URL.Path, "/rate"), strings.HasSuffix(r.URL.Path, "/participants"):
		id, err := uuid.Parse(r.PathValue("id"))
		if err != nil {
			return d, false
		}
		d.Next = "/tickets/" + id.String()
	default:
		return d, false
	}
	if s.origins.Check(r) != nil {
		return d, false
	}
	values, files, err := readDraft(w, r)
	if err != nil {
		return d, false
	}
	d.files, d.Fields = files, draftFields(values, "")
	return d, true
}

// draftFields returns the typed fields of values whose names start with
// prefix, under their names without it, in name order: what was typed,
// not the form's token nor an empty field.
func draftFields(values url.Values, prefix string) []draftField {
	var fs []draftField
	for name, vs := range values {
		if name, ok := strings.CutPrefix(name, prefix); ok && name != csrfField && len(vs) > 0 && vs[0] != "" {
			fs = append(fs, draftField{Name: name, Value: vs[0]})
		}
	}
	slices.SortFunc(fs, func(a, b draftField) int { return strings.Compare(a.Name, b.Name) })
	return fs
}

// maxDraft bounds what a request without a session may make the server
// read: the typed fields of a form (each at most portal.MaxContent bytes),
// never its files.
const maxDraft = 4 * portal.MaxContent

// readDraft reads the typed fields of a posted form, within maxDraft, and
// reports whether it carries files. A multipart form is read up to its
// first file: the portal's forms put their files last, and a request
// without a session is not worth reading a file for.
func readDraft(w http.ResponseWriter, r *http.Request) (url.Values, bool, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxDraft)
	mr, err := r.MultipartReader()
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm()
		return r.PostForm, false, err
	} else if err != nil {
		return nil, false, err
	}
	values := url.Values{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return values, false, nil
		} else if err != nil {
			return nil, false, err
		}
		if part.FileName() != "" {
			return values, true, nil
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return nil, false, err
		}
		values.Add(part.FormName(), string(b))
	}
}

// draftIn reads the draft a login form carries back (draftOf put it there).
func draftIn(r *http.Request) (draft, bool) {
	d := draft{Next: r.PostFormValue("next")}
	if d.Next != "/new" {
		id, ok := strings.CutPrefix(d.Next, "/tickets/")
		if _, err := uuid.Parse(id); !ok || err != nil {
			return draft{}, false // only the portal's own forms
		}
	}
	d.Fields = draftFields(r.PostForm, draftPrefix)
	return d, true
}

func (d draft) value(name string) string {
	for _, f := range d.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// sessionEnded answers a customer's request whose session is missing
// (expired false) or has ended: a form with typed text gets the login page
// at once, keeping it; anything else goes to the login page, which says
// why.
func (s *server) sessionEnded(w http.ResponseWriter, r *http.Request, v *visit, expired bool) {
	d, ok := s.draftOf(w, r)
	if !ok {
		q := url.Values{}
		if expired {
			q.Set("expired", "1")
		}
		if r.Method == http.MethodGet && r.URL.RequestURI() != "/tickets" {
			q.Set("next", r.URL.RequestURI()) // back here once logged in
		}
		to := "/login"
		if len(q) > 0 {
			to += "?" + q.Encode()
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	// The login form goes without the ended session: its token is of none.
	if c, err := s.readCookie(r, csrfCookie); err == nil {
		v.CSRF = s.csrfMAC(c.Value, "")
	}
	var p page
	if expired {
		p.Errors = append(p.Errors, v.T("login.expired"))
	}
	p.Errors = append(p.Errors, v.T("login.draftKept"))
	if d.files {
		p.Errors = append(p.Errors, v.T("login.filesAgain"))
	}
	s.renderLogin(w, v, http.StatusUnauthorized, p, "", &d, "")
}

// restoreDraft shows the form d came from again, with what was typed, to
// the customer who has just logged in (v carries the new session).
func (s *server) restoreDraft(w http.ResponseWriter, v *visit, d draft) {
	p := page{Flash: v.T("login.draftBack")}
	if d.Next == "/new" {
		values := map[string]string{}
		for _, f := range d.Fields {
			if f.Name != "key" && f.Name != formField {
				values[f.Name] = f.Value
			}
		}
		form, _, gone, err := s.usableForm(v, d.value(formField))
		if err != nil {
			s.fail(w, v, err)
			return
		}
		if gone {
			p.Errors = append(p.Errors, v.T("form.gone"))
		}
		s.renderForm(w, v, http.StatusOK, p, form, values, d.value("key"))
		return
	}
	id, err := uuid.Parse(strings.TrimPrefix(d.Next, "/tickets/"))
	if err != nil {
		s.fail(w, v, errors.Join(errCSRF, err)) // unreachable: draftIn checked it
		return
	}
	s.renderDetail(w, v, http.StatusOK, id, p, typed{reply: d.value("body"), key: d.value("key"),
		rating: d.value("rating"), comment: d.value("comment"), email: d.value("email")})
}
