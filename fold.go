package portal

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold returns s in the canonical case of Unicode simple case folding: each
// rune is replaced by the smallest rune of its folding orbit, so that
// strings.EqualFold(a, b) holds exactly when Fold(a) == Fold(b), and a
// case-insensitive substring test is strings.Contains(Fold(s), Fold(sub)).
// "ÆBLE", "Æble" and "æble" fold alike. Every comparison of text that the
// portal calls case-insensitive (text filters, search, text sort) means
// this; SQL stores keep folded copies made by this function so that every
// store gives the same answers.
func Fold(s string) string {
	for i, r := range s {
		if foldRune(r) != r || r == utf8.RuneError {
			return foldFrom(s, i)
		}
	}
	return s
}

func foldFrom(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune returns the smallest rune of r's simple folding orbit (for
// letters that is often the capital: Fold("æble") == "ÆBLE").
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - ('a' - 'A') // an ASCII orbit's smallest rune is its capital
		}
		return r
	}
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	return min
}

// hasPrefixFold reports whether s begins with prefix, ignoring case as Fold
// does, without allocating.
func hasPrefixFold(s, prefix string) bool {
	for _, pr := range prefix {
		if s == "" {
			return false
		}
		r, n := utf8.DecodeRuneInString(s)
		if foldRune(r) != foldRune(pr) {
			return false
		}
		s = s[n:]
	}
	return true
}

// hasSuffixFold reports whether s ends with suffix, ignoring case.
func hasSuffixFold(s, suffix string) bool {
	for suffix != "" {
		if s == "" {
			return false
		}
		sr, sn := utf8.DecodeLastRuneInString(s)
		pr, pn := utf8.DecodeLastRuneInString(suffix)
		if foldRune(sr) != foldRune(pr) {
			return false
		}
		s, suffix = s[:len(s)-sn], suffix[:len(suffix)-pn]
	}
	return true
}

// containsFold reports whether sub occurs in s, ignoring case, without
// allocating.
func containsFold(s, sub string) bool {
	for {
		if hasPrefixFold(s, sub) {
			return true
		}
		if s == "" {
			return false
		}
		_, n := utf8.DecodeRuneInString(s)
		s = s[n:]
	}
}

// equalFold reports whether a and b are equal, ignoring case as Fold does.
func equalFold(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if foldRune(ra) != foldRune(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == "" && b == ""
}

// Folded is a ticket's text folded once (Fold): what text filters, search
// and text sorts compare. A store that evaluates queries in Go keeps one
// with each ticket (FoldTicket), as a SQL store keeps folded columns, so
// that no query folds a ticket's text again.
type Folded struct {
	Subject, Content string
	// Props holds the ticket's custom text values (every string value of
	// its Properties), folded, by property name.
	Props map[string]string
}

// FoldTicket returns t's folded text.
func FoldTicket(t *Ticket) Folded {
	f := Folded{Subject: Fold(t.Subject), Content: Fold(t.Content)}
	for name, v := range t.Properties {
		if s, ok := v.(string); ok && s != "" {
			if f.Props == nil {
				f.Props = map[string]string{}
			}
			f.Props[name] = Fold(s)
		}
	}
	return f
}

// HasTerms reports whether every search term (folded, without white space,
// as TicketQuery.Search holds them) occurs in the ticket's SearchText: in
// its folded subject or content, which no term can span.
func (f *Folded) HasTerms(terms []string) bool {
	for _, term := range terms {
		if !strings.Contains(f.Subject, term) && !strings.Contains(f.Content, term) {
			return false
		}
	}
	return true
}
