/* markup.h — Markdown and HTML from one writer, and the escapers every Markdown, HTML and XML
 * output of tare goes through (tare report's report.md and report.html; tare compare's Markdown
 * and JUnit).
 *
 * The contract: a string from outside (a run's labels, warnings, environment and command; a
 * validation's sites and reasons) is always escaped, and shows as written, never as markup; only
 * the caller's own text is markup.
 *   - own text: doc_text, doc_textf, doc_para, doc_anchor.  In Markdown as written (so `x` is a
 *     code span); in HTML escaped, with `x` made <code>x</code>.  Never pass them a string a run
 *     supplied.
 *   - strings from outside: doc_user (plain), doc_code (inline code), doc_strong, doc_pre (a
 *     block of code), doc_heading's text, and every table cell, headers included.
 * Block structure (paragraphs, lists, tables) is written to both outputs at once.  What only
 * one output has (the HTML page's head and tail, a figure) the caller writes to d->md or d->html
 * itself, escaping with md_escape(MD_DOC) and xml_escape(ESC_HTML).
 */
#ifndef TARE_MARKUP_H
#define TARE_MARKUP_H

#include <stddef.h>
#include <stdio.h>

#include "util.h"

/* ---- escapers ------------------------------------------------------------------------------- */

/* Markdown: s as literal text.  A backslash goes before every character of the set that could be
 * markup; newlines and carriage returns become spaces (they would end a table row or a
 * paragraph).  Two sets, so that neither output changed when they became one function (one set,
 * the union, would render the same):
 *   MD_DOC   paragraphs, headings and table cells of tare report: \ ` * _ [ ] < > | # &; tabs
 *            become spaces too.
 *   MD_GFM   tare compare's table and lines for a CI comment: \ | ` * _ ~ < > (~ is GitHub's
 *            strikethrough, and compare's cells start with it). */
enum md_set { MD_DOC, MD_GFM };
void md_escape(FILE *f, const char *s, enum md_set set);

/* HTML or XML text and attribute values (in double or single quotes): & < > " ' as references.
 *   ESC_HTML  ' as &#39; (HTML 4 has no &apos;); control characters as they are.
 *   ESC_XML   ' as &apos;; newline and tab as &#10; and &#9;, which attribute-value
 *             normalization keeps; as '?' the other C0 controls, which XML 1.0 cannot carry, not
 *             even as references, and DEL, which it discourages. */
enum xml_set { ESC_HTML, ESC_XML };
void xml_escape(FILE *f, const char *s, enum xml_set set);

/* ---- the document writer -------------------------------------------------------------------- */

/* Two streams written side by side (open_memstream(&mdbuf, &mdlen) and the same for HTML, say). */
struct doc {
	FILE *md, *html;
	char *mdbuf, *htmlbuf;
	size_t mdlen, htmllen;
};

/* Own text (see above). */
void doc_text(struct doc *d, const char *s);
void doc_textf(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A paragraph of own text. */
void doc_para(struct doc *d, const char *text);
/* A link to the heading with this id: [text](#id); both own text. */
void doc_anchor(struct doc *d, const char *id, const char *text);

/* Strings from outside (see above). */
void doc_user(struct doc *d, const char *s);
/* Inline code, in a span of backticks longer than any run of them in s. */
void doc_code(struct doc *d, const char *s);
void doc_strong(struct doc *d, const char *s);
/* A block of code (a command), fenced so that nothing inside can close it. */
void doc_pre(struct doc *d, const char *s);
/* A heading of level 1 to 6; id, when not NULL, is the HTML anchor doc_anchor links to (own
 * text, plain). */
void doc_heading(struct doc *d, int level, const char *id, const char *text);

/* A paragraph made of several calls, and a bulleted list: begin, items, end. */
void doc_p_begin(struct doc *d);
void doc_p_end(struct doc *d);
void doc_ul_begin(struct doc *d);
void doc_li_begin(struct doc *d);
void doc_li_end(struct doc *d);
void doc_ul_end(struct doc *d);

/* ---- tables --------------------------------------------------------------------------------- */

/* Cells are added row by row, the first row the header; each is a string from outside.  In HTML
 * numbers are right-aligned (class "num"), and a body cell that begins with PASS, FAIL or
 * INCONCLUSIVE gets the class pass, fail or inconclusive for the page's stylesheet to colour. */
struct table {
	int ncols;
	unsigned left;             /* bit c: column c is text (left-aligned); others are numbers */
	struct ptrvec cells;       /* char *, row by row, the first row the header */
};

void table_init(struct table *t, int ncols, unsigned left);
void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void table_free(struct table *t);
/* The table in both outputs. */
void doc_table(struct doc *d, const struct table *t);

#endif
