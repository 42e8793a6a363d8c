// Package portal gives a helpdesk a complete customer portal: the logged-in
// area where the helpdesk's customers see, search, filter, export, answer,
// close and submit their support tickets, under rules the helpdesk's
// administrators set. Requirement IDs in comments (S1, P3, X5 …) refer to the
// project's functional specification.
//
// # Shape
//
// [Portal] is the concrete type a host holds: it validates every input,
// applies every rule and classifies every error before it calls a [Store].
// A Store only persists and retrieves; adapters live under store/ (memstore
// now; SQL stores for SQLite, PostgreSQL and MariaDB follow) and all of them
// pass the one conformance suite in store/storetest.
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
// # Errors
//
// Every error wraps one sentinel: [ErrNotFound], [ErrInvalid],
// [ErrConflict], [ErrForbidden], [ErrPortalDisabled], [ErrUnauthenticated] or
// [ErrInternal]. Branch with errors.Is. Validation errors are
// [*ValidationError] values listing each [*FieldError]. A store's own failure
// becomes ErrInternal with a generic message; its cause stays reachable for
// logs.
//
// # Concurrency
//
// A Portal is safe for concurrent use by many goroutines, and many Portals
// (in many processes) may share one Store: a Portal keeps no state that
// another instance would need.
package portal
