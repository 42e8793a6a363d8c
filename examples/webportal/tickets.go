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

// The handlers of using the portal: the list, a ticket, the actions and
// the support form (P1–P8).

// maxHistory bounds how many pages back "Previous" can go.
const maxHistory = 100

// listState is a ticket list's URL: the customer's query, and the cursors
// of the pages before this one (the portal's cursors only go forward).
type listState struct {
	q       url.Values // the query without paging
	cursor  string
	history []string // the cursors of the previous pages; "" is the first
}

// Query parameters of the list. Column filters are f.<property> (text
// contains, an enumeration's option, a boolean) and f.<property>.from /
// .to (dates and numbers).
const (
	paramView    = "view"
	paramStatus  = "status"
	paramSearch  = "q"
	paramSort    = "sort"
	paramDesc    = "desc"
	paramCursor  = "c"
	paramHistory = "h"
	filterPrefix = "f."
	firstPage    = "~"
)

// filterControl is one column's filter on the list page.
type filterControl struct {
	Property, Label string
	Kind            string // "text", "range", "date", "choice"
	Value           string
	From, To        string
	Options         []portal.Option
}

// columnFilters returns the filters the shown columns offer and the
// ListQuery filters the URL sets. References (requester, owner …) offer no
// filter here: their options are records the customer has no list of.
// Status has its own control.
func columnFilters(q url.Values, set portal.Settings, schema portal.Schema, cat catalog) ([]filterControl, []portal.Filter) {
	var controls []filterControl
	var filters []portal.Filter
	add := func(prop string, op portal.Operator, v string) {
		if v = strings.TrimSpace(v); v != "" {
			filters = append(filters, portal.Filter{Property: prop, Operator: op, Values: []string{v}})
		}
	}
	for _, col := range set.Display.Columns {
		prop, ok := schema.Lookup(portal.TicketObject, col.Property)
		if !ok || prop.Ref != "" || prop.Name == portal.PropStatus {
			continue
		}
		fc := filterControl{Property: prop.Name, Label: col.Label}
		if fc.Label == "" {
			fc.Label = prop.Label
		}
		key := filterPrefix + prop.Name
		switch prop.Type {
		case portal.Text:
			fc.Kind, fc.Value = "text", q.Get(key)
			add(prop.Name, portal.ContainsAny, fc.Value)
		case portal.Number, portal.Date:
			fc.Kind, fc.From, fc.To = "range", q.Get(key+".from"), q.Get(key+".to")
			if prop.Type == portal.Date {
				fc.Kind = "date"
			}
			add(prop.Name, portal.Gte, fc.From)
			add(prop.Name, portal.Lte, fc.To)
		case portal.Enumeration:
			fc.Kind, fc.Value, fc.Options = "choice", q.Get(key), prop.Options
			add(prop.Name, portal.IsAnyOf, fc.Value)
		case portal.Boolean:
			fc.Kind, fc.Value = "choice", q.Get(key)
			fc.Options = []portal.Option{{Value: "true", Label: cat.text("list.yes")}, {Value: "false", Label: cat.text("list.no")}}
			add(prop.Name, portal.Eq, fc.Value)
		default:
			continue
		}
		controls = append(controls, fc)
	}
	return controls, filters
}

// parseList reads a list URL. Only the parameters the list knows are
// kept, so links built from it carry nothing else.
func parseList(in url.Values) (listState, error) {
	st := listState{q: url.Values{}}
	for k, vs := range in {
		known := k == paramView || k == paramStatus || k == paramSearch || k == paramSort || k == paramDesc ||
			strings.HasPrefix(k, filterPrefix)
		if known && len(vs) > 0 && vs[0] != "" {
			st.q.Set(k, vs[0])
		}
	}
	st.cursor = in.Get(paramCursor)
	if h := in.Get(paramHistory); h != "" {
		st.history = strings.Split(h, ".")
		if len(st.history) > maxHistory {
			return listState{}, fmt.Errorf("%w: h: too many pages back", portal.ErrInvalid)
		}
		for i, c := range st.history {
			if c == firstPage {
				st.history[i] = ""
			}
		}
	}
	return st, nil
}

// url returns the list URL of st with the parameters of kv set (an empty
// value removes one), on its first page.
func (st listState) url(path string, kv ...string) string {
	q := url.Values{}
	for k, v := range st.q {
		q[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// page returns the URL of another page of the same query.
func (st listState) page(cursor string, history []string) string {
	q := url.Values{}
	for k, v := range st.q {
		q[k] = v
	}
	if cursor != "" {
		q.Set(paramCursor, cursor)
	}
	if len(history) > 0 {
		h := make([]string, len(history))
		for i, c := range history {
			h[i] = c
			if c == "" {
				h[i] = firstPage
			}
		}
		q.Set(paramHistory, strings.Join(h, "."))
	}
	return "/tickets?" + q.Encode()
}

func (st listState) query(filters []portal.Filter, limit int) portal.ListQuery {
	return portal.ListQuery{
		View: portal.View(st.q.Get(paramView)), Status: st.q.Get(paramStatus), Search: st.q.Get(paramSearch),
		Sort: st.q.Get(paramSort), Desc: st.q.Get(paramDesc) == "1", Filters: filters, Cursor: st.cursor, Limit: limit,
	}
}

type link struct {
	Label, URL string
	Current    bool
}

type header struct {
	Label, URL string
	Sorted     bool
	Desc       bool
	Title      string
}

type cell struct {
	Text   string
	Status bool // a status badge
	Closed bool
}

type row struct {
	URL    string
	Closed bool
	Cells  []cell
}

type listData struct {
	TicketName string
	Views      []link
	Statuses   []link
	Search     string
	Status     string
	View       string
	Sort       string
	Desc       bool
	Filters    []filterControl
	Filtered   bool
	Headers    []header
	Rows       []row
	Page       int
	Prev, Next string
	Export     string
	Clear      string
	Hidden     [][2]string // the query's parameters the search form keeps
}

// list shows a page of the customer's tickets (P1–P3) with the configured
// columns (S8), the view switcher, status and column filters, search,
// sorting by column and paging.
func (s *server) list(w http.ResponseWriter, r *http.Request, v *visit) {
	st, err := parseList(r.URL.Query())
	if err != nil {
		s.fail(w, v, err)
		return
	}
	schema, err := s.Portal.Schema(v.ctx(), s.PortalID)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	controls, filters := columnFilters(st.q, v.Settings, schema, v.cat)
	tv, err := s.Portal.ListTickets(v.ctx(), v.Viewer(), st.query(filters, portal.DefaultPageSize))
	d := listData{TicketName: v.Settings.Display.TicketName, Search: st.q.Get(paramSearch), Status: st.q.Get(paramStatus),
		Filters: controls, Filtered: len(filters) > 0, Page: len(st.history) + 1,
		Export: st.url("/tickets/export.csv"), Clear: st.url("/tickets", paramStatus, "", paramSearch, "")}
	for k := range st.q {
		if strings.HasPrefix(k, filterPrefix) {
			d.Clear = removeParam(d.Clear, k)
		}
	}
	p := page{Title: d.TicketName, Data: &d}
	code := http.StatusOK
	switch {
	case errors.Is(err, portal.ErrInvalid):
		// A bad filter or search: the page stays, with the form to mend it.
		code, p.Errors = http.StatusBadRequest, problemList(v, err)
	case err != nil:
		s.fail(w, v, err)
		return
	default:
		s.fillList(&d, st, tv, v)
	}
	switch r.URL.Query().Get("ok") {
	case "submitted":
		p.Flash = v.T("flash.submitted")
	}
	s.render(w, v, code, "tickets", p)
}

func (s *server) fillList(d *listData, st listState, tv portal.TicketView, v *visit) {
	d.View, d.Sort, d.Desc = string(tv.View), tv.Sort, tv.Desc
	if len(tv.Views) > 1 {
		for _, view := range tv.Views {
			d.Views = append(d.Views, link{Label: v.T("view." + string(view)), URL: st.url("/tickets", paramView, string(view)),
				Current: view == tv.View})
		}
	}
	for _, s := range []struct{ value, key string }{{"", "list.status.all"}, {portal.StatusOpen, "list.status.open"},
		{portal.StatusClosed, "list.status.closed"}} {
		d.Statuses = append(d.Statuses, link{Label: v.T(s.key), URL: st.url("/tickets", paramStatus, s.value),
			Current: st.q.Get(paramStatus) == s.value})
	}
	for k, vs := range st.q {
		if k != paramSearch && k != paramStatus && !strings.HasPrefix(k, filterPrefix) {
			d.Hidden = append(d.Hidden, [2]string{k, vs[0]})
		}
	}
	statusCol := -1
	for i, c := range tv.Columns {
		h := header{Label: c.Label, Sorted: tv.Sort == c.Property, Desc: tv.Desc}
		desc := ""
		if h.Sorted && !tv.Desc {
			desc = "1"
		}
		h.URL = st.url("/tickets", paramSort, c.Property, paramDesc, desc)
		h.Title = v.Tf("list.sortBy", c.Label)
		d.Headers = append(d.Headers, h)
		if c.Property == portal.PropStatus {
			statusCol = i
		}
	}
	for _, tr := range tv.Rows {
		rw := row{URL: "/tickets/" + tr.ID.String(), Closed: tr.Closed}
		for i, c := range tr.Cells {
			cl := cell{Text: c.Text}
			if i == statusCol {
				cl.Status, cl.Closed = true, tr.Closed
				if !v.Settings.Display.ShowStages {
					cl.Text = v.T(map[bool]string{false: "list.status.open", true: "list.status.closed"}[tr.Closed])
				}
			}
			rw.Cells = append(rw.Cells, cl)
		}
		d.Rows = append(d.Rows, rw)
	}
	if n := len(st.history); n > 0 {
		d.Prev = st.page(st.history[n-1], st.history[:n-1])
	}
	if tv.Next != "" && len(st.history) < maxHistory {
		d.Next = st.page(tv.Next, append(st.history[:len(st.history):len(st.history)], st.cursor))
	}
}

func removeParam(u, key string) string {
	path, raw, _ := strings.Cut(u, "?")
	q, _ := url.ParseQuery(raw)
	q.Del(key)
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// problemList returns what a customer should read of an input error.
func problemList(v *visit, err error) []string {
	var out []string
	var ve *portal.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			out = append(out, p.Field+": "+p.Problem)
		}
	}
	if len(out) == 0 {
		out = append(out, v.T("error.invalid"))
	}
	return out
}

// export downloads the current view as CSV (P7): every page, with the
// filters and search in force, under the file name of the ticket display
// name (S8). Danish spreadsheets expect semicolons.
func (s *server) export(w http.ResponseWriter, r *http.Request, v *visit) {
	st, err := parseList(r.URL.Query())
	if err != nil {
		s.fail(w, v, err)
		return
	}
	schema, err := s.Portal.Schema(v.ctx(), s.PortalID)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	_, filters := columnFilters(st.q, v.Settings, schema, v.cat)
	lq := st.query(filters, 1)
	lq.Cursor = ""
	// The first row checks the query before the download begins, so a bad
	// one still gets an error page.
	tv, err := s.Portal.ListTickets(v.ctx(), v.Viewer(), lq)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	opts := portal.CSVOptions{}
	if strings.HasPrefix(v.Lang, "da") {
		opts.Delimiter = ';'
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", portal.ContentDisposition(portal.ExportFilename(tv.TicketName, s.Now())))
	if _, err := s.Portal.ExportCSV(v.ctx(), v.Viewer(), lq, w, opts); err != nil {
		s.Log.Printf("webportal: export: %v", err)
	}
}

type detailData struct {
	portal.TicketDetail
	Back      string
	Cells     []cell
	Messages  []message
	Reply     string
	MaxFiles  int
	MaxSize   string
	CloseOnly bool
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

// ticketID reads the {id} of a ticket URL; anything that is not a UUID is
// a ticket that does not exist.
func ticketID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue(name))
	if err != nil || id == uuid.Nil {
		return uuid.Nil, fmt.Errorf("%s: %w", name, portal.ErrNotFound)
	}
	return id, nil
}

// detail shows a ticket and its conversation (P4).
func (s *server) detail(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := ticketID(r, "id")
	if err != nil {
		s.fail(w, v, err)
		return
	}
	p := page{}
	switch r.URL.Query().Get("ok") {
	case "replied":
		p.Flash = v.T("flash.replied")
	case "closed":
		p.Flash = v.T("flash.closed")
	case "already":
		p.Flash = v.T("flash.alreadyClosed")
	case "submitted":
		p.Flash = v.T("flash.submitted")
	}
	s.renderDetail(w, v, http.StatusOK, id, p, "")
}

func (s *server) renderDetail(w http.ResponseWriter, v *visit, code int, id uuid.UUID, p page, reply string) {
	td, err := s.Portal.TicketDetail(v.ctx(), v.Viewer(), id)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	limits := s.Limits
	if limits.MaxFiles == 0 {
		limits.MaxFiles = 10
	}
	if limits.MaxFileSize == 0 {
		limits.MaxFileSize = 10 << 20
	}
	d := detailData{TicketDetail: td, Back: "/tickets", Reply: reply, MaxFiles: limits.MaxFiles, MaxSize: size(limits.MaxFileSize)}
	if ref := v.r.Referer(); strings.Contains(ref, "/tickets?") {
		if u, err := url.Parse(ref); err == nil && u.Path == "/tickets" {
			d.Back = u.RequestURI()
		}
	}
	for i, c := range td.Cells {
		cl := cell{Text: c.Text}
		if td.Columns[i].Property == portal.PropStatus {
			cl.Status, cl.Closed = true, td.Closed
			if !v.Settings.Display.ShowStages {
				cl.Text = v.T(map[bool]string{false: "list.status.open", true: "list.status.closed"}[td.Closed])
			}
		}
		d.Cells = append(d.Cells, cl)
	}
	for _, m := range td.Conversation {
		// The portal has sanitised the body to its allow-list (S9, P5).
		msg := message{ConversationMessage: m, HTML: template.HTML(m.Body),
			Mine: m.FromContact && strings.EqualFold(m.From, v.Contact.Email)}
		for _, a := range m.Attachments {
			msg.Files = append(msg.Files, file{Name: a.Name, Size: size(a.Size),
				URL: "/tickets/" + td.ID.String() + "/attachments/" + a.ID.String()})
		}
		d.Messages = append(d.Messages, msg)
	}
	p.Title, p.Data = td.Subject, &d
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
// reply shows the ticket again with what was typed and why.
func (s *server) reply(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := ticketID(r, "id")
	if err != nil {
		s.fail(w, v, err)
		return
	}
	if err := s.parseMultipart(w, r); err != nil {
		s.fail(w, v, err)
		return
	}
	defer r.MultipartForm.RemoveAll()
	if err := s.checkForm(r); err != nil {
		s.fail(w, v, err)
		return
	}
	text := r.PostFormValue("body")
	in := portal.ReplyInput{HTML: formatReply(text), Text: text}
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the file input, left empty
		}
		f, err := fh.Open()
		if err != nil {
			s.fail(w, v, err)
			return
		}
		defer f.Close()
		in.Attachments = append(in.Attachments, portal.AttachmentInput{Name: fh.Filename, Content: f})
	}
	msg, err := s.Portal.Reply(v.ctx(), v.Viewer(), id, in)
	switch {
	case err == nil:
		http.Redirect(w, r, "/tickets/"+id.String()+"?ok=replied#m-"+msg.ID.String(), http.StatusSeeOther)
	case errors.Is(err, portal.ErrInvalid):
		s.renderDetail(w, v, http.StatusBadRequest, id, page{Errors: problemList(v, err)}, text)
	default:
		s.fail(w, v, err)
	}
}

// parseMultipart reads a form with files, within the server's limit.
func (s *server) parseMultipart(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxUpload)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if r.MultipartForm == nil {
			r.MultipartForm = &multipart.Form{}
		}
		return tooLarge(err)
	}
	return nil
}

// closeTicket closes the ticket when the settings let customers (P6, S10).
func (s *server) closeTicket(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := ticketID(r, "id")
	if err != nil {
		s.fail(w, v, err)
		return
	}
	if err := s.checkForm(r); err != nil {
		s.fail(w, v, err)
		return
	}
	res, err := s.Portal.Close(v.ctx(), v.Viewer(), id)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	ok := "closed"
	if res.AlreadyClosed {
		ok = "already"
	}
	http.Redirect(w, r, "/tickets/"+id.String()+"?ok="+ok, http.StatusSeeOther)
}

// attachment downloads a file of a message the customer may see; any other
// is not found (P4, S9).
func (s *server) attachment(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := ticketID(r, "id")
	if err != nil {
		s.fail(w, v, err)
		return
	}
	aid, err := ticketID(r, "attachment")
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
}

// formPage shows the support form (S6, P8).
func (s *server) formPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.renderForm(w, v, http.StatusOK, page{}, map[string]string{}, "")
}

func (s *server) renderForm(w http.ResponseWriter, v *visit, code int, p page, values map[string]string, key string) {
	fv, err := s.Portal.SupportForm(v.ctx(), v.Viewer())
	if err != nil {
		s.fail(w, v, err)
		return
	}
	if key == "" {
		key = rand.Text() // one submission, however often it is sent (P8)
	}
	p.Title, p.Lead, p.Data = fv.Heading, "", formData{FormView: fv, Key: key, Values: values}
	s.render(w, v, code, "form", p)
}

// submit creates the ticket from the support form and shows it. The form's
// key makes a resent form (a double click, a reload) the same ticket.
func (s *server) submit(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.checkForm(r); err != nil {
		s.fail(w, v, err)
		return
	}
	fv, err := s.Portal.SupportForm(v.ctx(), v.Viewer())
	if err != nil {
		s.fail(w, v, err)
		return
	}
	typed := map[string]string{}
	values := map[string]any{}
	for _, f := range fv.Fields {
		raw := strings.TrimSpace(r.PostFormValue(f.Property))
		if f.Property == portal.PropContent {
			raw = r.PostFormValue(f.Property)
		}
		typed[f.Property] = raw
		if raw == "" {
			continue
		}
		values[f.Property] = fieldValue(f.Type, raw)
	}
	key := r.PostFormValue("key")
	res, err := s.Portal.SubmitTicket(v.ctx(), v.Viewer(), portal.SubmissionInput{Values: values, Key: key})
	switch {
	case err == nil:
		http.Redirect(w, r, "/tickets/"+res.TicketID.String()+"?ok=submitted", http.StatusSeeOther)
	case errors.Is(err, portal.ErrInvalid):
		fields := map[string]string{}
		for f, problem := range validationProblems(err) {
			fields[strings.TrimPrefix(f, "values.")] = problem
		}
		s.renderForm(w, v, http.StatusBadRequest, page{Fields: fields}, typed, key)
	default:
		s.fail(w, v, err)
	}
}

// fieldValue converts a form field to the value SubmissionInput wants for
// its type. What does not convert is passed on as text, for the portal to
// refuse with the field's name.
func fieldValue(t portal.PropertyType, raw string) any {
	switch t {
	case portal.Number:
		if f, err := strconv.ParseFloat(raw, 64); err == nil {
			return f
		}
	case portal.Date:
		if d, err := time.Parse(time.DateOnly, raw); err == nil {
			return d
		}
	case portal.Boolean:
		return raw == "true" || raw == "on"
	}
	return raw
}
