/* `boxtrail events`: every evidence record as a normalised event; and
 * `boxtrail search`: the same with a predicate (rules/bt_query.h). */
#include "config.h"

#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bt_buf.h"
#include "input/bt_read.h"
#include "rules/bt_query.h"
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "outputs.h"
#include "readopts.h"

enum { OPT_CSV_RAW = READ_OPT_END, OPT_FORCE };

static const struct option long_opts[] = {
	READ_LONG_OPTS,
	OUTPUTS_LONG_OPTS,
	{"format", required_argument, NULL, 'f'},
	{"csv-raw", no_argument, NULL, OPT_CSV_RAW},
	{"force", no_argument, NULL, OPT_FORCE},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const struct option search_long_opts[] = {
	READ_LONG_OPTS,
	OUTPUTS_LONG_OPTS,
	{"format", required_argument, NULL, 'f'},
	{"csv-raw", no_argument, NULL, OPT_CSV_RAW},
	{"force", no_argument, NULL, OPT_FORCE},
	{"regex", required_argument, NULL, 'e'},
	{"where", required_argument, NULL, 'w'},
	{"case-sensitive", no_argument, NULL, 's'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* With -o, each event's records (one per output) travel through the
 * ordered output as frames: the output's index, the length (4 bytes, little
 * endian), the bytes; the writer sends each to its output. A frame may come
 * in pieces. */
struct demux {
	struct outputs *outs;
	unsigned char hdr[5];
	size_t nhdr;
	size_t left;          /* bytes of the current frame still to come */
};

static void frame(struct bt_buf *out, size_t i, const struct bt_buf *rec)
{
	unsigned char h[5] = {(unsigned char)i, (unsigned char)(rec->n & 0xff),
	                      (unsigned char)(rec->n >> 8 & 0xff), (unsigned char)(rec->n >> 16 & 0xff),
	                      (unsigned char)(rec->n >> 24 & 0xff)};
	bt_buf_put(out, (const char *)h, sizeof h);
	bt_buf_put(out, rec->p ? rec->p : "", rec->n);
}

static void demux_write(void *ctx, const char *p, size_t n)
{
	struct demux *d = ctx;
	while (n) {
		if (d->nhdr < sizeof d->hdr) {
			d->hdr[d->nhdr++] = (unsigned char)*p++;
			n--;
			if (d->nhdr == sizeof d->hdr)
				d->left = (size_t)d->hdr[1] | (size_t)d->hdr[2] << 8 | (size_t)d->hdr[3] << 16 |
				          (size_t)d->hdr[4] << 24;
		} else {
			size_t k = n < d->left ? n : d->left;
			if (d->hdr[0] < d->outs->n)
				outputs_write(d->outs, d->hdr[0], p, k);
			p += k;
			n -= k;
			d->left -= k;
		}
		if (d->nhdr == sizeof d->hdr && d->left == 0)
			d->nhdr = 0;
	}
}

struct events_args {
	struct out_opts out;
	struct outputs outs;
	bool format_set, force;
	/* search */
	struct bt_query *query;
	struct bt_query_opts qo;
	const char **regex, **where;
	size_t nregex, nwhere;
	bool search;
	pthread_key_t scratch_key;     /* each reading thread's matching scratch */
	pthread_mutex_t lock;          /* guards scratches */
	struct bt_match_scratch **scratches;   /* all of them, freed at the end: their
	                                          counts of abandoned regex tests are read */
	size_t nscratches;
	atomic_uint_fast64_t matched;
};

/* One event to its output records: straight to standard output, or a frame
 * per output file. */
static void put_event(struct events_args *a, const struct bt_event *ev, struct bt_buf *out)
{
	if (outputs_stdout_only(&a->outs)) {
		out_event(out, &a->outs.t[0].o, ev);
		return;
	}
	for (size_t i = 0; i < a->outs.n; i++) {
		struct bt_buf rec = BT_BUF_INIT;
		out_event(&rec, &a->outs.t[i].o, ev);
		if (rec.oom || rec.n > 0xffffffffu)
			out->oom = true;
		else
			frame(out, i, &rec);
		bt_buf_free(&rec);
	}
}

/* The sink: in a reading thread, one event to an output record. */
static void events_record(void *ctx, const struct bt_event *ev, struct bt_buf *out)
{
	put_event(ctx, ev, out);
}

/* search's sink: the events the query matches. */
static void search_record(void *ctx, const struct bt_event *ev, struct bt_buf *out)
{
	struct events_args *a = ctx;
	struct bt_match_scratch *s = pthread_getspecific(a->scratch_key);
	if (!s) {
		pthread_mutex_lock(&a->lock);
		struct bt_match_scratch **nv =
		        realloc(a->scratches, (a->nscratches + 1) * sizeof *nv);
		if (nv) {
			a->scratches = nv;
			if ((s = bt_match_scratch_new()))
				nv[a->nscratches++] = s;
		}
		pthread_mutex_unlock(&a->lock);
		if (!s) {
			out->oom = true;
			return;
		}
		pthread_setspecific(a->scratch_key, s);
	}
	if (!bt_query_match(a->query, ev, s))
		return;
	atomic_fetch_add(&a->matched, 1);
	put_event(a, ev, out);
}

static bool add_arg(const char ***v, size_t *n, const char *arg)
{
	const char **nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv) {
		cli_errorf("out of memory");
		return false;
	}
	*v = nv;
	nv[(*n)++] = arg;
	return true;
}

static int events_opt(void *ctx, int c, const char *arg)
{
	struct events_args *a = ctx;
	int r = outputs_opt(&a->outs, c, arg, a->search ? "search" : "events");
	if (r)
		return r;
	switch (c) {
	case OPT_FORCE:
		a->force = true;
		return 1;
	case 'e':
		return add_arg(&a->regex, &a->nregex, arg) ? 1 : -1;
	case 'w':
		return add_arg(&a->where, &a->nwhere, arg) ? 1 : -1;
	case 's':
		a->qo.cased = true;
		return 1;
	case 'f':
		if (!out_parse_format(arg, false, &a->out.format)) {
			cli_errorf("%s: unknown format '%s' (jsonl, csv, text, bulk)",
			           a->search ? "search" : "events", arg);
			return -1;
		}
		a->format_set = true;
		return 1;
	case OPT_CSV_RAW:
		a->out.csv_formula_guard = false;
		return 1;
	default:
		return 0;
	}
}

/* search: the query from -e, -w or the first operand. False after
 * reporting a usage error. */
static bool build_query(struct events_args *a, int argc, char **argv)
{
	char why[512];
	a->qo.no_jit = cli_no_jit();
	if (!(a->query = bt_query_new(&a->qo))) {
		cli_errorf("out of memory");
		return false;
	}
	if (a->nregex == 0 && a->nwhere == 0) {
		if (optind >= argc) {
			cli_errorf("search: no QUERY given (try 'boxtrail search --help')");
			return false;
		}
		if (!add_arg(&a->where, &a->nwhere, argv[optind++]))
			return false;
	}
	for (size_t i = 0; i < a->nwhere; i++)
		if (bt_query_add_terms(a->query, a->where[i], why, sizeof why) != BT_OK) {
			cli_errorf("search: query: %s", why);
			return false;
		}
	for (size_t i = 0; i < a->nregex; i++)
		if (bt_query_add_regex(a->query, a->regex[i], why, sizeof why) != BT_OK) {
			cli_errorf("search: %s", why);
			return false;
		}
	return true;
}

static int cmd_events(const struct cmd_entry *self, int argc, char **argv)
{
	bool search = self == &cmd_search_entry;
	const char *name = self->name;
	struct read_opts ro;
	read_opts_init(&ro);
	struct events_args a = {.out = {.csv_formula_guard = true}, .search = search,
	                        .lock = PTHREAD_MUTEX_INITIALIZER};
	bool key = false;
	struct cli_inputs inputs = {0};
	int status = EXIT_FATAL;
	int pa = cmd_getopt(self, argc, argv, &ro, events_opt, &a);
	if (pa != 0) {
		status = pa < 0 ? EXIT_NOTHING : pa;
		goto done;
	}
	if (search) {
		if (!build_query(&a, argc, argv))
			goto done;
		if (pthread_key_create(&a.scratch_key, NULL) != 0) {
			cli_errorf("search: cannot create thread state");
			goto done;
		}
		key = true;
	}
	if (!a.format_set)
		a.out.format = isatty(STDOUT_FILENO) ? OUT_TEXT : OUT_JSONL;
	if (!read_opts_inputs(&ro, argv + optind, argc - optind, name, &inputs))
		goto done;
	/* before the run: a refused or unwritable -o fails now */
	if (!outputs_open(&a.outs, &a.out, a.format_set, false, &inputs, a.force, name))
		goto done;

	struct cli_run run = {0};
	for (size_t i = 0; i < a.outs.n; i++) {
		struct bt_buf b = BT_BUF_INIT;
		out_event_header(&b, &a.outs.t[i].o);
		outputs_write(&a.outs, i, b.p ? b.p : "", b.n);
		bt_buf_free(&b);
	}
	struct read_run rr;
	struct demux dm = {.outs = &a.outs};
	if (!read_run_begin(&rr, &ro, &inputs, &run, NULL, NULL))
		goto done;
	if (!outputs_stdout_only(&a.outs)) {
		rr.write = demux_write;
		rr.wctx = &dm;
	}
	struct bt_event_sink sink = {search ? search_record : events_record, &a};
	enum bt_status st = bt_read_events(rr.in, rr.n, &rr.scan, &ro.filter, &sink, &rr.report);
	read_run_end(&rr);
	if (st != BT_OK)
		goto done;
	if (inputs.n == 0 && inputs.walk_errors == 0)
		cli_errorf("%s: no files found under the given paths", name);
	else if (run.files_read == 0 && run.files_unreadable == 0 && run.files_unrecognised == 0)
		cli_errorf("%s: no evidence files recognised (%lu files skipped)", name,
		           run.files_skipped);
	uint64_t matched = atomic_load(&a.matched), re_stopped = 0;
	for (size_t i = 0; i < a.nscratches; i++)
		re_stopped += bt_match_scratch_re_errors(a.scratches[i]);
	if (re_stopped) {
		char msg[200];
		snprintf(msg, sizeof msg, "%llu regular expression tests stopped at the match limit "
		         "(counted as no match): events may be missing", (unsigned long long)re_stopped);
		cli_diag_print(&ro.diag, BT_DIAG_WARN, NULL, msg);
	}
	if (ro.stats) {
		cli_print_totals(stderr, &run);
		if (search)
			fprintf(stderr, "%s: stats: %llu events matched\n", cli_progname,
			        (unsigned long long)matched);
	}
	status = cli_exit_status(&run, &inputs);
	/* like hunt's findings: something was found */
	if (search && matched && status != EXIT_FATAL)
		status |= EXIT_FINDINGS;
	/* the -o files are complete: in place, or the exit says they are not */
	if (!outputs_close(&a.outs, status != EXIT_FATAL))
		status = EXIT_FATAL | (status & EXIT_PARTIAL);
done:
	outputs_close(&a.outs, false);
	cli_inputs_free(&inputs);
	if (key) {
		for (size_t i = 0; i < a.nscratches; i++)
			bt_match_scratch_free(a.scratches[i]);
		free(a.scratches);
		pthread_key_delete(a.scratch_key);
	}
	bt_query_free(a.query);
	free(a.regex);
	free(a.where);
	read_opts_free(&ro);
	return status;
}

const struct cmd_entry cmd_events_entry = {
	.name = "events",
	.args = "[OPTIONS] PATH...",
	.summary = "print every event as normalised JSON Lines, CSV or text",
	.about = "Print every event found in the evidence under PATH (files, directories, - for stdin).\n",
	.options = "  -f, --format FMT       jsonl (default when not a terminal), csv, text or bulk\n"
	           OUTPUTS_HELP
	           "      --force            let -o replace an existing file (never an input)\n"
	           "      --csv-raw          do not guard CSV cells against spreadsheet formulas\n",
	.footer = "Exit status: 0 ok, 2 usage error or nothing readable, +4 some input not (fully) read.\n",
	.shortopts = "f:o:",
	.longopts = long_opts,
	.reads_evidence = true,
	.exec = cmd_events,
};

const struct cmd_entry cmd_search_entry = {
	.name = "search",
	.args = "[OPTIONS] QUERY PATH...\n       boxtrail search [OPTIONS] {-e REGEX | -w QUERY}... PATH...",
	.summary = "the events that match keywords, field expressions or a regex",
	.about = "Print the events under PATH that match every term of QUERY (blank-separated):\n"
	         "  WORD                a keyword, in any value of the event (case-insensitive)\n"
	         "  NAME=VALUE          a field's value (wildcards * ?; a number equals its other\n"
	         "                      spellings, 0x17 = 23; ADDR/BITS is a network)\n"
	         "  NAME!=VALUE         the field is present with another value\n"
	         "  NAME<N  <=  >  >=   numeric comparison\n"
	         "  NAME~REGEX          a field's value matches the regular expression\n"
	         "Example: boxtrail search 'EventID=4769 TicketEncryptionType=0x17' case/\n",
	.options = "  -e, --regex REGEX      also a regular expression (PCRE2) in any value of the\n"
	           "                         event (repeatable); QUERY is then not an operand\n"
	           "  -w, --where QUERY      also these terms (repeatable); QUERY is then not an\n"
	           "                         operand\n"
	           "  -s, --case-sensitive   keywords, values and regexes compare case-sensitively\n"
	           "  -f, --format FMT       jsonl (default when not a terminal), csv, text or bulk\n"
	           OUTPUTS_HELP
	           "      --force            let -o replace an existing file (never an input)\n"
	           "      --csv-raw          do not guard CSV cells against spreadsheet formulas\n",
	.footer = "Exit status: 0 nothing matched, 1 events matched, 2 usage error (a malformed\n"
	          "query) or nothing readable, +4 some input not (fully) read.\n",
	.shortopts = "f:o:e:w:s",
	.longopts = search_long_opts,
	.reads_evidence = true,
	.exec = cmd_events,
};
