package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// Request forms (P15): besides the main support form, forms of their own
// fields, destination and audience; a contact lists and submits only those
// it may use, and one it may not is not found, as one there is not.
// covers: P15, S6, S5, P8
func testRequestForms(t *testing.T, s portal.Store) {
	w := newActionWorld(t, s)
	w.supportForm()
	billing, err := w.p.SaveChannel(ctx(t), portal.Channel{PortalID: w.pid, Name: "Billing", Kind: portal.Inbox, CreatesTickets: true})
	require.NoError(t, err)
	short, err := w.p.SaveForm(ctx(t), portal.Form{PortalID: w.pid, Name: "Invoice question", ChannelID: billing.ID,
		Fields: []portal.FormField{{Property: portal.PropSubject, Label: "Invoice number"}, {Property: "order", Required: true}}})
	require.NoError(t, err)
	invoices := portal.RequestForm{ID: newID(t), Name: "  Invoice question  ", Description: "Questions about an invoice",
		FormID: short.ID, PipelineID: w.pipeline.ID, StageID: w.stage("Waiting"), ChannelID: billing.ID,
		Audience: portal.FilterGroups{{{Property: portal.PropEmail, Operator: portal.EndsWith, Values: []string{"@acme.dk"}}}}}
	everyone := portal.RequestForm{ID: newID(t), Name: "Something else", FormID: short.ID}
	w.set(func(st *portal.Settings) { st.SupportForm.Requests = []portal.RequestForm{invoices, everyone} })

	ann, bob := w.viewer(w.ann), w.viewer(w.bob)
	forms, err := w.p.SupportForms(ctx(t), ann)
	require.NoError(t, err)
	assert.Equal(t, []portal.FormChoice{{Name: "Ask us anything"},
		{ID: invoices.ID, Name: "Invoice question", Description: "Questions about an invoice"},
		{ID: everyone.ID, Name: "Something else"}}, forms, "the main form first, names trimmed")
	forms, err = w.p.SupportForms(ctx(t), bob)
	require.NoError(t, err)
	assert.Equal(t, []portal.FormChoice{{Name: "Ask us anything"}, {ID: everyone.ID, Name: "Something else"}}, forms,
		"bob@acme.com is not in the invoice form's audience")

	fv, err := w.p.RequestForm(ctx(t), ann, invoices.ID)
	require.NoError(t, err)
	assert.Equal(t, invoices.ID, fv.ID)
	assert.Equal(t, "Invoice question", fv.Heading)
	var labels []string
	for _, f := range fv.Fields {
		labels = append(labels, f.Label)
	}
	assert.Equal(t, []string{"Invoice number", "Content", "Order number"}, labels, "the form's own fields")

	// Not for Bob, and not there: not found, alike; nothing written.
	for _, id := range []uuid.UUID{invoices.ID, newID(t)} {
		_, err = w.p.RequestForm(ctx(t), bob, id)
		require.ErrorIs(t, err, portal.ErrNotFound)
		_, err = w.p.SubmitTicket(ctx(t), bob, portal.SubmissionInput{Form: id,
			Values: map[string]any{"subject": "INV-1", "content": "Why?", "order": 7}})
		require.ErrorIs(t, err, portal.ErrNotFound)
		assert.Contains(t, err.Error(), "form")
	}
	assert.Empty(t, w.events())
	_, err = w.p.SubmitTicket(ctx(t), ann, portal.SubmissionInput{Form: invoices.ID,
		Values: map[string]any{"subject": "INV-1", "content": "Why?", "product": "app"}})
	requireField(t, err, "values.product") // not a field of this form
	requireField(t, err, "values.order")   // required by it

	res, err := w.p.SubmitTicket(ctx(t), ann, portal.SubmissionInput{Form: invoices.ID, Key: "inv",
		Values: map[string]any{"subject": "INV-1", "content": "Why?", "order": 7}})
	require.NoError(t, err)
	tk := w.stored(res.TicketID)
	assert.Equal(t, []uuid.UUID{w.pipeline.ID, w.stage("Waiting"), billing.ID}, []uuid.UUID{tk.PipelineID, tk.StageID, tk.ChannelID},
		"where the request form sends its tickets")
	assert.Equal(t, 7.0, tk.Properties["order"])
	evs := w.events()
	require.Len(t, evs, 1)
	assert.Equal(t, billing.ID, evs[0].ChannelID)
	// The same key and values to another form is another submission.
	_, err = w.p.SubmitTicket(ctx(t), ann, portal.SubmissionInput{Form: everyone.ID, Key: "inv",
		Values: map[string]any{"subject": "INV-1", "content": "Why?", "order": 7}})
	require.ErrorIs(t, err, portal.ErrConflict)

	// A form for everyone without a destination goes where the main
	// form's tickets go.
	res, err = w.p.SubmitTicket(ctx(t), bob, portal.SubmissionInput{Form: everyone.ID,
		Values: map[string]any{"subject": "Hello", "content": "Hi", "order": 1}})
	require.NoError(t, err)
	tk = w.stored(res.TicketID)
	assert.Equal(t, []uuid.UUID{w.stage("New"), w.channel.ID}, []uuid.UUID{tk.StageID, tk.ChannelID})

	// The helpdesk changes what the form refers to after the settings were
	// saved: its stage closes, its channel stops making tickets. Its
	// tickets go to the pipeline's first open stage, and to the default
	// channel.
	pl := w.pipeline
	for i := range pl.Stages {
		if pl.Stages[i].ID == w.stage("Waiting") {
			pl.Stages[i].State = portal.StageClosed
		}
	}
	_, err = w.p.SavePipeline(ctx(t), pl)
	require.NoError(t, err)
	billing.CreatesTickets = false
	_, err = w.p.SaveChannel(ctx(t), billing)
	require.NoError(t, err)
	res, err = w.p.SubmitTicket(ctx(t), ann, portal.SubmissionInput{Form: invoices.ID,
		Values: map[string]any{"subject": "INV-2", "content": "Again", "order": 8}})
	require.NoError(t, err)
	tk = w.stored(res.TicketID)
	assert.Equal(t, []uuid.UUID{w.stage("New"), w.channel.ID}, []uuid.UUID{tk.StageID, tk.ChannelID})

	// An audience over the contact's company: Dora has none.
	acmeOnly := portal.RequestForm{ID: newID(t), Name: "Acme", FormID: short.ID,
		CompanyAudience: portal.FilterGroups{{{Property: portal.PropName, Operator: portal.EqualsAny, Values: []string{"Acme"}}}}}
	w.set(func(st *portal.Settings) { st.SupportForm.Requests = []portal.RequestForm{acmeOnly} })
	for c, want := range map[*portal.Contact]int{&w.ann: 2, &w.carl: 1, &w.dora: 1} {
		forms, err := w.p.SupportForms(ctx(t), w.viewer(*c))
		require.NoError(t, err)
		assert.Len(t, forms, want, c.Email)
	}
}
