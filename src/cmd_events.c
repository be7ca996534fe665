/* `boxtrail events`: every evidence record as a normalised event. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bt_buf.h"
#include "bt_input.h"
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "progress.h"
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

/* Header-level filters decide before fields are decoded. */
static bool want_fields(void *ctx, const struct bt_event *ev)
{
	return cli_filter_pass(ctx, ev);
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
	if (!cli_filter_empty(&ro.filter)) {
		ro.in.want_fields = want_fields;
		ro.in.want_ctx = &ro.filter;
	}

	struct cli_inputs inputs = {0};
	if (!read_opts_inputs(&ro, argv + optind, argc - optind, "events", &inputs)) {
		cli_inputs_free(&inputs);
		goto done;
	}

	struct cli_run run = {0};
	struct bt_buf b = BT_BUF_INIT;
	out_event_header(&b, &out);
	fwrite(b.p ? b.p : "", 1, b.n, stdout);
	progress_start(!ro.diag.quiet, inputs.n, cli_inputs_bytes(&inputs));
	for (size_t i = 0; i < inputs.n; i++) {
		const struct cli_input *ci = &inputs.v[i];
		struct bt_input *in = NULL;
		enum bt_status st = bt_input_open(ci->path, &ro.in, &in);
		if (st == BT_ERR_UNSUPPORTED) {
			if (ci->named) {
				cli_diag_print(&ro.diag, BT_DIAG_ERROR, ci->path, "not a recognised evidence format");
				run.files_unrecognised++;
			} else {
				run.files_skipped++;
			}
			continue;
		}
		if (st != BT_OK) {
			run.files_unreadable++;
			continue;
		}
		progress_file(bt_input_stats(in)->bytes);
		const struct bt_event *ev;
		while ((st = bt_input_next(in, &ev)) == BT_OK) {
			progress_pos(ev->offset);
			if (!cli_filter_pass(&ro.filter, ev))
				continue;
			bt_buf_reset(&b);
			out_event(&b, &out, ev);
			fwrite(b.p, 1, b.n, stdout);
			run.events++;
		}
		progress_file_done();
		const struct bt_file_stats *fs = bt_input_stats(in);
		if (fs->unreadable && fs->records + fs->recovered == 0)
			run.files_unreadable++;
		else
			run.files_read++;
		if (cli_stats_lossy(fs))
			run.files_partial++;
		if (ro.stats || fs->failed || fs->incomplete)
			cli_print_stats(stderr, ci->path, fs);
		bt_input_free(in);
	}
	progress_end();
	bt_buf_free(&b);
	if (inputs.n == 0 && inputs.walk_errors == 0)
		cli_errorf("events: no files found under the given paths");
	else if (run.files_read == 0 && run.files_unreadable == 0 && run.files_unrecognised == 0)
		cli_errorf("events: no evidence files recognised (%lu files skipped)", run.files_skipped);
	if (ro.stats)
		fprintf(stderr,
		        "%s: stats: total: %lu files read, %lu partial, %lu unreadable, %lu not evidence "
		        "(%lu named), %llu events\n",
		        cli_progname, run.files_read, run.files_partial, run.files_unreadable,
		        run.files_skipped + run.files_unrecognised, run.files_unrecognised,
		        (unsigned long long)run.events);
	status = cli_exit_status(&run, &inputs);
	cli_inputs_free(&inputs);
done:
	read_opts_free(&ro);
	return status;
}
