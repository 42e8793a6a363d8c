// Messages for people (X3): every text the library writes for a customer
// comes from a catalog of its language, chosen per request.

package portal

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// A text is a message for a person: its English format, which is also its
// key in the catalogs, and its arguments. The library writes every text a
// customer may read as one, and renders it in the reader's language (in):
// problems with an input, why an action is not allowed, the built-in
// labels and values, the mails.
type text struct {
	format string
	args   []any
}

// say renders a text of format and args in tag's language.
func say(tag language.Tag, format string, args ...any) string { return msg(format, args...).in(tag) }

// msg makes a text.
func msg(format string, args ...any) text { return text{format, args} }

// String renders the text in English.
func (t text) String() string { return t.in(language.English) }

// Error makes a text an error, for helpers that return a problem or nil.
func (t text) Error() string { return t.String() }

// in renders the text in the language of tag: the catalog's format, with
// numbers and sizes written as that language writes them.
func (t text) in(tag language.Tag) string {
	args, copied := t.args, false
	for i, a := range t.args {
		if b, ok := a.(byteSize); ok {
			if !copied {
				args, copied = append([]any(nil), t.args...), true
			}
			args[i] = b.in(tag)
		}
	}
	return printer(tag).Sprintf(t.format, args...)
}

//go:embed locales/*.json
var locales embed.FS

// texts are the catalogs: English is the formats themselves; each other
// language of Languages has locales/<lang>.json, a translation of every
// format (TestCatalogsAreComplete).
var texts = func() *catalog.Builder {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for _, l := range Languages() {
		if l == "en" {
			continue
		}
		data, err := locales.ReadFile("locales/" + l + ".json")
		if err != nil {
			panic(err) // embedded: a build without it is broken
		}
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			panic(fmt.Sprintf("locales/%s.json: %v", l, err))
		}
		tag := language.MustParse(l)
		for k, v := range m {
			if err := b.SetString(tag, k, v); err != nil {
				panic(fmt.Sprintf("locales/%s.json: %q: %v", l, k, err))
			}
		}
	}
	return b
}()

var printers sync.Map // language.Tag → *message.Printer

func printer(tag language.Tag) *message.Printer {
	if p, ok := printers.Load(tag); ok {
		return p.(*message.Printer)
	}
	p, _ := printers.LoadOrStore(tag, message.NewPrinter(tag, message.Catalog(texts)))
	return p.(*message.Printer)
}

// tagOf is the catalog language of a language choice ("da", "da-DK",
// "de-AT"): one of Languages, English for any other.
func tagOf(lang string) language.Tag {
	t, err := language.Parse(lang)
	if err != nil {
		return language.English
	}
	base, _ := t.Base()
	switch base.String() {
	case "da":
		return language.Danish
	case "de":
		return language.German
	case "sv":
		return language.Swedish
	}
	return language.English
}

// langOf is the language a contact reads: its own (P16), else the
// portal's (S2), else English.
func langOf(c *Contact, s *Settings) language.Tag {
	if c != nil && c.Language != "" {
		return tagOf(c.Language)
	}
	return tagOf(s.Language)
}

// byteSize is a number of bytes as a person reads it: "10 MB", "1.5 KB".
type byteSize int64

func (b byteSize) in(tag language.Tag) string {
	if b < 1024 {
		return msg("%d bytes", int64(b)).in(tag)
	}
	n := float64(b) / 1024
	for _, unit := range []string{"KB", "MB", "GB"} {
		// Rounded as it is written: 1023.96 KB is 1 MB, not 1024 KB.
		if r := math.Round(n*10) / 10; r < 1024 || unit == "GB" {
			s := strings.TrimSuffix(strconv.FormatFloat(r, 'f', 1, 64), ".0")
			if tag != language.English {
				s = strings.Replace(s, ".", ",", 1)
			}
			return s + " " + unit
		}
		n /= 1024
	}
	panic("unreachable")
}

// Localize returns err with the problems it carries (every *FieldError and
// *ConflictError in it) written in lang, one of Languages (English for any
// other): for a host that shows an error the library returned outside a
// customer's request, in the language of its reader. The library's
// customer operations return their problems in the customer's language
// already. Sentinels and field paths stay as they are.
func Localize(err error, lang string) error {
	localize(err, tagOf(lang))
	return err
}

// localize writes the problems err carries in tag's language.
func localize(err error, tag language.Tag) {
	if err == nil {
		return
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			p.localize(tag)
		}
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		fe.localize(tag)
	}
	var ce *ConflictError
	if errors.As(err, &ce) && ce.text.format != "" {
		ce.Problem = ce.text.in(tag)
	}
}

// words are the fixed values of the list, the detail and the export in one
// language.
type words struct{ open, closed, unassigned, yes, no string }

func wordsIn(tag language.Tag) words {
	return words{open: msg("Open").in(tag), closed: msg("Closed").in(tag), unassigned: msg("Unassigned").in(tag),
		yes: msg("Yes").in(tag), no: msg("No").in(tag)}
}

// BuiltinLabel returns a built-in property's label, or the label of one of
// its options, given in English (Property.Label, Option.Label), in lang,
// one of Languages (X3); any other text comes back as it is. A host that
// draws its own controls for built-in properties (a list's filters, say)
// labels them with it as the library labels its columns.
func BuiltinLabel(english, lang string) string { return word(english, tagOf(lang)) }

// word returns a built-in property's English label or option label in
// tag's language.
func word(english string, tag language.Tag) string {
	if t, ok := builtinWords[english]; ok {
		return t.in(tag)
	}
	return english
}

// builtinWords are the labels of the built-in properties (Schema) and of
// their options, by their English.
var builtinWords = func() map[string]text {
	m := map[string]text{}
	for _, t := range []text{msg("Subject"), msg("Content"), msg("Requested by"), msg("Create date"), msg("Ticket owner"),
		msg("Last activity date"), msg("Status"), msg("Ticket status"), msg("Pipeline"), msg("Priority"), msg("Source"),
		msg("Ticket number"), msg("Satisfaction"), msg("First name"), msg("Last name"), msg("Email"), msg("Primary company"),
		msg("Lists"), msg("Name"), msg("Domain"), msg("Open"), msg("Closed"), msg("Low"), msg("Medium"), msg("High"),
		msg("Urgent"), msg("Good"), msg("Bad")} {
		m[t.format] = t
	}
	return m
}()

// longDate writes t in loc as people of tag's language write a date and a
// time ("1 December 2026, 14:05 (Europe/Copenhagen)").
func longDate(t time.Time, loc *time.Location, tag language.Tag) string {
	t = t.In(loc)
	months := [...]text{msg("January"), msg("February"), msg("March"), msg("April"), msg("May"), msg("June"),
		msg("July"), msg("August"), msg("September"), msg("October"), msg("November"), msg("December")}
	day := msg("%s %s %s", strconv.Itoa(t.Day()), months[t.Month()-1].in(tag), strconv.Itoa(t.Year())).in(tag)
	return msg("%s, %s (%s)", day, t.Format("15:04"), loc.String()).in(tag)
}

// speak writes the problems err carries in the language of v's contact,
// else the portal's (X3): a customer operation's deferred last step. It
// reads the settings and the contact only when there are problems to
// write.
func (p *Portal) speak(ctx context.Context, v Viewer, err *error) {
	if *err == nil || !hasTexts(*err) {
		return
	}
	s, serr := p.store.Settings(ctx, v.PortalID)
	if serr != nil {
		return // English, then
	}
	var c *Contact
	if v.ContactID != uuid.Nil {
		if got, cerr := p.contact(ctx, v.PortalID, v.ContactID); cerr == nil {
			c = &got
		}
	}
	localize(*err, langOf(c, &s))
}

// hasTexts reports whether err carries a problem to write.
func hasTexts(err error) bool {
	var ve *ValidationError
	var fe *FieldError
	var ce *ConflictError
	return errors.As(err, &ve) || errors.As(err, &fe) || errors.As(err, &ce)
}
