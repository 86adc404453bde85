/* test_markup.c — the escapers and the document writer (harness/markup.h): a string from outside
 * never becomes markup, in Markdown or HTML, and JUnit's XML stays well-formed. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "markup.h"

static char *md(const char *s, enum md_set set)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	md_escape(f, s, set);
	fclose(f);
	return buf;
}

static char *xml(const char *s, enum xml_set set)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	xml_escape(f, s, set);
	fclose(f);
	return buf;
}

static void test_markdown(void)
{
	char *doc = md("a|b_c *d* ~e~ [f](g) #h &i; <j>\n\t`k` \\", MD_DOC);
	char *gfm = md("a|b_c *d* ~e~\n`f` [g] #h &i;\t\\", MD_GFM);
	CHECK(!strcmp(doc, "a\\|b\\_c \\*d\\* ~e~ \\[f\\](g) \\#h \\&i; \\<j\\>  \\`k\\` \\\\"), "MD_DOC: %s", doc);
	CHECK(!strcmp(gfm, "a\\|b\\_c \\*d\\* \\~e\\~ \\`f\\` [g] #h &i;\t\\\\"), "MD_GFM: %s", gfm);
	free(doc);
	free(gfm);
}

static void test_xml(void)
{
	char *x = xml("a<b & \"c\" 'd'>\x01\n\t\x7f", ESC_XML);
	char *h = xml("a<b & \"c\" 'd'>\x01\n\t", ESC_HTML);
	CHECK(!strcmp(x, "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;?&#10;&#9;?"), "ESC_XML: %s", x);
	CHECK(!strcmp(h, "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;\x01\n\t"), "ESC_HTML: %s", h);
	free(x);
	free(h);
}

/* Own text is markup (`x` a code span); strings from outside are escaped in both outputs, code
 * spans and fences outlast the backticks inside, and table cells are escaped with verdicts
 * classed. */
static void test_writer(void)
{
	struct doc d = { 0 };
	struct table t;
	d.md = open_memstream(&d.mdbuf, &d.mdlen);
	d.html = open_memstream(&d.htmlbuf, &d.htmllen);
	doc_heading(&d, 2, "s", "S <b>");
	doc_p_begin(&d);
	doc_text(&d, "run `tare` & ");
	doc_user(&d, "<i>_x_</i>");
	doc_code(&d, "a``b");
	doc_code(&d, "`z");
	doc_strong(&d, "*y*");
	doc_p_end(&d);
	doc_pre(&d, "echo ```");
	table_init(&t, 2, 0x1);
	table_cell(&t, "name");
	table_cell(&t, "verdict");
	table_cell(&t, "p|q");
	table_cell(&t, "FAIL: <x>");
	doc_table(&d, &t);
	table_free(&t);
	fclose(d.md);
	fclose(d.html);
	CHECK(!strcmp(d.mdbuf, "## S \\<b\\>\n\n"
			       "run `tare` & \\<i\\>\\_x\\_\\</i\\>```a``b````` `z ``**\\*y\\***\n\n"
			       "````\necho ```\n````\n\n"
			       "| name | verdict |\n| --- | ---: |\n| p\\|q | FAIL: \\<x\\> |\n\n"), "md:\n%s", d.mdbuf);
	CHECK(!strcmp(d.htmlbuf, "<h2 id=\"s\">S &lt;b&gt;</h2>\n"
				 "<p>run <code>tare</code> &amp; &lt;i&gt;_x_&lt;/i&gt;<code>a``b</code><code>`z</code><strong>*y*</strong></p>\n"
				 "<pre><code>echo ```</code></pre>\n"
				 "<div class=\"scroll\"><table>\n<thead><tr><th>name</th><th class=\"num\">verdict</th></tr></thead>\n"
				 "<tr><td>p|q</td><td class=\"num fail\">FAIL: &lt;x&gt;</td></tr>\n</table></div>\n"),
	      "html:\n%s", d.htmlbuf);
	free(d.mdbuf);
	free(d.htmlbuf);
}

int main(void)
{
	RUN(test_markdown);
	RUN(test_xml);
	RUN(test_writer);
	return CHECK_DONE();
}
