/* markup.c — Markdown and HTML from one writer, and tare's Markdown and HTML/XML escapers
 * (markup.h: the contract). */
#include "markup.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static char *xvasprintf(const char *fmt, va_list ap)
{
	va_list aq;
	int n;
	char *s;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	s = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
	vsnprintf(s, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	return s;
}

/* ---- escapers ------------------------------------------------------------------------------- */

void md_escape(FILE *f, const char *s, enum md_set set)
{
	static const struct { const char *special, *blank; } sets[] = {
		[MD_DOC] = { "\\`*_[]<>|#&", "\n\r\t" },
		[MD_GFM] = { "\\|`*_~<>", "\n\r" },
	};
	for (; *s; s++) {
		if (strchr(sets[set].blank, *s)) {
			fputc(' ', f);
			continue;
		}
		if (strchr(sets[set].special, *s))
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void xml_putc(FILE *f, unsigned char c, enum xml_set set)
{
	switch (c) {
	case '&': fputs("&amp;", f); break;
	case '<': fputs("&lt;", f); break;
	case '>': fputs("&gt;", f); break;
	case '"': fputs("&quot;", f); break;
	case '\'': fputs(set == ESC_XML ? "&apos;" : "&#39;", f); break;
	default:
		if (set == ESC_HTML)
			fputc(c, f);
		else if (c == '\n')
			fputs("&#10;", f);
		else if (c == '\t')
			fputs("&#9;", f);
		else
			fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
	}
}

void xml_escape(FILE *f, const char *s, enum xml_set set)
{
	for (; *s; s++)
		xml_putc(f, (unsigned char)*s, set);
}

/* ---- the document writer -------------------------------------------------------------------- */

void doc_text(struct doc *d, const char *s)
{
	int code = 0;
	fputs(s, d->md);
	for (; *s; s++) {
		if (*s == '`') {
			fputs(code ? "</code>" : "<code>", d->html);
			code = !code;
		} else {
			xml_putc(d->html, (unsigned char)*s, ESC_HTML);
		}
	}
	if (code)
		fputs("</code>", d->html);
}

void doc_textf(struct doc *d, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	doc_text(d, s);
	free(s);
}

void doc_user(struct doc *d, const char *s)
{
	md_escape(d->md, s, MD_DOC);
	xml_escape(d->html, s, ESC_HTML);
}

/* The longest run of backticks in s: a Markdown code fence must be longer. */
static int backtick_run(const char *s)
{
	int best = 0, cur = 0;
	for (; *s; s++) {
		cur = *s == '`' ? cur + 1 : 0;
		if (cur > best)
			best = cur;
	}
	return best;
}

void doc_code(struct doc *d, const char *s)
{
	int n = backtick_run(s) + 1;
	int pad = *s == '`' || (*s && s[strlen(s) - 1] == '`');
	for (int i = 0; i < n; i++)
		fputc('`', d->md);
	fputs(pad ? " " : "", d->md);
	for (const char *p = s; *p; p++)
		fputc(*p == '\n' ? ' ' : *p, d->md);
	fputs(pad ? " " : "", d->md);
	for (int i = 0; i < n; i++)
		fputc('`', d->md);
	fputs("<code>", d->html);
	xml_escape(d->html, s, ESC_HTML);
	fputs("</code>", d->html);
}

void doc_strong(struct doc *d, const char *s)
{
	fputs("**", d->md);
	fputs("<strong>", d->html);
	doc_user(d, s);
	fputs("**", d->md);
	fputs("</strong>", d->html);
}

void doc_heading(struct doc *d, int level, const char *id, const char *text)
{
	fprintf(d->md, "%.*s ", level, "######");
	md_escape(d->md, text, MD_DOC);
	fputs("\n\n", d->md);
	fprintf(d->html, "<h%d%s%s%s>", level, id ? " id=\"" : "", id ? id : "", id ? "\"" : "");
	xml_escape(d->html, text, ESC_HTML);
	fprintf(d->html, "</h%d>\n", level);
}

void doc_p_begin(struct doc *d)
{
	fputs("<p>", d->html);
}

void doc_p_end(struct doc *d)
{
	fputs("\n\n", d->md);
	fputs("</p>\n", d->html);
}

void doc_para(struct doc *d, const char *text)
{
	doc_p_begin(d);
	doc_text(d, text);
	doc_p_end(d);
}

void doc_ul_begin(struct doc *d)
{
	fputs("<ul>\n", d->html);
}

void doc_li_begin(struct doc *d)
{
	fputs("- ", d->md);
	fputs("<li>", d->html);
}

void doc_li_end(struct doc *d)
{
	fputs("\n", d->md);
	fputs("</li>\n", d->html);
}

void doc_ul_end(struct doc *d)
{
	fputs("\n", d->md);
	fputs("</ul>\n", d->html);
}

void doc_pre(struct doc *d, const char *s)
{
	int n = backtick_run(s) + 1;
	n = n < 3 ? 3 : n;
	fprintf(d->md, "%.*s\n%s\n%.*s\n\n", n, "``````````````````````````````", s, n, "``````````````````````````````");
	fputs("<pre><code>", d->html);
	xml_escape(d->html, s, ESC_HTML);
	fputs("</code></pre>\n", d->html);
}

void doc_anchor(struct doc *d, const char *id, const char *text)
{
	fprintf(d->md, "[%s](#%s)", text, id);
	fprintf(d->html, "<a href=\"#%s\">%s</a>", id, text);
}

/* ---- tables --------------------------------------------------------------------------------- */

void table_init(struct table *t, int ncols, unsigned left)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->left = left;
}

void table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ptrvec_push(&t->cells, xvasprintf(fmt, ap));
	va_end(ap);
}

void table_free(struct table *t)
{
	for (int i = 0; i < t->cells.n; i++)
		free(t->cells.v[i]);
	free(t->cells.v);
	memset(t, 0, sizeof(*t));
}

/* PASS, FAIL and INCONCLUSIVE cells get a class, for a colour in HTML. */
static const char *verdict_class(const char *cell)
{
	if (!strncmp(cell, "PASS", 4))
		return "pass";
	if (!strncmp(cell, "FAIL", 4))
		return "fail";
	if (!strncmp(cell, "INCONCLUSIVE", 12))
		return "inconclusive";
	return "";
}

static void table_md(FILE *f, const struct table *t)
{
	for (int i = 0; i < t->cells.n; i++) {
		int c = i % t->ncols;
		const char *cell = t->cells.v[i];
		fputs(c ? " " : "| ", f);
		md_escape(f, *cell ? cell : " ", MD_DOC);
		fputs(" |", f);
		if (c == t->ncols - 1)
			fputc('\n', f);
		if (i == t->ncols - 1) {
			for (int k = 0; k < t->ncols; k++)
				fputs(t->left >> k & 1 ? "| --- " : "| ---: ", f);
			fputs("|\n", f);
		}
	}
	fputc('\n', f);
}

static void table_html(FILE *f, const struct table *t)
{
	fputs("<div class=\"scroll\"><table>\n", f);
	for (int i = 0; i < t->cells.n; i++) {
		int c = i % t->ncols, head = i < t->ncols;
		const char *cell = t->cells.v[i];
		if (c == 0)
			fputs(head ? "<thead><tr>" : "<tr>", f);
		const char *num = t->left >> c & 1 ? "" : "num", *v = head ? "" : verdict_class(cell);
		if (*num || *v)
			fprintf(f, "<%s class=\"%s%s%s\">", head ? "th" : "td", num, *num && *v ? " " : "", v);
		else
			fputs(head ? "<th>" : "<td>", f);
		xml_escape(f, cell, ESC_HTML);
		fprintf(f, "</%s>", head ? "th" : "td");
		if (c == t->ncols - 1)
			fputs(head ? "</tr></thead>\n" : "</tr>\n", f);
	}
	fputs("</table></div>\n", f);
}

void doc_table(struct doc *d, const struct table *t)
{
	table_md(d->md, t);
	table_html(d->html, t);
}
