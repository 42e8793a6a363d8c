package portal

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Options configure a Portal. The zero value is ready to use.
type Options struct {
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
	// NewID returns a new record ID. Default: NewID (UUIDv7).
	NewID func() (uuid.UUID, error)
	// CursorKey signs list cursors so that a customer cannot forge one. By
	// default a key derived from the tenant's ID is used: cursors still
	// reject accidental or naive changes, and every Portal over the same
	// store accepts them, but a determined customer could forge one (it
	// would only move the start of a page within the customer's own scope).
	// Set a secret shared by every instance to make them unforgeable.
	CursorKey []byte
	// Blobs keeps the files customers attach to replies. Nil: replies take
	// no attachments (an attachment is ErrInvalid).
	Blobs Blobs
	// Attachments limits what a reply may attach; zero fields take their
	// defaults (see AttachmentLimits).
	Attachments AttachmentLimits
	// Mailer sends invitations, registration and password-reset mails
	// (A2–A4), from a delivery (DeliverMail, RunMailDelivery) after the
	// request that queued them. Without one, the operations that send mail
	// fail with ErrInternal, whatever the e-mail they were given.
	Mailer Mailer
	// Auth tunes passwords, throttling, tokens and sessions; its zero value
	// holds the documented defaults.
	Auth AuthOptions
}

// Portal is the customer portal of one or many helpdesk accounts (tenants)
// kept in one Store. It holds every rule: it validates what hosts feed it,
// versions settings, and decides what each customer may see and do. It is
// safe for concurrent use; create one per Store and share it.
//
// Host operations (this file) take the tenant's ID or records that carry it;
// they are for the helpdesk itself, never for customers.
type Portal struct {
	store     Store
	as        AuthStore // the store's, or nil (see ways)
	now       func() time.Time
	newID     func() (uuid.UUID, error)
	cache     ruleCache
	cursorKey []byte
	blobs     Blobs
	limits    AttachmentLimits
	mailer    Mailer
	auth      AuthOptions
	dummy     dummyHash
	// wake and mailWake signal RunDelivery and RunMailDelivery loops;
	// after, when set, replaces the timers they wait on (tests).
	wake, mailWake wakeups
	after          func(time.Duration) <-chan time.Time
}

// New returns a Portal over store. It fails with ErrInvalid when store is
// nil.
func New(store Store, opts Options) (*Portal, error) {
	if store == nil {
		return nil, invalid("store", "is nil")
	}
	as, _ := store.(AuthStore)
	p := &Portal{store: store, as: as, now: opts.Now, newID: opts.NewID, cursorKey: bytes.Clone(opts.CursorKey),
		blobs: opts.Blobs, limits: opts.Attachments.WithDefaults()}
	if p.now == nil {
		p.now = time.Now
	}
	if p.newID == nil {
		p.newID = NewID
	}
	p.mailer = opts.Mailer
	p.auth = opts.Auth.WithDefaults()
	if err := p.auth.Password.check(); err != nil {
		return nil, err
	}
	return p, nil
}

// ways fails with an error wrapping ErrUnsupported when the store has no
// AuthStore, which every way in (A2–A8) keeps its records in: each
// exported way in asks it first, and then uses p.as.
func (p *Portal) ways() error {
	if p.as == nil {
		return fmt.Errorf("%w: the store keeps no logins, tokens, sessions or mail (AuthStore)", ErrUnsupported)
	}
	return nil
}

// clock returns the current time in UTC, rounded to the microsecond so that
// every store keeps it exactly.
func (p *Portal) clock() time.Time { return p.now().UTC().Truncate(time.Microsecond) }

func (p *Portal) id() (uuid.UUID, error) {
	id, err := p.newID()
	if err != nil {
		return uuid.Nil, classify(err)
	}
	return id, nil
}

// CreateTenant creates a tenant (a helpdesk account's portal) named name
// with DefaultSettings as settings version 1. The portal starts disabled.
func (p *Portal) CreateTenant(ctx context.Context, name string) (Tenant, error) {
	var ps problems
	checkText(&ps, "name", name, 1, 200)
	if err := ps.err(); err != nil {
		return Tenant{}, err
	}
	id, err := p.id()
	if err != nil {
		return Tenant{}, err
	}
	t := Tenant{ID: id, Name: name, CreatedAt: p.clock()}
	if err := p.store.CreateTenant(ctx, t, DefaultSettings()); err != nil {
		return Tenant{}, classify(err)
	}
	return t, nil
}

// Tenant returns the tenant with the given ID.
func (p *Portal) Tenant(ctx context.Context, id uuid.UUID) (Tenant, error) {
	t, err := p.store.Tenant(ctx, id)
	return t, classify(err)
}

// Settings returns the tenant's current settings; their Version is the one
// to save against.
func (p *Portal) Settings(ctx context.Context, portalID uuid.UUID) (Settings, error) {
	s, err := p.store.Settings(ctx, portalID)
	return s, classify(err)
}

// SaveSettings validates s as a whole against the tenant's current schema
// and records, then stores it if s.Version is still the current version
// (S16). It returns the settings as stored, with their new Version.
//
// Invalid settings give a *ValidationError (ErrInvalid) that names every
// problem; settings based on a stale version give ErrConflict. Either way
// nothing is stored.
func (p *Portal) SaveSettings(ctx context.Context, portalID uuid.UUID, s Settings) (Settings, error) {
	s = s.normalized()
	refs, err := p.refs(ctx, portalID)
	if err != nil {
		return Settings{}, err
	}
	if err := s.Validate(refs); err != nil {
		return Settings{}, err
	}
	v, err := p.store.SaveSettings(ctx, portalID, s)
	if err != nil {
		return Settings{}, classify(err)
	}
	s.Version = v
	return s, nil
}

// SetEnabled switches the portal on or off (S14), keeping every other
// setting. Enabling validates the settings as SaveSettings does (a portal
// needs a default channel to be enabled). A concurrent save by someone else
// is retried on the newer version.
func (p *Portal) SetEnabled(ctx context.Context, portalID uuid.UUID, on bool) (Settings, error) {
	for attempt := 0; ; attempt++ {
		s, err := p.Settings(ctx, portalID)
		if err != nil {
			return Settings{}, err
		}
		if s.Enabled == on {
			return s, nil
		}
		s.Enabled = on
		saved, err := p.SaveSettings(ctx, portalID, s)
		if lostRace(err) && attempt < 3 {
			continue
		}
		return saved, err
	}
}

// refs loads what settings may refer to.
func (p *Portal) refs(ctx context.Context, portalID uuid.UUID) (Refs, error) {
	var r Refs
	var err error
	if r.Schema, err = p.Schema(ctx, portalID); err != nil {
		return Refs{}, err
	}
	if r.Channels, err = p.store.Channels(ctx, portalID); err != nil {
		return Refs{}, classify(err)
	}
	if r.Pipelines, err = p.store.Pipelines(ctx, portalID); err != nil {
		return Refs{}, classify(err)
	}
	if r.Lists, err = p.store.ContactLists(ctx, portalID); err != nil {
		return Refs{}, classify(err)
	}
	if r.Forms, err = p.store.Forms(ctx, portalID); err != nil {
		return Refs{}, classify(err)
	}
	return r, nil
}

// Schema returns the tenant's property schema: built-in and custom
// properties.
func (p *Portal) Schema(ctx context.Context, portalID uuid.UUID) (Schema, error) {
	defs, err := p.store.Properties(ctx, portalID)
	if err != nil {
		return Schema{}, classify(err)
	}
	s, err := storedSchema(defs)
	if err != nil {
		return Schema{}, fmt.Errorf("%w: stored schema: %v", ErrInternal, err)
	}
	return s, nil
}

// RegisterProperty adds a custom property to obj's schema, or changes the
// label or options of an existing one. Its name must not be a built-in one
// and its type may not change.
func (p *Portal) RegisterProperty(ctx context.Context, portalID uuid.UUID, obj Object, prop Property) error {
	s, err := p.Schema(ctx, portalID)
	if err != nil {
		return err
	}
	if _, err := s.With(obj, prop); err != nil {
		return err
	}
	return classify(p.store.PutProperty(ctx, portalID, PropertyDef{Object: obj, Property: prop.Clone()}))
}
