// Package portal gives a helpdesk a complete customer portal: the logged-in
// area where the helpdesk's customers see, search, filter, export, answer,
// close and submit their support tickets, under rules the helpdesk's
// administrators set. Requirement IDs in comments (S1, P3, X5 …) name the
// behaviour a piece of code implements; docs/requirements.md in the
// repository lists them, a line each: S are the administrator's settings, A
// getting in, P using the portal, X the library's own goals.
//
// # Shape
//
// [Portal] is the concrete type a host holds: it validates every input,
// applies every rule and classifies every error before it calls a [Store].
// A Store only persists and retrieves (an [AuthStore] beside it, for the
// portal's own logins); adapters live under store/ (memstore
// in memory; sqlstore on SQLite, PostgreSQL and MariaDB/MySQL) and all of
// them pass the conformance suite in store/storetest: the store contract
// (storetest.Run), and Portal over the store (storetest.RunPortal).
//
// # Tenants
//
// One Store can host many portals, one per helpdesk account: a [Tenant].
// Every record carries its tenant's ID in PortalID and nothing ever crosses
// from one tenant to another (X5). A record of another tenant is as absent as
// a record that does not exist.
//
// # Settings
//
// [Settings] hold everything an administrator configures (S1–S15), start
// from [DefaultSettings], and are validated as a whole: [Settings.Validate]
// reports every problem at once, each naming its field path. Saves are
// versioned: [Portal.SaveSettings] refuses a save based on a stale version
// with [ErrConflict], so two administrators never overwrite each other (S16).
//
// Every filter in the product has the shape of [FilterGroups] (S5): groups of
// filters, AND-ed inside a group, groups OR-ed, each filter checked against
// the tenant's typed property [Schema].
//
// # Customers
//
// Customer operations act for a [Viewer]: a contact of one tenant, vouched
// for by the host ([Portal.Viewer]) or by a session ([Session.Viewer]). Every call
// checks the viewer again: the portal must be on, the contact must exist,
// and its scope is computed afresh by the [AccessPolicy] of the current
// settings (S4) — a contact that changes company sees the change at once.
//
//   - [Portal.ListTickets] returns a [TicketView]: one page of the tickets
//     in scope that pass the visibility filter (S8) and the customer's
//     status, column filters and search (P2), sorted by a shown column and
//     paged by an opaque keyset cursor (P1–P3), and, when asked, how many
//     tickets the view holds (P11).
//   - [Portal.TicketDetail] returns one ticket with the conversation a
//     contact may see (P4, S9), every body passed through the conversation
//     allow-list ([SanitizeConversation]) whoever wrote it. A ticket out of
//     scope, hidden, of another tenant or missing is ErrNotFound, all alike.
//   - [Portal.Explain] tells an administrator why a ticket is or is not
//     visible to a contact and what the contact may do with it (X4).
//   - [Portal.Reply] answers a ticket with sanitised HTML ([SanitizeReply])
//     and attachments kept in [Blobs] (P5); [Portal.Attachment] opens one
//     through a message the contact may see. [Portal.Close] moves a ticket
//     to its pipeline's closed stage for portal closes (P6), and
//     [Portal.Reopen] back to an open stage within the settings' window
//     (P13), as a reply to a closed ticket may. [Portal.Rate] rates a
//     closed ticket once each time it closes (P14), and
//     [Portal.AddParticipant] adds a colleague of the contact's company,
//     who then sees the ticket as its own (P12). Each acts on exactly the
//     verdicts TicketDetail and Explain show (S10).
//   - [Portal.SupportForm] describes the support form (S6),
//     [Portal.SupportForms] the request forms a contact may use (P15), and
//     [Portal.SubmitTicket] creates one ticket from one, with its files,
//     in its channel (P8, S3), idempotently with a key, and queues the
//     contact's receipt.
//
// # Delivery to the helpdesk
//
// Every customer action is one [ActionStore] step that writes the change
// and an [Event] together (an outbox): an event exists exactly when its
// change does. A tenant's events are numbered in commit order without gaps;
// the host reads them after a position ([Portal.Events]) and acknowledges
// them ([Portal.AckEvents]), or lets [Portal.Deliver] call a handler with
// each unacknowledged event in order, or starts [Portal.RunDelivery] once
// per tenant: a loop that delivers whenever an action of this Portal
// commits an event, polls for those of other processes, and retries a
// failing handler with a capped back-off. Delivery is at least once: a
// handler may see an event again after a failure, or when two loops serve
// one tenant, and tells it by [Event.ID].
// Attachments are put into the Blobs before the store step and deleted when
// it fails, so a failed action leaves nothing behind.
//
// Rules are compiled once per settings version: filter groups into trees of
// typed predicates ([TicketFilter], semantics on [Env]), expression rules
// (X2, [RuleEnv]) into expr programs. The Store receives one declarative
// [TicketQuery] and answers it from its indexes.
//
// # Scale
//
// A page costs its page, not the size of the contact's company (X6). Both
// stores keep each contact's and each company's tickets ordered by creation
// and by last activity, so that a page sorted by either is a walk from the
// cursor that stops when the page is full; a reply moves its ticket in the
// same step. A search term of three characters or more is looked up in the
// database's substring index (SQLite FTS5 trigram, PostgreSQL pg_trgm) when
// few tickets hold it; a common one is met soon on the walk. Other sorts
// read the scope. [Portal.ExportCSV] reads its view in one pass from a store
// that can ([TicketScanner]), page after page from another; either way its
// memory does not grow with the rows. Stores keep text folded ([Folded]).
//
// # Getting in
//
// Who may enter is S11: access groups (members of chosen contact lists) or
// self-registration; passwords or single sign-on. A host that lets its
// customers in itself vouches for each viewer ([Portal.Viewer]) and needs
// a [Store] alone; the ways in below keep their logins, tokens, sessions
// and mail in the store's [AuthStore], which the memory and SQL stores
// have, and answer [ErrUnsupported] over a store without one.
//
//   - Mail: a request that mails (an invitation, a registration, a reset,
//     a sign-in link)
//     only queues the mail in the store; [Portal.DeliverMail], or the loop
//     [Portal.RunMailDelivery] that a host starts once per tenant, makes its
//     token and sends it through the host's [Mailer] (smtpmail has a plain
//     SMTP one, portaltest a recording one), and tries a failed one again
//     later. No request waits on a mail server, and a password-reset
//     request does the same work whatever address it names.
//   - Access groups: [Portal.Invite] mails each member of the lists a
//     single-use invitation (default 7 days; a new one replaces the old);
//     [Portal.AcceptInvitation] sets the password. A
//     contact that leaves every list is refused at its next request.
//   - Self-registration: [Portal.Register] needs the consent statement
//     accepted and records its [ConsentVersion] and time (S13); an unknown
//     e-mail gets a new contact, a known one is linked. The password is set
//     with the mailed token ([Portal.CompleteRegistration]), which proves the
//     e-mail is the registrant's. Registering an e-mail that has a login, and
//     [Portal.RequestPasswordReset] for one that has none, answer exactly as
//     the ordinary case: nobody learns which e-mails have a login.
//   - Sign-in links (A7): with Settings.Access.SignInLinks, a contact asks
//     [Portal.RequestSignInLink] for a single-use link (15 minutes, its
//     SHA-256 stored), answered alike for every address and limited per
//     address and client; [Portal.SignIn] spends it for a session under
//     the access groups, as a password login would.
//   - The contact's own account (P16): [Portal.Profile] and
//     [Portal.UpdateProfile] (name, language, time zone; a new name is an
//     event), [Portal.ChangePassword] (other sessions end),
//     [Portal.Sessions] and [Portal.EndSession], and an e-mail change
//     that a link to the new address confirms
//     ([Portal.RequestEmailChange], [Portal.ConfirmEmailChange]).
//   - [Portal.Login] checks an argon2id hash ([PasswordParams], stored as a
//     PHC string; rehashed when the parameters are raised). An unknown e-mail
//     and a wrong password give one error after the same work, and so does
//     a right password of a contact outside the access groups; repeated
//     failures slow down the client that makes them, never the owner from
//     elsewhere ([AuthOptions], [WithClient]). Under
//     single sign-on the portal keeps no passwords: [Portal.SSOLogin] takes
//     an [Identity] the host vouches for, with a verified e-mail.
//   - Sessions: a 256-bit token from crypto/rand for the host's cookie; the
//     [Store] keeps only its SHA-256. [Portal.Authenticate] checks, on every
//     request, the portal switch (S14), the idle timeout (S15) and absolute
//     lifetime, and the access groups, and slides the idle window with at
//     most one store write per tenth of the timeout. [Portal.Logout] ends a
//     session at once (P9); [Portal.ResetPassword] ends all of the contact's.
//   - [Portal.Preview] opens a read-only session in which a helpdesk user
//     sees the portal as a contact (A5): its Viewer has Preview set, and
//     every customer action refuses it with ErrForbidden (one rule,
//     "preview", asked first by every action and shown by Explain).
//
// # Errors
//
// Every error wraps one sentinel: [ErrNotFound], [ErrInvalid],
// [ErrConflict], [ErrForbidden], [ErrPortalDisabled], [ErrUnauthenticated] or
// [ErrInternal]; only the context's own errors, when the caller's context
// ends, and the errors of a writer the caller passed come back as they are
// (a deadline that ends a store's retries of a write gives the
// [*BusyError] below).
// Branch with errors.Is. Validation errors are
// [*ValidationError] values listing each [*FieldError]. A store's own failure
// becomes ErrInternal with a generic message; its cause stays reachable for
// logs. A store that could not do a step now — its writes kept losing
// races to other transactions past its retry budget, or its database was
// out of reach — answers with a [*BusyError], an ErrConflict that says "try
// again" (X7); an action with an idempotency key is then done once.
//
// # For store implementers
//
// A host needs none of these; a [Store] that answers [TicketQuery] in Go or
// translates it to another language uses them so that every store means
// the same thing: [TicketFilter.MatchFolded] and [TicketFilter.Conds] (a
// filter as a Go predicate or as resolved conditions, [Cond], with date
// spans from [Cond.Span]); [Fold], [FoldTicket] and [Folded.HasTerms] (the
// folded text that filters, search and sorts compare); [TicketSortKey],
// [Lookup] and [CompareKeys] (a ticket's place in a sort); [Sort.Order]
// and [OrderKeys] (the orders a store keeps each scope's tickets in, and a
// ticket's keys in them); and
// [TicketQuery.ResultKey] (a query apart from its page, to keep a sorted
// result between pages). store/storetest checks that a store uses them
// right.
//
// # Concurrency
//
// A Portal is safe for concurrent use by many goroutines, and many Portals
// (in many processes) may share one Store: a Portal keeps no state that
// another instance would need.
package portal
