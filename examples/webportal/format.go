package main

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// formatReply turns what a customer typed into the reply's HTML (P5), so
// that formatting works without JavaScript: the text is escaped first;
// blank lines make paragraphs and line breaks stay; lines that begin with
// "- " or "* " make a list; **bold** and *italic* mark words; http and
// https addresses become links. The portal sanitises the result to its
// allow-list again (portal.SanitizeReply), so this is formatting, not a
// defence.
func formatReply(text string) string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var b strings.Builder
	for _, block := range blankLines.Split(strings.TrimSpace(text), -1) {
		lines := strings.Split(strings.TrimSpace(block), "\n")
		if lines[0] == "" {
			continue
		}
		if isList(lines) {
			b.WriteString("<ul>")
			for _, l := range lines {
				b.WriteString("<li>" + inline(strings.TrimSpace(l)[2:]) + "</li>")
			}
			b.WriteString("</ul>")
			continue
		}
		b.WriteString("<p>")
		for i, l := range lines {
			if i > 0 {
				b.WriteString("<br>")
			}
			b.WriteString(inline(l))
		}
		b.WriteString("</p>")
	}
	return b.String()
}

func isList(lines []string) bool {
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "- ") && !strings.HasPrefix(l, "* ") {
			return false
		}
	}
	return true
}

var (
	blankLines    = regexp.MustCompile(`\n\s*\n`)
	urlPattern    = regexp.MustCompile(`https?://[^\s<>"']+`)
	boldPattern   = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	italicPattern = regexp.MustCompile(`\*([^*\s](?:[^*\n]*[^*\s])?)\*`)
)

// inline escapes one line and marks its links, bold and italic words;
// addresses are left as they are written.
func inline(line string) string {
	var b strings.Builder
	last := 0
	for _, m := range urlPattern.FindAllStringIndex(line, -1) {
		u := strings.TrimRight(line[m[0]:m[1]], ".,;:!?)")
		b.WriteString(emphasis(html.EscapeString(line[last:m[0]])))
		b.WriteString(`<a href="` + html.EscapeString(u) + `">` + html.EscapeString(u) + `</a>`)
		last = m[0] + len(u)
	}
	b.WriteString(emphasis(html.EscapeString(line[last:])))
	return b.String()
}

func emphasis(s string) string {
	s = boldPattern.ReplaceAllString(s, "<strong>$1</strong>")
	return italicPattern.ReplaceAllString(s, "<em>$1</em>")
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	// field returns a form field's problem, if it has one.
	"field": func(fields map[string]string, name string) string { return fields[name] },
	"value": func(values map[string]string, name string) string { return values[name] },
}

// theme serves the portal's theme (S7) as CSS variables; the stylesheet
// uses nothing else for colours, font and corners. The settings have
// validated every value (colours as #rgb/#rrggbb, the font list of
// letters, digits, spaces, commas, quotes, hyphens and underscores), so
// none can end a declaration.
func (s *server) theme(w http.ResponseWriter, r *http.Request, v *visit) {
	t := v.Settings.Theme
	etag := `"` + strconv.FormatInt(v.Settings.Version, 10) + `"`
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	fmt.Fprintf(w, ":root {\n  --primary: %s;\n  --background: %s;\n  --text: %s;\n  --link: %s;\n  --font: %s;\n  --radius: %dpx;\n}\n",
		t.PrimaryColor, t.BackgroundColor, t.TextColor, t.LinkColor, t.FontFamily, t.CornerRadius)
}
