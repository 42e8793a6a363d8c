package main

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The browser tests drive the portal in headless Chromium: Debian's
// chromium package, or the browser PORTAL_CHROMIUM names. Without one they
// skip, except in CI (CI=true), where .ci/run installs it and a skip would
// hide a failure. Screenshots of the main pages go to the test's artifact
// directory (go test -artifacts -outputdir DIR keeps them), and to
// PORTAL_SCREENSHOTS when it names a directory.

func chromium(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("PORTAL_CHROMIUM"), "chromium", "chromium-browser", "google-chrome", "headless-shell"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if path, err := exec.LookPath(c); err == nil {
			return path
		}
	}
	msg := "no Chromium found: install Debian's chromium package (apt-get install chromium) or set PORTAL_CHROMIUM to run the browser tests"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless Chromium tab.
type browser struct {
	t    *testing.T
	ctx  context.Context
	dirs []string
}

func newBrowser(t *testing.T, exe string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 860))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, dirs: []string{t.ArtifactDir()}}
	if dir := os.Getenv("PORTAL_SCREENSHOTS"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		b.dirs = append(b.dirs, dir)
	}
	return b
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, actions...))
}

// open loads a URL and returns its status.
func (b *browser) open(url string) int64 {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(url))
	require.NoError(b.t, err)
	return res.Status
}

// click clicks what leads to another page and returns that page's status.
func (b *browser) click(css string) int64 {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(css)))
	require.NoError(b.t, err, "click %s", css)
	return res.Status
}

// visible reports whether the first element css matches is shown.
func (b *browser) visible(css string) bool {
	b.t.Helper()
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](
		`(e => !!e && e.checkVisibility())(document.querySelector(`+jsString(css)+`))`))
	require.NoError(b.t, err)
	return out
}

// texts returns the trimmed text of every element css matches.
func (b *browser) texts(css string) []string {
	b.t.Helper()
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(`+jsString(css)+`), e => e.textContent.trim())`))
	require.NoError(b.t, err)
	return out
}

func (b *browser) text(css string) string {
	b.t.Helper()
	all := b.texts(css)
	require.NotEmpty(b.t, all, "nothing matches %s", css)
	return all[0]
}

func (b *browser) attr(css, name string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](
		`document.querySelector(`+jsString(css)+`).getAttribute(`+jsString(name)+`)`))
	require.NoError(b.t, err)
	return v
}

func (b *browser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	require.NoError(b.t, err)
	return loc
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// shot saves a PNG of the whole page, and one of what the window shows.
func (b *browser) shot(name string) {
	b.t.Helper()
	page, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err)
	window, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	require.NoError(b.t, err)
	for _, dir := range b.dirs {
		require.NoError(b.t, os.WriteFile(filepath.Join(dir, name+".png"), page, 0o644))
		require.NoError(b.t, os.WriteFile(filepath.Join(dir, name+"-window.png"), window, 0o644))
	}
}

// get fetches a URL with the browser's cookies, as a download would.
func (b *browser) get(url string) (*http.Response, string) {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	require.NoError(b.t, err)
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(b.t, err)
	for _, c := range res.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return resp, string(body)
}

func (b *browser) logIn(base, email string) {
	b.t.Helper()
	require.EqualValues(b.t, http.StatusOK, b.open(base+"/login"))
	b.do(chromedp.SendKeys(chromedp.CSS(`input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), demoPassword))
	require.EqualValues(b.t, http.StatusOK, b.click(`form[action="/login"] button[type=submit]`))
	require.True(b.t, strings.HasSuffix(b.location(), "/tickets"), b.location())
}

// covers: P1 — on a 390-pixel phone the list is cards of subject, status
// and last activity, without scrolling sideways
func TestBrowserPhone(t *testing.T) {
	exe := chromium(t)
	tp := newTestPortal(t)
	b := newBrowser(t, exe)
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.logIn(tp.URL, tp.demo.logins[0].Email)
	wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	require.NoError(t, err)
	assert.False(t, wide, "nothing scrolls sideways")
	hidden, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector("table.tickets thead").getBoundingClientRect().height <= 1`))
	require.NoError(t, err)
	assert.True(t, hidden, "no header row to see on a phone (screen readers keep it)")
	assert.True(t, b.visible(`table.tickets tbody tr:first-child td.card-subject`))
	assert.True(t, b.visible(`table.tickets tbody tr:first-child td.card-status .badge`))
	assert.True(t, b.visible(`table.tickets tbody tr:first-child td.card-lastActivityAt`))
	assert.False(t, b.visible(`table.tickets tbody tr:first-child td:last-child`), "the product waits for the ticket's page")
	b.shot("phone")

	// The same customer, in Danish, on a desktop (X3, P16).
	c := tp.demo.data.Contacts[0]
	c.Language, c.TimeZone = "da", "Europe/Copenhagen"
	_, err = tp.p.SaveContact(context.Background(), c)
	require.NoError(t, err)
	b.do(chromedp.EmulateViewport(1280, 900))
	require.EqualValues(t, http.StatusOK, b.open(tp.URL+"/tickets"))
	assert.Equal(t, "Organisation", b.text(`nav.tabs a.current`))
	assert.Contains(t, b.text(`.zone`), "Europe/Copenhagen")
	b.shot("tickets-da")
}

// covers: A4, P1–P9, S1, S6, S7, S8 — a customer's whole visit, in a browser
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	tp := newTestPortal(t)
	b := newBrowser(t, exe)
	anne := tp.demo.logins[0]

	// Log in (A4).
	require.EqualValues(t, http.StatusOK, b.open(tp.URL+"/login"))
	b.shot("login")
	b.logIn(tp.URL, anne.Email)
	title, err := chromedp.Run(b.ctx, chromedp.Title())
	require.NoError(t, err)
	assert.Equal(t, "Nordlys Support", title, "the tab title is the portal's name (S1)")

	// The list with its configured columns (P1, S8).
	var headers []string
	for _, h := range b.texts(`table.tickets thead th`) {
		headers = append(headers, strings.TrimRight(h, "▲▼"))
	}
	assert.Equal(t, []string{"No.", "Subject", "Requested by", "Created", "Owner", "Last activity", "Status", "Product"}, headers)
	assert.Equal(t, "descending", b.attr(`table.tickets thead th:nth-child(4)`, "aria-sort"), "newest first by default")
	orgRows := b.texts(`table.tickets tbody tr td:nth-child(2)`) // subjects: the first column is the number (P10)
	assert.Len(t, orgRows, 25)
	assert.Equal(t, "Tickets", b.text(`.page-head h1`))
	assert.Contains(t, b.text(`.who`), anne.Name)
	b.shot("tickets")

	// The view switcher (P3).
	assert.Equal(t, "Organization", b.text(`nav.tabs a.current`))
	b.click(`nav.tabs a:not(.current)`)
	assert.Equal(t, "Owned by me", b.text(`nav.tabs a.current`))
	assert.Contains(t, b.location(), "view=mine")
	mine := b.texts(`table.tickets tbody tr td:nth-child(2)`)
	assert.NotEmpty(t, mine)
	assert.NotEqual(t, orgRows, mine)
	b.click(`nav.tabs a:not(.current)`)

	// The status filter and search (P2).
	b.do(chromedp.SetValue(chromedp.CSS(`select[name=status]`), "closed"))
	b.click(`.toolbar > button[type=submit]`)
	badges := b.texts(`table.tickets tbody .badge`)
	require.NotEmpty(t, badges)
	for _, s := range badges {
		assert.Equal(t, "Closed", s)
	}
	b.do(chromedp.SetValue(chromedp.CSS(`select[name=status]`), ""))
	word := longestWord(orgRows[0])
	b.do(chromedp.SetValue(chromedp.CSS(`input[name=q]`), word))
	b.click(`.toolbar > button[type=submit]`)
	found := b.texts(`table.tickets tbody tr td:nth-child(2)`)
	assert.Contains(t, found, orgRows[0], "searching %q finds the ticket", word)
	assert.LessOrEqual(t, len(found), len(orgRows))
	b.shot("search")
	b.click(`.toolbar .clear`)
	assert.Empty(t, b.attr(`input[name=q]`, "value"))

	// A column filter: the product (S8's custom column).
	b.do(chromedp.Click(chromedp.CSS(`details.filters summary`)))
	options := b.texts(`select[name="f.product"] option`)
	require.Greater(t, len(options), 1)
	values, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('select[name="f.product"] option'), o => o.value)`))
	require.NoError(t, err)
	b.do(chromedp.SetValue(chromedp.CSS(`select[name="f.product"]`), values[1]))
	b.click(`details.filters button[type=submit]`)
	chosen := b.texts(`table.tickets tbody tr td:last-child`)
	require.NotEmpty(t, chosen, "tickets of that product")
	for _, p := range chosen {
		assert.Equal(t, options[1], p, "only the chosen product")
	}
	b.click(`.toolbar .clear`)

	// Sorting by a column header, and paging.
	b.click(`table.tickets thead th:nth-child(4) a`)
	created := b.texts(`table.tickets tbody tr td:nth-child(4)`)
	assert.True(t, slices.IsSorted(created), "sorted by create date, oldest first: %v", created)
	assert.Equal(t, "ascending", b.attr(`table.tickets thead th:nth-child(4)`, "aria-sort"))
	b.click(`table.tickets thead th:nth-child(4) a`)
	assert.Equal(t, "descending", b.attr(`table.tickets thead th:nth-child(4)`, "aria-sort"))
	first := b.texts(`table.tickets tbody tr td:first-child`)
	b.click(`a[rel=next]`)
	assert.Regexp(t, `^26–\d+ of \d+$`, b.text(`.page-no`), "the second page's range of the view's total (P11)")
	second := b.texts(`table.tickets tbody tr td:first-child`)
	assert.NotEqual(t, first, second)
	b.click(`a[rel=prev]`)
	assert.Equal(t, first, b.texts(`table.tickets tbody tr td:first-child`))

	// Download the view as CSV (P7): the same rows as the list.
	b.open(tp.URL + "/tickets?view=mine")
	listed := b.texts(`table.tickets tbody tr td:first-child`)
	res, body := b.get(tp.URL + b.attr(`a[download]`, "href"))
	require.Equal(t, http.StatusOK, res.StatusCode)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"No.", "Subject", "Requested by", "Created", "Owner", "Last activity", "Status", "Product"}, rows[0])
	var numbers []string
	for _, r := range rows[1:] {
		numbers = append(numbers, r[0])
	}
	assert.Equal(t, listed, numbers[:min(len(numbers), len(listed))], "the rows the list shows, by number (P10)")

	// Open an open ticket of one's own (P4) and reply with an attachment (P5).
	b.open(tp.URL + "/tickets?view=mine&status=open")
	b.click(`table.tickets tbody tr:first-child a.row-link`)
	ticketURL := b.location()
	subject := b.text(`.page-head h1`)
	assert.NotEmpty(t, b.texts(`.properties dt`))
	b.shot("ticket")
	file := filepath.Join(t.TempDir(), "kvittering.txt")
	require.NoError(t, os.WriteFile(file, []byte("Kvittering nr. 4711\n"), 0o644))
	b.do(chromedp.SendKeys(chromedp.CSS(`#reply-body`), "Tak for hjælpen!\n\nDen **virker** igen."),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{file}))
	require.EqualValues(t, http.StatusOK, b.click(`form.reply button[type=submit]`))
	assert.Equal(t, "Your reply has been sent.", b.text(`.flash`))
	last := b.texts(`.message .body`)
	assert.Contains(t, last[len(last)-1], "Den virker igen.")
	assert.Contains(t, b.texts(`.files a`), "kvittering.txt")
	res, body = b.get(tp.URL + b.attr(`.message:last-of-type .files a`, "href"))
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "Kvittering nr. 4711\n", body)

	// Close it (P6), once asked to confirm.
	assert.False(t, b.visible(`form.close-form button`), "the close asks first")
	b.do(chromedp.Click(chromedp.CSS(`details.close-confirm summary`)))
	require.EqualValues(t, http.StatusOK, b.click(`form.close-form button`))
	assert.Equal(t, "Closed. Thank you for letting us know.", b.text(`.flash`))
	assert.Contains(t, b.text(`.page-head h1 .badge`), "Closed")

	// Rate it (P14): the demo asks for 1–5 and a comment, changeable for
	// a week.
	assert.Equal(t, "How satisfied are you with how this was handled?", b.text(`.rating legend`))
	assert.Equal(t, []string{"1 of 5", "2 of 5", "3 of 5", "4 of 5", "5 of 5"}, b.texts(`.rating .choice`))
	b.do(chromedp.Click(chromedp.CSS(`.rating input[value="4"]`)),
		chromedp.SendKeys(chromedp.CSS(`#rating-comment`), "Hurtigt svar."))
	b.shot("rating")
	require.EqualValues(t, http.StatusOK, b.click(`form.rate-form button[type=submit]`))
	assert.Equal(t, "Thank you for your rating.", b.text(`.flash`))
	assert.Equal(t, "You rated it: 4 of 5 — Hurtigt svar.", b.text(`.rating-given`))
	assert.Equal(t, "Change rating", b.text(`form.rate-form button[type=submit]`))

	// Reopen it (P13): the demo lets customers within 30 days.
	require.EqualValues(t, http.StatusOK, b.click(`form.reopen-form button`))
	assert.Equal(t, "Reopened. We will look at it again.", b.text(`.flash`))
	assert.Contains(t, b.text(`.page-head h1 .badge`), "Open")
	assert.Empty(t, b.texts(`.rating`), "open again: nothing to rate")

	// Add a colleague by e-mail, then take her off again (P12).
	colleague := tp.demo.logins[1]
	b.do(chromedp.SendKeys(chromedp.CSS(`#participant-email`), colleague.Email))
	require.EqualValues(t, http.StatusOK, b.click(`form.add-participant button[type=submit]`))
	assert.Equal(t, "Added. Your colleague can now see and answer it.", b.text(`.flash`))
	people := b.texts(`.people li .person`)
	require.Len(t, people, 1)
	assert.Contains(t, people[0], colleague.Name)
	assert.Contains(t, people[0], "added by you")
	b.shot("participants")
	require.EqualValues(t, http.StatusOK, b.click(`form.remove-participant button`))
	assert.Equal(t, "Removed.", b.text(`.flash`))
	assert.Empty(t, b.texts(`.people li`))

	// Submit a new ticket through the support form (P8, S6).
	b.click(`.nav a[href="/new"]`)
	assert.Equal(t, "Submit a support ticket", b.text(`.form-card h1`))
	b.do(chromedp.SendKeys(chromedp.CSS(`#f-subject`), "Mælkeskummeren larmer"),
		chromedp.SendKeys(chromedp.CSS(`#f-content`), "Den hyler, når den starter."),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-files`), []string{file})) // P15
	b.shot("form")
	require.EqualValues(t, http.StatusOK, b.click(`.form-card button[type=submit]`))
	ref := b.text(`.page-head h1 .ref`)
	assert.Regexp(t, `^#[1-9][0-9]*$`, ref, "the new ticket's number (P10)")
	assert.Equal(t, "Thank you: we have received it as "+ref+" and will answer soon.", b.text(`.flash`))
	assert.Contains(t, b.text(`.page-head h1`), "Mælkeskummeren larmer")
	assert.Equal(t, []string{"kvittering.txt"}, b.texts(`.files a`), "the form's file is on the new ticket (P15)")
	b.open(tp.URL + "/tickets")
	assert.Equal(t, "Mælkeskummeren larmer", b.texts(`table.tickets tbody tr td:nth-child(2)`)[0], "newest first")
	assert.Equal(t, ref, b.texts(`table.tickets tbody tr td:first-child`)[0])
	// A customer on the phone names the number; the search finds it (P10).
	b.do(chromedp.SetValue(chromedp.CSS(`input[name=q]`), ref))
	b.click(`.toolbar > button[type=submit]`)
	assert.Equal(t, []string{"Mælkeskummeren larmer"}, b.texts(`table.tickets tbody tr td:nth-child(2)`))

	// Log out (P9).
	require.EqualValues(t, http.StatusOK, b.click(`.nav form[action="/logout"] button`))
	assert.Equal(t, "You are logged out", b.text(`h1`))
	b.open(tp.URL + "/tickets")
	assert.True(t, strings.HasSuffix(b.location(), "/login"), "the list needs a login again")

	// Another company's customer cannot open the ticket (P4).
	b.logIn(tp.URL, tp.demo.logins[2].Email)
	assert.EqualValues(t, http.StatusNotFound, b.open(ticketURL))
	assert.Equal(t, "Something went wrong", b.text(`h1`))
	assert.NotContains(t, b.text(`main`), subject)
	b.shot("not-found")
}

// covers: P15 — the form picker and a request form, in the browser
func TestBrowserRequestForms(t *testing.T) {
	exe := chromium(t)
	tp := newTestPortal(t)
	rf := tp.addRequestForm(t)
	b := newBrowser(t, exe)
	b.logIn(tp.URL, tp.demo.logins[0].Email)
	b.click(`.nav a[href="/new"]`)
	assert.Equal(t, "What can we help you with?", b.text(`.form-card h1`))
	choices := b.texts(`.form-picker li strong`)
	assert.Equal(t, []string{"Submit a support ticket", rf.Name}, choices)
	b.shot("form-picker")
	b.click(`.form-picker a[href="/new?form=` + rf.ID.String() + `"]`)
	assert.Equal(t, rf.Name, b.text(`.form-card h1`))
	assert.Equal(t, rf.Description, b.text(`.form-card .lead`))
	b.do(chromedp.SendKeys(chromedp.CSS(`#f-subject`), "Returnering af kværn"),
		chromedp.SendKeys(chromedp.CSS(`#f-content`), "Den passer ikke til mit køkken."))
	require.EqualValues(t, http.StatusOK, b.click(`.form-card button[type=submit]`))
	assert.Contains(t, b.text(`.flash`), "we have received it as")
	assert.Contains(t, b.text(`.page-head h1`), "Returnering af kværn")
}

// covers: P5 — the portal works with JavaScript off
func TestBrowserWithoutJavaScript(t *testing.T) {
	exe := chromium(t)
	tp := newTestPortal(t)
	b := newBrowser(t, exe)
	_, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
	require.NoError(t, err)
	b.logIn(tp.URL, tp.demo.logins[1].Email)
	b.open(tp.URL + "/tickets?view=mine&status=open")
	b.click(`table.tickets tbody tr:first-child a.row-link`)
	hidden, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector('.toolbar-mini').hidden`))
	require.NoError(t, err)
	assert.True(t, hidden, "the formatting buttons need the script; the page does without")
	b.do(chromedp.SendKeys(chromedp.CSS(`#reply-body`), "Sent without *JavaScript*."))
	require.EqualValues(t, http.StatusOK, b.click(`form.reply button[type=submit]`))
	assert.Equal(t, "Your reply has been sent.", b.text(`.flash`))
	bodies := b.texts(`.message .body`)
	assert.Equal(t, "Sent without JavaScript.", bodies[len(bodies)-1])
}

func longestWord(s string) string {
	best := ""
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127) }) {
		if len([]rune(w)) > len([]rune(best)) {
			best = w
		}
	}
	return best
}
