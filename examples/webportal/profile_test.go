package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
)

// endPattern finds a session's end button: its form's action and label.
var endPattern = regexp.MustCompile(`action="(/profile/sessions/[0-9a-f]{32}/end)"><input[^>]*><button class="link-button">([^<]*)</button>`)

// covers: P16, X3 — the profile: details, language and zone, password,
// sessions and a confirmed e-mail change
func TestProfile(t *testing.T) {
	tp := newTestPortal(t)
	email := tp.login(0)
	c, other := tp.client(), tp.client()
	c.logIn(email)
	other.logIn(email)
	assert.Contains(t, c.get("/tickets").body, `href="/profile"`, "the name in the header leads to the profile")

	page := c.get("/profile")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.body, `name="firstName"`)
	assert.Len(t, endPattern.FindAllString(page.body, -1), 2, "two sessions, each with its end")

	// Details: Danish, Copenhagen time; the page speaks Danish at once.
	form := url.Values{"csrf": {c.csrf("/profile")}, "firstName": {"Søren"}, "lastName": {"Kierkegaard"},
		"language": {"da"}, "timeZone": {"Europe/Copenhagen"}}
	res := c.post("/profile", form)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	page = c.get(res.Header.Get("Location"))
	assert.Contains(t, page.body, "Dine oplysninger er gemt.")
	assert.Contains(t, page.body, `<html lang="da"`)
	assert.Contains(t, page.body, "Søren Kierkegaard")
	assert.Regexp(t, `\d\d:\d\d CE[S]?T`, page.body, "times in the contact's zone, named")
	assert.Contains(t, other.get("/tickets").body, `lang="da"`, "the choice is the contact's, in every session")

	// Bad input: the field says what is wrong, tied to its input; nothing changes.
	form.Set("timeZone", "../../etc/passwd")
	form.Set("firstName", "Mallory")
	res = c.post("/profile", form)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, res.body, `aria-describedby="timeZone-error"`)
	assert.Contains(t, res.body, `id="timeZone-error"`)
	assert.Contains(t, res.body, `value="Mallory"`, "what was typed is kept")
	assert.NotContains(t, c.get("/tickets").body, "Mallory")

	// The password: the current one is required; other sessions end; this one goes on.
	res = c.post("/profile/password", url.Values{"csrf": {c.csrf("/profile")}, "currentPassword": {"wrong"},
		"password": {"a brand new secret 1"}, "repeat": {"a brand new secret 1"}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, res.body, "nuværende adgangskode")
	res = c.post("/profile/password", url.Values{"csrf": {c.csrf("/profile")}, "currentPassword": {demoPassword},
		"password": {"a brand new secret 1"}, "repeat": {"a brand new secret 1"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	assert.Equal(t, http.StatusOK, c.get("/tickets").StatusCode, "this browser goes on")
	assert.Equal(t, http.StatusSeeOther, other.get("/tickets").StatusCode, "the other session has ended")

	// Sessions: a second login, ended from here.
	third := tp.client()
	res = third.post("/login", url.Values{"csrf": {third.csrf("/login")}, "email": {email}, "password": {"a brand new secret 1"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	ends := endPattern.FindAllStringSubmatch(c.get("/profile").body, -1)
	require.Len(t, ends, 2)
	var otherEnd string
	for _, m := range ends {
		if m[2] != "Log ud her" {
			otherEnd = m[1]
		}
	}
	require.NotEmpty(t, otherEnd)
	res = c.post(otherEnd, url.Values{"csrf": {c.csrf("/profile")}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	assert.Equal(t, http.StatusSeeOther, third.get("/tickets").StatusCode, "ended from the profile")
	assert.Equal(t, http.StatusOK, c.get("/tickets").StatusCode)

	// The e-mail moves only once the new address confirms.
	const newEmail = "soren.k@example.dk"
	res = c.post("/profile/email", url.Values{"csrf": {c.csrf("/profile")}, "email": {newEmail}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "the current password is required")
	assert.Contains(t, res.body, `id="emailPassword-error"`)
	res = c.post("/profile/email", url.Values{"csrf": {c.csrf("/profile")}, "email": {tp.login(1)}, "emailPassword": {"a brand new secret 1"}})
	assert.Equal(t, http.StatusConflict, res.StatusCode, "another login's address")
	res = c.post("/profile/email", url.Values{"csrf": {c.csrf("/profile")}, "email": {newEmail}, "emailPassword": {"a brand new secret 1"}})
	require.Equal(t, http.StatusOK, res.StatusCode, res.body)
	assert.Contains(t, res.body, newEmail)
	link := tp.mailedLink(newEmail)
	require.True(t, strings.HasPrefix(link, "/email?token="), link)
	anon := tp.client()
	assert.Equal(t, http.StatusOK, anon.get(link).StatusCode, "opening the link changes nothing yet")
	ctx := context.Background()
	ct, err := tp.p.Contact(ctx, tp.demo.tenant(), tp.demo.data.Contacts[0].ID)
	require.NoError(t, err)
	assert.Equal(t, email, ct.Email)
	u, _ := url.Parse(link)
	res = anon.post("/email", url.Values{"csrf": {anon.csrf(link)}, "token": {u.Query().Get("token")}})
	require.Equal(t, http.StatusOK, res.StatusCode, res.body)
	ct, err = tp.p.Contact(ctx, tp.demo.tenant(), tp.demo.data.Contacts[0].ID)
	require.NoError(t, err)
	assert.Equal(t, newEmail, ct.Email)
	res = anon.post("/email", url.Values{"csrf": {anon.csrf(link)}, "token": {u.Query().Get("token")}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "a link works once")
	res = anon.post("/login", url.Values{"csrf": {anon.csrf("/login")}, "email": {newEmail}, "password": {"a brand new secret 1"}})
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "the login moved")
}

// covers: A4, A6 — after logging in a customer lands on the page it asked
// for, a path of this site only
func TestLoginReturnsToTheAskedPage(t *testing.T) {
	tp, c := newLoggedIn(t)
	ticket := c.firstTicket("")
	anon := tp.client()
	res := anon.get("/tickets/" + ticket + "?x=1")
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	loc := res.Header.Get("Location")
	assert.Equal(t, "/login?"+url.Values{"next": {"/tickets/" + ticket + "?x=1"}}.Encode(), loc)
	assert.Contains(t, anon.get(loc).body, `name="return" value="/tickets/`+ticket+`?x=1"`)
	res = anon.post("/login", url.Values{"csrf": {anon.csrf(loc)}, "email": {tp.login(0)}, "password": {demoPassword},
		"return": {"/tickets/" + ticket + "?x=1"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/tickets/"+ticket+"?x=1", res.Header.Get("Location"))

	for _, evil := range []string{"//evil.example", "https:evil", "https://evil.example/", `/\evil.example`, `\\evil.example`,
		"/tickets\r\nSet-Cookie: x=1", "javascript:alert(1)", "evil.example", "///evil.example"} {
		other := tp.client()
		assert.NotContains(t, other.get("/login?"+url.Values{"next": {evil}}.Encode()).body, `name="return"`, "%q", evil)
		res := other.post("/login", url.Values{"csrf": {other.csrf("/login")}, "email": {tp.login(0)}, "password": {demoPassword},
			"return": {evil}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		assert.Equal(t, "/tickets", res.Header.Get("Location"), "%q goes nowhere else", evil)
	}
}

// covers: P1 — a new customer without tickets is welcomed, not told that
// nothing matches
func TestNewCustomerIsWelcomed(t *testing.T) {
	tp := newTestPortal(t)
	ctx := context.Background()
	pid := tp.demo.tenant()
	c, err := tp.p.SaveContact(ctx, portal.Contact{PortalID: pid, FirstName: "Nina", Email: "nina@new.example",
		Lists: tp.demo.data.Settings.Access.Lists})
	require.NoError(t, err)
	require.NoError(t, tp.p.InviteContact(ctx, pid, c.ID))
	b := tp.client()
	require.Equal(t, http.StatusSeeOther, b.setPassword(tp.mailedLink("nina@new.example"), "a fine new passphrase").StatusCode)
	res := b.post("/login", url.Values{"csrf": {b.csrf("/login")}, "email": {"nina@new.example"}, "password": {"a fine new passphrase"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	page := b.get("/tickets").body
	assert.Contains(t, page, "Welcome!")
	assert.Contains(t, page, `href="/new"`)
	assert.NotContains(t, page, "Nothing matches")
	assert.Contains(t, b.get("/tickets?q=printer").body, "Nothing matches", "a search that finds nothing says so")
}

// covers: P8, A2, A4 — a field's problem is tied to its input, for screen
// readers
func TestFieldErrorsAreTiedToTheirInputs(t *testing.T) {
	tp, c := newLoggedIn(t)
	res := c.post("/new", url.Values{"csrf": {c.csrf("/new")}, "key": {"k1"}, "subject": {""}, "content": {"x"}})
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Regexp(t, `<input id="f-subject" name="subject" aria-invalid="true" aria-describedby="f-subject-error"`, res.body)
	assert.Contains(t, res.body, `<p class="field-error" id="f-subject-error">`)
	anon := tp.client()
	res = anon.post("/reset-request", url.Values{"csrf": {anon.csrf("/reset-request")}, "email": {"not an address"}})
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, res.body, `aria-invalid="true" aria-describedby="email-error"`)
	assert.Contains(t, res.body, `id="email-error"`)
}
