/* `boxtrail hunt`: detections and correlations across all evidence, printed
 * as a timeline of findings. The main job. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/bt_buf.h"
#include "hunt/bt_hunt.h"
#include "hunt/bt_state.h"
#include "io/bt_gzwrite.h"
#include "input/bt_input.h"
#include "hunt/bt_suppress.h"
#include "cli.h"
#include "commands.h"
#include "output.h"
#include "readopts.h"
#include "ruleopts.h"
#include "outfile.h"
#include "outputs.h"
#include "runrecord.h"

enum {
	OPT_RULES = READ_OPT_END,
	OPT_NO_BUILTIN,
	OPT_WINDOW,
	OPT_MIN_LEVEL,
	OPT_HOST,
	OPT_SUPPRESS,
	OPT_HOST_MAP,
	OPT_RUN_RECORD,
	OPT_COLOR,
	OPT_CSV_RAW,
	OPT_MAX_MEMORY,
	OPT_FORCE,
	OPT_LOGSOURCES,
	OPT_TICKET_LIFETIME,
	OPT_RENEW_LIFETIME,
	OPT_EMIT_STATE,
	OPT_STATE_HOST,
	OPT_BASELINE_UNTIL,
	OPT_BASELINE,
};

static const struct option long_opts[] = {
	READ_LONG_OPTS,
	RULE_LONG_OPTS,
	OUTPUTS_LONG_OPTS,
	{"format", required_argument, NULL, 'f'},
	{"rules", required_argument, NULL, OPT_RULES},
	{"logsources", required_argument, NULL, OPT_LOGSOURCES},
	{"no-builtin", no_argument, NULL, OPT_NO_BUILTIN},
	{"window", required_argument, NULL, OPT_WINDOW},
	{"min-level", required_argument, NULL, OPT_MIN_LEVEL},
	{"host", required_argument, NULL, OPT_HOST},
	{"suppress", required_argument, NULL, OPT_SUPPRESS},
	{"host-map", required_argument, NULL, OPT_HOST_MAP},
	{"run-record", required_argument, NULL, OPT_RUN_RECORD},
	{"color", required_argument, NULL, OPT_COLOR},
	{"csv-raw", no_argument, NULL, OPT_CSV_RAW},
	{"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
	{"force", no_argument, NULL, OPT_FORCE},
	{"ticket-lifetime", required_argument, NULL, OPT_TICKET_LIFETIME},
	{"renew-lifetime", required_argument, NULL, OPT_RENEW_LIFETIME},
	{"emit-state", required_argument, NULL, OPT_EMIT_STATE},
	{"state-host", required_argument, NULL, OPT_STATE_HOST},
	{"baseline-until", required_argument, NULL, OPT_BASELINE_UNTIL},
	{"baseline", required_argument, NULL, OPT_BASELINE},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Parses "90s", "10m", "2h", "1d" or plain seconds into ticks. */
static bool parse_duration(const char *s, int64_t *ticks)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *s == '-' || v == 0 || v > 100000000ULL)
		return false;
	unsigned long long mult = 1;
	if (*end == 's' || *end == '\0')
		mult = 1;
	else if (*end == 'm')
		mult = 60;
	else if (*end == 'h')
		mult = 3600;
	else if (*end == 'd')
		mult = 86400;
	else
		return false;
	if (*end && end[1])
		return false;
	*ticks = (int64_t)(v * mult) * BT_TICKS_PER_SEC;
	return true;
}

struct hunt_cli {
	struct read_opts ro;
	struct rule_opts sel;
	const char *logsources;
	struct outputs outs;
	struct out_opts out;
	const char **rule_dirs;
	size_t nrule_dirs;
	bool no_builtin;
	int64_t window;
	int64_t ticket_lifetime, renew_lifetime;
	bt_time baseline_until;         /* --baseline-until (0: none) */
	const char **baselines;         /* --baseline FILE: states whose evidence is history */
	size_t nbaselines;
	enum bt_severity min_level;
	const char **hosts;
	size_t nhosts;
	const char *suppress_path, *host_map_path, *run_record_path;
	const char *emit_state;         /* --emit-state FILE: the map step */
	const char *state_host;         /* --state-host NAME: the collecting host */
	size_t max_memory;
	bool force;
	bool format_set;
	const char *color;              /* --color: auto, always, never */
	/* run state */
	struct bt_suppress *suppress;
	struct bt_buf buf;
	uint64_t findings;
	uint64_t by_severity[BT_SEV_CRITICAL + 1];
	uint64_t filtered;
	uint64_t history;               /* findings wholly before --baseline-until */
};

static bool involves_host(const struct hunt_cli *h, const struct bt_finding *f)
{
	for (size_t i = 0; i < h->nhosts; i++) {
		for (size_t j = 0; j < f->hosts.n; j++)
			if (bt_host_same(h->hosts[i], f->hosts.v[j]))
				return true;
		for (size_t j = 0; j < f->notes.n; j++)
			if (strcasestr(f->notes.v[j], h->hosts[i]))
				return true;
	}
	return false;
}

static void emit(void *ctx, struct bt_finding *f)
{
	struct hunt_cli *h = ctx;
	if (h->baseline_until && f->last != BT_TIME_NONE && f->last < h->baseline_until) {
		h->history++;   /* history: learned from, not reported */
		bt_finding_free(f);
		return;
	}
	if (f->severity < h->min_level || (h->nhosts && !involves_host(h, f))) {
		h->filtered++;
		bt_finding_free(f);
		return;
	}
	if (h->suppress && bt_suppress_finding(h->suppress, f)) {
		bt_finding_free(f);
		return;
	}
	for (size_t i = 0; i < h->outs.n; i++) {
		bt_buf_reset(&h->buf);
		out_finding(&h->buf, &h->outs.t[i].o, f);
		outputs_write(&h->outs, i, h->buf.p, h->buf.n);
	}
	h->findings++;
	h->by_severity[f->severity]++;
	bt_finding_free(f);
}

/* Colour: only on a terminal unless asked; NO_COLOR and TERM=dumb say no. */
static bool want_color(const char *when)
{
	if (strcmp(when, "always") == 0)
		return true;
	if (strcmp(when, "never") == 0)
		return false;
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
	return isatty(STDOUT_FILENO) && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
}

static int hunt_opt(void *ctx, int c, const char *arg)
{
	struct hunt_cli *h = ctx;
	unsigned long ul;
	int r = rule_opts_parse(&h->sel, c, arg, "hunt");
	if (!r)
		r = outputs_opt(&h->outs, c, arg, "hunt");
	if (r)
		return r;
	switch (c) {
	case 'f':
		if (!out_parse_format(arg, true, &h->out.format)) {
			cli_errorf("hunt: unknown format '%s' (text, jsonl, csv, timesketch, bulk)", arg);
			return -1;
		}
		h->format_set = true;
		return 1;
	case OPT_RULES: {
		const char **nv = realloc(h->rule_dirs, (h->nrule_dirs + 1) * sizeof *nv);
		if (!nv)
			return -1;
		h->rule_dirs = nv;
		h->rule_dirs[h->nrule_dirs++] = arg;
		return 1;
	}
	case OPT_NO_BUILTIN:
		h->no_builtin = true;
		return 1;
	case OPT_WINDOW:
		if (!parse_duration(arg, &h->window)) {
			cli_errorf("hunt: --window '%s' is not a duration (90s, 10m, 2h)", arg);
			return -1;
		}
		return 1;
	case OPT_BASELINE_UNTIL:
		if (!cli_parse_baseline_until(arg, &h->baseline_until)) {
			cli_errorf("hunt: --baseline-until '%s' is not a time (RFC 3339 or YYYY-MM-DD)", arg);
			return -1;
		}
		return 1;
	case OPT_BASELINE: {
		const char **nv = realloc(h->baselines, (h->nbaselines + 1) * sizeof *nv);
		if (!nv) {
			cli_errorf("out of memory");
			return -1;
		}
		h->baselines = nv;
		h->baselines[h->nbaselines++] = arg;
		return 1;
	}
	case OPT_TICKET_LIFETIME:
	case OPT_RENEW_LIFETIME: {
		int64_t *d = c == OPT_TICKET_LIFETIME ? &h->ticket_lifetime : &h->renew_lifetime;
		if (!cli_parse_lifetime(arg, d)) {
			cli_errorf("hunt: --%s '%s' is not a duration (10h, 7d)",
			           c == OPT_TICKET_LIFETIME ? "ticket-lifetime" : "renew-lifetime", arg);
			return -1;
		}
		return 1;
	}
	case OPT_MIN_LEVEL:
		if (!bt_severity_parse(arg, &h->min_level) ||
		    !bt_rulesel_parse_level(arg, &h->sel.min_level)) {
			cli_errorf("hunt: --min-level '%s' (informational, low, medium, high, critical)", arg);
			return -1;
		}
		return 1;
	case OPT_LOGSOURCES:
		h->logsources = arg;
		return 1;
	case OPT_HOST: {
		const char **nv = realloc(h->hosts, (h->nhosts + 1) * sizeof *nv);
		if (!nv)
			return -1;
		h->hosts = nv;
		h->hosts[h->nhosts++] = arg;
		return 1;
	}
	case OPT_SUPPRESS:
		h->suppress_path = arg;
		return 1;
	case OPT_HOST_MAP:
		h->host_map_path = arg;
		return 1;
	case OPT_RUN_RECORD:
		h->run_record_path = arg;
		return 1;
	case OPT_FORCE:
		h->force = true;
		return 1;
	case OPT_EMIT_STATE:
		h->emit_state = arg;
		return 1;
	case OPT_STATE_HOST:
		if (!*arg || strchr(arg, '\n')) {
			cli_errorf("hunt: --state-host needs a host name");
			return -1;
		}
		h->state_host = arg;
		return 1;
	case OPT_COLOR:
		if (strcmp(arg, "auto") && strcmp(arg, "always") && strcmp(arg, "never")) {
			cli_errorf("hunt: --color is auto, always or never");
			return -1;
		}
		h->color = arg;
		return 1;
	case OPT_CSV_RAW:
		h->out.csv_formula_guard = false;
		return 1;
	case OPT_MAX_MEMORY:
		if (!cli_parse_uint(arg, 16, 1024UL * 1024, &ul)) {
			cli_errorf("hunt: --max-memory needs megabytes between 16 and 1048576");
			return -1;
		}
		h->max_memory = ul * 1024 * 1024;
		return 1;
	default:
		return 0;
	}
}

static struct bt_ruleset *load_rules(struct hunt_cli *h)
{
	struct bt_ruleset_opts ro = {.diag = h->ro.in.read.diag, .datadir = cli_datadir(),
	                             .logsource_path = h->logsources, .no_jit = cli_no_jit()};
	struct bt_ruleset *rs;
	char why[512];
	if (bt_ruleset_new(&ro, &rs, why, sizeof why) != BT_OK) {
		cli_errorf("hunt: %s", why);
		return NULL;
	}
	bool ok = true;
	if (!h->no_builtin && bt_ruleset_add_builtin(rs) != BT_OK)
		ok = false;
	for (size_t i = 0; i < h->nrule_dirs && ok; i++)
		if (bt_ruleset_add_path(rs, h->rule_dirs[i], false) != BT_OK)
			ok = false;
	if (!ok || !rule_opts_apply(&h->sel, rs, &h->ro.in.read.diag, "hunt") ||
	    bt_ruleset_finish(rs) != BT_OK) {
		bt_ruleset_free(rs);
		return NULL;
	}
	struct bt_ruleset_counts c;
	bt_ruleset_counts(rs, &c);
	if (c.loaded == 0) {
		cli_errorf("hunt: no rules loaded (%lu skipped, %lu excluded by the selection); see "
		           "'boxtrail rules'", c.skipped, c.excluded);
		bt_ruleset_free(rs);
		return NULL;
	}
	if (!h->ro.diag.quiet) {
		fprintf(stderr, "%s: %lu rules loaded, %lu correlations, %lu skipped", cli_progname,
		        c.loaded, c.correlations, c.skipped);
		if (c.excluded)
			fprintf(stderr, ", %lu excluded by the selection", c.excluded);
		fputs(" (see 'boxtrail rules')\n", stderr);
	}
	return rs;
}

/* What leaves the answer incomplete though every input was read: rules whose
 * regular expression hit a PCRE2 limit (disabled after
 * BT_RULE_RE_LIMIT_DISABLE events) and caps reached (correlation windows,
 * groups, memory). With --stats one line each; `clause` names them all for
 * the summary line. True when there is any (exit +4). */
struct incomplete {
	bool stats;
	struct bt_buf *clause;
	size_t ncaps;
};

static void note_cap(void *ctx, const char *name, const char *detail)
{
	struct incomplete *in = ctx;
	if (in->stats)
		fprintf(stderr, "%s: stats: cap reached: %s\n", cli_progname, detail);
	bt_buf_printf(in->clause, "%s %s", in->ncaps++ ? "," : "; caps reached:", name);
}

static bool hunt_incomplete(const struct bt_ruleset *rules, const struct bt_hunt *hunt, bool stats,
                            struct bt_buf *clause)
{
	bool any = false;
	for (size_t i = 0; i < bt_ruleset_count(rules); i++) {
		bool disabled;
		uint64_t n = bt_ruleset_re_limits(rules, i, &disabled);
		if (!n)
			continue;
		const struct bt_sigma_rule *r = bt_ruleset_info(rules, i)->sigma;
		const char *id = r->id ? r->id : "?";
		if (stats)
			fprintf(stderr, "%s: stats: rule %s: regex match limit hit on %llu events%s (%s)\n",
			        cli_progname, id, (unsigned long long)n, disabled ? ", rule disabled" : "",
			        r->title ? r->title : "?");
		bt_buf_printf(clause, "%s rule %s (%llu events%s)", any ? "," : "; regex match limit hit by",
		              id, (unsigned long long)n, disabled ? ", disabled" : "");
		any = true;
	}
	struct incomplete in = {stats, clause, 0};
	bt_hunt_caps(hunt, note_cap, &in);
	return any || in.ncaps;
}

/* What hears of every input in input order: the run record, and the state
 * file of a map step (with whether the input was named, for "not evidence"). */
struct input_ears {
	struct runrecord *rr;
	struct bt_state_writer *state;
	const struct cli_inputs *inputs;
	size_t cursor;
};

static void state_input(struct input_ears *e, const char *path, const struct bt_scan_result *r)
{
	while (e->cursor < e->inputs->n && e->inputs->v[e->cursor].path != path)
		e->cursor++;
	bool named = e->cursor < e->inputs->n && e->inputs->v[e->cursor].named;
	const struct bt_file_stats *fs = r->stats;
	if (r->open_status == BT_ERR_UNSUPPORTED) {
		if (named)
			bt_state_write_input(e->state, path, "not-evidence", NULL, 0, NULL, NULL);
	} else if (!fs || (fs->unreadable && fs->records + fs->recovered == 0)) {
		bt_state_write_input(e->state, path, "unreadable", fs ? bt_format_name(fs->format) : NULL,
		                     0, NULL, NULL);
	} else {
		bt_state_write_input(e->state, path, cli_stats_lossy(fs) ? "partial" : "read",
		                     bt_format_name(fs->format), fs->records + fs->recovered, r->host,
		                     r->channel);
	}
}

static void record_input(void *ctx, const char *path, const struct bt_scan_result *r)
{
	struct input_ears *e = ctx;
	if (e->state)
		state_input(e, path, r);
	struct runrecord *rr = e->rr;
	if (!rr)
		return;
	const struct bt_file_stats *fs = r->stats;
	if (r->open_status == BT_ERR_UNSUPPORTED)
		runrecord_input(rr, path, NULL, "not evidence");
	else if (!fs)
		runrecord_input(rr, path, NULL, "unreadable");
	else
		runrecord_input(rr, path, fs,
		                fs->unreadable ? "unreadable" : fs->incomplete ? "incomplete" : "read");
}

/* Moves the state files among the inputs (known by their first line; not
 * standard input) to *states. False when out of memory (reported). */
static bool split_states(struct cli_inputs *inputs, char ***states, size_t *nstates)
{
	size_t w = 0;
	bool ok = true;
	for (size_t i = 0; i < inputs->n; i++) {
		if (ok && strcmp(inputs->v[i].path, "-") != 0 && bt_state_sniff(inputs->v[i].path)) {
			char **nv = realloc(*states, (*nstates + 1) * sizeof *nv);
			if (nv) {
				*states = nv;
				(*states)[(*nstates)++] = inputs->v[i].path;
				continue;
			}
			cli_errorf("out of memory");
			ok = false;
		}
		inputs->v[w++] = inputs->v[i];
	}
	inputs->n = w;
	return ok;
}

/* Loads one state file into the hunt and counts what it brought into run;
 * *last: the latest time it reaches (BT_TIME_NONE: none). False when it
 * was refused (reported). */
static bool load_state(struct hunt_cli *h, struct bt_hunt *hunt, struct bt_hostmap *hosts,
                       const struct bt_ruleset *rules, const char *fingerprint, const char *path,
                       struct runrecord *rr, struct cli_run *run, bool *incomplete, bt_time *last)
{
	struct bt_state_info si;
	*last = BT_TIME_NONE;
	if (rr)
		runrecord_input(rr, path, NULL, "state file");
	if (bt_state_load(hunt, hosts, rules, fingerprint, path, &h->ro.in.read.diag, &si) != BT_OK) {
		run->files_unreadable++;
		return false;
	}
	run->files_read += si.inputs_read;
	run->files_partial += si.inputs_partial + (si.bad_records ? 1 : 0);
	run->files_unreadable += si.inputs_unreadable;
	run->files_unrecognised += si.inputs_unrecognised;
	run->events += si.events;
	if (si.re_limited)
		*incomplete = true;
	if (h->ro.stats)
		fprintf(stderr,
		        "%s: stats: %s: state file: %llu inputs read (%llu partial), %llu "
		        "unreadable, %llu events, %llu matched events, %llu records not used\n",
		        cli_progname, path, (unsigned long long)si.inputs_read,
		        (unsigned long long)si.inputs_partial, (unsigned long long)si.inputs_unreadable,
		        (unsigned long long)si.events, (unsigned long long)si.hits,
		        (unsigned long long)si.bad_records);
	*last = si.last;
	return true;
}

static int cmd_hunt(const struct cmd_entry *self, int argc, char **argv)
{
	struct hunt_cli h;
	memset(&h, 0, sizeof h);
	read_opts_init(&h.ro);
	h.out.csv_formula_guard = true;
	/* Informational hits are context (a container started, a daemon up):
	 * shown on request, not in the default timeline. */
	h.min_level = BT_SEV_LOW;
	h.color = "auto";
	int status = EXIT_FATAL;
	struct bt_ruleset *rules = NULL;
	struct bt_hostmap *hosts = NULL;
	struct bt_hunt *hunt = NULL;
	struct runrecord *rr = NULL;
	struct outfile *rr_file = NULL, *state_file = NULL;
	struct bt_state_writer *state = NULL;
	FILE *state_gz = NULL;          /* --emit-state FILE.gz: compressing into the file */
	struct cli_inputs inputs = {0};
	char **states = NULL;           /* state files among the inputs (paths owned) */
	size_t nstates = 0;
	char fingerprint[65] = "";
	bool state_incomplete = false;  /* a state's map step left its answer incomplete */

	int pa = cmd_getopt(self, argc, argv, &h.ro, hunt_opt, &h);
	if (pa != 0) {
		status = pa < 0 ? EXIT_NOTHING : pa;
		goto done;
	}
	if (!h.format_set)
		h.out.format = isatty(STDOUT_FILENO) ? OUT_TEXT : OUT_JSONL;
	h.out.color = h.out.format == OUT_TEXT && want_color(h.color);
	if (!read_opts_inputs(&h.ro, argv + optind, argc - optind, "hunt", &inputs))
		goto done;
	/* state files of map steps, known by their first line, are loaded into
	 * the hunt after the evidence is read (the reduce) */
	if (!split_states(&inputs, &states, &nstates))
		goto done;
	for (size_t i = 0; i < h.nbaselines; i++)
		if (!bt_state_sniff(h.baselines[i])) {
			cli_errorf("hunt: --baseline %s: not a state file (a map step writes one: hunt "
			           "--emit-state)", h.baselines[i]);
			goto done;
		}
	if (h.nbaselines && h.emit_state) {
		cli_errorf("hunt: --baseline goes with a hunt, not with --emit-state (a map step "
		           "reads evidence only)");
		goto done;
	}
	if (h.nbaselines && h.ro.filter.since != BT_TIME_NONE) {
		cli_errorf("hunt: --since would cut the baseline's history: give --baseline-until "
		           "instead (findings before it are left out)");
		goto done;
	}
	if (h.state_host && !h.emit_state) {
		cli_errorf("hunt: --state-host goes with --emit-state");
		goto done;
	}
	if (h.emit_state && nstates) {
		cli_errorf("hunt: %s is a state file: --emit-state reads evidence only (give state "
		           "files to a hunt without it)",
		           states[0]);
		goto done;
	}
	if (h.emit_state && h.outs.npaths) {
		cli_errorf("hunt: --emit-state writes a state file, not findings: -o cannot go with it");
		goto done;
	}
	/* before the run: a refused or unwritable path fails now, not after it */
	if (!h.emit_state &&
	    !outputs_open(&h.outs, &h.out, h.format_set, true, &inputs, h.force, "hunt"))
		goto done;
	if (h.emit_state &&
	    !(state_file = outfile_open(h.emit_state, "--emit-state", &inputs, h.force)))
		goto done;
	if (h.run_record_path) {
		/* before the run: a refused or unwritable path fails now, not after it */
		if (!(rr_file = outfile_open(h.run_record_path, "--run-record", &inputs, h.force)))
			goto done;
		rr = runrecord_new(argc + 1, argv - 1);
	}
	if (h.suppress_path && bt_suppress_load(h.suppress_path, &h.ro.in.read.diag, &h.suppress) != BT_OK)
		goto done;
	if (!(rules = load_rules(&h)))
		goto done;
	if (!(hosts = bt_hostmap_new()))
		goto done;
	if (h.host_map_path && bt_hostmap_load(hosts, h.host_map_path, &h.ro.in.read.diag) != BT_OK)
		goto done;
	struct bt_hunt_opts ho = {.rules = rules, .hosts = hosts, .window = h.window,
	                          .mem_budget = h.max_memory, .since = h.ro.filter.since,
	                          .until = h.ro.filter.until, .diag = h.ro.in.read.diag,
	                          .ticket_lifetime = h.ticket_lifetime,
	                          .renew_lifetime = h.renew_lifetime,
	                          .baseline_until = h.baseline_until,
	                          .tmpdir = cli_tmpdir()};
	if (!(hunt = bt_hunt_new(&ho)))
		goto done;
	if (h.emit_state || nstates || h.nbaselines)
		runrecord_rules_fingerprint(rules, fingerprint);
	if (h.emit_state) {
		FILE *out = outfile_stream(state_file);
		size_t n = strlen(h.emit_state);
		if (n > 3 && strcmp(h.emit_state + n - 3, ".gz") == 0 &&
		    !(out = state_gz = bt_gzip_writer(out))) {
			cli_errorf("--emit-state %s: out of memory", h.emit_state);
			goto done;
		}
		if (!(state = bt_state_writer_new(out, fingerprint, PACKAGE_STRING, h.state_host)))
			goto done;
	}

	struct cli_run run = {0};
	struct read_run reading;
	struct input_ears ears = {rr, state, &inputs, 0};
	if (!read_run_begin(&reading, &h.ro, &inputs, &run, record_input, &ears))
		goto done;
	enum bt_status st = inputs.n ? bt_hunt_read(hunt, reading.in, reading.n, &reading.scan,
	                                            &h.ro.filter, &reading.report)
	                             : BT_OK;
	read_run_end(&reading);
	if (st != BT_OK)
		goto done;
	bt_time last;
	for (size_t i = 0; i < nstates; i++)
		load_state(&h, hunt, hosts, rules, fingerprint, states[i], rr, &run, &state_incomplete,
		           &last);
	/* --baseline: history up to --baseline-until, by default up to where the
	 * baseline's evidence ends */
	bt_time history_end = BT_TIME_NONE;
	for (size_t i = 0; i < h.nbaselines; i++)
		if (load_state(&h, hunt, hosts, rules, fingerprint, h.baselines[i], rr, &run,
		               &state_incomplete, &last) &&
		    last != BT_TIME_NONE && (history_end == BT_TIME_NONE || last > history_end))
			history_end = last;
	if (h.nbaselines && !h.baseline_until && history_end != BT_TIME_NONE) {
		h.baseline_until = history_end + 1;
		bt_hunt_set_baseline_until(hunt, h.baseline_until);
		if (!h.ro.diag.quiet) {
			char t[BT_TIME_BUFSZ];
			bt_time_format(history_end, t);
			fprintf(stderr, "%s: --baseline: history to %s (where the baseline's evidence "
			                "ends); findings after it\n", cli_progname, t);
		}
	}

	if (run.files_read == 0) {
		if (inputs.n == 0 && nstates == 0 && inputs.walk_errors == 0)
			cli_errorf("hunt: no files found under the given paths");
		else if (run.files_unreadable == 0 && run.files_unrecognised == 0)
			cli_errorf("hunt: no evidence files recognised (%lu files skipped)", run.files_skipped);
		if (h.ro.stats)
			cli_print_totals(stderr, &run);
		status = cli_exit_status(&run, &inputs);
		goto record;
	}
	if (state) {
		/* the map step ends here: what the reduce needs, instead of findings */
		bool ok = bt_state_writer_finish(state, hunt, hosts, rules);
		state = NULL;
		if (state_gz && fclose(state_gz) == EOF)
			ok = false;   /* the compressed end could not be written */
		state_gz = NULL;
		if (h.ro.stats)
			cli_print_totals(stderr, &run);
		struct bt_buf incomplete = BT_BUF_INIT;
		bool partial = hunt_incomplete(rules, hunt, h.ro.stats, &incomplete);
		bt_buf_free(&incomplete);
		status = cli_exit_status(&run, &inputs) | (partial ? EXIT_PARTIAL : 0);
		if (!ok) {
			cli_errorf("--emit-state %s: out of memory or write error", h.emit_state);
			status = EXIT_FATAL | (status & EXIT_PARTIAL);
		} else if (!outfile_commit(state_file)) {
			status = EXIT_FATAL | (status & EXIT_PARTIAL);
		} else if (!h.ro.diag.quiet) {
			fprintf(stderr, "%s: state of %llu events from %lu files written to %s\n",
			        cli_progname, (unsigned long long)run.events, run.files_read, h.emit_state);
		}
		if (!ok)
			outfile_abort(state_file);
		state_file = NULL;
		goto record;
	}
	for (size_t i = 0; i < h.outs.n; i++) {
		struct bt_buf hdr = BT_BUF_INIT;
		out_finding_header(&hdr, &h.outs.t[i].o);
		if (hdr.n)
			outputs_write(&h.outs, i, hdr.p, hdr.n);
		bt_buf_free(&hdr);
	}
	if (bt_hunt_finish(hunt, emit, &h) != BT_OK) {
		cli_errorf("hunt: correlation stopped: out of memory or spill file error");
		status = EXIT_FATAL;
		goto record;
	}
	if (h.ro.stats) {
		struct bt_hunt_counts hc;
		bt_hunt_counts(hunt, &hc);
		cli_print_totals(stderr, &run);
		fprintf(stderr, "%s: stats: %llu events read, %llu matched, %llu findings",
		        cli_progname, (unsigned long long)run.events, (unsigned long long)hc.matched,
		        (unsigned long long)h.findings);
		if (hc.spilled_runs)
			fprintf(stderr, ", %llu runs spilled to TMPDIR", (unsigned long long)hc.spilled_runs);
		fputc('\n', stderr);
		for (size_t i = 0; i < bt_ruleset_count(rules); i++) {
			uint64_t n = bt_hunt_rule_hits(hunt, (unsigned)i);
			const struct bt_rule_info *ri = bt_ruleset_info(rules, i);
			if (n)
				fprintf(stderr, "%s: stats: rule %s: %llu hits (%s)\n", cli_progname,
				        ri->sigma->id ? ri->sigma->id : "?", (unsigned long long)n,
				        ri->sigma->title ? ri->sigma->title : "?");
		}
	}
	struct bt_buf incomplete = BT_BUF_INIT;
	bool partial = hunt_incomplete(rules, hunt, h.ro.stats, &incomplete) || state_incomplete;
	bt_buf_putc(&incomplete, '\0');
	if (h.suppress) {
		size_t ev_sup, f_sup = bt_suppress_hits(h.suppress, &ev_sup);
		if ((f_sup || ev_sup) && !h.ro.diag.quiet)
			fprintf(stderr, "%s: --suppress removed %zu findings and %zu events\n", cli_progname,
			        f_sup, ev_sup);
	}
	if (h.history && !h.ro.diag.quiet)
		fprintf(stderr, "%s: %llu findings wholly before --baseline-until left out (history)\n",
		        cli_progname, (unsigned long long)h.history);
	if (h.findings == 0) {
		if (!h.ro.diag.quiet)
			fprintf(stderr, "%s: no findings in %llu events from %lu files%s%s\n", cli_progname,
			        (unsigned long long)run.events, run.files_read,
			        h.filtered ? " (after --min-level/--host)" : "", incomplete.p);
	} else if (!h.ro.diag.quiet) {
		struct bt_hunt_counts hc;
		bt_hunt_counts(hunt, &hc);
		char merged[96] = "";
		if (hc.merged)
			snprintf(merged, sizeof merged, "; %llu more merged into findings sharing their events",
			         (unsigned long long)hc.merged);
		fprintf(stderr, "%s: %llu findings (%llu critical, %llu high, %llu medium, %llu low, "
		        "%llu informational) in %llu events from %lu files%s%s\n",
		        cli_progname, (unsigned long long)h.findings,
		        (unsigned long long)h.by_severity[BT_SEV_CRITICAL],
		        (unsigned long long)h.by_severity[BT_SEV_HIGH],
		        (unsigned long long)h.by_severity[BT_SEV_MEDIUM],
		        (unsigned long long)h.by_severity[BT_SEV_LOW],
		        (unsigned long long)h.by_severity[BT_SEV_INFORMATIONAL],
		        (unsigned long long)run.events, run.files_read, merged, incomplete.p);
	}
	bt_buf_free(&incomplete);
	status = cli_exit_status(&run, &inputs) | (h.findings ? EXIT_FINDINGS : 0) |
	         (partial ? EXIT_PARTIAL : 0);
record:
	/* the files of -o are complete: in place (or, on an error, the exit says so) */
	if (h.outs.n && !outputs_close(&h.outs, status != EXIT_FATAL))
		status = EXIT_FATAL | (status & EXIT_PARTIAL);
	if (rr_file) {
		/* the record states the exit status the run ends with */
		status = cli_output_status(status);
		if (runrecord_hash(rr))
			status |= EXIT_PARTIAL;
		if (!runrecord_write(rr, outfile_stream(rr_file), rules, h.findings, status)) {
			cli_errorf("--run-record %s: out of memory or write error", h.run_record_path);
			outfile_abort(rr_file);
			status = EXIT_FATAL | (status & EXIT_PARTIAL);
		} else if (!outfile_commit(rr_file)) {
			status = EXIT_FATAL | (status & EXIT_PARTIAL);
		}
		rr_file = NULL;
	}
done:
	outputs_close(&h.outs, false);
	outfile_abort(rr_file);
	bt_state_writer_abort(state);
	if (state_gz)
		fclose(state_gz);
	outfile_abort(state_file);
	for (size_t i = 0; i < nstates; i++)
		free(states[i]);
	free(states);
	runrecord_free(rr);
	cli_inputs_free(&inputs);
	bt_hunt_free(hunt);
	bt_hostmap_free(hosts);
	bt_ruleset_free(rules);
	bt_suppress_free(h.suppress);
	bt_buf_free(&h.buf);
	free(h.rule_dirs);
	free(h.hosts);
	free(h.baselines);
	rule_opts_free(&h.sel);
	read_opts_free(&h.ro);
	return status;
}

const struct cmd_entry cmd_hunt_entry = {
	.name = "hunt",
	.args = "[OPTIONS] PATH|STATE...",
	.summary = "detections and correlations: a timeline of findings (the main job)",
	.about = "Run the detections and correlations over all evidence under PATH and print a\n"
	         "timeline of findings.\n",
	.options =
	        "  -f, --format FMT       text (default on a terminal), jsonl, csv, timesketch or\n"
	        "                         bulk (OpenSearch/Elasticsearch bulk API, ECS names)\n"
	        "      --rules DIR        also load the Sigma rules in DIR (repeatable)\n"
	        "      --no-builtin       do not load the built-in rule pack\n"
	        "      --logsources FILE  logsource mapping (default: the installed one)\n"
	        RULE_OPTS_HELP
	        "      --window DURATION  default timespan of the built-in correlations and the\n"
	        "                         grouping gap of findings (default 10m; 90s, 10m, 2h)\n"
	        "      --ticket-lifetime D  how long a Kerberos ticket lives (default 10h): how far\n"
	        "                         back a TGT may explain a service ticket\n"
	        "      --renew-lifetime D how long a TGT may be renewed (default 7d)\n"
	        "      --baseline FILE    a state file (hunt --emit-state) of earlier evidence: each\n"
	        "                         host's history, judged against, not reported (repeatable)\n"
	        "      --baseline-until TIME  evidence before TIME is each host's history: learned\n"
	        "                         by the baseline rules, not judged; findings only\n"
	        "                         after it (see BASELINES)\n"
	        "      --min-level LEVEL  only findings at or above LEVEL: informational, low\n"
	        "                         (default), medium, high, critical; given, it also\n"
	        "                         leaves out the rules below LEVEL\n"
	        "      --host NAME        only findings involving this host (repeatable)\n"
	        "      --suppress FILE    allow-list of known-good activity (see boxtrail(1))\n"
	        "      --host-map FILE    host names and addresses: NAME IP [FROM [UNTIL]] per line\n"
	        "      --run-record FILE  write a chain-of-custody record (inputs with SHA-256);\n"
	        "                         never inside the evidence, never over a file\n"
	        OUTPUTS_HELP
	        "      --emit-state FILE  the map step: write what the hunt learned and matched\n"
	        "                         to FILE (a state file; gzip when it ends in .gz)\n"
	        "                         instead of findings; a hunt\n"
	        "                         given state files among its PATHs joins them\n"
	        "      --state-host NAME  with --emit-state: the collecting host; the state\n"
	        "                         records every path as NAME:PATH\n"
	        "      --force            let -o, --run-record and --emit-state replace a file\n"
	        "      --color WHEN       auto (default), always or never; NO_COLOR is respected\n"
	        "      --csv-raw          do not guard CSV cells against spreadsheet formulas\n"
	        "      --max-memory MB    memory for matched events before spilling to TMPDIR, and\n"
	        "                         for correlation state and findings (default 256)\n",
	.footer = "Exit status: 0 no findings, 1 findings, 2 usage or fatal error, +4 some input\n"
	          "not (fully) read or a limit left the answer incomplete (see LIMITS in boxtrail(1)).\n",
	.shortopts = "f:o:",
	.longopts = long_opts,
	.reads_evidence = true,
	.exec = cmd_hunt,
};
