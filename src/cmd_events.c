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

enum {
	OPT_STATS = 256,
	OPT_READER,
	OPT_ASSUME_HOST,
	OPT_WORKER_TIMEOUT,
	OPT_NO_ISOLATION,
	OPT_CSV_RAW,
	OPT_SERVICE_NAME,
};

static const struct option long_opts[] = {
	{"format", required_argument, NULL, 'f'},
	{"follow-symlinks", no_argument, NULL, 'L'},
	{"quiet", no_argument, NULL, 'q'},
	{"stats", no_argument, NULL, OPT_STATS},
	{"reader", required_argument, NULL, OPT_READER},
	{"assume-host", required_argument, NULL, OPT_ASSUME_HOST},
	{"worker-timeout", required_argument, NULL, OPT_WORKER_TIMEOUT},
	{"no-isolation", no_argument, NULL, OPT_NO_ISOLATION},
	{"csv-raw", no_argument, NULL, OPT_CSV_RAW},
	{"service-name", required_argument, NULL, OPT_SERVICE_NAME},
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
	        "      --stats            per-file integrity summary on stderr\n"
	        "  -L, --follow-symlinks  follow symbolic links inside directories\n"
	        "      --reader NAME      EVTX reader: auto (default) or libevtx\n"
	        "      --assume-host NAME host for Docker evidence that names none\n"
	        "      --service-name NAME Windows service name of dockerd, the provider of its\n"
	        "                         Application log events (default: docker)\n"
	        "      --worker-timeout S stop a libevtx worker that makes no progress for S seconds\n"
	        "      --no-isolation     run libevtx in-process (faster start, no crash isolation)\n"
	        "      --csv-raw          do not guard CSV cells against spreadsheet formulas\n"
	        "  -q, --quiet            no notes on stderr\n"
	        "  -h, --help             this help\n"
	        "\n"
	        "Exit status: 0 ok, 2 usage error or nothing readable, +4 some input not (fully) read.\n");
}

struct events_opts {
	struct out_opts out;
	bool stats;
	bool follow;
	struct bt_input_opts in;
};

int cmd_events(int argc, char **argv)
{
	struct cli_diag diag = {0};
	struct events_opts o = {0};
	bool format_set = false;
	o.out.csv_formula_guard = true;
	o.in.diag.fn = cli_diag_print;
	o.in.diag.ctx = &diag;
	o.in.worker_exe = cli_worker_exe;
	unsigned long ul;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:Lqh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!out_parse_format(optarg, false, &o.out.format)) {
				cli_errorf("events: unknown format '%s' (jsonl, csv, text)", optarg);
				return EXIT_FATAL;
			}
			format_set = true;
			break;
		case 'L':
			o.follow = true;
			break;
		case 'q':
			diag.quiet = true;
			break;
		case OPT_STATS:
			o.stats = true;
			break;
		case OPT_READER:
			if (strcmp(optarg, "libevtx") == 0)
				o.in.evtx_reader = BT_EVTX_READER_LIBEVTX;
			else if (strcmp(optarg, "auto") == 0)
				o.in.evtx_reader = BT_EVTX_READER_AUTO;
			else {
				cli_errorf("events: unknown reader '%s' (auto, libevtx)", optarg);
				return EXIT_FATAL;
			}
			break;
		case OPT_ASSUME_HOST:
			o.in.assume_host = optarg;
			break;
		case OPT_WORKER_TIMEOUT:
			if (!cli_parse_uint(optarg, 1, 86400, &ul)) {
				cli_errorf("events: --worker-timeout needs seconds between 1 and 86400");
				return EXIT_FATAL;
			}
			o.in.worker_timeout_sec = (unsigned)ul;
			break;
		case OPT_NO_ISOLATION:
			o.in.worker_exe = NULL;
			break;
		case OPT_CSV_RAW:
			o.out.csv_formula_guard = false;
			break;
		case OPT_SERVICE_NAME:
			if (!*optarg) {
				cli_errorf("events: --service-name needs a name");
				return EXIT_FATAL;
			}
			o.in.docker_service_name = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_NOTHING;
		default:
			fprintf(stderr, "Try 'boxtrail events --help'.\n");
			return EXIT_FATAL;
		}
	}
	if (optind >= argc) {
		cli_errorf("events: no PATH given");
		usage(stderr);
		return EXIT_FATAL;
	}
	if (!format_set)
		o.out.format = isatty(STDOUT_FILENO) ? OUT_TEXT : OUT_JSONL;
	o.out.color = false;

	struct cli_inputs inputs = {0};
	if (!cli_collect_inputs(&inputs, argv + optind, argc - optind, o.follow, &diag)) {
		cli_inputs_free(&inputs);
		return EXIT_FATAL;
	}

	struct cli_run run = {0};
	struct bt_buf b = BT_BUF_INIT;
	out_event_header(&b, &o.out);
	fwrite(b.p ? b.p : "", 1, b.n, stdout);
	for (size_t i = 0; i < inputs.n; i++) {
		const struct cli_input *ci = &inputs.v[i];
		struct bt_input *in = NULL;
		enum bt_status st = bt_input_open(ci->path, &o.in, &in);
		if (st == BT_ERR_UNSUPPORTED) {
			if (ci->named) {
				cli_diag_print(&diag, BT_DIAG_ERROR, ci->path, "not a recognised evidence format");
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
		const struct bt_event *ev;
		while ((st = bt_input_next(in, &ev)) == BT_OK) {
			bt_buf_reset(&b);
			out_event(&b, &o.out, ev);
			fwrite(b.p, 1, b.n, stdout);
			run.events++;
		}
		const struct bt_file_stats *fs = bt_input_stats(in);
		if (fs->unreadable && fs->records + fs->recovered == 0)
			run.files_unreadable++;
		else
			run.files_read++;
		if (cli_stats_lossy(fs))
			run.files_partial++;
		if (o.stats || fs->failed || fs->incomplete)
			cli_print_stats(stderr, ci->path, fs);
		bt_input_free(in);
	}
	bt_buf_free(&b);
	if (inputs.n == 0 && inputs.walk_errors == 0)
		cli_errorf("events: no files found under the given paths");
	else if (run.files_read == 0 && run.files_unreadable == 0 && run.files_unrecognised == 0)
		cli_errorf("events: no evidence files recognised (%lu files skipped)", run.files_skipped);
	if (o.stats)
		fprintf(stderr,
		        "%s: stats: total: %lu files read, %lu partial, %lu unreadable, %lu not evidence "
		        "(%lu named), %llu events\n",
		        cli_progname, run.files_read, run.files_partial, run.files_unreadable,
		        run.files_skipped + run.files_unrecognised, run.files_unrecognised,
		        (unsigned long long)run.events);
	int status = cli_exit_status(&run, &inputs);
	cli_inputs_free(&inputs);
	return status;
}
