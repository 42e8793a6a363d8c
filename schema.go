package portal

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Object names a kind of record that has properties.
type Object string

// The objects with a property schema.
const (
	TicketObject  Object = "ticket"
	ContactObject Object = "contact"
	CompanyObject Object = "company"
)

// PropertyType is the type of a property's values; it decides which filter
// operators fit (S5).
type PropertyType string

// The property types.
const (
	Text        PropertyType = "text"
	Number      PropertyType = "number"
	Date        PropertyType = "date"
	Enumeration PropertyType = "enumeration"
	Boolean     PropertyType = "boolean"
)

// Ref names the kind of record whose IDs are the options of a reference
// enumeration, such as a ticket's owner or stage.
type Ref string

// The references.
const (
	RefContact  Ref = "contact"
	RefCompany  Ref = "company"
	RefOwner    Ref = "owner"
	RefChannel  Ref = "channel"
	RefPipeline Ref = "pipeline"
	RefStage    Ref = "stage"
	RefList     Ref = "list"
)

// Option is one choice of an enumeration.
type Option struct {
	Value string
	Label string
}

// Property is one typed property of an object.
type Property struct {
	Name  string
	Label string
	Type  PropertyType
	// Options are the choices of an enumeration with a fixed set of values.
	Options []Option
	// Ref is set on an enumeration whose values are the IDs of other records
	// (owner, stage …) instead of fixed options.
	Ref Ref
	// Multi is set on a property that holds several values, such as a
	// contact's list memberships; "is any of" then matches when any value
	// does.
	Multi bool
	// Builtin is set on the properties the package defines itself.
	Builtin bool
}

// HasOption reports whether v is one of the property's fixed options.
func (p Property) HasOption(v string) bool {
	return slices.ContainsFunc(p.Options, func(o Option) bool { return o.Value == v })
}

// Clone returns a deep copy.
func (p Property) Clone() Property {
	p.Options = slices.Clone(p.Options)
	return p
}

// Built-in property names. Ticket columns (S8), filters (S5) and search (P2)
// name properties by these names or by a custom property's name.
const (
	PropSubject        = "subject"
	PropContent        = "content"
	PropRequestedBy    = "requestedBy"
	PropCreatedAt      = "createdAt"
	PropOwner          = "owner"
	PropLastActivityAt = "lastActivityAt"
	PropStatus         = "status"
	PropStage          = "stage"
	PropPipeline       = "pipeline"
	PropPriority       = "priority"
	PropChannel        = "channel"
	PropNumber         = "number"       // the ticket's number (P10)
	PropSatisfaction   = "satisfaction" // the ticket's latest rating (P14)

	PropFirstName = "firstName"
	PropLastName  = "lastName"
	PropEmail     = "email"
	PropCompany   = "company"
	PropLists     = "lists"
	PropName      = "name"
	PropDomain    = "domain"
)

// The values of the built-in "status" property: a ticket's status is the
// state of its stage.
const (
	StatusOpen   = string(StageOpen)
	StatusClosed = string(StageClosed)
)

var builtins = map[Object][]Property{
	TicketObject: {
		{Name: PropSubject, Label: "Subject", Type: Text},
		{Name: PropContent, Label: "Content", Type: Text},
		{Name: PropRequestedBy, Label: "Requested by", Type: Enumeration, Ref: RefContact},
		{Name: PropCreatedAt, Label: "Create date", Type: Date},
		{Name: PropOwner, Label: "Ticket owner", Type: Enumeration, Ref: RefOwner},
		{Name: PropLastActivityAt, Label: "Last activity date", Type: Date},
		{Name: PropStatus, Label: "Status", Type: Enumeration, Options: []Option{
			{Value: StatusOpen, Label: "Open"}, {Value: StatusClosed, Label: "Closed"}}},
		{Name: PropStage, Label: "Ticket status", Type: Enumeration, Ref: RefStage},
		{Name: PropPipeline, Label: "Pipeline", Type: Enumeration, Ref: RefPipeline},
		{Name: PropPriority, Label: "Priority", Type: Enumeration, Options: []Option{
			{Value: string(PriorityLow), Label: "Low"}, {Value: string(PriorityMedium), Label: "Medium"},
			{Value: string(PriorityHigh), Label: "High"}, {Value: string(PriorityUrgent), Label: "Urgent"}}},
		{Name: PropChannel, Label: "Source", Type: Enumeration, Ref: RefChannel},
		{Name: PropNumber, Label: "Ticket number", Type: Number},
		{Name: PropSatisfaction, Label: "Satisfaction", Type: Enumeration, Options: ratingOptions},
	},
	ContactObject: {
		{Name: PropFirstName, Label: "First name", Type: Text},
		{Name: PropLastName, Label: "Last name", Type: Text},
		{Name: PropEmail, Label: "Email", Type: Text},
		{Name: PropCompany, Label: "Primary company", Type: Enumeration, Ref: RefCompany},
		{Name: PropLists, Label: "Lists", Type: Enumeration, Ref: RefList, Multi: true},
		{Name: PropCreatedAt, Label: "Create date", Type: Date},
	},
	CompanyObject: {
		{Name: PropName, Label: "Name", Type: Text},
		{Name: PropDomain, Label: "Domain", Type: Text},
		{Name: PropCreatedAt, Label: "Create date", Type: Date},
	},
}

// Schema is the set of typed properties of tickets, contacts and companies
// for one portal: the built-in ones plus the custom ones a host registers.
// The zero Schema holds the built-in properties only. A Schema is immutable:
// With returns a new one.
type Schema struct {
	custom map[Object][]Property
}

// PropertyDef is a custom property as a store keeps it.
type PropertyDef struct {
	Object   Object
	Property Property
}

// NewSchema returns the built-in schema extended by defs. It checks each
// definition as With does.
func NewSchema(defs ...PropertyDef) (Schema, error) {
	var s Schema
	for _, d := range defs {
		var err error
		if s, err = s.With(d.Object, d.Property); err != nil {
			return Schema{}, err
		}
	}
	return s, nil
}

// storedSchema is the schema of a tenant's stored custom properties. A
// stored property whose name a later release made built-in (number, P10;
// satisfaction, P14) is shadowed by the built-in one rather than failing
// every request: its values stay on the records, unread, and a host
// renames it (RegisterProperty) to show them again.
func storedSchema(defs []PropertyDef) (Schema, error) {
	kept := make([]PropertyDef, 0, len(defs))
	for _, d := range defs {
		if p, ok := (Schema{}).Lookup(d.Object, d.Property.Name); !ok || !p.Builtin {
			kept = append(kept, d)
		}
	}
	return NewSchema(kept...)
}

// Lookup returns the property of obj named name.
func (s Schema) Lookup(obj Object, name string) (Property, bool) {
	for _, p := range builtins[obj] {
		if p.Name == name {
			p.Builtin = true
			return p.Clone(), true
		}
	}
	for _, p := range s.custom[obj] {
		if p.Name == name {
			return p.Clone(), true
		}
	}
	return Property{}, false
}

// Properties returns obj's properties: the built-in ones, then the custom
// ones in the order they were registered.
func (s Schema) Properties(obj Object) []Property {
	var out []Property
	for _, p := range builtins[obj] {
		p.Builtin = true
		out = append(out, p.Clone())
	}
	for _, p := range s.custom[obj] {
		out = append(out, p.Clone())
	}
	return out
}

// Custom returns the custom property definitions, as a store keeps them.
func (s Schema) Custom() []PropertyDef {
	var out []PropertyDef
	for _, obj := range []Object{TicketObject, ContactObject, CompanyObject} {
		for _, p := range s.custom[obj] {
			out = append(out, PropertyDef{Object: obj, Property: p.Clone()})
		}
	}
	return out
}

var propertyName = regexp.MustCompile(`^[a-z][A-Za-z0-9_]{0,63}$`)

// Limits of a custom property.
const (
	maxLabel   = 100
	maxOptions = 500
)

// With returns a schema with p added to obj's custom properties, or replacing
// the custom property of the same name (its type may not change). It fails
// with ErrInvalid naming the field when the definition is not sound.
func (s Schema) With(obj Object, p Property) (Schema, error) {
	var ps problems
	if _, ok := builtins[obj]; !ok {
		ps.add("object", "unknown object %q", obj)
		return Schema{}, ps.err()
	}
	if !propertyName.MatchString(p.Name) {
		ps.add("name", "must start with a lowercase letter and hold only letters, digits and _ (at most 64)")
	}
	old, exists := s.Lookup(obj, p.Name)
	if exists && old.Builtin {
		ps.add("name", "%q is a built-in property", p.Name)
	}
	if exists && !old.Builtin && old.Type != p.Type {
		ps.add("type", "cannot change from %s to %s", old.Type, p.Type)
	}
	checkLabel(&ps, "label", p.Label)
	if p.Builtin {
		ps.add("builtin", "custom properties cannot be built-in")
	}
	if p.Ref != "" || p.Multi {
		ps.add("ref", "custom properties cannot be references")
	}
	switch p.Type {
	case Text, Number, Date, Boolean:
		if len(p.Options) > 0 {
			ps.add("options", "only enumerations have options")
		}
	case Enumeration:
		checkOptions(&ps, p.Options)
	default:
		ps.add("type", "unknown type %q", p.Type)
	}
	if err := ps.err(); err != nil {
		return Schema{}, err
	}
	next := Schema{custom: make(map[Object][]Property, len(s.custom)+1)}
	for o, list := range s.custom {
		next.custom[o] = slices.Clone(list)
	}
	p = p.Clone()
	if i := slices.IndexFunc(next.custom[obj], func(q Property) bool { return q.Name == p.Name }); i >= 0 {
		next.custom[obj][i] = p
	} else {
		next.custom[obj] = append(next.custom[obj], p)
	}
	return next, nil
}

func checkLabel(ps *problems, field, label string) {
	n := utf8.RuneCountInString(strings.TrimSpace(label))
	switch {
	case !utf8.ValidString(label):
		ps.add(field, "must be valid UTF-8")
	case n == 0:
		ps.add(field, "is required")
	case n > maxLabel:
		ps.add(field, "at most %d characters", maxLabel)
	}
}

func checkOptions(ps *problems, opts []Option) {
	if len(opts) == 0 {
		ps.add("options", "an enumeration needs at least one option")
	}
	if len(opts) > maxOptions {
		ps.add("options", "at most %d options", maxOptions)
		return
	}
	seen := make(map[string]bool, len(opts))
	for i, o := range opts {
		f := fmt.Sprintf("options[%d]", i)
		if o.Value == "" || !utf8.ValidString(o.Value) || len(o.Value) > 200 {
			ps.add(f+".value", "must be 1–200 bytes of UTF-8")
		} else if seen[o.Value] {
			ps.add(f+".value", "duplicate option %q", o.Value)
		}
		seen[o.Value] = true
		checkLabel(ps, f+".label", o.Label)
	}
}

// checkValues checks a record's custom property values against obj's schema:
// every key is a custom property, every value has its type.
func (s Schema) checkValues(ps *problems, obj Object, field string, props Properties) {
	for _, name := range slices.Sorted(maps.Keys(props)) {
		f := field + "." + name
		p, ok := s.Lookup(obj, name)
		if !ok || p.Builtin {
			ps.add(f, "unknown %s property", obj)
			continue
		}
		v := props[name]
		switch p.Type {
		case Text:
			if t, ok := v.(string); !ok {
				ps.add(f, "must be a string")
			} else if !utf8.ValidString(t) || len(t) > maxTextValue {
				ps.add(f, "must be valid UTF-8 of at most %d bytes", maxTextValue)
			}
		case Enumeration:
			if t, ok := v.(string); !ok || !p.HasOption(t) {
				ps.add(f, "must be one of the property's options")
			}
		case Number:
			if n, ok := v.(float64); !ok || math.IsNaN(n) || math.IsInf(n, 0) {
				ps.add(f, "must be a finite float64")
			}
		case Date:
			if d, ok := v.(time.Time); !ok {
				ps.add(f, "must be a time.Time")
			} else {
				checkTime(ps, f, d)
			}
		case Boolean:
			if _, ok := v.(bool); !ok {
				ps.add(f, "must be a bool")
			}
		}
	}
}

// normValues puts checked custom values in the one form every store keeps:
// dates in UTC to the microsecond, numbers without -0.
func normValues(props Properties) {
	for name, v := range props {
		switch x := v.(type) {
		case time.Time:
			props[name] = x.UTC().Truncate(time.Microsecond)
		case float64:
			if x == 0 {
				props[name] = 0.0
			}
		}
	}
}

// maxTextValue bounds a custom text value.
const maxTextValue = 64 << 10
