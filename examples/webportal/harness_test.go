package main

import (
	"context"
	"database/sql"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/blobs"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/sqlstore"
)

// testPortal is the web portal on a demo helpdesk in a SQLite file, served
// by httptest, with a clock the test moves.
type testPortal struct {
	*httptest.Server
	t     testing.TB
	st    portal.Store
	p     *portal.Portal
	srv   *server
	demo  *demo
	mail  *devMailer
	clock *clock
	logs  *syncBuffer
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

// testSize is big enough for a second page of a company's tickets.
var testSize = portaltest.Size{Companies: 4, Tickets: 160}

// cheapPasswords keeps argon2id's cost down in tests.
var cheapPasswords = portal.PasswordParams{Memory: 64, Time: 1, Threads: 1}

func newTestPortal(t testing.TB) *testPortal {
	t.Helper()
	return newTestPortalOn(t, nil)
}

// newTestPortalOn is newTestPortal with its store wrapped by wrap, if set.
func newTestPortalOn(t testing.TB, wrap func(portal.Store) portal.Store) *testPortal {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(dir, "portal.db")))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	st, err := sqlstore.Open(ctx, db, sqlstore.SQLite)
	require.NoError(t, err)
	files, err := blobs.OpenDir(filepath.Join(dir, "files"))
	require.NoError(t, err)
	t.Cleanup(func() { files.Close() })

	tp := &testPortal{t: t, st: st, clock: &clock{t: portaltest.BaseTime}, logs: &syncBuffer{}}
	logger := log.New(tp.logs, "", 0)
	tp.mail = &devMailer{log: logger}
	var base string
	var store portal.Store = st
	if wrap != nil {
		store = wrap(st)
	}
	tp.p, err = portal.New(store, portal.Options{Now: tp.clock.Now, Blobs: files, Mailer: tp.mail,
		Attachments: portal.AttachmentLimits{MaxFileSize: 64 << 10, MaxMessageSize: 128 << 10},
		Auth: portal.AuthOptions{Password: cheapPasswords, Link: func(_ portal.Settings, kind portal.TokenKind, token string) string {
			return base + "/" + string(kind) + "?token=" + url.QueryEscape(token)
		}}})
	require.NoError(t, err)
	tp.demo, err = seedDemo(ctx, tp.p, tp.mail, "en", testSize)
	require.NoError(t, err)
	tp.srv, err = newServer(config{Portal: tp.p, PortalID: tp.demo.tenant(), Key: []byte(strings.Repeat("k", 32)),
		Agents: map[string]string{"agent": "agent-secret"}, Directory: tp.demo.data.Contacts, Log: logger,
		Limits: portal.AttachmentLimits{MaxFileSize: 64 << 10, MaxMessageSize: 128 << 10}, MaxUpload: 256 << 10,
		Now: tp.clock.Now})
	require.NoError(t, err)
	tp.Server = httptest.NewServer(tp.srv)
	base = tp.URL
	t.Cleanup(tp.Close)
	return tp
}

// login is a demo login's e-mail.
func (tp *testPortal) login(i int) string { return tp.demo.logins[i].Email }

// client is a browser without JavaScript: it keeps cookies and does not
// follow redirects, so tests see them.
type client struct {
	t   testing.TB
	tp  *testPortal
	jar *cookiejar.Jar
	hc  *http.Client
}

func (tp *testPortal) client() *client {
	jar, err := cookiejar.New(nil)
	require.NoError(tp.t, err)
	return &client{t: tp.t, tp: tp, jar: jar, hc: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is an answer with its body read.
type response struct {
	*http.Response
	body string
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.hc.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return response{Response: res, body: string(b)}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.tp.URL+path, nil)
	require.NoError(c.t, err)
	return c.do(req)
}

func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.tp.URL+path, strings.NewReader(form.Encode()))
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the form token of the page at path.
func (c *client) csrf(path string) string {
	c.t.Helper()
	res := c.get(path)
	m := csrfPattern.FindStringSubmatch(res.body)
	require.NotNil(c.t, m, "no form token on %s (status %d)", path, res.StatusCode)
	return m[1]
}

// logIn logs in with the demo password and checks it worked.
func (c *client) logIn(email string) {
	c.t.Helper()
	res := c.post("/login", url.Values{"csrf": {c.csrf("/login")}, "email": {email}, "password": {demoPassword}})
	require.Equal(c.t, http.StatusSeeOther, res.StatusCode, res.body)
	require.Equal(c.t, "/tickets", res.Header.Get("Location"))
}

// cookie returns the value of the named cookie the client holds.
func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.tp.URL)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

var rowPattern = regexp.MustCompile(`<a class="row-link" href="/tickets/([0-9a-f-]{36})">`)

// ticketIDs returns the tickets a list page links to, in order.
func ticketIDs(body string) []string {
	var out []string
	for _, m := range rowPattern.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// addRequestForm gives the demo a request form (P15), "Return a product",
// whose tickets go to the Returns pipeline, for the contacts whose e-mail
// ends as the first login's does.
func (tp *testPortal) addRequestForm(t testing.TB) portal.RequestForm {
	t.Helper()
	ctx := context.Background()
	d := tp.demo.data
	_, domain, _ := strings.Cut(tp.login(0), "@")
	rf := portal.RequestForm{ID: uuid.New(), Name: "Return a product", Description: "Send back what you bought within 30 days.",
		FormID: d.Form.ID, PipelineID: d.Pipelines[1].ID,
		Audience: portal.FilterGroups{{{Property: portal.PropEmail, Operator: portal.EndsWith, Values: []string{"@" + domain}}}}}
	s, err := tp.p.Settings(ctx, d.Tenant.ID)
	require.NoError(t, err)
	s.SupportForm.Requests = append(s.SupportForm.Requests, rf)
	_, err = tp.p.SaveSettings(ctx, d.Tenant.ID, s)
	require.NoError(t, err)
	return rf
}
