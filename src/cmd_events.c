/* `boxtrail events`: every evidence record as a normalised event. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bt_buf.h"
#include "input/bt_read.h"
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "readopts.h"

enum { OPT_CSV_RAW = READ_OPT_END };

static const struct option long_opts[] = {
	READ_LONG_OPTS,
	{"format", required_argument, NULL, 'f'},
	{"csv-raw", no_argument, NULL, OPT_CSV_RAW},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* The sink: in a reading thread, one event to an output record. */
static void events_record(void *ctx, const struct bt_event *ev, struct bt_buf *out)
{
	out_event(out, ctx, ev);
}

struct events_args {
	struct out_opts out;
	bool format_set;
};

static int events_opt(void *ctx, int c, const char *arg)
{
	struct events_args *a = ctx;
	switch (c) {
	case 'f':
		if (!out_parse_format(arg, false, &a->out.format)) {
			cli_errorf("events: unknown format '%s' (jsonl, csv, text)", arg);
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

static int cmd_events(const struct cmd_entry *self, int argc, char **argv)
{
	struct read_opts ro;
	read_opts_init(&ro);
	struct events_args a = {.out = {.csv_formula_guard = true}};
	int status = EXIT_FATAL;
	int pa = cmd_getopt(self, argc, argv, &ro, events_opt, &a);
	if (pa != 0) {
		status = pa < 0 ? EXIT_NOTHING : pa;
		goto done;
	}
	if (!a.format_set)
		a.out.format = isatty(STDOUT_FILENO) ? OUT_TEXT : OUT_JSONL;
	struct cli_inputs inputs = {0};
	if (!read_opts_inputs(&ro, argv + optind, argc - optind, "events", &inputs)) {
		cli_inputs_free(&inputs);
		goto done;
	}

	struct cli_run run = {0};
	struct bt_buf b = BT_BUF_INIT;
	out_event_header(&b, &a.out);
	fwrite(b.p ? b.p : "", 1, b.n, stdout);
	bt_buf_free(&b);
	struct read_run rr;
	if (!read_run_begin(&rr, &ro, &inputs, &run, NULL, NULL)) {
		cli_inputs_free(&inputs);
		goto done;
	}
	struct bt_event_sink sink = {events_record, &a.out};
	enum bt_status st = bt_read_events(rr.in, rr.n, &rr.scan, &ro.filter, &sink, &rr.report);
	read_run_end(&rr);
	if (st != BT_OK) {
		cli_inputs_free(&inputs);
		goto done;
	}
	if (inputs.n == 0 && inputs.walk_errors == 0)
		cli_errorf("events: no files found under the given paths");
	else if (run.files_read == 0 && run.files_unreadable == 0 && run.files_unrecognised == 0)
		cli_errorf("events: no evidence files recognised (%lu files skipped)", run.files_skipped);
	if (ro.stats)
		fprintf(stderr,
		        "%s: stats: total: %lu files read, %lu partial, %lu unreadable, %lu not evidence "
		        "(%lu named), %llu events read\n",
		        cli_progname, run.files_read, run.files_partial, run.files_unreadable,
		        run.files_skipped + run.files_unrecognised, run.files_unrecognised,
		        (unsigned long long)run.events);
	status = cli_exit_status(&run, &inputs);
	cli_inputs_free(&inputs);
done:
	read_opts_free(&ro);
	return status;
}

const struct cmd_entry cmd_events_entry = {
	.name = "events",
	.args = "[OPTIONS] PATH...",
	.summary = "print every event as normalised JSON Lines, CSV or text",
	.about = "Print every event found in the evidence under PATH (files, directories, - for stdin).\n",
	.options = "  -f, --format FMT       jsonl (default when not a terminal), csv or text\n"
	           "      --csv-raw          do not guard CSV cells against spreadsheet formulas\n",
	.footer = "Exit status: 0 ok, 2 usage error or nothing readable, +4 some input not (fully) read.\n",
	.shortopts = "f:",
	.longopts = long_opts,
	.reads_evidence = true,
	.exec = cmd_events,
};
