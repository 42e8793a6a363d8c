package main

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	tagPattern  = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)
	verbPattern = regexp.MustCompile(`%[-+# 0]*[0-9]*[a-zA-Z%]`)
)

// readAttrs are the attributes whose text a person reads or hears: hints,
// placeholders, names for screen readers, images' text.
var readAttrs = regexp.MustCompile(`\s(?:title|placeholder|aria-label|alt)="([^"]*)"`)

// pageText is what a person reads of a page: its text, without markup,
// and the text of its readAttrs, with its white space made single.
func pageText(body string) string {
	text := tagPattern.ReplaceAllString(body, " ")
	for _, m := range readAttrs.FindAllStringSubmatch(body, -1) {
		text += " | " + m[1]
	}
	return strings.Join(strings.Fields(html.UnescapeString(text)), " ")
}

// englishSentences are the English catalog's texts of more than one word,
// each as its longest piece between formatting verbs: a Danish catalog
// that gives one of them as it is has not translated it.
func englishSentences() map[string]string {
	out := map[string]string{}
	for key, en := range catalogs["en"] {
		if !strings.Contains(strings.TrimSpace(en), " ") {
			continue // a word Danish may share ("Status", "E-mail")
		}
		longest := ""
		for _, piece := range verbPattern.Split(en, -1) {
			if piece = strings.TrimSpace(piece); len(piece) > len(longest) {
				longest = piece
			}
		}
		if strings.Contains(longest, " ") {
			out[key] = longest
		}
	}
	return out
}

// holds reports whether text holds words as words: not inside others
// ("Log in" is not in "Log ind").
func holds(text, words string) bool {
	return regexp.MustCompile(`(?:^|[^\pL\pN])` + regexp.QuoteMeta(words) + `(?:$|[^\pL\pN])`).MatchString(text)
}

// covers: X3 — every page of a Danish customer, from the login to the
// profile, and its answers to bad input, holds no English sentence of the
// catalog
func TestDanishPagesHaveNoEnglish(t *testing.T) {
	tp := newTestPortal(t)
	ctx := context.Background()
	s, err := tp.p.Settings(ctx, tp.demo.tenant())
	require.NoError(t, err)
	s.Language = "da"
	_, err = tp.p.SaveSettings(ctx, tp.demo.tenant(), s)
	require.NoError(t, err)
	english := englishSentences()
	require.Greater(t, len(english), 50, "the check needs the catalog's sentences")

	c := tp.client()
	pages := map[string]string{}
	for _, path := range []string{"/login", "/reset-request", "/signin-request", "/logged-out", "/nowhere", "/signin?token=x", "/email?token=x"} {
		pages[path] = c.get(path).body
	}
	res := c.post("/login", url.Values{"csrf": {c.csrf("/login")}, "email": {tp.login(0)}, "password": {"wrong"}})
	pages["login refused"] = res.body
	c.logIn(tp.login(0))
	ticket := c.firstTicket("")
	for _, path := range []string{"/tickets", "/tickets?view=mine", "/tickets?status=closed", "/tickets?q=zzzzzz", "/tickets/" + ticket,
		"/new", "/profile"} {
		res := c.get(path)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		pages[path] = res.body
	}
	csrf := c.csrf("/profile")
	pages["profile refused"] = c.post("/profile", url.Values{"csrf": {csrf}, "firstName": {strings.Repeat("x", 101)},
		"timeZone": {"../etc"}, "language": {"xx"}}).body
	pages["form refused"] = c.post("/new", url.Values{"csrf": {c.csrf("/new")}, "subject": {""}, "content": {""}}).body
	pages["search refused"] = c.get("/tickets?q=" + url.QueryEscape(strings.Repeat("x", 600))).body

	assert.Contains(t, pageText(pages["profile refused"]), "er ikke en tidszone", "the library's problems in Danish")
	assert.Contains(t, pageText(pages["form refused"]), "skal udfyldes")
	assert.Contains(t, pageText(pages["search refused"]), "højst 500 tegn")
	assert.Contains(t, pageText(pages["/tickets"]), "Lukket", "the library's values in Danish")
	for name, body := range pages {
		text := pageText(body)
		require.NotEmpty(t, text, name)
		for key, sentence := range english {
			assert.False(t, holds(text, sentence), "%s: the English of %q: %q in %q", name, key, sentence, text)
		}
		for _, words := range []string{"is required", "must be", "at most", "Unassigned", "Open", "Closed"} {
			assert.False(t, holds(text, words), "%s: the library's English %q in %q", name, words, text)
		}
	}
}
