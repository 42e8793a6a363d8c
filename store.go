package portal

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Store persists and retrieves portal records. It decides nothing about who
// may see what: Portal checks every input and every rule before it calls a
// Store, and a Store answers exactly what it is asked.
//
// Store is made of small interfaces, one per concern, so that a host that
// backs the portal with its own schema can implement and test one concern at
// a time. Package store/storetest holds the conformance suite every
// implementation must pass.
//
// The contract, for implementers:
//   - Every record lives in one tenant, named by its PortalID (or the
//     portalID argument). Records of different tenants never meet: a read
//     with the wrong portal ID finds nothing.
//   - A read of a missing record returns an error wrapping ErrNotFound.
//   - A write to a tenant that does not exist returns ErrNotFound.
//   - Put methods create the record or replace it whole (keyed by PortalID
//     and ID). The caller has validated it and checked its references.
//   - Values passed in and returned are never aliased: changing a record
//     after Put, or one returned by a read, changes nothing stored.
//   - Nil and empty slices and maps are the same value: a store may return
//     either for the other.
//   - Times come back exactly as put: UTC, to the microsecond (Portal only
//     passes such times).
//   - A list of an unknown tenant, or of a parent that is not in the tenant,
//     is empty or ErrNotFound; a parent without children gives an empty list.
//   - A write that could not be done now, though no rule refused it (it
//     kept losing races to other transactions, or the database could not
//     be reached), returns a *BusyError: Unknown when it may have been
//     written. Portal returns it as it is (ErrConflict, "try again").
//   - Any other failure is returned as is; Portal hides its text behind
//     ErrInternal.
//   - All methods are safe for concurrent use.
type Store interface {
	TenantStore
	SchemaStore
	DirectoryStore
	HelpdeskStore
	TicketStore
	ActionStore
	OutboxStore
	PendingBlobStore
}

// AuthStore is what the portal's own ways in keep (A2–A8): logins, the
// tokens mailed for them, sessions, throttles and the mail queue, and the
// contact indexes that registration, single sign-on and invitations look
// contacts up in. It is an optional capability of a Store, as
// database/sql's drivers have theirs: Portal uses it when the store has
// it. A host that lets customers in itself, vouching for each viewer
// (Portal.Viewer), needs a Store alone; the ways in (Login, SSOLogin,
// Register, Invite, RequestPasswordReset, Authenticate, the mail delivery
// and the host's login throttle) then answer ErrUnsupported. The memory
// and SQL stores have it.
type AuthStore interface {
	ContactIndex
	LoginStore
	TokenStore
	SessionStore
	ThrottleStore
	MailStore
}

// TenantStore keeps tenants and their versioned settings (X5, S16).
type TenantStore interface {
	// CreateTenant stores a new tenant and its first settings as version 1,
	// whatever s.Version says. It returns ErrConflict when t.ID exists.
	CreateTenant(ctx context.Context, t Tenant, s Settings) error
	// Tenant returns the tenant with the given ID.
	Tenant(ctx context.Context, id uuid.UUID) (Tenant, error)
	// Settings returns the tenant's current settings with their Version.
	Settings(ctx context.Context, portalID uuid.UUID) (Settings, error)
	// SaveSettings replaces the settings when the stored version equals
	// s.Version, stores them as s.Version+1 and returns that version. When
	// the stored version differs it changes nothing and returns an error
	// wrapping ErrConflict. Check and write are one atomic step: of
	// concurrent saves from the same version exactly one succeeds.
	SaveSettings(ctx context.Context, portalID uuid.UUID, s Settings) (int64, error)
}

// SchemaStore keeps a tenant's custom properties and ticket forms.
type SchemaStore interface {
	// PutProperty creates or replaces (by object and name) a custom property.
	PutProperty(ctx context.Context, portalID uuid.UUID, def PropertyDef) error
	// Properties returns the custom properties in the order they were first
	// put.
	Properties(ctx context.Context, portalID uuid.UUID) ([]PropertyDef, error)
	// PutForm creates or replaces a form.
	PutForm(ctx context.Context, f Form) error
	// Forms returns every form of the tenant, ordered by ID.
	Forms(ctx context.Context, portalID uuid.UUID) ([]Form, error)
}

// DirectoryStore keeps the customers: contacts, companies, contact lists.
type DirectoryStore interface {
	// PutContact creates or replaces c.Contact, with its indexes
	// (ContactIndex), and writes what Portal decided follows from its
	// e-mail: the tokens to end, the e-mail the login takes (as given, not
	// normalised again). When c.If is set and the store no longer holds
	// what it says, or c.LoginEmail is set and the contact has no login or
	// another login of the tenant has it, PutContact changes nothing and
	// returns an error wrapping ErrConflict. All of it is one atomic step.
	PutContact(ctx context.Context, c ContactChange) error
	// Contacts returns the contacts of the tenant among ids, in any order;
	// IDs with no contact are left out. ids holds at most MaxPageSize
	// distinct IDs. It is the one read of contacts by ID: Portal reads one
	// contact as Contacts of one ID.
	Contacts(ctx context.Context, portalID uuid.UUID, ids []uuid.UUID) ([]Contact, error)
	PutCompany(ctx context.Context, c Company) error
	Company(ctx context.Context, portalID, id uuid.UUID) (Company, error)
	PutContactList(ctx context.Context, l ContactList) error
	// ContactLists returns every list of the tenant, ordered by ID.
	ContactLists(ctx context.Context, portalID uuid.UUID) ([]ContactList, error)
}

// ContactChange is a contact as DirectoryStore.PutContact writes it.
// Portal decides what follows from a changed e-mail (A4) and the store
// writes it, checking in the same atomic step that what Portal decided on
// still holds, as ActionStore's changes do.
type ContactChange struct {
	Contact Contact
	// If, when set, is what Portal read before it decided: the change is
	// written only while the store still holds it.
	If *ContactState
	// EndTokens deletes the contact's tokens (TokenStore): they were
	// mailed to an address the contact no longer has. Portal sets it, and
	// LoginEmail, only for a store that is an AuthStore.
	EndTokens bool
	// LoginEmail, when not "", is the e-mail the contact's login takes,
	// with UpdatedAt Contact.UpdatedAt. ErrConflict when the contact has
	// no login or another login of the tenant has the e-mail.
	LoginEmail string
	// Event, when set, is appended to the tenant's outbox in the same
	// atomic step, numbered as ActionStore's events are: a change the
	// contact made itself that the helpdesk needs to know (P16).
	Event *Event
	// Mail, when set, is queued (MailStore.QueueMail) in the same atomic
	// step: the notice a change of e-mail owes the previous address (P16).
	// Portal sets it only for a store that is an AuthStore.
	Mail *QueuedMail
}

// ContactState is what a ContactChange was decided on.
type ContactState struct {
	// Email is the stored contact's e-mail normalised by NormalizeEmail;
	// "" when there is no such contact or it has no e-mail.
	Email string
	// Login is the Email of the contact's login; "" when it has none.
	Login string
	// UpdatedAt, when not zero, is the stored contact's UpdatedAt: a
	// change a contact makes to its own record (P16) is written only over
	// the record it read, never over a host's save in between.
	UpdatedAt time.Time
	// Password, when set, is the PasswordHash of the contact's login that
	// the change was decided on: a confirmed e-mail change (P16) moves the
	// login only while its password is still the one it was asked with.
	Password *string
}

// ContactIndex finds contacts by e-mail and by contact list, for
// registration, single sign-on and invitations (A2–A4). A store keeps an
// index for each (kept up to date by PutContact), so that neither scans
// every contact of a tenant.
type ContactIndex interface {
	// ContactsByEmail returns the tenant's contacts whose e-mail, normalised
	// by NormalizeEmail, equals email (which the caller has normalised),
	// ordered by ID; none gives an empty list.
	ContactsByEmail(ctx context.Context, portalID uuid.UUID, email string) ([]Contact, error)
	// ListMembers returns the tenant's contacts that are in at least one of
	// lists and whose ID is greater than after in byte order, ordered by ID,
	// at most limit (1–MaxPageSize) of them; each contact once.
	ListMembers(ctx context.Context, portalID uuid.UUID, lists []uuid.UUID, after uuid.UUID, limit int) ([]Contact, error)
}

// LoginStore keeps logins: how a contact gets in to a portal (S11, S13,
// A2–A4). A contact has at most one login per tenant, and an e-mail (as
// normalised by NormalizeEmail, which the caller has done) belongs to at
// most one login per tenant.
type LoginStore interface {
	// CreateLogin stores a new login. It returns ErrConflict when the
	// tenant already has a login of l.ContactID or with l.Email, or when
	// the contact has an e-mail and, normalised, it is not l.Email (it
	// changed since the caller read it); the check and the write are one
	// atomic step against PutContact.
	CreateLogin(ctx context.Context, l Login) error
	// UpdateLogin writes c to the contact's login in one atomic step and
	// returns the login as written: c.Apply of the stored login. It changes
	// no field c leaves alone (a read-modify-write of the whole login
	// outside the step could undo a concurrent change), and concurrent
	// changes are all applied: concurrent failures are all counted. When
	// c.Apply refuses the stored login (its PasswordHash is not
	// c.IfPassword) it changes nothing and returns that error, which wraps
	// ErrConflict. ErrNotFound when there is no such login.
	UpdateLogin(ctx context.Context, c LoginChange) (Login, error)
	// Login returns the login of a contact.
	Login(ctx context.Context, portalID, contactID uuid.UUID) (Login, error)
	// LoginByEmail returns the login whose Email equals email exactly.
	LoginByEmail(ctx context.Context, portalID uuid.UUID, email string) (Login, error)
	// Register writes a self-registration (A2) in one atomic step: c.Login
	// as the login of c.Contact, and c.Contact itself when c.New. It
	// writes nothing and returns an error wrapping ErrConflict when the
	// tenant has a login with c.Login.Email or of the contact; when c.New
	// and the tenant has a contact of that ID; when not c.New and the
	// stored contact is gone or its e-mail, normalised by NormalizeEmail,
	// is no longer c.Login.Email. Of concurrent registrations of one
	// e-mail, one writes and the others conflict: one contact and one
	// login between them, or none when the step fails.
	Register(ctx context.Context, c RegisterChange) error
}

// LoginChange is a change to one login, as LoginStore.UpdateLogin writes
// it: a password set with a token or written back by a login, a consent
// recorded, a failed login counted. A field left zero changes nothing.
type LoginChange struct {
	PortalID  uuid.UUID
	ContactID uuid.UUID
	// At is when: the login's UpdatedAt when Password or Consent is set,
	// its FailedAt when Failed.
	At time.Time
	// IfPassword, when not "", is the PasswordHash the change was decided
	// on (the hash a password was verified against): the change is written
	// only while the login still has it, so that a login checked against
	// an old hash never writes it back over a reset (A4). A login without
	// a password never has it.
	IfPassword string
	// Password, when not "", becomes the PasswordHash, and the login's
	// throttling ends: Failures 0, FailedAt zero (A3, A4). A password set
	// with an invitation, registration or reset token names no IfPassword:
	// it wins over whatever hash is stored.
	Password string
	// Consent, when not "", becomes the ConsentVersion, with ConsentAt At:
	// a registration made again records the consent accepted in it (S13).
	Consent string
	// Failed counts a failed login: one more Failure, FailedAt At (A4).
	Failed bool
}

// Apply returns l, the stored login, changed by c, in the order of c's
// fields; or, when l's PasswordHash is not c.IfPassword, an error wrapping
// ErrConflict. A store writes its answer: the rule lives here alone.
func (c LoginChange) Apply(l Login) (Login, error) {
	if c.IfPassword != "" && l.PasswordHash != c.IfPassword {
		return l, fmt.Errorf("%w: login of %s: the password hash changed", ErrConflict, l.ContactID)
	}
	if c.Password != "" {
		l.PasswordHash, l.Failures, l.FailedAt = c.Password, 0, time.Time{}
	}
	if c.Consent != "" {
		l.ConsentVersion, l.ConsentAt = c.Consent, c.At
	}
	if c.Password != "" || c.Consent != "" {
		l.UpdatedAt = c.At
	}
	if c.Failed {
		l.Failures++
		l.FailedAt = c.At
	}
	return l, nil
}

// RegisterChange is a self-registration as LoginStore.Register writes it.
// Portal chose the contact: the tenant's contact with the e-mail (of
// several, the lowest ID), or a new one. Its mail (and the mail's token)
// comes after, from the mail queue.
type RegisterChange struct {
	// Contact is the contact the login is for: stored with it when New,
	// else the stored contact as Portal read it.
	Contact Contact
	New     bool
	Login   Login // its ContactID is Contact.ID
}

// TokenStore keeps single-use tokens: invitations, registrations and
// password resets (A2–A4). A store keeps only the token's SHA-256, never
// the token; Portal checks expiry.
type TokenStore interface {
	// PutToken stores t and, in the same atomic step, deletes every other
	// token of the tenant with t's Kind and ContactID: a new invitation
	// replaces the old one. ErrConflict when t.Hash exists in the tenant.
	PutToken(ctx context.Context, t Token) error
	// RestoreToken stores again a token that TakeToken gave and whose use
	// was refused, unless the tenant has a token of t's Kind for
	// t.ContactID (one put since, which replaced t): then it changes
	// nothing and returns an error wrapping ErrConflict. Unlike PutToken it
	// deletes nothing, so a newer token is never replaced by an older one.
	RestoreToken(ctx context.Context, t Token) error
	// TakeToken deletes the tenant's token of the given kind and hash and
	// returns it. Of concurrent takes of one token exactly one gets it; the
	// others, and a take of a token that is missing, of another kind or of
	// another tenant (which stays), get ErrNotFound.
	TakeToken(ctx context.Context, portalID uuid.UUID, kind TokenKind, hash TokenHash) (Token, error)
	// DeleteExpiredTokens deletes the tenant's tokens whose ExpiresAt is at
	// or before at, and returns how many it deleted.
	DeleteExpiredTokens(ctx context.Context, portalID uuid.UUID, at time.Time) (int, error)
}

// ThrottleStore counts attempts by key (A8): a login's failures from one
// client, a client's failures on any login, the mails sent to an address;
// Portal makes the keys (digests, at most 64 bytes) and decides what the
// counts mean. Every process over one store shares the counts.
type ThrottleStore interface {
	// AddFailure adds one to the failures of the tenant's key and sets its
	// FailedAt to at, in one atomic step (concurrent failures are all
	// counted), and returns the new count. Failures whose last FailedAt is
	// before since are forgotten first: the count starts again at 1.
	AddFailure(ctx context.Context, portalID uuid.UUID, key string, at, since time.Time) (Throttle, error)
	// Throttle returns the failures of the tenant's key: zero when none
	// were counted.
	Throttle(ctx context.Context, portalID uuid.UUID, key string) (Throttle, error)
	// ClearThrottle forgets the failures of the tenant's key.
	ClearThrottle(ctx context.Context, portalID uuid.UUID, key string) error
	// DeleteThrottles forgets every key of the tenant whose FailedAt is
	// before since, and returns how many.
	DeleteThrottles(ctx context.Context, portalID uuid.UUID, since time.Time) (int, error)
}

// MailStore keeps the mail queue (A8): mails requests asked for, until a
// delivery sends them (Portal.DeliverMail). Two deliveries may read the
// same due mail; ClaimMail lets one of them take it.
type MailStore interface {
	// QueueMail stores m. ErrConflict when m.ID exists in the tenant.
	QueueMail(ctx context.Context, m QueuedMail) error
	// DueMails returns at most limit of the tenant's queued mails whose
	// DueAt is at or before at, by DueAt, then ID.
	DueMails(ctx context.Context, portalID uuid.UUID, at time.Time, limit int) ([]QueuedMail, error)
	// ClaimMail takes the queued mail for a delivery: when its DueAt still
	// equals due, it sets DueAt to next and adds one to Attempts, in one
	// atomic step; when DueAt is another (another delivery took it) it
	// changes nothing and returns an error wrapping ErrConflict.
	// ErrNotFound when there is no such mail.
	ClaimMail(ctx context.Context, portalID, id uuid.UUID, due, next time.Time) error
	// DeleteMail deletes the queued mail; deleting a missing one is not an
	// error.
	DeleteMail(ctx context.Context, portalID, id uuid.UUID) error
}

// PendingBlobStore records the blob keys of attachments between the
// moment their files are put and the moment the action that refers to
// them commits (AddReply and SubmitTicket forget them then): a key still
// pending long
// after is a file whose action never committed (a crash, a kill), which
// Portal deletes (PurgeExpired).
type PendingBlobStore interface {
	// AddPendingBlobs records keys as pending since at.
	AddPendingBlobs(ctx context.Context, portalID uuid.UUID, keys []string, at time.Time) error
	// PendingBlobs returns at most limit of the tenant's keys pending since
	// before before, in key order.
	PendingBlobs(ctx context.Context, portalID uuid.UUID, before time.Time, limit int) ([]string, error)
	// ForgetPendingBlobs forgets keys; a key not pending is no error.
	ForgetPendingBlobs(ctx context.Context, portalID uuid.UUID, keys []string) error
}

// Throttle is the count of failed attempts of one key and when the last
// one was.
type Throttle struct {
	Failures int
	FailedAt time.Time
}

// SessionStore keeps sessions (A5, A6, S15), so that every app instance
// over one store shares them. A store keeps only the session token's
// SHA-256, never the token.
type SessionStore interface {
	// PutSession stores a new session. ErrConflict when s.Hash exists in
	// the tenant.
	PutSession(ctx context.Context, s Session) error
	// Session returns the tenant's session with the given hash.
	Session(ctx context.Context, portalID uuid.UUID, hash TokenHash) (Session, error)
	// TouchSession sets the session's LastSeenAt to at, unless the stored
	// one is later. ErrNotFound when there is no such session.
	TouchSession(ctx context.Context, portalID uuid.UUID, hash TokenHash, at time.Time) error
	// DeleteSession deletes a session; deleting a missing one is not an
	// error.
	DeleteSession(ctx context.Context, portalID uuid.UUID, hash TokenHash) error
	// Sessions returns the contact's sessions whose Preview equals
	// preview, ended ones too, in any order (P16).
	Sessions(ctx context.Context, portalID, contactID uuid.UUID, preview bool) ([]Session, error)
	// DeleteSessions deletes the contact's sessions whose Preview equals
	// preview, in one atomic step, and returns how many it deleted.
	DeleteSessions(ctx context.Context, portalID, contactID uuid.UUID, preview bool) (int, error)
	// DeleteIdleSessions deletes the tenant's sessions whose ExpiresAt is
	// at or before expiredAt or whose LastSeenAt is at or before idleSince,
	// and returns how many it deleted.
	DeleteIdleSessions(ctx context.Context, portalID uuid.UUID, expiredAt, idleSince time.Time) (int, error)
}

// HelpdeskStore keeps the helpdesk's own records: owners, channels,
// pipelines.
type HelpdeskStore interface {
	PutOwner(ctx context.Context, o Owner) error
	// Owners returns the owners of the tenant among ids, in any order; IDs
	// with no owner are left out. ids holds at most MaxPageSize distinct
	// IDs. It is the one read of owners by ID: Portal reads one owner as
	// Owners of one ID.
	Owners(ctx context.Context, portalID uuid.UUID, ids []uuid.UUID) ([]Owner, error)
	PutChannel(ctx context.Context, c Channel) error
	// Channels returns every channel of the tenant, ordered by ID.
	Channels(ctx context.Context, portalID uuid.UUID) ([]Channel, error)
	// PutPipeline stores p whole. When the stored pipeline has a stage
	// that p has not and a ticket of the tenant is in it, it writes
	// nothing and returns an error wrapping ErrConflict: the check and the
	// write are one atomic step.
	PutPipeline(ctx context.Context, p Pipeline) error
	// Pipelines returns every pipeline of the tenant, ordered by ID, each
	// with its stages in their order.
	Pipelines(ctx context.Context, portalID uuid.UUID) ([]Pipeline, error)
}

// TicketStore keeps tickets and their conversations.
//
// A ticket is found by the contacts and companies it is associated with;
// stores keep an index for each, so that the queries of a contact's scope
// never scan all of a tenant's tickets.
type TicketStore interface {
	// PutTicket creates or replaces a ticket, with its associations. A
	// ticket's number (P10) is unique in its tenant and never given twice:
	// t.Number 0 keeps the stored ticket's number, or gives a new ticket
	// the tenant's next number, one above the highest the tenant's
	// tickets were ever given or put with; any other is stored as it is
	// and the next number continues above it. A number that another
	// ticket of the tenant has is ErrConflict, and nothing is written.
	// Number and write are one atomic step: concurrent puts and
	// submissions never share a number. A put never changes a ticket's
	// Rating (P14): a new ticket has none, and a stored one keeps its own,
	// whatever t holds; only ActionStore.RateTicket writes it. Nor does it
	// change its Participants (P12), which ActionStore.SetParticipants
	// alone writes: the ticket stays associated with them as with t's
	// ContactIDs.
	PutTicket(ctx context.Context, t Ticket) error
	Ticket(ctx context.Context, portalID, id uuid.UUID) (Ticket, error)
	// PutThread creates or replaces a thread.
	PutThread(ctx context.Context, th Thread) error
	Thread(ctx context.Context, portalID, id uuid.UUID) (Thread, error)
	// Threads returns a ticket's threads, oldest first (CreatedAt, then ID).
	// A ticket without threads gives an empty list, not ErrNotFound.
	Threads(ctx context.Context, portalID, ticketID uuid.UUID) ([]Thread, error)
	// AddMessage stores a new message. Messages are never replaced: an ID
	// that exists in the tenant gives ErrConflict.
	AddMessage(ctx context.Context, m Message) error
	// QueryTickets answers a customer's list query exactly as TicketQuery
	// documents it, from indexes on the ticket's contacts and companies:
	// never by scanning every ticket of the tenant. It writes the answer
	// into page, which a caller may reuse from query to query (a long
	// export does, so as not to allocate a page for every page): it sets
	// every field of page, reusing page.Tickets and page.Keys within their
	// capacity. What it writes shares nothing with the store. After an
	// error, page holds nothing a caller may use.
	QueryTickets(ctx context.Context, q TicketQuery, page *TicketPage) error
	// Messages returns a thread's messages, oldest first (CreatedAt, then ID);
	// a thread without messages gives an empty list.
	Messages(ctx context.Context, portalID, threadID uuid.UUID) ([]Message, error)
}

// TicketScanner is an optional capability of a TicketStore, for a caller
// that reads a whole result, as ExportCSV does: ScanTickets answers q
// without its cursor's end, in one pass, calling fn with one page after
// another of at most q.Limit tickets, in order, with their sort keys (and,
// as QueryTickets may, their requesters and owners), and More set on every
// page but the last. It answers exactly what QueryTickets would answer
// page after page, at a cost that grows with the result, not with its
// square: a store whose every page must sort the scope again sorts it once
// here. The page passed to fn is the store's to reuse after fn returns and
// shares nothing with the store. An error from fn stops the scan and is
// returned as it is. Portal uses it when a store has it, and pages through
// QueryTickets (or TicketPageReader) otherwise.
type TicketScanner interface {
	ScanTickets(ctx context.Context, q TicketQuery, fn func(page *TicketPage) error) error
}

// TicketCounter is an optional capability of a TicketStore, for the
// totals of the lists (P11): CountTickets counts the tickets that q's pages
// hold together, whatever its cursor, limit and sort, and stops at max: it
// returns the count, or max when there are more. Its cost grows with max,
// not with the scope, where an index serves q (as QueryTickets' does). A
// store may keep each ticket's verdict under its tenant's visibility
// filter (VisibilityOf, TicketFilter.Stamp) so that a total under that
// filter, by status alone (TicketFilter.Statuses), reads no ticket, as the
// memory and SQL stores do. Portal uses it when a store has it, and counts
// pages of QueryTickets otherwise.
type TicketCounter interface {
	CountTickets(ctx context.Context, q TicketQuery, max int) (int, error)
}

// Snapshot is what a customer request reads before its query: the tenant's
// settings, the viewer's contact and primary company, the custom
// properties, pipelines and channels.
type Snapshot struct {
	Settings   Settings
	Contact    Contact
	Company    *Company // nil: no primary company, or it does not exist
	Properties []PropertyDef
	Pipelines  []Pipeline
	Channels   []Channel
}

// SnapshotReader is an optional capability of a Store: it reads a Snapshot
// in one consistent step (for a SQL store, one round trip instead of six),
// exactly as Settings, Contact, Company, Properties, Pipelines and Channels
// would answer one by one. A missing tenant or contact gives ErrNotFound.
// Portal uses it when a store has it.
type SnapshotReader interface {
	Snapshot(ctx context.Context, portalID, contactID uuid.UUID) (Snapshot, error)
}

// TicketPageReader is an optional capability of a TicketStore for a caller
// that reads a long result page after page and keeps none of it, as
// ExportCSV does. ReadTicketPage answers q as QueryTickets does, but rather
// than copying the page out it calls read with each of the page's tickets
// in order, and its sort key, and then reports whether more follow. An
// error from read stops the page and is returned as it is.
//
// The ticket and key passed to read may be the store's own: this is the
// one exception to "never aliased", and it holds only for read's duration.
// read must not change them, nor keep them, the ticket's slices or its map
// after it returns (strings, which cannot change, it may keep). A store
// may offer this only where it is race-free: when a stored ticket is never
// changed in place, only replaced whole, and when it calls read holding no
// lock that read's own calls to the store (an owner's or a contact's name)
// could wait on. Portal prefers it to QueryTickets: it spares a deep
// copy of every ticket, which is a third of an export's time (the memory
// store's BenchmarkExportCSV runs at 0.73× encoding/csv reading its own
// tickets, 0.48× through QueryTickets; 2026-12-04).
type TicketPageReader interface {
	ReadTicketPage(ctx context.Context, q TicketQuery, read func(t *Ticket, key *SortKey) error) (more bool, err error)
}

// ActionStore records what customers do in the portal (P5, P6, P8, P13,
// P14). Each method is one atomic step that writes the change and its outbox Event
// together: both are stored or neither is. Portal has checked the viewer,
// the rules, the input and every reference before it calls; the store
// checks only the preconditions written here, against the data as it is
// at the moment of the write, so that a concurrent change cannot slip
// between Portal's check and the write. A failed precondition writes
// nothing and returns an error wrapping ErrConflict; Portal then reads
// again and decides anew.
//
// Every method assigns the event the tenant's next sequence number
// (OutboxStore) in the same step, and updates the ticket in place: its
// other fields, associations and properties stay as they are at the time of
// the write, whatever Portal read before.
type ActionStore interface {
	// AddReply adds c.Message to its thread and moves the ticket's
	// LastActivityAt to the message's CreatedAt unless it is later already.
	// With c.NewThread set, the thread is created first, and the ticket must
	// have no thread VisibleInPortal. With c.IfStage set, the ticket must
	// still be in that stage. With c.Reopen set, the ticket moves to that
	// stage and its ClosedAt becomes zero. In the same step it forgets the
	// pending blob keys (BlobStore) of the message's attachments. A missing
	// ticket is ErrNotFound; a message ID that exists is ErrConflict.
	// c.Apply, given the locked ticket, answers the ticket's part.
	AddReply(ctx context.Context, c ReplyChange) error
	// MoveTicket moves the ticket from stage c.From to stage c.To (a
	// close, a reopen), sets its ClosedAt to c.ClosedAt and its
	// LastActivityAt to c.At unless it is later already. The ticket must
	// still be in stage c.From. A missing ticket is ErrNotFound. c.Apply,
	// given the locked ticket, answers all but the event.
	MoveTicket(ctx context.Context, c MoveChange) error
	// SubmitTicket creates c.Ticket, c.Thread and c.Message (all new),
	// giving the ticket the tenant's next number (TicketStore.PutTicket),
	// which the event's TicketNumber names too, and returns the ticket's
	// ID and number with Created set. With c.Key set, the key is recorded
	// for (c.Ticket.PortalID, c.ContactID) with c.Digest in the same step;
	// when that contact already used the key, nothing is written, and
	// either the first submission's ticket ID and number are returned with
	// Created false, when its recorded digest is c.Digest (or empty:
	// recorded before digests were kept), or an error wrapping
	// ErrConflict, when it is another: the same key for another input.
	// Concurrent submissions with one key create one ticket between them,
	// across processes sharing the store. When it creates the ticket, it
	// forgets the pending blob keys (BlobStore) of the message's
	// attachments, and queues c.Receipt when set (MailStore.QueueMail), in
	// the same step: a submission sent again with its key queues no
	// second receipt (P15).
	SubmitTicket(ctx context.Context, c SubmitChange) (SubmitResult, error)
	// RateTicket sets the ticket's Rating to c.Rating (P14). The ticket
	// must still be in stage c.IfStage, with c.Rating.ClosedAt as its
	// ClosedAt and c.Was as its rating (Rating.Equal). Nothing else of the
	// ticket changes, its LastActivityAt neither. A missing ticket is
	// ErrNotFound. c.Apply, given the locked ticket, answers all but the
	// event.
	RateTicket(ctx context.Context, c RateChange) error
	// SetParticipants sets the ticket's Participants to c.Participants
	// (P12), and associates it with them as with its ContactIDs for
	// TicketQuery.ContactID: a contact taken off stays associated when it
	// is one of the ContactIDs. The ticket must still have c.Was as its
	// participants (same contacts, adders and times, in order). Nothing
	// else of the ticket changes. A missing ticket is ErrNotFound. c.Apply,
	// given the locked ticket, answers the ticket's part.
	SetParticipants(ctx context.Context, c ParticipantChange) error
}

// OutboxStore keeps the events of customer actions for the helpdesk to
// receive (the outbox). Events of a tenant are numbered 1, 2, 3 … in the
// order their changes were committed, without gaps, so that a reader that
// has seen every event up to n never misses a later one.
type OutboxStore interface {
	// Events returns at most limit events of the tenant with a Seq greater
	// than after, in Seq order. An unknown tenant gives ErrNotFound.
	Events(ctx context.Context, portalID uuid.UUID, after int64, limit int) ([]Event, error)
	// AckEvents records that every event up to seq has been received. The
	// acknowledged position only moves forward: an older seq changes
	// nothing. A seq past the tenant's last event (the highest Seq
	// committed; 0 when there is none) changes nothing and returns a
	// *PastLastEventError with that Seq: acknowledging an event that does
	// not exist yet would make every reader skip it once it is written.
	// The comparison with the last event and the write are one atomic step,
	// against events committed by every process sharing the store. An
	// unknown tenant gives ErrNotFound.
	AckEvents(ctx context.Context, portalID uuid.UUID, seq int64) error
	// AckedEvents returns the acknowledged position: 0 before any ack.
	AckedEvents(ctx context.Context, portalID uuid.UUID) (int64, error)
}

// ReplyChange is a customer's reply as ActionStore.AddReply writes it.
type ReplyChange struct {
	Message Message
	// NewThread, when set, is created for the message: the ticket had no
	// portal-visible thread when Portal looked.
	NewThread *Thread
	// IfStage, when set, is the stage the ticket must still be in (the
	// reply was allowed because the ticket was open, or it reopens the
	// ticket from there).
	IfStage uuid.UUID
	// Reopen, when set, is the open stage the reply moves the closed
	// ticket to (Actions.ReplyReopens, P13).
	Reopen uuid.UUID
	Event  Event
}

// Apply returns t, the stored ticket, as the reply leaves it: its last
// activity the message's when that is later, and in the Reopen stage when
// one is set; or, when t left the IfStage, an error wrapping ErrConflict.
// The store checks a new thread itself: whether the ticket has a
// portal-visible one is not in t.
func (c ReplyChange) Apply(t Ticket) (Ticket, error) {
	if c.IfStage != uuid.Nil && t.StageID != c.IfStage {
		return t, changed(t.ID, "changed stage")
	}
	if c.Message.CreatedAt.After(t.LastActivityAt) {
		t.LastActivityAt = c.Message.CreatedAt
	}
	if c.Reopen != uuid.Nil {
		t.StageID, t.ClosedAt = c.Reopen, time.Time{}
	}
	return t, nil
}

// MoveChange is a customer's close or reopen as ActionStore.MoveTicket
// writes it.
type MoveChange struct {
	PortalID uuid.UUID
	TicketID uuid.UUID
	From, To uuid.UUID // stages
	// ClosedAt is the ticket's ClosedAt after the move: At for a close,
	// zero for a reopen.
	ClosedAt time.Time
	At       time.Time
	Event    Event
}

// Apply returns t, the stored ticket, moved to To, its last activity At
// when that is later; or, when t is no longer in From, an error wrapping
// ErrConflict.
func (c MoveChange) Apply(t Ticket) (Ticket, error) {
	if t.StageID != c.From {
		return t, changed(t.ID, "changed stage")
	}
	t.StageID, t.ClosedAt = c.To, c.ClosedAt
	if c.At.After(t.LastActivityAt) {
		t.LastActivityAt = c.At
	}
	return t, nil
}

// RateChange is a contact's rating as ActionStore.RateTicket writes it.
type RateChange struct {
	PortalID uuid.UUID
	TicketID uuid.UUID
	IfStage  uuid.UUID // the closed stage the ticket must still be in
	Was      Rating    // the rating the ticket must still have
	Rating   Rating
	Event    Event
}

// Apply returns t, the stored ticket, with the Rating; or, when t left the
// closed stage or closing the rating was for, or its rating is no longer
// Was, an error wrapping ErrConflict.
func (c RateChange) Apply(t Ticket) (Ticket, error) {
	switch {
	case t.StageID != c.IfStage || !t.ClosedAt.Equal(c.Rating.ClosedAt):
		return t, changed(t.ID, "changed stage")
	case !t.Rating.Equal(c.Was):
		return t, changed(t.ID, "was rated meanwhile")
	}
	t.Rating = c.Rating
	return t, nil
}

// ParticipantChange is a contact adding or removing a participant as
// ActionStore.SetParticipants writes it.
type ParticipantChange struct {
	PortalID     uuid.UUID
	TicketID     uuid.UUID
	Was          []Participant // the participants the ticket must still have
	Participants []Participant
	Event        Event
}

// Clone returns a deep copy.
func (c ParticipantChange) Clone() ParticipantChange {
	c.Was, c.Participants = slices.Clone(c.Was), slices.Clone(c.Participants)
	return c
}

// Apply returns t, the stored ticket, with the Participants (c's slice: a
// store that keeps the ticket clones c first); or, when its participants
// are no longer Was, an error wrapping ErrConflict.
func (c ParticipantChange) Apply(t Ticket) (Ticket, error) {
	if !SameParticipants(t.Participants, c.Was) {
		return t, changed(t.ID, "changed participants")
	}
	t.Participants = c.Participants
	return t, nil
}

// changed is the ErrConflict of an action whose ticket changed since the
// Portal read it.
func changed(ticket uuid.UUID, what string) error {
	return fmt.Errorf("%w: ticket %s %s", ErrConflict, ticket, what)
}

// SubmitChange is a support form submission as ActionStore.SubmitTicket
// writes it.
type SubmitChange struct {
	Ticket    Ticket
	Thread    Thread
	Message   Message
	ContactID uuid.UUID
	// Key is the submission's idempotency key, or "".
	Key string
	// Digest identifies the submission's input (a SHA-256 that Portal
	// computes), recorded with Key.
	Digest []byte
	Event  Event
	// Receipt, when set, is the receipt mail to queue with the ticket
	// (P15); Portal sets it only for a store that is an AuthStore (whose
	// MailStore keeps the queue).
	Receipt *QueuedMail
}

// Clone returns a deep copy.
func (c ReplyChange) Clone() ReplyChange {
	c.Message = c.Message.Clone()
	if c.NewThread != nil {
		th := *c.NewThread
		c.NewThread = &th
	}
	return c
}

// Clone returns a deep copy.
func (c SubmitChange) Clone() SubmitChange {
	c.Ticket = c.Ticket.Clone()
	c.Message = c.Message.Clone()
	c.Digest = slices.Clone(c.Digest)
	if c.Receipt != nil {
		r := *c.Receipt
		c.Receipt = &r
	}
	return c
}
