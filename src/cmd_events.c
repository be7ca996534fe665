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

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: boxtrail events [OPTIONS] PATH...\n"
	        "Print every event found in the evidence under PATH (files, directories, - for stdin).\n"
	        "\n"
	        "  -f, --format FMT       jsonl (default when not a terminal), csv or text\n"
	        "      --csv-raw          do not guard CSV cells against spreadsheet formulas\n"
	        READ_OPTS_HELP
	        "  -h, --help             this help\n"
	        "\n"
	        "Exit status: 0 ok, 2 usage error or nothing readable, +4 some input not (fully) read.\n");
}

/* The sink: in a reading thread, one event to an output record. */
static void events_record(void *ctx, const struct bt_event *ev, struct bt_buf *out)
{
	out_event(out, ctx, ev);
}

int cmd_events(int argc, char **argv)
{
	struct read_opts ro;
	read_opts_init(&ro);
	struct out_opts out = {.csv_formula_guard = true};
	bool format_set = false;
	int c, status = EXIT_FATAL;
	optind = 1;
	while ((c = getopt_long(argc, argv, READ_SHORT_OPTS "f:h", long_opts, NULL)) != -1) {
		int r = read_opts_parse(&ro, c, optarg, "events");
		if (r < 0)
			goto done;
		if (r > 0)
			continue;
		switch (c) {
		case 'f':
			if (!out_parse_format(optarg, false, &out.format)) {
				cli_errorf("events: unknown format '%s' (jsonl, csv, text)", optarg);
				goto done;
			}
			format_set = true;
			break;
		case OPT_CSV_RAW:
			out.csv_formula_guard = false;
			break;
		case 'h':
			usage(stdout);
			status = EXIT_NOTHING;
			goto done;
		default:
			fprintf(stderr, "Try 'boxtrail events --help'.\n");
			goto done;
		}
	}
	if (!format_set)
		out.format = isatty(STDOUT_FILENO) ? OUT_TEXT : OUT_JSONL;
	struct cli_inputs inputs = {0};
	if (!read_opts_inputs(&ro, argv + optind, argc - optind, "events", &inputs)) {
		cli_inputs_free(&inputs);
		goto done;
	}

	struct cli_run run = {0};
	struct bt_buf b = BT_BUF_INIT;
	out_event_header(&b, &out);
	fwrite(b.p ? b.p : "", 1, b.n, stdout);
	bt_buf_free(&b);
	struct read_run rr;
	if (!read_run_begin(&rr, &ro, &inputs, &run, NULL, NULL)) {
		cli_inputs_free(&inputs);
		goto done;
	}
	struct bt_event_sink sink = {events_record, &out};
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
