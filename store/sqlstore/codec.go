package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/helpdeskkit/portal"
)

// How values travel to and from the database, the same on every dialect:
// IDs as 16 bytes, texts the store compares as byte strings, times as Unix
// microseconds, records as JSON documents.

// id binds a UUID as its 16 bytes.
func id(u uuid.UUID) []byte { return u[:] }

// optID binds a UUID, or NULL for uuid.Nil.
func optID(u uuid.UUID) any {
	if u == uuid.Nil {
		return nil
	}
	return u[:]
}

// text binds a string as a byte string.
func text(s string) []byte { return []byte(s) }

// optText binds s, or NULL for "".
func optText(s string) any {
	if s == "" {
		return nil
	}
	return []byte(s)
}

// optFold binds the folded string, or NULL for "" (an unknown text).
func optFold(s string) any {
	if s == "" {
		return nil
	}
	return []byte(portal.Fold(s))
}

// optMicros binds a time as Unix microseconds, or NULL for the zero time.
func optMicros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// uuidOf reads a UUID scanned as bytes.
func uuidOf(b []byte) (uuid.UUID, error) {
	u, err := uuid.FromBytes(b)
	if err != nil {
		return uuid.Nil, fmt.Errorf("stored ID: %w", err)
	}
	return u, nil
}

// props is Properties as JSON that keeps each value's type: {"name":
// {"s": "text"}}, "n" a number, "d" a date (RFC 3339, UTC), "b" a boolean.
type props portal.Properties

type propValue struct {
	S *string    `json:"s,omitempty"`
	N *float64   `json:"n,omitempty"`
	D *time.Time `json:"d,omitempty"`
	B *bool      `json:"b,omitempty"`
}

func (p props) MarshalJSON() ([]byte, error) {
	m := make(map[string]propValue, len(p))
	for k, v := range p {
		switch x := v.(type) {
		case string:
			m[k] = propValue{S: &x}
		case float64:
			m[k] = propValue{N: &x}
		case time.Time:
			x = x.UTC()
			m[k] = propValue{D: &x}
		case bool:
			m[k] = propValue{B: &x}
		default:
			return nil, fmt.Errorf("property %q: unsupported value type %T", k, v)
		}
	}
	return json.Marshal(m)
}

func (p *props) UnmarshalJSON(b []byte) error {
	var m map[string]propValue
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if m == nil {
		*p = nil
		return nil
	}
	out := make(props, len(m))
	for k, v := range m {
		switch {
		case v.S != nil:
			out[k] = *v.S
		case v.N != nil:
			out[k] = *v.N
		case v.D != nil:
			out[k] = v.D.UTC()
		case v.B != nil:
			out[k] = *v.B
		default:
			return fmt.Errorf("property %q: no value", k)
		}
	}
	*p = out
	return nil
}

// The documents of records with properties: the embedded record's own
// Properties field is shadowed by the typed one. A ticket's rating and
// participants are not in its document but in columns of their own
// (migrations ratings and participants).
type (
	ticketDoc struct {
		portal.Ticket
		Properties props
		// Always nil: they shadow the ticket's, which live in columns.
		Rating       *struct{} `json:"Rating,omitempty"`
		Participants *struct{} `json:"Participants,omitempty"`
	}
	contactDoc struct {
		portal.Contact
		Properties props
	}
	companyDoc struct {
		portal.Company
		Properties props
	}
)

func encode(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return b, nil
}

func decode[T any](b []byte) (T, error) {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return v, fmt.Errorf("decode %T: %w", v, err)
	}
	return v, nil
}

func decodeTicket(b []byte) (portal.Ticket, error) {
	d, err := decode[ticketDoc](b)
	t := d.Ticket
	t.Properties = portal.Properties(d.Properties)
	return t, err
}

func decodeContact(b []byte) (portal.Contact, error) {
	d, err := decode[contactDoc](b)
	c := d.Contact
	c.Properties = portal.Properties(d.Properties)
	return c, err
}

func decodeCompany(b []byte) (portal.Company, error) {
	d, err := decode[companyDoc](b)
	c := d.Company
	c.Properties = portal.Properties(d.Properties)
	return c, err
}
