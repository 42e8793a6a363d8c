package portal

import (
	"context"
	"errors"
	"fmt"
	"golang.org/x/text/language"
	"strings"
)

// Sentinel errors. Every error the package returns wraps exactly one of them,
// so callers branch with errors.Is and never on message text, except two
// kinds that come back as they are: the context's own (context.Canceled,
// context.DeadlineExceeded) when the caller's context ends (a deadline that
// ends a store's retries of a write gives a [*BusyError] instead), and an
// error of an io.Writer the caller passed ([Portal.ExportCSV]). The
// sentinels' messages are safe to show a customer.
var (
	// ErrNotFound: the record does not exist, belongs to another portal, or
	// lies outside the caller's scope. The three are deliberately
	// indistinguishable.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the input breaks a rule; the error names the field.
	ErrInvalid = errors.New("invalid")
	// ErrConflict: the write collides with another one, for example a
	// settings save based on a stale version (S16).
	ErrConflict = errors.New("conflict")
	// ErrForbidden: the caller may see the record but not do this to it.
	ErrForbidden = errors.New("forbidden")
	// ErrPortalDisabled: the portal is switched off (S14).
	ErrPortalDisabled = errors.New("portal disabled")
	// ErrUnauthenticated: no valid session.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrInternal: an unexpected failure below the package (a store or
	// driver error). Its message says nothing about the cause; the cause is
	// kept for logs through errors.Unwrap.
	ErrInternal = errors.New("internal error")
	// ErrUnsupported: the Portal's store lacks what the operation keeps
	// (AuthStore, for the ways in). It also matches errors.ErrUnsupported.
	ErrUnsupported = fmt.Errorf("unsupported: %w", errors.ErrUnsupported)
)

// FieldError is one problem with one field of an input. Field is a path in
// the input's structure, such as "display.columns[10]" or
// "permissions.contactFilter[0][1].operator". Problem says what is wrong,
// for a person: in the customer's language when a customer's request
// found it (X3), else English (Localize writes it in another); Error says
// it in English, for logs.
type FieldError struct {
	Field   string
	Problem string
	text    text
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return "invalid: " + e.english()
	}
	return "invalid " + e.Field + ": " + e.english()
}

func (e *FieldError) english() string {
	if e.text.format == "" {
		return e.Problem
	}
	return e.text.String()
}

// localize writes Problem in tag's language.
func (e *FieldError) localize(tag language.Tag) {
	if e.text.format != "" {
		e.Problem = e.text.in(tag)
	}
}

// Unwrap makes every FieldError match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// ValidationError reports every problem found in one input at once, in the
// order they were found. It matches ErrInvalid with errors.Is, and each of its
// problems can be had with errors.As on *FieldError.
type ValidationError struct {
	Problems []*FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Field)
		b.WriteString(": ")
		b.WriteString(p.english())
	}
	return "invalid: " + b.String()
}

// Unwrap returns the problems, so errors.Is(err, ErrInvalid) holds and
// errors.As finds the first *FieldError.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// Has reports whether a problem was found at exactly the given field path.
func (e *ValidationError) Has(field string) bool {
	for _, p := range e.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

// ConflictError is an ErrConflict that one field of the input causes: its
// value is already another record's, as an e-mail that another contact logs
// in with. It matches ErrConflict with errors.Is (and not ErrInvalid: the
// input is well-formed), and names the field for the host's form.
type ConflictError struct {
	Field   string
	Problem string // as FieldError.Problem
	text    text
}

func (e *ConflictError) Error() string {
	if e.text.format == "" {
		return "conflict: " + e.Field + ": " + e.Problem
	}
	return "conflict: " + e.Field + ": " + e.text.String()
}

// Unwrap makes every ConflictError match ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }

// BusyError is the ErrConflict of a store step that no rule refused but
// that the database could not do now: other transactions kept winning the
// race for the same rows until the store's retry budget or the context's
// deadline was spent, or the database could not be reached. The caller may
// try again later; an action with an idempotency key is then done once.
// Stores return it (see sqlstore); Portal returns it as it is, without
// deciding the action again as it does after a plain conflict.
type BusyError struct {
	// Op is what the store was doing, such as "add reply".
	Op string
	// Unknown is set when the connection was lost while the step was
	// committing: it may have been written.
	Unknown bool
	// Err is the last failure underneath, for logs; Error does not show it.
	Err error
}

func (e *BusyError) Error() string {
	if e.Unknown {
		return "conflict: " + e.Op + ": the database connection was lost while committing; try again"
	}
	return "conflict: " + e.Op + ": the database is busy or unreachable; try again"
}

// Unwrap makes every BusyError match ErrConflict, and keeps its cause.
func (e *BusyError) Unwrap() []error { return []error{ErrConflict, e.Err} }

// lostRace reports whether err is a conflict with a concurrent change,
// after which an action is decided again on what the store holds now: an
// ErrConflict that is not a BusyError.
func lostRace(err error) bool {
	var busy *BusyError
	return errors.Is(err, ErrConflict) && !errors.As(err, &busy)
}

// unwritten reports whether err is a BusyError of a step that was surely
// not written (not Unknown): doing it again at once would only wait out
// the store's busy database a second time.
func unwritten(err error) bool {
	var busy *BusyError
	return errors.As(err, &busy) && !busy.Unknown
}

// mayBeWritten reports whether err is a BusyError of a step whose commit
// may have happened (Unknown): what it wrote, files included, must stay.
func mayBeWritten(err error) bool {
	var busy *BusyError
	return errors.As(err, &busy) && busy.Unknown
}

// errEmailTaken is the answer to a contact e-mail that another contact's
// login has: an e-mail names at most one login per portal (S11).
func errEmailTaken() error {
	return conflict("email", "another contact logs in to the portal with this e-mail")
}

// conflict returns a *ConflictError at field: a text of format and args.
func conflict(field, format string, args ...any) *ConflictError {
	t := msg(format, args...)
	return &ConflictError{Field: field, Problem: t.String(), text: t}
}

// problems collects FieldErrors while an input is checked.
type problems struct{ list []*FieldError }

// add adds a problem at field: a text of format and args (msg).
func (ps *problems) add(field, format string, args ...any) {
	ps.addText(field, msg(format, args...))
}

// addErr adds the problem err says at field: a text, or another error's
// message as it is.
func (ps *problems) addErr(field string, err error) {
	if t, ok := err.(text); ok {
		ps.addText(field, t)
		return
	}
	ps.add(field, "%s", err.Error())
}

// addText adds a problem at field.
func (ps *problems) addText(field string, t text) {
	ps.list = append(ps.list, &FieldError{Field: field, Problem: t.String(), text: t})
}

// err returns nil when nothing was found, or a *ValidationError.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps.list}
}

// invalid returns a one-problem *ValidationError, so that every validation
// error has the same shape.
func invalid(field, format string, args ...any) error {
	return invalidText(field, msg(format, args...))
}

// invalidText is invalid of a text.
func invalidText(field string, t text) error {
	return &ValidationError{Problems: []*FieldError{{Field: field, Problem: t.String(), text: t}}}
}

// internalError wraps an unclassified error from below: the message is the
// generic one of ErrInternal, the cause stays reachable for logs.
type internalError struct{ cause error }

func (e *internalError) Error() string   { return ErrInternal.Error() }
func (e *internalError) Unwrap() []error { return []error{ErrInternal, e.cause} }

// classify passes errors that already wrap a sentinel through unchanged and
// turns anything else into an ErrInternal that hides its message.
func classify(err error) error {
	if err == nil {
		return nil
	}
	for _, s := range []error{ErrNotFound, ErrInvalid, ErrConflict, ErrForbidden,
		ErrPortalDisabled, ErrUnauthenticated, ErrInternal, ErrUnsupported} {
		if errors.Is(err, s) {
			return err
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &internalError{cause: err}
}
