package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// The ticket list (P1–P3) and its CSV (P7). A list's whole state is in its
// URL, so every view, filter, search, sort and page can be linked to,
// reloaded and exported.

// Query parameters of the list. A column filter is f.<property>: a text's
// "contains", an enumeration's option, a boolean, or a reference's record
// ID; dates and numbers have f.<property>.from and .to.
const (
	paramView    = "view"
	paramStatus  = "status"
	paramSearch  = "q"
	paramSort    = "sort"
	paramDesc    = "desc"
	paramCursor  = "c"
	paramHistory = "h"
	paramPage    = "n"
	filterPrefix = "f."
	firstPage    = "~"
	// maxHistory bounds how many pages "Previous" can go back; further back
	// there is the first page.
	maxHistory = 50
)

// listState is a list's URL: the customer's query, and where in it the page
// is. The portal's cursors only go forward, so the URL keeps the cursors of
// the pages before, for "Previous".
type listState struct {
	q       url.Values // the query, without paging
	cursor  string
	history []string // cursors of the pages before this one; "" is the first
	page    int      // the page's number, from 1
}

// parseList reads a list URL. Only the parameters the list knows are kept,
// so the links it makes carry nothing else.
func parseList(in url.Values) (listState, error) {
	st := listState{q: url.Values{}, cursor: in.Get(paramCursor), page: 1}
	for k, vs := range in {
		known := k == paramView || k == paramStatus || k == paramSearch || k == paramSort || k == paramDesc ||
			strings.HasPrefix(k, filterPrefix)
		if known && vs[0] != "" {
			st.q.Set(k, vs[0])
		}
	}
	if h := in.Get(paramHistory); h != "" {
		st.history = strings.Split(h, ".")
		if len(st.history) > maxHistory {
			return listState{}, fmt.Errorf("%w: %s: more than %d pages", portal.ErrInvalid, paramHistory, maxHistory)
		}
		for i, c := range st.history {
			if c == firstPage {
				st.history[i] = ""
			}
		}
	}
	if n := in.Get(paramPage); n != "" {
		var err error
		if st.page, err = strconv.Atoi(n); err != nil || st.page < 1 || st.page > 1_000_000 {
			return listState{}, fmt.Errorf("%w: %s: not a page number", portal.ErrInvalid, paramPage)
		}
	}
	return st, nil
}

// link returns the URL of path with the list's query, changed by kv
// (pairs of parameter and value; an empty value removes the parameter).
func (st listState) link(path string, kv ...string) string {
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

// pageLink returns the URL of another page of the same query.
func (st listState) pageLink(cursor string, history []string, n int) string {
	h := make([]string, len(history))
	for i, c := range history {
		h[i] = c
		if c == "" {
			h[i] = firstPage
		}
	}
	kv := []string{paramCursor, cursor, paramHistory, strings.Join(h, "."), paramPage, ""}
	if n > 1 {
		kv[5] = strconv.Itoa(n)
	}
	return st.link("/tickets", kv...)
}

func (st listState) query(filters []portal.Filter, limit int) portal.ListQuery {
	return portal.ListQuery{
		View: portal.View(st.q.Get(paramView)), Status: st.q.Get(paramStatus), Search: st.q.Get(paramSearch),
		Sort: st.q.Get(paramSort), Desc: st.q.Get(paramDesc) == "1", Filters: filters, Cursor: st.cursor, Limit: limit,
	}
}

// filterControl is one column's filter on the list page.
type filterControl struct {
	Property, Label string
	Kind            string // "text", "range", "date", "choice" or "ref"
	Value           string
	From, To        string
	Options         []portal.Option
	// Name and Remove are a reference filter's record and the list without
	// it: a reference is chosen by following the link of a cell.
	Name, Remove string
}

// columnFilters returns the filters the shown columns offer, the
// ListQuery filters the URL sets and, for each of those, the label of its
// column. Status has a control of its own.
func columnFilters(st listState, set portal.Settings, schema portal.Schema, cat catalog, lang string) ([]filterControl, []portal.Filter, []string) {
	var controls []filterControl
	var filters []portal.Filter
	var labels []string
	for _, col := range set.Display.Columns {
		prop, ok := schema.Lookup(portal.TicketObject, col.Property)
		if !ok || prop.Name == portal.PropStatus {
			continue
		}
		if prop.Builtin { // in the visitor's language, as the library's columns (X3)
			prop = prop.Clone()
			prop.Label = portal.BuiltinLabel(prop.Label, lang)
			for i := range prop.Options {
				prop.Options[i].Label = portal.BuiltinLabel(prop.Options[i].Label, lang)
			}
		}
		fc := filterControl{Property: prop.Name, Label: col.Label}
		if fc.Label == "" {
			fc.Label = prop.Label
		}
		add := func(op portal.Operator, v string) {
			if v = strings.TrimSpace(v); v != "" {
				filters = append(filters, portal.Filter{Property: prop.Name, Operator: op, Values: []string{v}})
				labels = append(labels, fc.Label)
			}
		}
		key := filterPrefix + prop.Name
		switch {
		case prop.Ref != "":
			fc.Kind, fc.Value, fc.Remove = "ref", st.q.Get(key), st.link("/tickets", key, "")
			add(portal.IsAnyOf, fc.Value)
		case prop.Type == portal.Text:
			fc.Kind, fc.Value = "text", st.q.Get(key)
			add(portal.ContainsAny, fc.Value)
		case prop.Type == portal.Number || prop.Type == portal.Date:
			fc.Kind, fc.From, fc.To = "range", st.q.Get(key+".from"), st.q.Get(key+".to")
			if prop.Type == portal.Date {
				fc.Kind = "date"
			}
			add(portal.Gte, fc.From)
			add(portal.Lte, fc.To)
		case prop.Builtin && prop.Name == portal.PropSatisfaction:
			// The values of the scale in force, in the visitor's language
			// (P14).
			fc.Kind, fc.Value = "choice", st.q.Get(key)
			for _, o := range set.Satisfaction.Scale.Options() {
				fc.Options = append(fc.Options, portal.Option{Value: o.Value, Label: cat.ratingLabel(o.Value)})
			}
			add(portal.IsAnyOf, fc.Value)
		case prop.Type == portal.Enumeration:
			fc.Kind, fc.Value, fc.Options = "choice", st.q.Get(key), prop.Options
			add(portal.IsAnyOf, fc.Value)
		case prop.Type == portal.Boolean:
			fc.Kind, fc.Value = "choice", st.q.Get(key)
			fc.Options = []portal.Option{{Value: "true", Label: cat.text("list.yes")}, {Value: "false", Label: cat.text("list.no")}}
			add(portal.Eq, fc.Value)
		default:
			continue
		}
		controls = append(controls, fc)
	}
	return controls, filters, labels
}

// readList reads a list URL: its state, the filter controls of the shown
// columns, and the filters it sets with their columns' labels.
func (s *server) readList(v *visit) (listState, []filterControl, []portal.Filter, []string, error) {
	st, err := parseList(v.r.URL.Query())
	if err != nil {
		return listState{}, nil, nil, nil, err
	}
	schema, err := s.Portal.Schema(v.ctx(), s.PortalID)
	if err != nil {
		return listState{}, nil, nil, nil, err
	}
	controls, filters, labels := columnFilters(st, v.Settings, schema, v.cat, v.Lang)
	return st, controls, filters, labels, nil
}

// listProblems says what is wrong with a list's query, naming the column
// of a filter, the search or the link. The query is the URL's, which
// anyone can make and send: only the search's problems (its length) are
// told as the portal words them, every other as a fixed text, so that a
// link cannot make the page say what its maker wrote.
func listProblems(v *visit, err error, filterLabels []string) []string {
	var out []string
	for _, p := range fieldErrors(err) {
		label, problem := v.T("error.link"), v.T("error.value")
		switch i, ok := index(p.Field, "filters"); {
		case ok && i < len(filterLabels):
			label = filterLabels[i]
		case p.Field == "search":
			label, problem = v.T("list.search"), p.Problem
		case p.Field == "status":
			label = v.T("list.status")
		}
		out = append(out, v.Tf("error.check", label, problem))
	}
	if len(out) == 0 {
		out = []string{v.T("error.invalid")}
	}
	return out
}

// index returns i of a field path that begins with name[i].
func index(field, name string) (int, bool) {
	rest, ok := strings.CutPrefix(field, name+"[")
	if !ok {
		return 0, false
	}
	n, _, ok := strings.Cut(rest, "]")
	i, err := strconv.Atoi(n)
	return i, ok && err == nil && i >= 0
}

type link struct {
	Label, URL string
	Current    bool
}

type header struct {
	Label, URL, Title string
	Sorted, Desc      bool
	// Property is the column's; Card marks the first column (it holds the
	// link), the number, the subject, the status and the last activity,
	// which a phone shows of each ticket as a card.
	Property string
	Card     bool
}

// cell is one value of the list or the detail: a status badge, a link
// that filters the list by a reference (a requester, an owner …), or text.
type cell struct {
	Text         string
	Status       bool
	Closed       bool
	Filter, Hint string
}

type row struct {
	URL    string
	Closed bool
	Cells  []cell
}

type listData struct {
	TicketName     string
	Views          []link
	Search, Status string
	Filters        []filterControl
	Filtered       bool
	Headers        []header
	Rows           []row
	Page           int
	Range          string // "1–25 of 58" (P11)
	Prev, Next     string
	First          string // the first page, when Previous cannot get there
	Export, Clear  string
	Hidden         [][2]string // the query's parameters the search form keeps
	Zone           string      // where the dates are (X3)
	// Welcome is said to a customer that has no tickets at all yet,
	// rather than none that match.
	Welcome string
}

// list shows a page of the customer's tickets (P1–P3) with the configured
// columns (S8), the view switcher, status and column filters, search,
// sorting by column and paging.
func (s *server) list(w http.ResponseWriter, r *http.Request, v *visit) {
	st, controls, filters, labels, err := s.readList(v)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	d := listData{TicketName: v.Settings.Display.TicketName, Search: st.q.Get(paramSearch), Status: st.q.Get(paramStatus),
		Filters: controls, Filtered: len(filters) > 0, Page: st.page, Export: st.link("/tickets/export.csv"), Clear: "/tickets"}
	if view := st.q.Get(paramView); view != "" {
		d.Clear = "/tickets?" + url.Values{paramView: {view}}.Encode()
	}
	p := page{Title: d.TicketName, Data: &d}
	if r.URL.Query().Get("ok") == "submitted" {
		p.Flash = v.T("flash.submitted")
	}
	lq := st.query(filters, portal.DefaultPageSize)
	lq.Total = true // "1–25 of 58" (P11)
	tv, err := s.Portal.ListTickets(v.ctx(), v.Viewer(), lq)
	switch {
	case errors.Is(err, portal.ErrInvalid):
		// A bad filter, search or link: the page stays, with the form to mend it.
		p.Errors = listProblems(v, err, labels)
		s.render(w, v, http.StatusBadRequest, "tickets", p)
	case err != nil:
		s.fail(w, v, err)
	default:
		fillList(&d, st, tv, v)
		s.render(w, v, http.StatusOK, "tickets", p)
	}
}

func fillList(d *listData, st listState, tv portal.TicketView, v *visit) {
	d.Zone = tv.TimeZone
	broadest := len(tv.Views) == 0 || tv.View == tv.Views[0] // not "Owned by me" beside a company's tickets
	if len(tv.Rows) == 0 && tv.Total == 0 && broadest && !d.Filtered && d.Search == "" && d.Status == "" && st.page <= 1 {
		d.Welcome = v.Tf("list.welcomeLead", v.noun(tv.TicketName))
	}
	if len(tv.Views) > 1 {
		for _, view := range tv.Views {
			d.Views = append(d.Views, link{Label: v.T("view." + string(view)), URL: st.link("/tickets", paramView, string(view)),
				Current: view == tv.View})
		}
	}
	for k, vs := range st.q {
		if k != paramSearch && k != paramStatus && !strings.HasPrefix(k, filterPrefix) {
			d.Hidden = append(d.Hidden, [2]string{k, vs[0]})
		}
	}
	for i, c := range tv.Columns {
		// The first cell holds the row's link: a card always shows it.
		h := header{Label: c.Label, Sorted: tv.Sort == c.Property, Desc: tv.Desc, Title: v.Tf("list.sortBy", c.Label), Property: c.Property,
			Card: i == 0 || slices.Contains([]string{portal.PropNumber, portal.PropSubject, portal.PropStatus, portal.PropLastActivityAt}, c.Property)}
		desc := ""
		if h.Sorted && !tv.Desc {
			desc = "1"
		}
		h.URL = st.link("/tickets", paramSort, c.Property, paramDesc, desc)
		d.Headers = append(d.Headers, h)
	}
	for _, tr := range tv.Rows {
		rw := row{URL: "/tickets/" + tr.ID.String(), Closed: tr.Closed}
		for i, c := range tr.Cells {
			cl := v.cell(tv.Columns[i], c, tr.Closed)
			if id, ok := c.Value.(uuid.UUID); ok && cl.Text != "" {
				key := filterPrefix + tv.Columns[i].Property
				cl.Filter, cl.Hint = st.link("/tickets", key, id.String()), v.Tf("list.only", cl.Text)
				for j := range d.Filters {
					if d.Filters[j].Property == tv.Columns[i].Property && d.Filters[j].Value == id.String() {
						d.Filters[j].Name = cl.Text
					}
				}
			}
			rw.Cells = append(rw.Cells, cl)
		}
		d.Rows = append(d.Rows, rw)
	}
	// The range rests on the page number in the URL: shown only where the
	// cursor and the total bear it out (a first page is page 1).
	if from, to := (st.page-1)*portal.DefaultPageSize+1, st.page*portal.DefaultPageSize; len(tv.Rows) > 0 &&
		(st.cursor == "") == (st.page == 1) && (tv.TotalMore || to-portal.DefaultPageSize+len(tv.Rows) <= tv.Total) {
		d.Range = v.Tf("list.range", v.count(from, false), v.count(from+len(tv.Rows)-1, false), v.count(tv.Total, tv.TotalMore))
	}
	switch n := len(st.history); {
	case n > 0:
		d.Prev = st.pageLink(st.history[n-1], st.history[:n-1], st.page-1)
	case st.page > 1:
		d.First = st.pageLink("", nil, 1)
	}
	if tv.Next != "" {
		history := append(st.history[:len(st.history):len(st.history)], st.cursor)
		if len(history) > maxHistory {
			history = history[1:]
		}
		d.Next = st.pageLink(tv.Next, history, st.page+1)
	}
}

// cell renders one value of a ticket: the status as a badge in the
// portal's language unless stages are shown (S8), the rest as the portal
// wrote it.
func (v *visit) cell(col portal.ColumnView, c portal.Cell, closed bool) cell {
	cl := cell{Text: c.Text}
	if value, ok := c.Value.(string); ok && col.Property == portal.PropSatisfaction {
		cl.Text = v.ratingLabel(value) // P14
	}
	if col.Property == portal.PropStatus {
		cl.Status, cl.Closed = true, closed
		if !v.Settings.Display.ShowStages {
			cl.Text = v.T("list.status.open")
			if closed {
				cl.Text = v.T("list.status.closed")
			}
		}
	}
	return cl
}

// export downloads the current view as CSV (P7): every page, with the
// filters and search in force, under the file name of the ticket display
// name (S8). Danish spreadsheets expect semicolons.
func (s *server) export(w http.ResponseWriter, r *http.Request, v *visit) {
	st, _, filters, _, err := s.readList(v)
	if err != nil {
		s.fail(w, v, err)
		return
	}
	lq := st.query(filters, 1)
	// A first row checks the query before the download begins, so that a
	// bad one still gets an error page rather than a broken file.
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
