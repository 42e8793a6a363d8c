package portal

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Satisfaction ratings of closed tickets (P14): what a rating is, who may
// give or change one (rateVerdict), and the action that does.

// The values of a rating on the GoodBad scale; OneToFive rates "1" to "5".
const (
	RatingBad  = "bad"
	RatingGood = "good"
)

// MaxRatingComment bounds a rating's comment, in characters.
const MaxRatingComment = 2000

// MaxRatingChangeDays bounds Satisfaction.ChangeDays.
const MaxRatingChangeDays = 365

// ratingOptions are the options of the built-in "satisfaction" property:
// the values of every scale, the GoodBad ones first, so that a sort puts
// each scale's values in order, worst first.
var ratingOptions = []Option{
	{Value: RatingBad, Label: "Bad"}, {Value: RatingGood, Label: "Good"},
	{Value: "1", Label: "1"}, {Value: "2", Label: "2"}, {Value: "3", Label: "3"},
	{Value: "4", Label: "4"}, {Value: "5", Label: "5"},
}

// Options returns the values a rating on the scale may take, worst first,
// with English labels. The zero scale is GoodBad.
func (s RatingScale) Options() []Option {
	if s == OneToFive {
		return append([]Option(nil), ratingOptions[2:]...)
	}
	return append([]Option(nil), ratingOptions[:2]...)
}

// Rating is a contact's satisfaction rating of a closed ticket (P14). The
// zero Rating is none. A ticket keeps its latest rating, also once it is
// reopened; ClosedAt says which closing it rates.
type Rating struct {
	// Value is RatingGood or RatingBad, or "1" (worst) to "5" (best): a
	// value of the scale in force when it was given.
	Value   string
	Comment string
	// ContactID is the contact who gave it; only that contact may change
	// it.
	ContactID uuid.UUID
	// ClosedAt is the ticket's ClosedAt when the rating was given: the
	// closing it rates. A ticket closed again may be rated again.
	ClosedAt time.Time
	// RatedAt is when the rating was first given for that closing,
	// ChangedAt when it was last changed (zero until it is).
	RatedAt   time.Time
	ChangedAt time.Time
}

// IsZero reports whether r is no rating.
func (r Rating) IsZero() bool { return r.Value == "" }

// Equal reports whether r and o are the same rating, comparing times as
// instants.
func (r Rating) Equal(o Rating) bool {
	return r.Value == o.Value && r.Comment == o.Comment && r.ContactID == o.ContactID &&
		r.ClosedAt.Equal(o.ClosedAt) && r.RatedAt.Equal(o.RatedAt) && r.ChangedAt.Equal(o.ChangedAt)
}

// RatingInput is a contact's rating of a ticket (P14).
type RatingInput struct {
	// Value is one of the scale's values (RatingScale.Options).
	Value string
	// Comment is optional, and only taken when Satisfaction.Comment is
	// on; surrounding space is trimmed. At most MaxRatingComment
	// characters.
	Comment string
}

// RateResult says what Rate did.
type RateResult struct {
	Rating Rating
	// Unchanged is set when the contact had given this very rating to
	// this closing already (a form sent twice): nothing was written.
	Unchanged bool
}

// RatingView is a ticket's rating as a contact sees it in the detail.
type RatingView struct {
	Value   string
	Label   string // the value's label (RatingScale.Options)
	Comment string
	// Mine is set when the viewer gave it.
	Mine      bool
	RatedAt   time.Time
	ChangedAt time.Time
}

// Rate rates a closed ticket of the viewer's scope (P14), or changes the
// viewer's rating of it: the rating is kept with the ticket, and an
// EventRating is written with it, in one store step. A ticket is rated
// once each time it closes; the contact who rated it may change the
// rating within Satisfaction.ChangeDays days. Sending the rating the
// viewer has already given changes nothing and says so.
//
// Errors: ErrNotFound for a ticket the viewer cannot see; ErrForbidden
// when ratings are off, for an open ticket, for one already rated this
// closing (by another contact, or by the viewer when a rating may no
// longer change), and for a preview, each naming its rule; ErrInvalid
// naming "value" for a value outside the scale and "comment" for a
// comment that is too long or not asked for.
func (p *Portal) Rate(ctx context.Context, v Viewer, ticketID uuid.UUID, in RatingInput) (_ RateResult, err error) {
	defer p.speak(ctx, v, &err)
	r, rd, err := p.beginView(ctx, v)
	if err != nil {
		return RateResult{}, err
	}
	in.Comment = strings.TrimSpace(in.Comment)
	e := Event{PortalID: v.PortalID, Kind: EventRating, ContactID: r.contact.ID, At: r.now}
	if e.ID, err = p.id(); err != nil {
		return RateResult{}, err
	}
	for attempt := 1; ; attempt++ {
		t, err := p.visibleTicket(ctx, r, rd, ticketID)
		if err != nil {
			return RateResult{}, err
		}
		verdict, current := rateVerdict(r, rd, &t)
		resent := !current.IsZero() && current.ContactID == r.contact.ID && current.Value == in.Value && current.Comment == in.Comment
		if resent && (verdict.Allowed || verdict.Rule == ruleChangeDays) {
			// The viewer's own rating, sent again: there is nothing to
			// change, even once it may no longer change.
			return RateResult{Rating: current, Unchanged: true}, nil
		}
		if !verdict.Allowed {
			return RateResult{}, forbidden(verdict)
		}
		if err := checkRating(r.settings.Satisfaction, in); err != nil {
			return RateResult{}, err
		}
		rating := Rating{Value: in.Value, Comment: in.Comment, ContactID: r.contact.ID, ClosedAt: t.ClosedAt, RatedAt: r.now}
		if !current.IsZero() {
			rating.RatedAt, rating.ChangedAt = current.RatedAt, r.now
		}
		e.TicketID, e.TicketNumber, e.ChannelID = t.ID, t.Number, channelOf(r, &t)
		e.Rating, e.RatingComment = rating.Value, rating.Comment
		err = p.store.RateTicket(ctx, RateChange{PortalID: v.PortalID, TicketID: t.ID, IfStage: t.StageID,
			Was: t.Rating, Rating: rating, Event: e})
		if err == nil {
			p.wake.notify(v.PortalID)
			return RateResult{Rating: rating}, nil
		}
		if !lostRace(err) {
			// Committed though its acknowledgement was lost? Then the
			// ticket holds this very rating.
			if now, gerr := p.store.Ticket(context.WithoutCancel(ctx), v.PortalID, t.ID); gerr == nil && now.Rating.Equal(rating) {
				p.wake.notify(v.PortalID)
				return RateResult{Rating: rating}, nil
			}
		}
		if !lostRace(err) || attempt == maxAttempts {
			return RateResult{}, classify(err)
		}
	}
}

// checkRating checks a rating's input against the settings.
func checkRating(s Satisfaction, in RatingInput) error {
	var ps problems
	ok := false
	for _, o := range s.Scale.Options() {
		ok = ok || o.Value == in.Value
	}
	if !ok {
		ps.add("value", "%q is not a value of the %s scale", in.Value, s.Scale.name())
	}
	switch {
	case in.Comment != "" && !s.Comment:
		ps.add("comment", "ratings take no comment (satisfaction.comment)")
	case in.Comment != "":
		checkText(&ps, "comment", in.Comment, 0, MaxRatingComment)
	}
	return ps.err()
}

// ruleChangeDays is the rule of a rating that may no longer change.
const ruleChangeDays = "satisfaction.changeDays"

// rateVerdict decides whether the viewer may rate t, or change its rating
// (P14), and returns t's rating of its current closing, if it has one.
func rateVerdict(r *request, rd *renderer, t *Ticket) (ActionVerdict, Rating) {
	current := currentRating(rd, t)
	if ro, ok := readOnly(r, "rate"); ok {
		return ro, current
	}
	s := r.settings.Satisfaction
	v := ActionVerdict{Action: "rate", Rule: "satisfaction.enabled"}
	switch {
	case !s.Enabled:
		v.Reason = r.say("customers may not rate tickets")
	case !rd.closed(t):
		v.Reason = r.say("the ticket is open")
	case current.IsZero():
		v.Allowed, v.Reason = true, r.say("customers may rate a closed ticket once each time it closes")
	case current.ContactID != r.contact.ID:
		v.Reason = r.say("another contact has rated the ticket since it closed")
	case s.ChangeDays == 0:
		v.Rule, v.Reason = ruleChangeDays, r.say("the ticket is rated, and a rating cannot be changed")
	case r.now.After(current.RatedAt.AddDate(0, 0, s.ChangeDays)):
		v.Rule = ruleChangeDays
		v.Reason = r.say("the ticket was rated more than %d days ago", s.ChangeDays)
	default:
		v.Rule = ruleChangeDays
		v.Allowed, v.Reason = true, r.say("customers may change their rating within %d days", s.ChangeDays)
	}
	return v, current
}

// currentRating returns t's rating when it rates t's current closing, and
// none while t is open or was rated for an earlier closing.
func currentRating(rd *renderer, t *Ticket) Rating {
	if t.Rating.IsZero() || !rd.closed(t) || !t.Rating.ClosedAt.Equal(t.ClosedAt) {
		return Rating{}
	}
	return t.Rating
}

// ratingView returns how the viewer sees a rating.
func ratingView(r *request, rt Rating) *RatingView {
	if rt.IsZero() {
		return nil
	}
	label := rt.Value
	for _, o := range ratingOptions {
		if o.Value == rt.Value {
			label = word(o.Label, r.lang)
		}
	}
	return &RatingView{Value: rt.Value, Label: label, Comment: rt.Comment, Mine: rt.ContactID == r.contact.ID,
		RatedAt: rt.RatedAt, ChangedAt: rt.ChangedAt}
}
