package portal_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
)

func readCSV(t *testing.T, data []byte, comma rune) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.Comma = comma
	records, err := r.ReadAll()
	require.NoError(t, err)
	return records
}

// pagesOf lists every page of a query and returns the header labels and the
// cells' texts, as a CSV export should hold them.
func pagesOf(t *testing.T, p *portal.Portal, v portal.Viewer, q portal.ListQuery) [][]string {
	t.Helper()
	table, err := portaltest.ListTable(context.Background(), p, v, q)
	require.NoError(t, err)
	return table
}

// generatedDesk is the helpdesk portaltest generates for size and seed, in
// a portal on the memory store, and the viewer who is its first contact.
func generatedDesk(t *testing.T, size portaltest.Size, seed uint64) (*portal.Portal, portal.Viewer) {
	t.Helper()
	p, err := portal.New(memstore.New(), portal.Options{Now: portaltest.Now})
	require.NoError(t, err)
	d, err := portaltest.Generate(context.Background(), p, size, seed)
	require.NoError(t, err)
	return p, portal.Viewer{PortalID: d.Tenant.ID, ContactID: d.Contacts[0].ID}
}

// setSettings saves the tenant's settings as change leaves them.
func setSettings(t *testing.T, p *portal.Portal, pid uuid.UUID, change func(*portal.Settings)) {
	t.Helper()
	ctx := context.Background()
	s, err := p.Settings(ctx, pid)
	require.NoError(t, err)
	change(&s)
	_, err = p.SaveSettings(ctx, pid, s)
	require.NoError(t, err)
}

// The export is every page of the list for the same query, in order, with
// the shown columns' labels (P7).
// covers: P7, S8
func TestExportIsEveryPageOfTheList(t *testing.T) {
	ctx := context.Background()
	p, v := generatedDesk(t, portaltest.Size{Tickets: 400, Companies: 3}, 5)
	setSettings(t, p, v.PortalID, func(s *portal.Settings) {
		s.Permissions.Scope = portal.CompanyTickets
		s.Display.Columns = []portal.Column{{Property: "subject", Label: "Emne"}, {Property: "status"},
			{Property: "owner"}, {Property: "createdAt"}, {Property: portaltest.PropOrderNumber}, {Property: "requestedBy"}}
	})
	for _, q := range []portal.ListQuery{
		{Limit: 7},
		{Limit: 3, Status: portal.StatusClosed, Sort: "owner", Desc: true},
		{Limit: 50, Search: "ikke", View: portal.OwnedByMe},
		{Limit: 11, Filters: []portal.Filter{{Property: portaltest.PropOrderNumber, Operator: portal.Gt, Values: []string{"100"}}}},
	} {
		var buf bytes.Buffer
		n, err := p.ExportCSV(ctx, v, q, &buf, portal.CSVOptions{})
		require.NoError(t, err)
		want := pagesOf(t, p, v, q)
		got := readCSV(t, buf.Bytes(), ',')
		assert.Equal(t, len(want)-1, n)
		assert.Equal(t, want, got, "query %+v", q)
		assert.Greater(t, len(got), 2, "the query should hold rows: %+v", q)
	}
}

// Every kind of column, built-in or custom, exports as the list shows it,
// with stage names shown or not: the export renders some columns its own
// way (text, dates, and those that depend on one referenced record).
// covers: P7, S8
func TestExportEveryColumnAsTheList(t *testing.T) {
	ctx := context.Background()
	p, v := generatedDesk(t, portaltest.Size{Tickets: 300, Companies: 2}, 8)
	columns := [][]string{
		{portal.PropSubject, portal.PropContent, portal.PropCreatedAt, portal.PropLastActivityAt, portal.PropPriority},
		{portal.PropStatus, portal.PropStage, portal.PropPipeline, portal.PropChannel, portal.PropOwner, portal.PropRequestedBy},
		{portaltest.PropOrderNumber, portaltest.PropProduct, portaltest.PropWarranty, portaltest.PropDueDate, portal.PropOwner},
	}
	for _, showStages := range []bool{false, true} {
		for _, props := range columns {
			setSettings(t, p, v.PortalID, func(s *portal.Settings) {
				s.Permissions.Scope = portal.CompanyTickets
				s.Display.ShowStages = showStages
				s.Display.Columns = nil
				for _, prop := range props {
					s.Display.Columns = append(s.Display.Columns, portal.Column{Property: prop})
				}
			})
			q := portal.ListQuery{Limit: 40, Sort: props[0]}
			var buf bytes.Buffer
			_, err := p.ExportCSV(ctx, v, q, &buf, portal.CSVOptions{})
			require.NoError(t, err)
			want := pagesOf(t, p, v, q)
			assert.Equal(t, want, readCSV(t, buf.Bytes(), ','), "columns %v, stages shown %v", props, showStages)
			assert.Greater(t, len(want), 41, "more than a page")
		}
	}
}

// covers: P7
func TestExportOptions(t *testing.T) {
	w := newWorld(t, portal.CompanyTickets)
	ctx := context.Background()
	v := portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}
	q := portal.ListQuery{Sort: "subject"}

	var buf bytes.Buffer
	_, err := w.p.ExportCSV(ctx, v, q, &buf, portal.CSVOptions{})
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(buf.Bytes(), []byte("\uFEFFSubject,Requested by,")), "BOM and comma")
	assert.Contains(t, buf.String(), "\r\n")

	buf.Reset()
	_, err = w.p.ExportCSV(ctx, v, q, &buf, portal.CSVOptions{Delimiter: ';', NoBOM: true, LF: true})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(buf.String(), "Subject;Requested by;"))
	assert.NotContains(t, buf.String(), "\r")
	rows := readCSV(t, buf.Bytes(), ';')
	assert.Len(t, rows, 4)

	_, err = w.p.ExportCSV(ctx, v, q, &buf, portal.CSVOptions{Delimiter: '"'})
	requireField(t, err, "delimiter")
	_, err = w.p.ExportCSV(ctx, v, portal.ListQuery{Sort: "priority"}, &buf, portal.CSVOptions{})
	requireField(t, err, "sort")
}

// Hostile cells come out as valid CSV that parses back to the intended text,
// and no cell starts with a formula character; numbers stay numbers.
// covers: P7
func TestExportIsSafeToOpen(t *testing.T) {
	w := newWorld(t, portal.CompanyTickets)
	ctx := context.Background()
	require.NoError(t, w.p.RegisterProperty(ctx, w.tenant.ID, portal.TicketObject,
		portal.Property{Name: "balance", Label: "=Balance", Type: portal.Number}))
	require.NoError(t, w.p.RegisterProperty(ctx, w.tenant.ID, portal.TicketObject,
		portal.Property{Name: "note", Label: "Note", Type: portal.Text}))
	w.set(t, func(s *portal.Settings) {
		s.Display.Columns = []portal.Column{{Property: "subject"}, {Property: "balance"}, {Property: "note"}, {Property: "owner"}}
	})
	hostile := []string{
		`=HYPERLINK("http://evil.example","click")`, `+cmd|' /C calc'!A0`, `@SUM(1)`, `-2+3`,
		"\tleading tab", "\rleading return", `say "hi", then leave`, "two\nlines", "nul\x00byte",
	}
	owner, err := w.p.SaveOwner(ctx, portal.Owner{PortalID: w.tenant.ID, FirstName: "=1+1"})
	require.NoError(t, err)
	store := w.store
	for i, text := range hostile {
		_, err := w.p.SaveTicket(ctx, portal.Ticket{PortalID: w.tenant.ID, Subject: fmt.Sprintf("%02d %s", i, text),
			PipelineID: w.pipeline.ID, StageID: w.pipeline.Stages[0].ID, OwnerID: owner.ID, ContactIDs: []uuid.UUID{w.ann.ID},
			Properties: portal.Properties{"balance": -2.5, "note": text}})
		if strings.ContainsRune(text, 0) {
			require.ErrorIs(t, err, portal.ErrInvalid, "the portal refuses NUL in a subject")
			continue
		}
		require.NoError(t, err)
	}
	// A host's own store may hold what the portal would refuse: NUL, invalid
	// UTF-8 and a subject of a megabyte.
	huge := strings.Repeat("æ", 1<<19)
	for _, subject := range []string{"nul\x00byte", "bad \xff utf-8", "=" + huge} {
		id, _ := uuid.NewV7()
		require.NoError(t, store.PutTicket(ctx, portal.Ticket{ID: id, PortalID: w.tenant.ID, Subject: subject,
			PipelineID: w.pipeline.ID, StageID: w.pipeline.Stages[0].ID, ContactIDs: []uuid.UUID{w.ann.ID},
			CreatedAt: clock, LastActivityAt: clock, Properties: portal.Properties{"note": "\xfe-x"}}))
	}

	var buf bytes.Buffer
	_, err = w.p.ExportCSV(ctx, portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID},
		portal.ListQuery{View: portal.OwnedByMe, Sort: "subject"}, &buf, portal.CSVOptions{})
	require.NoError(t, err)
	rows := readCSV(t, buf.Bytes(), ',')
	assert.Equal(t, []string{"'=Balance"}, rows[0][1:2], "labels are cells too")
	subjects := map[string]bool{}
	for _, row := range rows[1:] {
		for i, cell := range row {
			if cell == "" {
				continue
			}
			if i == 1 {
				assert.Equal(t, "-2.5", cell, "a number keeps its sign")
				continue
			}
			assert.NotContains(t, "=+-@\t\r", cell[:1], "cell %q starts with a formula character", cell)
		}
		subjects[row[0]] = true
		if row[0][0] == '0' { // saved through the portal, with an owner
			assert.Equal(t, "'=1+1", row[3], "names an agent typed are neutralised too")
		}
	}
	for i, text := range hostile {
		if !strings.ContainsRune(text, 0) {
			text = strings.ReplaceAll(text, "\r", "\n") // a lone CR is a line break
			assert.True(t, subjects[fmt.Sprintf("%02d %s", i, text)], "subject %q parses back", text)
		}
	}
	assert.True(t, subjects["nul\x00byte"])
	assert.True(t, subjects["bad \uFFFD utf-8"])
	assert.True(t, subjects["'="+huge])
	for _, row := range rows[1:] {
		if row[0] == "nul\x00byte" {
			assert.Equal(t, "'\uFFFD-x"[1:], row[2], "invalid UTF-8 becomes U+FFFD")
		}
	}
}

// covers: P7, S8, S9, X5
func TestExportHoldsOnlyTheView(t *testing.T) {
	w := newWorld(t, portal.OwnTickets)
	ctx := context.Background()
	_, err := w.p.SaveThread(ctx, portal.Thread{PortalID: w.tenant.ID, TicketID: w.annT.ID, VisibleInPortal: true})
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = w.p.ExportCSV(ctx, portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}, portal.ListQuery{}, &buf, portal.CSVOptions{})
	require.NoError(t, err)
	rows := readCSV(t, buf.Bytes(), ',')
	require.Len(t, rows, 2)
	assert.Equal(t, "Ann's", rows[1][0])
	assert.Len(t, rows[0], 6, "only the shown columns")
	assert.NotContains(t, buf.String(), "Bob's")
	assert.NotContains(t, buf.String(), "Acme's")

	_, err = w.p.ExportCSV(ctx, portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID},
		portal.ListQuery{View: portal.OrganizationTickets}, &buf, portal.CSVOptions{})
	require.ErrorIs(t, err, portal.ErrForbidden)
	_, err = w.p.SetEnabled(ctx, w.tenant.ID, false)
	require.NoError(t, err)
	_, err = w.p.ExportCSV(ctx, portal.Viewer{PortalID: w.tenant.ID, ContactID: w.ann.ID}, portal.ListQuery{}, &buf, portal.CSVOptions{})
	require.ErrorIs(t, err, portal.ErrPortalDisabled)
}

// failingWriter takes n bytes, keeping them, and then fails with err.
type failingWriter struct {
	n    int
	err  error
	took []byte
}

func (f *failingWriter) Write(b []byte) (int, error) {
	if f.n -= len(b); f.n < 0 {
		return 0, f.err
	}
	f.took = append(f.took, b...)
	return len(b), nil
}

// covers: P7
func TestExportStopsOnWriterErrorAndCancel(t *testing.T) {
	ctx := context.Background()
	p, v := generatedDesk(t, portaltest.Size{Tickets: 600, Companies: 1}, 3)
	setSettings(t, p, v.PortalID, func(s *portal.Settings) { s.Permissions.Scope = portal.CompanyTickets })

	diskFull := errors.New("disk full")
	for _, limit := range []int{100, 5000, 20000, 40000} {
		fw := &failingWriter{n: limit, err: diskFull}
		n, err := p.ExportCSV(ctx, v, portal.ListQuery{}, fw, portal.CSVOptions{})
		require.ErrorIs(t, err, diskFull)
		// Rows end with CRLF and nothing else does; the header is one.
		whole := max(bytes.Count(fw.took, []byte("\r\n"))-1, 0)
		assert.LessOrEqual(t, n, whole, "the count is of rows that reached the writer whole (limit %d)", limit)
		assert.Greater(t, n, whole-portal.MaxPageSize, "and not far fewer (limit %d)", limit)
	}

	cctx, cancel := context.WithCancel(ctx)
	w := &cancellingWriter{after: 5000, cancel: cancel}
	n, err := p.ExportCSV(cctx, v, portal.ListQuery{}, w, portal.CSVOptions{})
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, n, 600)
}

type cancellingWriter struct {
	after  int
	cancel func()
}

func (c *cancellingWriter) Write(b []byte) (int, error) {
	if c.after -= len(b); c.after < 0 {
		c.cancel()
	}
	return len(b), nil
}

// covers: P7, S8
func TestExportFilename(t *testing.T) {
	day := time.Date(2026, 11, 25, 23, 0, 0, 0, time.FixedZone("CET", 3600))
	assert.Equal(t, "Sager 2026-11-25.csv", portal.ExportFilename("Sager", day))
	assert.Equal(t, "Ordrer_sager 2026-11-25.csv", portal.ExportFilename(" Ordrer/sager ", day))
	assert.Equal(t, "Tickets 2026-11-25.csv", portal.ExportFilename("..", day))
	assert.Equal(t, `attachment; filename="S_ger 2026-11-25.csv"; filename*=UTF-8''S%C3%A6ger%202026-11-25.csv`,
		portal.ContentDisposition(portal.ExportFilename("Sæger", day)))
	assert.Equal(t, `attachment; filename="a_b_c_.csv"; filename*=UTF-8''a%22b%3Bc%0A.csv`,
		portal.ContentDisposition("a\"b;c\n.csv"))
}
