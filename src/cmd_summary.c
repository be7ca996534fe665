/* `boxtrail summary`: what the evidence holds, per host, for the responder
 * and for the report to a client: event ids and channels, logons, Kerberos
 * tickets by encryption, containers and integrity problems (lib/hunt/
 * bt_summary.c counts them). Text, JSON Lines, or one self-contained HTML
 * page (no script, no external resource: its Content-Security-Policy allows
 * nothing but its own style). */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bt_buf.h"
#include "hunt/bt_summary.h"
#include "cli.h"
#include "commands.h"
#include "escape.h"
#include "json_writer.h"
#include "outfile.h"
#include "readopts.h"

enum fmt { FMT_TEXT, FMT_JSONL, FMT_HTML };

/* Rows per table in the text and HTML outputs (JSON Lines has them all). */
#define SHOWN_ROWS 50

enum { OPT_FORCE = READ_OPT_END };

static const struct option long_opts[] = {
	READ_LONG_OPTS,
	{"format", required_argument, NULL, 'f'},
	{"output", required_argument, NULL, 'o'},
	{"force", no_argument, NULL, OPT_FORCE},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct summary_args {
	enum fmt fmt;
	bool format_set;
	const char *output;     /* -o: the page or records go there (guarded) */
	bool force;
	struct outfile *file;
};

static bool fmt_parse(const char *s, enum fmt *out)
{
	static const struct { const char *name; enum fmt f; } names[] = {
		{"text", FMT_TEXT}, {"jsonl", FMT_JSONL}, {"html", FMT_HTML}};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].f;
			return true;
		}
	return false;
}

/* -o's format from its extension: .html/.htm, .jsonl/.json, .txt. */
static bool fmt_of_path(const char *path, enum fmt *out)
{
	const char *dot = strrchr(path, '.');
	if (!dot || strchr(dot, '/'))
		return false;
	if (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0)
		*out = FMT_HTML;
	else if (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".json") == 0)
		*out = FMT_JSONL;
	else if (strcmp(dot, ".txt") == 0)
		*out = FMT_TEXT;
	else
		return false;
	return true;
}

/* Standard output, or the -o file. */
static void put(struct summary_args *a, const char *p, size_t n)
{
	if (a->file)
		fwrite(p, 1, n, outfile_stream(a->file));
	else
		cli_write_out(p, n);
}

static int summary_opt(void *ctx, int c, const char *arg)
{
	struct summary_args *a = ctx;
	switch (c) {
	case 'f':
		if (!fmt_parse(arg, &a->fmt)) {
			cli_errorf("summary: unknown format '%s' (text, jsonl, html)", arg);
			return -1;
		}
		a->format_set = true;
		return 1;
	case 'o':
		if (a->output) {
			cli_errorf("summary: -o given twice ('%s', '%s')", a->output, arg);
			return -1;
		}
		a->output = arg;
		return 1;
	case OPT_FORCE:
		a->force = true;
		return 1;
	default:
		return 0;
	}
}

static void time_str(bt_time t, char *buf)
{
	if (t == BT_TIME_NONE || !bt_time_format(t, buf))
		strcpy(buf, "-");
}

/* ---- JSON Lines: an object per host, then one per file with problems ---- */

static void host_jsonl(struct bt_buf *b, const struct bt_summary_host *h)
{
	struct jw w;
	jw_init(&w, b);
	jw_object(&w);
	jw_key(&w, "kind");
	jw_strz(&w, "host");
	jw_key(&w, "host");
	jw_strz(&w, h->name);
	jw_key(&w, "events");
	jw_u64(&w, h->events);
	jw_key(&w, "first");
	jw_time(&w, h->first);
	jw_key(&w, "last");
	jw_time(&w, h->last);
	for (int t = 0; t < BT_SUM_NTABLES; t++) {
		jw_key_n(&w, bt_summary_table_names[t], strlen(bt_summary_table_names[t]));
		jw_array(&w);
		for (size_t i = 0; i < h->nrows[t]; i++) {
			const struct bt_summary_row *r = &h->rows[t][i];
			jw_object(&w);
			for (size_t c = 0; c < bt_summary_ncolumns[t]; c++) {
				jw_key_n(&w, bt_summary_columns[t][c], strlen(bt_summary_columns[t][c]));
				jw_strz(&w, r->part[c]);
			}
			jw_key(&w, "count");
			jw_u64(&w, r->count);
			jw_key(&w, "first");
			jw_time(&w, r->first);
			jw_key(&w, "last");
			jw_time(&w, r->last);
			jw_object_end(&w);
		}
		jw_array_end(&w);
	}
	jw_object_end(&w);
	bt_buf_putc(b, '\n');
}

static void file_jsonl(struct bt_buf *b, const struct bt_summary_file *f)
{
	struct jw w;
	jw_init(&w, b);
	jw_object(&w);
	jw_key(&w, "kind");
	jw_strz(&w, "file");
	jw_key(&w, "file");
	jw_strz(&w, f->path);
	jw_key(&w, "host");
	jw_strz(&w, f->host);
	static const char *const names[] = {"records", "recovered", "failed", "corrupt_chunks",
	                                    "id_gaps", "time_backwards"};
	const uint64_t v[] = {f->records, f->recovered, f->failed, f->corrupt_chunks, f->id_gaps,
	                      f->time_backwards};
	for (size_t i = 0; i < 6; i++) {
		jw_key_n(&w, names[i], strlen(names[i]));
		jw_u64(&w, v[i]);
	}
	jw_key(&w, "incomplete");
	jw_bool(&w, f->incomplete);
	jw_key(&w, "unreadable");
	jw_bool(&w, f->unreadable);
	jw_key(&w, "changed");
	jw_bool(&w, f->changed);
	jw_key(&w, "dirty");
	jw_bool(&w, f->dirty);
	jw_object_end(&w);
	bt_buf_putc(b, '\n');
}

/* What is wrong with a file, in words. */
static void file_problems(struct bt_buf *b, const struct bt_summary_file *f)
{
	size_t n0 = b->n;
#define SAY(cond, ...) do { if (cond) { if (b->n > n0) bt_buf_puts(b, ", "); bt_buf_printf(b, __VA_ARGS__); } } while (0)
	SAY(f->unreadable, "unreadable");
	SAY(f->incomplete, "read only in part");
	SAY(f->failed, "%" PRIu64 " records unreadable", f->failed);
	SAY(f->corrupt_chunks, "%" PRIu64 " corrupt chunks", f->corrupt_chunks);
	SAY(f->id_gaps, "%" PRIu64 " record id gaps", f->id_gaps);
	SAY(f->time_backwards, "%" PRIu64 " steps back in time", f->time_backwards);
	SAY(f->changed, "changed while read");
	SAY(f->dirty, "not closed cleanly");
#undef SAY
}

/* ---- text ---- */

static void host_text(struct bt_buf *b, const struct bt_summary_host *h)
{
	char f[BT_TIME_BUFSZ], l[BT_TIME_BUFSZ];
	time_str(h->first, f);
	time_str(h->last, l);
	bt_buf_puts(b, "host ");
	esc_text_str(b, h->name);
	bt_buf_printf(b, ": %" PRIu64 " events, %s .. %s\n", h->events, f, l);
	for (int t = 0; t < BT_SUM_NTABLES; t++) {
		if (!h->nrows[t])
			continue;
		bt_buf_printf(b, "  %s\n", bt_summary_table_names[t]);
		for (size_t i = 0; i < h->nrows[t] && i < SHOWN_ROWS; i++) {
			const struct bt_summary_row *r = &h->rows[t][i];
			bt_buf_printf(b, "    %8" PRIu64 "  ", r->count);
			for (size_t c = 0; c < bt_summary_ncolumns[t]; c++) {
				if (c)
					bt_buf_puts(b, "  ");
				esc_text_str(b, r->part[c]);
			}
			time_str(r->first, f);
			time_str(r->last, l);
			bt_buf_printf(b, "  (%s .. %s)\n", f, l);
		}
		if (h->nrows[t] > SHOWN_ROWS)
			bt_buf_printf(b, "    ... %zu more rows (-f jsonl has them all)\n",
			              h->nrows[t] - SHOWN_ROWS);
	}
}

/* ---- HTML ---- */

static const char html_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	"style-src 'unsafe-inline'\">\n"
	"<title>Evidence summary (boxtrail)</title>\n<style>\n"
	"body{font-family:sans-serif;margin:2em;color:#222}\n"
	"h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #999}\n"
	"h3{font-size:1em;margin-bottom:.3em}\n"
	"table{border-collapse:collapse;font-size:.85em;margin-bottom:1em}\n"
	"th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\n"
	"th{background:#eee}td.n{text-align:right}\n"
	".warn{color:#a00}\n</style>\n</head>\n<body>\n";

static void html_table(struct bt_buf *b, const struct bt_summary_host *h, int t)
{
	bt_buf_printf(b, "<h3>%s</h3>\n<table>\n<tr><th>count</th>", bt_summary_table_names[t]);
	for (size_t c = 0; c < bt_summary_ncolumns[t]; c++)
		bt_buf_printf(b, "<th>%s</th>", bt_summary_columns[t][c]);
	bt_buf_puts(b, "<th>first</th><th>last</th></tr>\n");
	char f[BT_TIME_BUFSZ], l[BT_TIME_BUFSZ];
	for (size_t i = 0; i < h->nrows[t] && i < SHOWN_ROWS; i++) {
		const struct bt_summary_row *r = &h->rows[t][i];
		bt_buf_printf(b, "<tr><td class=\"n\">%" PRIu64 "</td>", r->count);
		for (size_t c = 0; c < bt_summary_ncolumns[t]; c++) {
			bt_buf_puts(b, "<td>");
			esc_html_str(b, r->part[c]);
			bt_buf_puts(b, "</td>");
		}
		time_str(r->first, f);
		time_str(r->last, l);
		bt_buf_printf(b, "<td>%s</td><td>%s</td></tr>\n", f, l);
	}
	bt_buf_puts(b, "</table>\n");
	if (h->nrows[t] > SHOWN_ROWS)
		bt_buf_printf(b, "<p>%zu more rows (boxtrail summary -f jsonl has them all)</p>\n",
		              h->nrows[t] - SHOWN_ROWS);
}

static void host_html(struct bt_buf *b, const struct bt_summary_host *h, size_t index)
{
	char f[BT_TIME_BUFSZ], l[BT_TIME_BUFSZ];
	time_str(h->first, f);
	time_str(h->last, l);
	bt_buf_printf(b, "<section id=\"host-%zu\">\n<h2 class=\"host\">", index);
	esc_html_str(b, h->name);
	bt_buf_printf(b, "</h2>\n<p>%" PRIu64 " events, %s to %s</p>\n", h->events, f, l);
	for (int t = 0; t < BT_SUM_NTABLES; t++)
		if (h->nrows[t])
			html_table(b, h, t);
	bt_buf_puts(b, "</section>\n");
}

static int cmd_summary(const struct cmd_entry *self, int argc, char **argv)
{
	struct read_opts ro;
	read_opts_init(&ro);
	struct summary_args a = {0};
	int status = EXIT_FATAL;
	struct cli_inputs inputs = {0};
	struct bt_summary *s = NULL;
	int pa = cmd_getopt(self, argc, argv, &ro, summary_opt, &a);
	if (pa != 0) {
		status = pa < 0 ? EXIT_NOTHING : pa;
		goto done;
	}
	if (a.output && !a.format_set && !fmt_of_path(a.output, &a.fmt)) {
		cli_errorf("summary: -o %s: no format from its extension (.html, .jsonl, .txt); give -f",
		           a.output);
		goto done;
	}
	if (!a.output && !a.format_set)
		a.fmt = isatty(STDOUT_FILENO) ? FMT_TEXT : FMT_JSONL;
	if (!read_opts_inputs(&ro, argv + optind, argc - optind, "summary", &inputs))
		goto done;
	/* before the run: a refused or unwritable path fails now */
	if (a.output && !(a.file = outfile_open(a.output, "-o", &inputs, a.force)))
		goto done;
	if (!(s = bt_summary_new())) {
		cli_errorf("out of memory");
		goto done;
	}
	struct cli_run run = {0};
	struct read_run rr;
	if (!read_run_begin(&rr, &ro, &inputs, &run, NULL, NULL))
		goto done;
	enum bt_status st = bt_summary_read(s, rr.in, rr.n, &rr.scan, &ro.filter, &rr.report);
	read_run_end(&rr);
	if (st != BT_OK || bt_summary_finish(s, &ro.in.read.diag) != BT_OK) {
		cli_errorf("summary: out of memory");
		goto done;
	}
	const struct bt_summary_host *hosts;
	size_t nh = bt_summary_hosts(s, &hosts);
	const struct bt_summary_file *files;
	size_t nf = bt_summary_files(s, &files);
	uint64_t total = 0;
	for (size_t i = 0; i < nh; i++)
		total += hosts[i].events;
	struct bt_buf b = BT_BUF_INIT;
	if (a.fmt == FMT_HTML) {
		bt_buf_puts(&b, html_head);
		bt_buf_printf(&b, "<h1>Evidence summary</h1>\n<p>%zu host%s, %" PRIu64
		                  " events from %" PRIu64 " files (boxtrail " PACKAGE_VERSION
		                  "; times in UTC).</p>\n<ul>\n",
		              nh, nh == 1 ? "" : "s", total, bt_summary_files_read(s));
		for (size_t i = 0; i < nh; i++) {
			bt_buf_printf(&b, "<li><a href=\"#host-%zu\">", i);
			esc_html_str(&b, hosts[i].name);
			bt_buf_printf(&b, "</a>: %" PRIu64 " events</li>\n", hosts[i].events);
		}
		bt_buf_puts(&b, "</ul>\n");
		put(&a, b.p, b.n);
	}
	for (size_t i = 0; i < nh; i++) {
		bt_buf_reset(&b);
		if (a.fmt == FMT_JSONL)
			host_jsonl(&b, &hosts[i]);
		else if (a.fmt == FMT_HTML)
			host_html(&b, &hosts[i], i);
		else
			host_text(&b, &hosts[i]);
		put(&a, b.p, b.n);
	}
	bt_buf_reset(&b);
	if (a.fmt == FMT_HTML && nf)
		bt_buf_puts(&b, "<h2>Files with integrity problems</h2>\n<table>\n"
		                "<tr><th>file</th><th>host</th><th>problems</th></tr>\n");
	else if (a.fmt == FMT_TEXT && nf)
		bt_buf_puts(&b, "files with integrity problems\n");
	for (size_t i = 0; i < nf; i++) {
		if (a.fmt == FMT_JSONL) {
			file_jsonl(&b, &files[i]);
			continue;
		}
		struct bt_buf p = BT_BUF_INIT;
		file_problems(&p, &files[i]);
		if (a.fmt == FMT_HTML) {
			bt_buf_puts(&b, "<tr><td>");
			esc_html_str(&b, files[i].path);
			bt_buf_puts(&b, "</td><td>");
			esc_html_str(&b, files[i].host);
			bt_buf_puts(&b, "</td><td class=\"warn\">");
			esc_html(&b, p.p, p.n);
			bt_buf_puts(&b, "</td></tr>\n");
		} else {
			bt_buf_puts(&b, "  ");
			esc_text_str(&b, files[i].path);
			bt_buf_puts(&b, ": ");
			bt_buf_put(&b, p.p, p.n);
			bt_buf_putc(&b, '\n');
		}
		bt_buf_free(&p);
	}
	if (a.fmt == FMT_HTML)
		bt_buf_puts(&b, nf ? "</table>\n</body>\n</html>\n" : "</body>\n</html>\n");
	put(&a, b.p, b.n);
	bt_buf_free(&b);
	if (inputs.n == 0 && inputs.walk_errors == 0)
		cli_errorf("summary: no files found under the given paths");
	status = cli_exit_status(&run, &inputs);
	if (a.file) {
		if (!outfile_commit(a.file))
			status = EXIT_FATAL | (status & EXIT_PARTIAL);
		a.file = NULL;
	}
done:
	if (a.file)
		outfile_abort(a.file);
	bt_summary_free(s);
	cli_inputs_free(&inputs);
	read_opts_free(&ro);
	return status;
}

const struct cmd_entry cmd_summary_entry = {
	.name = "summary",
	.args = "[OPTIONS] PATH...",
	.summary = "what the evidence holds per host: event ids, logons, tickets, containers",
	.about = "Read the evidence under PATH and print, per host, the event ids and channels with\n"
	         "counts and first/last time, logons by outcome, account, type and source, Kerberos\n"
	         "tickets by kind, encryption and status, the containers seen, and the files with\n"
	         "integrity problems. -f html writes one self-contained page for a report.\n",
	.options = "  -f, --format FMT       text (default on a terminal), jsonl or html\n"
	           "  -o, --output FILE      write to FILE (its format from .html, .jsonl or .txt,\n"
	           "                         else -f); never inside the evidence, never over a file\n"
	           "      --force            let -o replace an existing file (never an input)\n",
	.footer = "Exit status: 0 ok, 2 usage error or nothing readable, +4 some input not (fully) read.\n",
	.shortopts = "f:o:",
	.longopts = long_opts,
	.reads_evidence = true,
	.exec = cmd_summary,
};
