package portal_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/helpdeskkit/portal"
	"github.com/helpdeskkit/portal/portaltest"
	"github.com/helpdeskkit/portal/store/memstore"
)

// The reply allow-list keeps formatting and safe links and drops the rest;
// attacks are refused with an error naming "html".
// covers: P5
func TestSanitizeReply(t *testing.T) {
	for in, want := range map[string]string{
		`<p>Hi <b>there</b></p>`:                                  `<p>Hi <b>there</b></p>`,
		`<ul><li>one</li><li>two</li></ul>`:                       `<ul><li>one</li><li>two</li></ul>`,
		`<a href="/tickets/1">rel</a>`:                            `<a href="/tickets/1" rel="nofollow noreferrer noopener">rel</a>`,
		`<a href="mailto:a@b.dk">m</a>`:                           `<a href="mailto:a@b.dk" rel="nofollow noreferrer noopener">m</a>`,
		`<a href="//cdn.example/x" rel="opener" target="x">p</a>`: `<a href="//cdn.example/x" rel="nofollow noreferrer noopener" target="_blank">p</a>`,
		`<a href="x?a=1&amp;b=&quot;2&quot;">q</a><a>no href</a>`: `<a href="x?a=1&amp;b=&#34;2&#34;" rel="nofollow noreferrer noopener">q</a>no href`,
		`<font color="red">red</font>`:                            `red`,
		`<table><tr><td>x</td></tr></table>`:                      `x`,
		`<p class="x" id="y" title="t">attrs</p>`:                 `<p>attrs</p>`,
		`plain & <simple>`:                                        `plain &amp; `,
		`<blockquote>quoted</blockquote><pre>code</pre>`:          `<blockquote>quoted</blockquote><pre>code</pre>`,
		`<a href="https://example.com">x</a>`:                     `<a href="https://example.com" rel="nofollow noreferrer noopener" target="_blank">x</a>`,
		`<a href="HTTPS://example.com/a?b=1&amp;c=2">x</a>`:       `<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noreferrer noopener" target="_blank">x</a>`,
	} {
		got, err := portal.SanitizeReply(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{
		`<script>alert(1)</script>`,
		`<SCRIPT SRC=//evil/x.js></SCRIPT>`,
		`<img src=x onerror=alert(1)>`,
		`<img src="https://tracker.example/pixel.gif">`,
		`<img srcset="https://tracker.example/pixel.gif 1x">`,
		`<body onload="x()">`,
		`<p onmouseover="x()">hover</p>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="JaVaScRiPt:alert(1)">x</a>`,
		"<a href=\"java\nscript:alert(1)\">x</a>",
		`<a href="&#106;avascript:alert(1)">x</a>`,
		`<a href="data:text/html,<script>x</script>">x</a>`,
		`<p style="background:url(javascript:alert(1))">x</p>`,
		`<div style="width:expression(alert(1))">x</div>`,
		`<style>@import 'x.css';</style>`,
		`<iframe src="https://evil.example"></iframe>`,
		`<object data="x.swf"></object>`,
		`<svg><script>alert(1)</script></svg>`,
		`<form action="https://evil.example"><input></form>`,
		`<meta http-equiv="refresh" content="0;url=https://evil.example">`,
		`<base href="https://evil.example/">`,
	} {
		_, err := portal.SanitizeReply(in)
		var ve *portal.ValidationError
		require.ErrorAs(t, err, &ve, in)
		assert.True(t, ve.Has("html"), in)
	}
}

// A message the helpdesk stored as it came (a received mail, an agent's
// message) reaches the contact only as the conversation allow-list keeps
// it: nothing in it can run, redirect, submit or load from elsewhere.
// covers: P4, S9
func TestConversationBodiesAreSanitisedOnTheWayOut(t *testing.T) {
	ctx := context.Background()
	d := newDemo(t, memstore.New(), nil)
	detail, err := d.p.TicketDetail(ctx, d.viewer, d.ticket)
	require.NoError(t, err)
	require.NotEqual(t, uuid.Nil, detail.ThreadID)
	hostile := `<p>Hello</p><script>alert(1)</script><p onclick="steal()">click</p>` +
		`<a href="javascript:alert(2)">js</a><form action="https://evil.example"><input name=p></form>` +
		`<img src="https://tracker.example/pixel.gif"><meta http-equiv="refresh" content="0;url=https://evil.example">` +
		`<style>body{display:none}</style><table><tr><td colspan="2">cell</td></tr></table>` +
		`<a href="https://example.com/help">help</a>`
	_, err = d.p.AddMessage(ctx, portal.Message{PortalID: d.data.Tenant.ID, ThreadID: detail.ThreadID,
		Kind: portal.AgentMessage, From: "agent@" + portaltest.AgentDomain, Body: hostile, Text: "Hello"})
	require.NoError(t, err)
	detail, err = d.p.TicketDetail(ctx, d.viewer, d.ticket)
	require.NoError(t, err)
	body := detail.Conversation[len(detail.Conversation)-1].Body
	for _, bad := range []string{"<script", "alert(1)", "onclick", "javascript:", "<form", "<input", "<img", "tracker.example",
		"<meta", "refresh", "<style", "display:none"} {
		assert.NotContains(t, body, bad)
	}
	assert.Contains(t, body, "<p>Hello</p>")
	assert.Contains(t, body, `<td colspan="2">cell</td>`, "the helpdesk's tables stay")
	assert.Contains(t, body, `<a href="https://example.com/help" rel="nofollow noreferrer noopener" target="_blank">help</a>`)
	assert.Equal(t, portal.SanitizeConversation(hostile), body)
}
