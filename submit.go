package portal

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// FormView is the support form (S6) as a contact sees it: the main one,
// or a request form (P15).
type FormView struct {
	// ID is the request form's, uuid.Nil for the main form: what
	// SubmissionInput.Form names.
	ID uuid.UUID
	// TicketName is the customer-facing name of tickets (S8).
	TicketName string
	MenuText   string
	// Heading is the main form's heading, or the request form's name;
	// Description the request form's.
	Heading     string
	Description string
	// Fields are the form's fields in order: always the subject and the
	// content first, then the form's other ticket properties.
	Fields []FormFieldView
}

// FormFieldView is one field of the support form: a ticket property.
type FormFieldView struct {
	Property string
	Label    string
	Type     PropertyType
	Required bool
	// Options are the choices of an enumeration.
	Options []Option
	// MaxLength bounds a text: characters for the subject, bytes for the
	// content and custom texts.
	MaxLength int
}

// SupportForm returns the support form the viewer may submit (S6, P8). Its
// fields come from the form the settings name and the ticket property
// schema: the subject and the content are always asked for, and required;
// the form's other fields (priority and custom ticket properties) follow,
// required as the form says. A preview (A5) sees the form too. Errors:
// ErrForbidden when the support form is off.
func (p *Portal) SupportForm(ctx context.Context, v Viewer) (FormView, error) {
	return p.RequestForm(ctx, v, uuid.Nil)
}

// FormChoice is a support form a contact may use (P15): the main form
// (ID uuid.Nil) or a request form.
type FormChoice struct {
	ID          uuid.UUID
	Name        string
	Description string
}

// SupportForms lists the support forms the viewer may use (P15): the main
// form first (named by its heading), then the request forms whose
// audience the viewer is in, in the settings' order. Errors: ErrForbidden
// when the support form is off.
func (p *Portal) SupportForms(ctx context.Context, v Viewer) (_ []FormChoice, err error) {
	defer p.speak(ctx, v, &err)
	r, err := p.begin(ctx, v)
	if err != nil {
		return nil, err
	}
	sf := r.settings.SupportForm
	if !sf.Enabled {
		return nil, errFormOff
	}
	out := []FormChoice{{Name: sf.HeadingText}}
	for _, rf := range sf.Requests {
		if ok, err := p.mayUse(r, &rf); err != nil {
			return nil, err
		} else if ok {
			out = append(out, FormChoice{ID: rf.ID, Name: rf.Name, Description: rf.Description})
		}
	}
	return out, nil
}

// RequestForm returns the support form id as the viewer sees it (P15):
// uuid.Nil is the main form (SupportForm). Errors: ErrForbidden when the
// support form is off; ErrNotFound naming "form" for a request form there
// is not, or whose audience the viewer is not in, alike.
func (p *Portal) RequestForm(ctx context.Context, v Viewer, id uuid.UUID) (_ FormView, err error) {
	defer p.speak(ctx, v, &err)
	r, err := p.begin(ctx, v)
	if err != nil {
		return FormView{}, err
	}
	fv, _, err := p.formView(ctx, r, id)
	return fv, err
}

var errFormOff = fmt.Errorf("%w: the support form is off (supportForm.enabled)", ErrForbidden)

// mayUse reports whether the viewer is in the request form's audience. An
// audience that no longer holds against the schema (a property changed
// since) lets nobody in: the form is hidden, not the portal's forms.
func (p *Portal) mayUse(r *request, rf *RequestForm) (bool, error) {
	env := &Env{Now: r.now}
	if len(rf.Audience) > 0 {
		m, _, err := compile(rf.Audience, r.schema, contactAccess, "audience", zone(r.settings.TimeZone))
		if err != nil || !m.verdict(&r.contact, nil, env).Matched {
			return false, nil
		}
	}
	if len(rf.CompanyAudience) > 0 {
		if r.company == nil {
			return false, nil
		}
		m, _, err := compile(rf.CompanyAudience, r.schema, companyAccess, "companyAudience", zone(r.settings.TimeZone))
		if err != nil || !m.verdict(r.company, nil, env).Matched {
			return false, nil
		}
	}
	return true, nil
}

// formView returns the support form id (uuid.Nil: the main one) as the
// viewer sees it, and the request form (the zero one for the main form).
func (p *Portal) formView(ctx context.Context, r *request, id uuid.UUID) (FormView, RequestForm, error) {
	sf := r.settings.SupportForm
	if !sf.Enabled {
		return FormView{}, RequestForm{}, errFormOff
	}
	rf := RequestForm{FormID: sf.FormID}
	fv := FormView{TicketName: r.settings.Display.TicketName, MenuText: sf.MenuText, Heading: sf.HeadingText}
	if id != uuid.Nil {
		i := slices.IndexFunc(sf.Requests, func(x RequestForm) bool { return x.ID == id })
		ok := i >= 0
		if ok {
			var err error
			if ok, err = p.mayUse(r, &sf.Requests[i]); err != nil {
				return FormView{}, RequestForm{}, err
			}
		}
		if !ok {
			return FormView{}, RequestForm{}, fmt.Errorf("%w: form %s", ErrNotFound, id)
		}
		rf = sf.Requests[i]
		fv.ID, fv.Heading, fv.Description = rf.ID, rf.Name, rf.Description
	}
	forms, err := p.store.Forms(ctx, r.viewer.PortalID)
	if err != nil {
		return FormView{}, RequestForm{}, classify(err)
	}
	i := slices.IndexFunc(forms, func(f Form) bool { return f.ID == rf.FormID })
	if i < 0 {
		return FormView{}, RequestForm{}, fmt.Errorf("%w: the support form %s is missing", ErrInternal, rf.FormID)
	}
	form := forms[i]
	field := func(name string, required bool, label string) {
		prop, ok := r.schema.Lookup(TicketObject, name)
		if !ok {
			return // a property removed from the schema since the form was saved
		}
		if prop.Builtin { // in the viewer's language (X3)
			prop = prop.Clone()
			prop.Label = word(prop.Label, r.lang)
			for i := range prop.Options {
				prop.Options[i].Label = word(prop.Options[i].Label, r.lang)
			}
		}
		if label == "" {
			label = prop.Label
		}
		f := FormFieldView{Property: name, Label: label, Type: prop.Type, Required: required,
			Options: slices.Clone(prop.Options)}
		switch {
		case name == PropSubject:
			f.MaxLength = MaxSubject
		case name == PropContent:
			f.MaxLength = MaxContent
		case prop.Type == Text:
			f.MaxLength = maxTextValue
		}
		fv.Fields = append(fv.Fields, f)
	}
	labelOf := func(name string) string {
		if i := slices.IndexFunc(form.Fields, func(f FormField) bool { return f.Property == name }); i >= 0 {
			return form.Fields[i].Label
		}
		return ""
	}
	field(PropSubject, true, labelOf(PropSubject))
	field(PropContent, true, labelOf(PropContent))
	for _, f := range form.Fields {
		if f.Property != PropSubject && f.Property != PropContent {
			field(f.Property, f.Required, f.Label)
		}
	}
	return fv, rf, nil
}

// SubmissionInput is a support form submission (P8).
type SubmissionInput struct {
	// Values are the field values by property name: a string for texts and
	// enumerations (an option's value); for numbers a float64 or float32,
	// or a value of any Go integer type (int, int8 … int64, uint, uint8 …
	// uint64) that a float64 holds exactly, that is of at most 2^53 either
	// way (a larger one is ErrInvalid rather than rounded); a time.Time for
	// dates; a bool for booleans.
	Values map[string]any
	// Key, when set, makes the submission idempotent: a contact's second
	// submission with the same key and the same values creates nothing and
	// returns the first one's ticket; with other values (a form sent again
	// after going Back and changing it) it is refused with a *ConflictError
	// (ErrConflict) naming "key". At most 200 characters.
	Key string
	// Form is the request form submitted (P15), uuid.Nil for the main
	// one.
	Form uuid.UUID
	// Attachments are files sent with the form (P15), kept with the
	// ticket's first message under the reply's rules (P5): the
	// Options.Attachments limits, the content type sniffed, the names
	// cleaned. Part of what a key's "same values" compares.
	Attachments []AttachmentInput
}

// SubmitResult says what SubmitTicket did.
type SubmitResult struct {
	TicketID uuid.UUID
	// Number is the ticket's number (P10) and Ref how the customer names
	// it ("#1042"), for its receipt.
	Number int64
	Ref    string
	// Created is false when the key had been used: TicketID is then the
	// ticket of the first submission.
	Created bool
}

// MaxKey bounds an idempotency key, in characters.
const MaxKey = 200

// SubmitTicket creates a ticket from a support form submission (P8, S6):
// one ticket in the portal's default channel (S3), associated with the
// contact (its requester) and its primary company, in the first open stage
// of the first of the tenant's pipelines that has an open stage (pipelines
// are ordered by ID, and IDs are time-ordered: the oldest first; a
// pipeline with closed stages only is passed over) — or, for a request
// form (in.Form, P15), in the channel, pipeline and stage it names — with
// the content as
// the first message of a new thread visible in the portal, logged as an
// e-mail engagement, with the attachments. It writes an EventSubmit with
// it, and queues the contact's receipt (a mail with the ticket's number
// and subject, sent by the mail delivery, P15), in one step: a submission
// sent again with its key creates nothing and queues no second receipt.
// The ticket is in the contact's list at once, unless the visibility
// filter (S8) hides it.
//
// Errors: ErrForbidden when the support form is off, when no pipeline has
// an open stage, or for a preview; ErrNotFound naming the form for a
// request form there is not or that the viewer may not use, alike;
// ErrInvalid naming each bad field ("values.<property>"): a missing required
// value, a value of the wrong type, an option that is not one of the
// property's, a text too long, a field the form does not have; and
// "attachments" or "attachments[i].<name or content>" for files over the
// limits or refused.
func (p *Portal) SubmitTicket(ctx context.Context, v Viewer, in SubmissionInput) (_ SubmitResult, err error) {
	defer p.speak(ctx, v, &err)
	r, err := p.begin(ctx, v)
	if err != nil {
		return SubmitResult{}, err
	}
	if ro, ok := readOnly(r, "submit"); ok {
		return SubmitResult{}, forbidden(ro)
	}
	fv, rf, err := p.formView(ctx, r, in.Form)
	if err != nil {
		return SubmitResult{}, err
	}
	t := Ticket{PortalID: v.PortalID, ChannelID: cmp.Or(rf.ChannelID, r.settings.DefaultChannel), RequesterID: r.contact.ID,
		ContactIDs: []uuid.UUID{r.contact.ID}, CreatedAt: r.now, LastActivityAt: r.now}
	if r.company != nil {
		t.CompanyIDs = []uuid.UUID{r.company.ID}
	}
	var ps problems
	checkText(&ps, "key", in.Key, 0, MaxKey)
	submissionValues(&ps, fv.Fields, in.Values, &t)
	if err := ps.err(); err != nil {
		return SubmitResult{}, err
	}
	files, err := p.readAttachments(in.Attachments)
	if err != nil {
		return SubmitResult{}, err
	}
	pls := r.pipelines
	if pls == nil {
		if pls, err = p.store.Pipelines(ctx, v.PortalID); err != nil {
			return SubmitResult{}, classify(err)
		}
	}
	t.PipelineID, t.StageID = destination(pls, rf)
	if rf.ChannelID != uuid.Nil {
		chs := r.channels
		if chs == nil {
			if chs, err = p.store.Channels(ctx, v.PortalID); err != nil {
				return SubmitResult{}, classify(err)
			}
		}
		if i := slices.IndexFunc(chs, func(c Channel) bool { return c.ID == rf.ChannelID }); i < 0 || !chs[i].CreatesTickets {
			t.ChannelID = r.settings.DefaultChannel // changed since the settings were saved
		}
	}
	if t.PipelineID == uuid.Nil {
		return SubmitResult{}, fmt.Errorf("%w: the helpdesk has no pipeline with an open stage for new tickets", ErrForbidden)
	}
	c := SubmitChange{ContactID: r.contact.ID, Key: in.Key}
	if in.Key != "" {
		if c.Digest, err = submissionDigest(&t, files, in.Form); err != nil {
			return SubmitResult{}, err
		}
	}
	ids := make([]uuid.UUID, 5)
	for i := range ids {
		if ids[i], err = p.id(); err != nil {
			return SubmitResult{}, err
		}
	}
	t.ID = ids[0]
	c.Ticket = t
	c.Thread = Thread{ID: ids[1], PortalID: v.PortalID, TicketID: t.ID, VisibleInPortal: true, CreatedAt: r.now}
	c.Message = Message{ID: ids[2], PortalID: v.PortalID, TicketID: t.ID, ThreadID: ids[1], Kind: CustomerMessage,
		From: r.contact.Email, Body: textHTML(t.Content), Text: t.Content, Engagement: EmailEngagement, CreatedAt: r.now}
	c.Event = Event{ID: ids[3], PortalID: v.PortalID, Kind: EventSubmit, TicketID: t.ID, ChannelID: t.ChannelID,
		ContactID: r.contact.ID, ThreadID: ids[1], MessageID: ids[2], At: r.now}
	if p.as != nil {
		c.Receipt = &QueuedMail{ID: ids[4], PortalID: v.PortalID, Kind: MailReceipt, ContactID: r.contact.ID,
			Email: r.contact.Email, TicketID: t.ID, QueuedAt: r.now, DueAt: r.now}
	}
	if c.Message.Attachments, err = p.putBlobs(ctx, v.PortalID, files); err != nil {
		return SubmitResult{}, err
	}
	res, err := p.store.SubmitTicket(ctx, c)
	if err != nil && !lostRace(err) {
		// Committed though its acknowledgement was lost? Then it is done.
		switch got, gerr := p.store.Ticket(context.WithoutCancel(ctx), v.PortalID, t.ID); {
		case gerr == nil:
			res, err = SubmitResult{TicketID: t.ID, Number: got.Number, Created: true}, nil
		case !isNotFound(gerr):
			// Cannot tell: the files stay pending, and are purged later
			// if the submission never landed.
			return SubmitResult{}, classify(err)
		}
	}
	switch {
	case mayBeWritten(err):
		// Not there yet, but its commit may still land, with the files:
		// they stay pending, and are purged later if it never does.
		return SubmitResult{}, err
	case err != nil:
		err = p.dropBlobs(ctx, v.PortalID, c.Message.Attachments, err)
		if lostRace(err) && in.Key != "" {
			return SubmitResult{}, conflict("key", "was used for a submission with other values")
		}
		return SubmitResult{}, classify(err)
	case !res.Created:
		// The key's first submission has its own files: these go (a
		// file that cannot be deleted stays pending, and is purged).
		_ = p.dropBlobs(ctx, v.PortalID, c.Message.Attachments, nil)
	default:
		p.wake.notify(v.PortalID)
		if c.Receipt != nil {
			p.mailWake.notify(v.PortalID)
		}
	}
	res.Ref = r.settings.Display.TicketRef(res.Number)
	return res, nil
}

// destination returns the pipeline and stage a submission of the request
// form rf (the zero one: the main form) goes to: its stage while it is an
// open stage of its pipeline, else its pipeline's first open stage, else
// (its pipeline gone or without an open stage since the settings were
// saved, or none chosen) the first open stage of the first pipeline that
// has one. Both nil when no pipeline has an open stage.
func destination(pls []Pipeline, rf RequestForm) (pipeline, stage uuid.UUID) {
	first := func(pl Pipeline, want uuid.UUID) (uuid.UUID, bool) {
		open := pl.stagesIn(StageOpen)
		if i := slices.IndexFunc(open, func(s Stage) bool { return s.ID == want }); i >= 0 {
			return open[i].ID, true
		}
		if len(open) > 0 {
			return open[0].ID, true
		}
		return uuid.Nil, false
	}
	if i := slices.IndexFunc(pls, func(pl Pipeline) bool { return pl.ID == rf.PipelineID }); i >= 0 && rf.PipelineID != uuid.Nil {
		if st, ok := first(pls[i], rf.StageID); ok {
			return pls[i].ID, st
		}
	}
	for _, pl := range pls {
		if st, ok := first(pl, uuid.Nil); ok {
			return pl.ID, st
		}
	}
	return uuid.Nil, uuid.Nil
}

// submissionDigest identifies a submission's input, as its ticket holds it:
// the SHA-256 of its subject, content, priority and custom values in JSON
// (whose maps are in key order, times in UTC to the microsecond), and of
// its files' names, types and contents, when it has files, and of its
// request form, when it is one (a submission of the main form without
// files has the digest it had before files and request forms were taken).
func submissionDigest(t *Ticket, files []upload, form uuid.UUID) ([]byte, error) {
	type file struct {
		Name, Type string
		SHA256     []byte
	}
	var fs []file
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		fs = append(fs, file{f.name, f.contentType, sum[:]})
	}
	var rf *uuid.UUID
	if form != uuid.Nil {
		rf = &form
	}
	b, err := json.Marshal(struct {
		Subject, Content string
		Priority         Priority
		Properties       Properties
		Files            []file     `json:",omitempty"`
		Form             *uuid.UUID `json:",omitempty"`
	}{t.Subject, t.Content, t.Priority, t.Properties, fs, rf})
	if err != nil {
		return nil, fmt.Errorf("%w: submission digest: %v", ErrInternal, err)
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

// submissionValues checks a submission's values against the form's fields
// and sets them on t.
func submissionValues(ps *problems, fields []FormFieldView, values map[string]any, t *Ticket) {
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !slices.ContainsFunc(fields, func(f FormFieldView) bool { return f.Property == name }) {
			ps.add("values."+name, "is not a field of the support form")
		}
	}
	for _, f := range fields {
		field := "values." + f.Property
		v, ok := values[f.Property]
		if s, isText := v.(string); isText && f.Type != Enumeration {
			v = strings.TrimSpace(s)
		}
		if !ok || v == nil || v == "" {
			if f.Required {
				ps.add(field, "is required")
			}
			continue
		}
		switch f.Property {
		case PropSubject:
			s, ok := v.(string)
			if !ok {
				ps.add(field, "must be a text")
				continue
			}
			n := len(ps.list)
			if checkText(ps, field, s, 1, MaxSubject); len(ps.list) == n {
				t.Subject = s
			}
			continue
		case PropContent:
			if s, ok := v.(string); !ok {
				ps.add(field, "must be a text")
			} else if !utf8.ValidString(s) || len(s) > MaxContent || strings.ContainsRune(s, 0) {
				ps.add(field, "must be valid UTF-8 without NUL of at most %d bytes", MaxContent)
			} else {
				t.Content = s
			}
			continue
		}
		val, problem := formValue(f, v)
		if problem.format != "" {
			ps.addText(field, problem)
			continue
		}
		if f.Property == PropPriority {
			t.Priority = Priority(val.(string))
			continue
		}
		if t.Properties == nil {
			t.Properties = Properties{}
		}
		t.Properties[f.Property] = val
	}
}

// formValue checks one value of a field and returns it as Properties keep
// it, or the problem.
func formValue(f FormFieldView, v any) (any, text) {
	switch f.Type {
	case Text:
		s, ok := v.(string)
		switch {
		case !ok:
			return nil, msg("must be a text")
		case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
			return nil, msg("must be valid UTF-8 without NUL")
		case len(s) > maxTextValue:
			return nil, msg("at most %d bytes", maxTextValue)
		}
		return s, text{}
	case Enumeration:
		s, ok := v.(string)
		if !ok || !slices.ContainsFunc(f.Options, func(o Option) bool { return o.Value == s }) {
			return nil, msg("must be one of the options")
		}
		return s, text{}
	case Number:
		n, problem := number(v)
		if problem.format != "" {
			return nil, problem
		}
		return n, text{}
	case Date:
		d, ok := v.(time.Time)
		switch {
		case !ok:
			return nil, msg("must be a date")
		case !timeOK(d):
			return nil, badTime
		}
		return at(d), text{}
	case Boolean:
		b, ok := v.(bool)
		if !ok {
			return nil, msg("must be true or false")
		}
		return b, text{}
	}
	return nil, msg("cannot be set by a form")
}

// maxExactInt is the largest integer from which every smaller one is held
// exactly by a float64, as numbers are kept: 2^53.
const maxExactInt = 1 << 53

// number returns a form's number value as Properties keep it, a float64,
// or the problem.
func number(v any) (float64, text) {
	var n float64
	switch x := v.(type) {
	case float64:
		n = x
	case float32:
		n = float64(x)
	case int:
		return signed(x)
	case int8:
		return signed(x)
	case int16:
		return signed(x)
	case int32:
		return signed(x)
	case int64:
		return signed(x)
	case uint:
		return unsigned(x)
	case uint8:
		return unsigned(x)
	case uint16:
		return unsigned(x)
	case uint32:
		return unsigned(x)
	case uint64:
		return unsigned(x)
	default:
		return 0, msg("must be a number")
	}
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, msg("must be a finite number")
	}
	if n == 0 {
		n = 0 // not -0
	}
	return n, text{}
}

var tooBig = msg("must be a whole number of at most %d either way, to be kept exactly", int64(maxExactInt))

func signed[T int | int8 | int16 | int32 | int64](x T) (float64, text) {
	if int64(x) > maxExactInt || int64(x) < -maxExactInt {
		return 0, tooBig
	}
	return float64(x), text{}
}

func unsigned[T uint | uint8 | uint16 | uint32 | uint64](x T) (float64, text) {
	if uint64(x) > maxExactInt {
		return 0, tooBig
	}
	return float64(x), text{}
}
