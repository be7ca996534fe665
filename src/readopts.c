/* Options shared by the evidence-reading subcommands. */
#include "config.h"

#include "readopts.h"

#include "hunt/bt_state.h"
#include "input/bt_scan.h"
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void read_opts_init(struct read_opts *o)
{
	memset(o, 0, sizeof *o);
	o->in.read.diag = cli_diag_of(&o->diag);
	o->in.evtx.worker_exe = cli_worker_exe;
	o->in.tmpdir = cli_tmpdir();
	o->jobs = bt_scan_default_jobs();
	bt_filter_init(&o->filter);
}

void read_opts_free(struct read_opts *o)
{
	for (size_t i = 0; i < o->nassume; i++) {
		free((char *)o->assume[i].path);
		free((char *)o->assume[i].real);
	}
	free(o->assume);
	bt_filter_free(&o->filter);
}

int read_opts_parse(struct read_opts *o, int c, const char *arg, const char *cmd)
{
	unsigned long ul;
	switch (c) {
	case 'L':
		o->follow = true;
		return 1;
	case '0':
		o->nul = true;
		return 1;
	case 'q':
		o->diag.quiet = true;
		o->in.read.diag = cli_diag_of(&o->diag);
		return 1;
	case 'j':
		if (!cli_parse_uint(arg, 1, 256, &ul)) {
			cli_errorf("%s: --jobs needs a number of threads between 1 and 256", cmd);
			return -1;
		}
		o->jobs = (unsigned)ul;
		return 1;
	case READ_OPT_STATS:
		o->stats = true;
		return 1;
	case READ_OPT_READER:
		if (strcmp(arg, "libevtx") == 0) {
			o->in.evtx.reader = BT_EVTX_READER_LIBEVTX;
		} else if (strcmp(arg, "auto") == 0) {
			o->in.evtx.reader = BT_EVTX_READER_AUTO;
		} else {
			cli_errorf("%s: unknown reader '%s' (auto, libevtx)", cmd, arg);
			return -1;
		}
		return 1;
	case READ_OPT_ASSUME_HOST: {
		/* NAME, or PATH=NAME (a host name has no '=') */
		const char *eq = strrchr(arg, '=');
		if (!eq) {
			o->in.read.assume_host = arg;
			return 1;
		}
		if (eq == arg || !eq[1]) {
			cli_errorf("%s: --assume-host '%s': NAME or PATH=NAME", cmd, arg);
			return -1;
		}
		struct bt_assume_host *nv = realloc(o->assume, (o->nassume + 1) * sizeof *nv);
		if (!nv)
			return -1;
		o->assume = nv;
		char *path = strndup(arg, (size_t)(eq - arg));
		if (!path)
			return -1;
		nv[o->nassume] = (struct bt_assume_host){path, realpath(path, NULL), eq + 1};
		o->nassume++;
		o->in.assume = o->assume;
		o->in.nassume = o->nassume;
		return 1;
	}
	case READ_OPT_WORKER_TIMEOUT:
		if (!cli_parse_uint(arg, 1, 86400, &ul)) {
			cli_errorf("%s: --worker-timeout needs seconds between 1 and 86400", cmd);
			return -1;
		}
		o->in.evtx.worker_timeout_sec = (unsigned)ul;
		return 1;
	case READ_OPT_NO_ISOLATION:
		o->in.evtx.worker_exe = NULL;
		return 1;
	case READ_OPT_NO_RECOVER:
		o->in.evtx.no_recover = true;
		return 1;
	case READ_OPT_FILES_FROM:
		o->files_from = arg;
		return 1;
	case READ_OPT_SINCE:
	case READ_OPT_UNTIL:
		if ((c == READ_OPT_SINCE ? bt_filter_since : bt_filter_until)(&o->filter, arg))
			return 1;
		cli_errorf("--%s: '%s' is not an RFC 3339 time or a date (2026-03-14T09:00:00Z, 2026-03-14)",
		           c == READ_OPT_SINCE ? "since" : "until", arg);
		return -1;
	case READ_OPT_EVENT_ID:
		if (bt_filter_event_ids(&o->filter, arg))
			return 1;
		cli_errorf("--event-id: '%s' is not a list of event ids or ranges (4624,4768-4771)", arg);
		return -1;
	case READ_OPT_CHANNEL:
		return bt_filter_channel(&o->filter, arg) ? 1 : -1;
	case READ_OPT_PROVIDER:
		return bt_filter_provider(&o->filter, arg) ? 1 : -1;
	case READ_OPT_SERVICE_NAME:
		if (!*arg) {
			cli_errorf("%s: --service-name needs a name", cmd);
			return -1;
		}
		o->in.docker.service_name = arg;
		return 1;
	default:
		return 0;
	}
}

bool read_opts_inputs(struct read_opts *o, char *const *paths, int npaths, const char *cmd,
                      struct cli_inputs *out)
{
	bool stdin_path = false;
	for (int i = 0; i < npaths; i++)
		if (strcmp(paths[i], "-") == 0) {
			if (stdin_path) {
				cli_errorf("%s: '-' (standard input) given twice", cmd);
				return false;
			}
			stdin_path = true;
		}
	if (o->files_from && strcmp(o->files_from, "-") == 0 && stdin_path) {
		cli_errorf("%s: standard input cannot serve both --files-from - and the PATH -", cmd);
		return false;
	}
	if (o->nul && !o->files_from) {
		cli_errorf("%s: -0 only applies to --files-from", cmd);
		return false;
	}
	if (npaths == 0 && !o->files_from) {
		cli_errorf("%s: no PATH given (try 'boxtrail %s --help')", cmd, cmd);
		return false;
	}
	if (!cli_collect_inputs(out, paths, npaths, o->follow, &o->diag))
		return false;
	if (o->files_from && !cli_inputs_from_file(out, o->files_from, o->nul, o->follow, &o->diag))
		return false;
	return true;
}

static void report_write(void *ctx, const char *p, size_t n)
{
	struct read_run *rr = ctx;
	if (rr->write)
		rr->write(rr->wctx, p, n);
	else
		cli_write_out(p, n);
}

static void report_progress(void *ctx, uint64_t done)
{
	(void)ctx;
	progress_bytes(done);
}

static void report_input_done(void *ctx, size_t i, const struct bt_scan_result *r)
{
	struct read_run *rr = ctx;
	const struct cli_input *ci = &rr->inputs->v[i];
	struct cli_run *run = rr->run;
	progress_file_done();
	if (r->open_status == BT_ERR_UNSUPPORTED) {
		if (ci->named) {
			cli_diag_print(&rr->o->diag, BT_DIAG_ERROR, ci->path,
			               bt_state_sniff(ci->path)
			                       ? "a state file of hunt --emit-state, not evidence: give it "
			                         "to boxtrail hunt"
			                       : "not a recognised evidence format");
			run->files_unrecognised++;
		} else {
			run->files_skipped++;
		}
	} else if (!r->stats) {
		run->files_unreadable++;
	} else {
		const struct bt_file_stats *fs = r->stats;
		if (fs->unreadable && fs->records + fs->recovered == 0)
			run->files_unreadable++;
		else
			run->files_read++;
		if (cli_stats_lossy(fs))
			run->files_partial++;
		run->events += fs->records + fs->recovered;
		/* asked for, or the summary of a loss (a warning: not when quiet) */
		if (rr->o->stats ||
		    (!rr->o->diag.quiet && (fs->failed || fs->corrupt_chunks || fs->incomplete)))
			cli_print_stats(stderr, ci->path, fs);
	}
	if (rr->input_done)
		rr->input_done(rr->ctx, ci->path, r);
}

bool read_run_begin(struct read_run *rr, struct read_opts *o, const struct cli_inputs *inputs,
                    struct cli_run *run,
                    void (*input_done)(void *ctx, const char *path, const struct bt_scan_result *r),
                    void *ctx)
{
	memset(rr, 0, sizeof *rr);
	if (!(rr->in = calloc(inputs->n ? inputs->n : 1, sizeof *rr->in))) {
		cli_errorf("out of memory");
		return false;
	}
	for (size_t i = 0; i < inputs->n; i++) {
		rr->in[i].path = inputs->v[i].path;
		rr->in[i].named = inputs->v[i].named;
	}
	rr->n = inputs->n;
	rr->scan.in = &o->in;
	rr->scan.jobs = o->jobs;
	rr->report = (struct bt_scan_report){report_write, report_input_done, report_progress, rr};
	rr->o = o;
	rr->inputs = inputs;
	rr->run = run;
	rr->input_done = input_done;
	rr->ctx = ctx;
	progress_start(!o->diag.quiet, inputs->n, cli_inputs_bytes(inputs));
	return true;
}

void read_run_end(struct read_run *rr)
{
	progress_end();
	free(rr->in);
	rr->in = NULL;
}
