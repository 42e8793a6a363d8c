package portal

import (
	"bytes"
	"html"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
)

// The reply allow-list (P5). A reply's HTML keeps only:
//
//   - text formatting: p, br, div, span, b, strong, i, em, u, s, strike,
//     sub, sup, small, mark, blockquote, pre, code, h1–h6, hr;
//   - lists: ul, ol, li;
//   - links: a with an href of http, https or mailto, or a relative one.
//     Every link is given rel="nofollow noreferrer noopener" (whatever rel
//     it had); a link to another host (http, https or //host) is given
//     target="_blank" as well, so it opens in a new tab that cannot reach
//     the portal's window; a relative or mailto link keeps no target.
//
// No attribute other than href survives: no style, class or id, so no CSS.
// No image survives: an image can only be attached.
//
// Before sanitising, a reply is refused (ErrInvalid naming "html") when it
// holds something that is an attack rather than formatting: a script, style,
// iframe, object, embed, form, base, meta or link element; an event handler
// attribute (on…); a style attribute; a link or source whose scheme is not
// http, https or mailto (javascript:, vbscript:, data: …); or an image with
// a remote source (a tracking pixel). Anything else outside the allow-list
// (a table, a font tag) is dropped quietly and its text kept.
var replyPolicy = formatting()

// formatting returns the allow-list of text formatting and links that
// replies and conversations share; a conversation's adds its tables with
// p.AllowElements on top. Links get their rel and target from linkAttrs.
func formatting() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "strike", "sub", "sup",
		"small", "mark", "blockquote", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ul", "ol", "li")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	return p
}

// linkRel is the rel of every link of a reply.
const linkRel = "nofollow noreferrer noopener"

// linkAttrs gives every link of sanitised HTML the rel and target the
// allow-list documents, in one place for every kind of link (bluemonday's
// own options add noopener only together with a target).
func linkAttrs(s string) string {
	if !strings.Contains(s, "<a ") {
		return s
	}
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return b.String()
		}
		raw := z.Raw()
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken || !bytes.HasPrefix(raw, []byte("<a ")) {
			b.Write(raw)
			continue
		}
		tok := z.Token()
		attrs := tok.Attr[:0]
		external := false
		for _, a := range tok.Attr {
			switch a.Key {
			case "rel", "target":
				continue
			case "href":
				u, err := url.Parse(a.Val)
				external = err == nil && u.Host != ""
			}
			attrs = append(attrs, a)
		}
		attrs = append(attrs, xhtml.Attribute{Key: "rel", Val: linkRel})
		if external {
			attrs = append(attrs, xhtml.Attribute{Key: "target", Val: "_blank"})
		}
		tok.Attr = attrs
		b.WriteString(tok.String())
	}
}

// conversationPolicy is the allow-list of a message as a contact sees it
// (P4, S9): the reply allow-list, plus tables, which the helpdesk's own
// mails carry. Every message body passes it on its way out, whoever wrote
// it and however it reached the store, so that no stored HTML (a mail the
// helpdesk received, an agent's message, a record a host wrote itself) can
// put a script, a form, a redirect or a tracking pixel on a contact's page.
var conversationPolicy = func() *bluemonday.Policy {
	p := formatting()
	p.AllowElements("table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("th", "td")
	return p
}()

// SanitizeConversation returns a message body as a contact may see it: the
// reply allow-list (see SanitizeReply) and tables, with every link given
// the same rel and target. Unlike SanitizeReply it refuses nothing: what
// the allow-list does not keep is dropped, its text kept. TicketDetail
// passes every body of a conversation through it.
func SanitizeConversation(s string) string {
	return linkAttrs(conversationPolicy.Sanitize(s))
}

// textPolicy strips every tag, for the plain-text form of a reply.
var textPolicy = bluemonday.StrictPolicy()

// SanitizeReply returns html as the reply allow-list keeps it, or an
// ErrInvalid naming "html" for content the allow-list refuses outright.
func SanitizeReply(s string) (string, error) {
	if problem := hostileHTML(s); problem.format != "" {
		return "", invalidText("html", problem)
	}
	return linkAttrs(replyPolicy.Sanitize(s)), nil
}

// refusedElements are attacks, not formatting.
var refusedElements = map[string]bool{
	"script": true, "style": true, "iframe": true, "frame": true, "frameset": true, "object": true,
	"embed": true, "applet": true, "form": true, "base": true, "meta": true, "link": true, "svg": true,
	"math": true, "template": true,
}

// urlAttrs hold URLs a browser may load or follow.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true, "background": true,
	"poster": true, "srcset": true, "data": true, "lowsrc": true, "dynsrc": true, "cite": true,
}

// hostileHTML returns what makes s an attack, or no text.
func hostileHTML(s string) text {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return text{} // io.EOF: the whole input was read
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			tok := z.Token()
			el := strings.ToLower(tok.Data)
			if refusedElements[el] {
				return msg("a <%s> element is not allowed in a reply", el)
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"):
					return msg("event handler attribute %q is not allowed in a reply", key)
				case key == "style":
					return msg("style attributes (CSS) are not allowed in a reply")
				case urlAttrs[key]:
					scheme := urlScheme(a.Val)
					if scheme != "" && scheme != "http" && scheme != "https" && scheme != "mailto" {
						return msg("%s: links of scheme %q are not allowed in a reply", key, scheme)
					}
					if el == "img" && key == "src" || key == "srcset" || key == "background" {
						return msg("remote images are not allowed in a reply; attach the image instead")
					}
				}
			}
		}
	}
}

// blanks are the characters a browser ignores inside a URL's scheme.
var blanks = regexp.MustCompile(`[\x00-\x20\x7f]+`)

// urlScheme returns the lower-case scheme of a URL as a browser reads it,
// or "" for a relative one.
func urlScheme(v string) string {
	v = blanks.ReplaceAllString(html.UnescapeString(v), "")
	if u, err := url.Parse(v); err == nil {
		return strings.ToLower(u.Scheme)
	}
	if i := strings.IndexByte(v, ':'); i > 0 {
		return strings.ToLower(v[:i])
	}
	return ""
}

// lineBreaks put a newline where a block of sanitised HTML ends, so that
// its plain-text form keeps the lines.
var lineBreaks = strings.NewReplacer("<br>", "<br>\n", "<br/>", "<br/>\n", "</p>", "</p>\n", "</div>", "</div>\n",
	"</li>", "</li>\n", "</blockquote>", "</blockquote>\n", "</pre>", "</pre>\n", "<hr>", "<hr>\n", "<hr/>", "<hr/>\n",
	"</h1>", "</h1>\n", "</h2>", "</h2>\n", "</h3>", "</h3>\n", "</h4>", "</h4>\n", "</h5>", "</h5>\n", "</h6>", "</h6>\n")

var manyNewlines = regexp.MustCompile(`\n{3,}`)

// htmlText returns the text of sanitised HTML.
func htmlText(body string) string {
	t := html.UnescapeString(textPolicy.Sanitize(lineBreaks.Replace(body)))
	lines := strings.Split(t, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(manyNewlines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// textHTML shows plain text as HTML: escaped, with its line breaks.
func textHTML(text string) string {
	return strings.ReplaceAll(html.EscapeString(text), "\n", "<br>")
}

// replyBody checks a reply's HTML and text and returns the message's Body
// (sanitised HTML) and Text. When the sanitised HTML shows no text, the
// Body is the escaped Text instead, so that a reply is never stored with a
// body that shows nothing; with no text either, it is ErrInvalid naming
// "text".
func replyBody(h, text string) (body, plain string, err error) {
	var ps problems
	for _, f := range []struct{ field, v string }{{"html", h}, {"text", text}} {
		switch {
		case len(f.v) > MaxContent:
			ps.add(f.field, "at most %d bytes", MaxContent)
		case !utf8.ValidString(f.v):
			ps.add(f.field, "must be valid UTF-8")
		case strings.ContainsRune(f.v, 0):
			ps.add(f.field, "must not contain NUL")
		}
	}
	if err := ps.err(); err != nil {
		return "", "", err
	}
	text = strings.TrimSpace(text)
	if strings.TrimSpace(h) != "" {
		if body, err = SanitizeReply(h); err != nil {
			return "", "", err
		}
	}
	if shown := htmlText(body); shown == "" {
		// Nothing of the HTML shows (no HTML, or only what the
		// allow-list drops, such as an empty table): the reply is its
		// text, escaped.
		body = textHTML(text)
	} else if text == "" {
		text = shown
	}
	if text == "" {
		return "", "", invalid("text", "a reply needs some text")
	}
	if len(body) > MaxContent || len(text) > MaxContent {
		return "", "", invalid("html", "at most %d bytes", MaxContent)
	}
	return body, text, nil
}
