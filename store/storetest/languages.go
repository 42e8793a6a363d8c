package storetest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// languageTests check that a customer reads the library's texts in its
// language (X3): the contact's own, else the portal's, else English; in
// the list, the export, the problems with its input, the verdicts on its
// actions and its mails, on every store.
var languageTests = []test{
	{name: "TheListAndExportSpeakTheContactsLanguage", fn: testLanguageList},
	{name: "ProblemsAndVerdictsSpeakTheContactsLanguage", fn: testLanguageProblems},
	{name: "MailsSpeakTheRecipientsLanguage", fn: auth(testLanguageMails)},
}

// covers: X3, P1, P7, S8
func testLanguageList(t *testing.T, s portal.Store) {
	w := newScopeWorld(t, s)
	w.scope(portal.CompanyTickets, nil)
	w.columns(portal.PropSubject, portal.PropOwner, portal.PropStatus, portal.PropPriority)
	w.ticket(portal.Ticket{Subject: "Printer", ContactIDs: []uuid.UUID{w.ann.ID}, CompanyIDs: []uuid.UUID{w.acme.ID}, Priority: portal.PriorityHigh})
	w.ann.Language = "da"
	w.ann = w.saveContact(w.ann)
	q := portal.ListQuery{Search: "printer"}

	tv := w.view(w.viewer(w.ann), q)
	require.Len(t, tv.Rows, 1)
	labels := []string{}
	for _, c := range tv.Columns {
		labels = append(labels, c.Label)
	}
	assert.Equal(t, []string{"Emne", "Sagsejer", "Status", "Prioritet"}, labels, "built-in labels in Danish")
	cells := []string{}
	for _, c := range tv.Rows[0].Cells {
		cells = append(cells, c.Text)
	}
	assert.Equal(t, []string{"Printer", "Ikke tildelt", "Åben", "Høj"}, cells, "fixed values in Danish; the subject as written")

	tv = w.view(w.viewer(w.bob), q)
	assert.Equal(t, "Subject", tv.Columns[0].Label, "no language anywhere: English")
	w.set(func(st *portal.Settings) {
		st.Language = "de-AT"
		st.Display.Columns[0].Label = "Worum es geht"
	})
	tv = w.view(w.viewer(w.bob), q)
	assert.Equal(t, "Worum es geht", tv.Columns[0].Label, "a label the settings give is theirs")
	assert.Equal(t, "Nicht zugewiesen", tv.Rows[0].Cells[1].Text, "the portal's language (de-AT: German)")

	var buf bytes.Buffer
	_, err := w.p.ExportCSV(ctx(t), w.viewer(w.ann), q, &buf, portal.CSVOptions{NoBOM: true})
	require.NoError(t, err)
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"Worum es geht", "Sagsejer", "Status", "Prioritet"}, {"Printer", "Ikke tildelt", "Åben", "Høj"}}, rows,
		"the export in Danish too")
}

// covers: X3, P8, P6, P2
func testLanguageProblems(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	w.supportForm()
	w.ann.Language = "sv"
	w.ann = w.saveContact(w.ann)
	fv, err := w.p.SupportForm(ctx(t), w.viewer(w.ann))
	require.NoError(t, err)
	for _, f := range fv.Fields {
		if f.Property == portal.PropPriority {
			assert.Equal(t, "Prioritet", f.Label, "a built-in field's label in Swedish")
			assert.Equal(t, "Låg", f.Options[0].Label)
		}
	}
	_, err = w.p.SubmitTicket(ctx(t), w.viewer(w.ann), portal.SubmissionInput{Values: map[string]any{"content": "C", "product": "app"}})
	require.ErrorIs(t, err, portal.ErrInvalid)
	var ve *portal.ValidationError
	require.True(t, errors.As(err, &ve))
	require.True(t, ve.Has("values.subject"), "the field path stays")
	assert.Equal(t, "måste fyllas i", ve.Problems[0].Problem, "the problem in Swedish")
	assert.Contains(t, err.Error(), "is required", "Error stays English, for logs")
	require.NoError(t, portal.Localize(nil, "da"))
	assert.Equal(t, "skal udfyldes", func() string { _ = portal.Localize(err, "da"); return ve.Problems[0].Problem }(),
		"Localize writes a host's error in another language")

	_, err = w.p.ListTickets(ctx(t), w.viewer(w.ann), portal.ListQuery{Limit: 25, Search: strings.Repeat("x", 600)})
	requireField(t, err, "search")
	assert.True(t, errors.As(err, &ve))
	assert.Equal(t, "högst 500 tecken", ve.Problems[0].Problem)

	_, err = w.p.Close(ctx(t), w.viewer(w.ann), w.id("Ann alone"))
	require.ErrorIs(t, err, portal.ErrForbidden)
	assert.Contains(t, err.Error(), "kunder kan inte stänga ärenden", "the verdict's reason in Swedish")
	x, err := w.p.Explain(ctx(t), w.pid, w.ann.ID, w.id("Ann alone"))
	require.NoError(t, err)
	for _, a := range x.Actions {
		if a.Action == "close" {
			assert.Equal(t, "kunder kan inte stänga ärenden", a.Reason)
			assert.Equal(t, "actions.customerClose", a.Rule, "its rule stays")
		}
	}
}

// covers: X3, A4 (a mail in its recipient's language, its date in its
// zone, written as that language writes one)
func testLanguageMails(t *testing.T, s authStore) {
	d := newDoor(t, s, func(st *portal.Settings) { st.Language = "da" })
	email := d.invited(t, d.ann)
	inv, ok := d.last(t, d.ann.Email)
	require.True(t, ok)
	assert.True(t, strings.HasPrefix(inv.Subject, "Din invitation til "), inv.Subject)

	ann := d.ann
	ann.Language, ann.TimeZone = "de", "Europe/Berlin"
	_, err := d.p.SaveContact(ctx(t), ann)
	require.NoError(t, err)
	require.NoError(t, d.p.RequestPasswordReset(ctx(t), d.pid, email))
	m, ok := d.last(t, email)
	require.True(t, ok)
	assert.Equal(t, "Setzen Sie Ihr Passwort bei Customer portal zurück", m.Subject)
	exp := m.ExpiresAt.In(mustZone(t, "Europe/Berlin"))
	assert.Contains(t, m.Body, "Der Link funktioniert einmal, bis "+exp.Format("2")+". ", "the day, German style")
	assert.Contains(t, m.Body, exp.Format("15:04")+" Uhr (Europe/Berlin)", "the time in the contact's zone, named")

	// The notice to the previous address of a changed e-mail (P16).
	sess, err := d.p.Authenticate(ctx(t), d.pid, d.login(t, email))
	require.NoError(t, err)
	require.NoError(t, d.p.RequestEmailChange(ctx(t), sess, "ann@neu.example", goodPassword))
	link, ok := d.last(t, "ann@neu.example")
	require.True(t, ok)
	require.NoError(t, d.p.ConfirmEmailChange(ctx(t), d.pid, link.Token))
	moved, err := d.p.Contact(ctx(t), d.pid, ann.ID)
	require.NoError(t, err)
	moved.Email = "ann@host.example" // the helpdesk's own change, before the delivery
	_, err = d.p.SaveContact(ctx(t), moved)
	require.NoError(t, err)
	notice, ok := d.last(t, email)
	require.True(t, ok)
	require.Equal(t, portal.MailEmailChanged, notice.Kind)
	assert.Equal(t, "Ihre E-Mail-Adresse bei Customer portal wurde geändert", notice.Subject)
	assert.Contains(t, notice.Body, "Die E-Mail-Adresse, die Sie bei Customer portal verwenden, ist jetzt ann@neu.example.",
		"the address the contact confirmed, not the one it has when the notice goes")
	assert.Contains(t, notice.Body, "Den e-mailadresse, du bruger hos Customer portal, er nu ann@neu.example.",
		"and in the portal's language too: whoever changed the address may have changed the language")
	assert.NotContains(t, notice.Body, "ann@host.example")
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}
