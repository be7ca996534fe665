/* `boxtrail baseline`: what the evidence shows as usual, as the baseline
 * correlations (absent, rare_value; boxtrail(1) BASELINES) learned it: the
 * witness logs and how far back each reaches (for Kerberos: the domain
 * controllers and their Security logs), and each learned value with how
 * often and where it was first seen (realm spellings, ciphers per account).
 * Runs the hunt's reading and correlation; prints facts, not findings. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/bt_buf.h"
#include "hunt/bt_coverage.h"
#include "hunt/bt_hostmap.h"
#include "hunt/bt_hunt.h"
#include "cli.h"
#include "commands.h"
#include "escape.h"
#include "json_writer.h"
#include "readopts.h"

enum {
	OPT_RULES = READ_OPT_END,
	OPT_NO_BUILTIN,
	OPT_TICKET_LIFETIME,
	OPT_RENEW_LIFETIME,
	OPT_BASELINE_UNTIL,
};

static const struct option long_opts[] = {
	READ_LONG_OPTS,
	{"format", required_argument, NULL, 'f'},
	{"rules", required_argument, NULL, OPT_RULES},
	{"no-builtin", no_argument, NULL, OPT_NO_BUILTIN},
	{"ticket-lifetime", required_argument, NULL, OPT_TICKET_LIFETIME},
	{"renew-lifetime", required_argument, NULL, OPT_RENEW_LIFETIME},
	{"baseline-until", required_argument, NULL, OPT_BASELINE_UNTIL},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct baseline_args {
	bool jsonl, format_set, no_builtin;
	const char **rule_dirs;
	size_t nrule_dirs;
	int64_t ticket_lifetime, renew_lifetime;
	bt_time baseline_until;         /* --baseline-until (0: none) */
};

static int baseline_opt(void *ctx, int c, const char *arg)
{
	struct baseline_args *a = ctx;
	switch (c) {
	case 'f':
		if (strcmp(arg, "jsonl") == 0 || strcmp(arg, "text") == 0) {
			a->jsonl = arg[0] == 'j';
			a->format_set = true;
			return 1;
		}
		cli_errorf("baseline: unknown format '%s' (text, jsonl)", arg);
		return -1;
	case OPT_RULES: {
		const char **nv = realloc(a->rule_dirs, (a->nrule_dirs + 1) * sizeof *nv);
		if (!nv)
			return -1;
		a->rule_dirs = nv;
		a->rule_dirs[a->nrule_dirs++] = arg;
		return 1;
	}
	case OPT_NO_BUILTIN:
		a->no_builtin = true;
		return 1;
	case OPT_BASELINE_UNTIL:
		if (!cli_parse_baseline_until(arg, &a->baseline_until)) {
			cli_errorf("baseline: --baseline-until '%s' is not a time (RFC 3339 or YYYY-MM-DD)", arg);
			return -1;
		}
		return 1;
	case OPT_TICKET_LIFETIME:
	case OPT_RENEW_LIFETIME:
		if (!cli_parse_lifetime(arg, c == OPT_TICKET_LIFETIME ? &a->ticket_lifetime
		                                                      : &a->renew_lifetime)) {
			cli_errorf("baseline: --%s '%s' is not a duration (10h, 7d)",
			           c == OPT_TICKET_LIFETIME ? "ticket-lifetime" : "renew-lifetime", arg);
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

/* A fact copied out of the correlator, to be sorted. */
struct fact {
	const struct bt_rule_info *rule;
	bool witness, usual, seen;
	char *host, *channel, *group, *field, *value, *first_file;
	uint64_t count, total, first_record, first_line;
	bt_time first, last;
};

struct facts {
	struct fact *v;
	size_t n, cap;
	bool nomem;
};

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void take_fact(void *ctx, const struct bt_rule_info *rule, const struct bt_baseline_fact *f)
{
	struct facts *fs = ctx;
	if (fs->n == fs->cap) {
		size_t nc = fs->cap ? fs->cap * 2 : 64;
		struct fact *nv = realloc(fs->v, nc * sizeof *nv);
		if (!nv) {
			fs->nomem = true;
			return;
		}
		fs->v = nv;
		fs->cap = nc;
	}
	struct fact *x = &fs->v[fs->n++];
	*x = (struct fact){.rule = rule, .witness = f->witness, .usual = f->usual,
	                   .host = dup0(f->host), .channel = dup0(f->channel),
	                   .group = dup0(f->group), .field = dup0(f->field), .value = dup0(f->value),
	                   .first_file = dup0(f->first_file), .count = f->count, .total = f->total,
	                   .first_record = f->first_record, .first_line = f->first_line,
	                   .seen = f->seen, .first = f->first, .last = f->last};
}

static int strcmp0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

/* Witness logs first (by host, channel), then values by rule, group, the
 * most frequent first. */
static int cmp_fact(const void *pa, const void *pb)
{
	const struct fact *a = pa, *b = pb;
	int c;
	if (a->witness != b->witness)
		return a->witness ? -1 : 1;
	if (a->witness) {
		if ((c = strcmp0(a->host, b->host)) || (c = strcasecmp(a->channel, b->channel)))
			return c;
		return (int)a->rule->index - (int)b->rule->index;
	}
	if (a->rule->index != b->rule->index)
		return a->rule->index < b->rule->index ? -1 : 1;
	if ((c = strcmp0(a->group, b->group)))
		return c;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp0(a->value, b->value);
}

static const char *rule_id(const struct bt_rule_info *r)
{
	return r->sigma->id ? r->sigma->id : "?";
}

static void spans_out(struct bt_buf *b, bool jsonl, struct jw *w, const struct bt_coverage *cov,
                      const char *host, const char *channel)
{
	struct bt_coverage_span sp;
	for (size_t i = 0; bt_coverage_get(cov, i, &sp); i++) {
		if (strcmp(sp.host, host) != 0 || strcasecmp(sp.channel, channel) != 0)
			continue;
		if (jsonl) {
			jw_object(w);
			jw_key(w, "first");
			jw_time(w, sp.first);
			jw_key(w, "last");
			jw_time(w, sp.last);
			jw_key(w, "file");
			jw_strz(w, sp.file);
			jw_object_end(w);
		} else {
			char f[BT_TIME_BUFSZ], l[BT_TIME_BUFSZ];
			bt_time_format(sp.first, f);
			bt_time_format(sp.last, l);
			bt_buf_printf(b, "        %s .. %s  ", f, l);
			esc_text_str(b, sp.file);
			bt_buf_putc(b, '\n');
		}
	}
}

/* One witness log, with the rules it witnesses for (facts [i, j) share it). */
static void witness_out(struct bt_buf *b, bool jsonl, const struct bt_coverage *cov,
                        const struct fact *v, size_t n)
{
	if (jsonl) {
		struct jw w;
		jw_init(&w, b);
		jw_object(&w);
		jw_key(&w, "kind");
		jw_strz(&w, "witness_log");
		jw_key(&w, "host");
		jw_strz(&w, v[0].host);
		jw_key(&w, "channel");
		jw_strz(&w, v[0].channel);
		jw_key(&w, "spans");
		jw_array(&w);
		spans_out(b, true, &w, cov, v[0].host, v[0].channel);
		jw_array_end(&w);
		jw_key(&w, "rules");
		jw_array(&w);
		for (size_t i = 0; i < n; i++)
			jw_strz(&w, rule_id(v[i].rule));
		jw_array_end(&w);
		jw_object_end(&w);
		bt_buf_putc(b, '\n');
		return;
	}
	bt_buf_puts(b, "    ");
	esc_text_str(b, v[0].host);
	bt_buf_putc(b, ' ');
	esc_text_str(b, v[0].channel);
	bt_buf_puts(b, ", witness for:");
	for (size_t i = 0; i < n; i++) {
		bt_buf_puts(b, i ? "; " : " ");
		esc_text_str(b, v[i].rule->sigma->title ? v[i].rule->sigma->title : rule_id(v[i].rule));
	}
	bt_buf_putc(b, '\n');
	spans_out(b, false, NULL, cov, v[0].host, v[0].channel);
}

/* A group seen in a host's history (absent with history: container
 * images, accounts, hours of a host), with where it was first seen. */
/* A fact's record starts: its kind, rule, rule title and group. */
static void fact_json_head(struct jw *w, const struct fact *f, const char *kind)
{
	jw_object(w);
	jw_key(w, "kind");
	jw_strz(w, kind);
	jw_key(w, "rule");
	jw_strz(w, rule_id(f->rule));
	jw_key(w, "title");
	jw_strz(w, f->rule->sigma->title);
	jw_key(w, "group");
	jw_strz(w, f->group);
}

/* The text heading of a rule's facts: "LABEL title (id)". */
static void fact_text_head(struct bt_buf *b, const struct fact *f, const char *label)
{
	bt_buf_puts(b, label);
	esc_text_str(b, f->rule->sigma->title ? f->rule->sigma->title : "?");
	bt_buf_printf(b, " (%s)\n", rule_id(f->rule));
}

/* Where a fact was first seen: file, then record or line. */
static void first_seen_json(struct jw *w, const struct fact *f)
{
	jw_key(w, "first_file");
	jw_strz(w, f->first_file);
	jw_key(w, "first_record");
	jw_u64_or_null(w, f->first_record != 0, f->first_record);
	jw_key(w, "first_line");
	jw_u64_or_null(w, f->first_line != 0, f->first_line);
}

static void first_seen_text(struct bt_buf *b, const struct fact *f)
{
	esc_text_str(b, f->first_file ? f->first_file : "?");
	if (f->first_record)
		bt_buf_printf(b, " record %llu\n", (unsigned long long)f->first_record);
	else
		bt_buf_printf(b, " line %llu\n", (unsigned long long)f->first_line);
}

static void seen_out(struct bt_buf *b, bool jsonl, const struct fact *f, bool new_rule)
{
	if (jsonl) {
		struct jw w;
		jw_init(&w, b);
		fact_json_head(&w, f, "seen_group");
		jw_key(&w, "count");
		jw_u64(&w, f->count);
		jw_key(&w, "first");
		jw_time(&w, f->first);
		jw_key(&w, "last");
		jw_time(&w, f->last);
		first_seen_json(&w, f);
		jw_object_end(&w);
		bt_buf_putc(b, '\n');
		return;
	}
	if (new_rule)
		fact_text_head(b, f, "history of ");
	char t1[BT_TIME_BUFSZ], t2[BT_TIME_BUFSZ];
	bt_time_format(f->first, t1);
	bt_time_format(f->last, t2);
	bt_buf_puts(b, "    ");
	esc_text_str(b, f->group);
	bt_buf_printf(b, ": %llu, %s .. %s, first ", (unsigned long long)f->count, t1, t2);
	first_seen_text(b, f);
}

static void value_out(struct bt_buf *b, bool jsonl, const struct fact *f, bool new_rule)
{
	if (f->seen) {
		seen_out(b, jsonl, f, new_rule);
		return;
	}
	if (jsonl) {
		struct jw w;
		jw_init(&w, b);
		fact_json_head(&w, f, "learned_value");
		jw_key(&w, "field");
		jw_strz(&w, f->field);
		jw_key(&w, "value");
		jw_strz(&w, f->value);
		jw_key(&w, "count");
		jw_u64(&w, f->count);
		jw_key(&w, "total");
		jw_u64(&w, f->total);
		jw_key(&w, "usual");
		jw_bool(&w, f->usual);
		first_seen_json(&w, f);
		jw_object_end(&w);
		bt_buf_putc(b, '\n');
		return;
	}
	if (new_rule)
		fact_text_head(b, f, "learned by ");
	bt_buf_puts(b, "    ");
	esc_text_str(b, f->group);
	bt_buf_puts(b, ": ");
	esc_text_str(b, f->field);
	bt_buf_putc(b, ' ');
	esc_text_str(b, f->value);
	bt_buf_printf(b, " in %llu of %llu%s, first ", (unsigned long long)f->count,
	              (unsigned long long)f->total, f->usual ? " (usual)" : "");
	first_seen_text(b, f);
}

static void discard(void *ctx, struct bt_finding *f)
{
	(void)ctx;
	bt_finding_free(f);
}

static struct bt_ruleset *load_rules(struct baseline_args *a, const struct read_opts *ro)
{
	struct bt_ruleset_opts o = {.diag = ro->in.read.diag, .datadir = cli_datadir(),
	                            .no_jit = cli_no_jit()};
	struct bt_ruleset *rs;
	char why[512];
	if (bt_ruleset_new(&o, &rs, why, sizeof why) != BT_OK) {
		cli_errorf("baseline: %s", why);
		return NULL;
	}
	bool ok = a->no_builtin || bt_ruleset_add_builtin(rs) == BT_OK;
	for (size_t i = 0; i < a->nrule_dirs && ok; i++)
		ok = bt_ruleset_add_path(rs, a->rule_dirs[i], false) == BT_OK;
	if (!ok || bt_ruleset_finish(rs) != BT_OK) {
		bt_ruleset_free(rs);
		return NULL;
	}
	return rs;
}

static int cmd_baseline(const struct cmd_entry *self, int argc, char **argv)
{
	struct read_opts ro;
	read_opts_init(&ro);
	struct baseline_args a = {0};
	int status = EXIT_FATAL;
	struct cli_inputs inputs = {0};
	struct bt_ruleset *rules = NULL;
	struct bt_hostmap *hm = NULL;
	struct bt_hunt *hunt = NULL;
	struct facts fs = {0};
	int pa = cmd_getopt(self, argc, argv, &ro, baseline_opt, &a);
	if (pa != 0) {
		status = pa < 0 ? EXIT_NOTHING : pa;
		goto done;
	}
	if (!a.format_set)
		a.jsonl = !isatty(STDOUT_FILENO);
	if (!read_opts_inputs(&ro, argv + optind, argc - optind, "baseline", &inputs))
		goto done;
	if (!(rules = load_rules(&a, &ro)) || !(hm = bt_hostmap_new()))
		goto done;
	struct bt_hunt_opts ho = {.rules = rules, .hosts = hm, .since = ro.filter.since,
	                          .until = ro.filter.until, .diag = ro.in.read.diag,
	                          .ticket_lifetime = a.ticket_lifetime,
	                          .renew_lifetime = a.renew_lifetime,
	                          .baseline_until = a.baseline_until, .tmpdir = cli_tmpdir()};
	if (!(hunt = bt_hunt_new(&ho)))
		goto done;
	struct cli_run run = {0};
	struct read_run reading;
	if (!read_run_begin(&reading, &ro, &inputs, &run, NULL, NULL))
		goto done;
	enum bt_status st = bt_hunt_read(hunt, reading.in, reading.n, &reading.scan, &ro.filter,
	                                 &reading.report);
	read_run_end(&reading);
	if (st != BT_OK || bt_hunt_finish(hunt, discard, NULL) != BT_OK) {
		cli_errorf("baseline: out of memory or spill file error");
		goto done;
	}
	bt_hunt_facts(hunt, take_fact, &fs);
	if (fs.nomem) {
		cli_errorf("baseline: out of memory");
		goto done;
	}
	qsort(fs.v, fs.n, sizeof *fs.v, cmp_fact);
	struct bt_buf b = BT_BUF_INIT;
	bool header = false;
	for (size_t i = 0, j; i < fs.n; i = j) {
		bt_buf_reset(&b);
		j = i + 1;
		if (fs.v[i].witness) {
			while (j < fs.n && fs.v[j].witness && strcmp(fs.v[j].host, fs.v[i].host) == 0 &&
			       strcasecmp(fs.v[j].channel, fs.v[i].channel) == 0)
				j++;
			if (!a.jsonl && !header)
				bt_buf_puts(&b, "witness logs (an absence is judged only as far back as "
				                "they reach)\n");
			header = true;
			witness_out(&b, a.jsonl, bt_hunt_coverage(hunt), &fs.v[i], j - i);
		} else {
			value_out(&b, a.jsonl, &fs.v[i], i == 0 || fs.v[i - 1].witness ||
			                                     fs.v[i - 1].rule != fs.v[i].rule);
		}
		cli_write_out(b.p, b.n);
	}
	bt_buf_free(&b);
	if (inputs.n == 0 && inputs.walk_errors == 0)
		cli_errorf("baseline: no files found under the given paths");
	status = cli_exit_status(&run, &inputs);
done:
	for (size_t i = 0; i < fs.n; i++) {
		free(fs.v[i].host);
		free(fs.v[i].channel);
		free(fs.v[i].group);
		free(fs.v[i].field);
		free(fs.v[i].value);
		free(fs.v[i].first_file);
	}
	free(fs.v);
	bt_hunt_free(hunt);
	bt_hostmap_free(hm);
	bt_ruleset_free(rules);
	free(a.rule_dirs);
	cli_inputs_free(&inputs);
	read_opts_free(&ro);
	return status;
}

const struct cmd_entry cmd_baseline_entry = {
	.name = "baseline",
	.args = "[OPTIONS] PATH...",
	.summary = "what the evidence shows as usual: witness logs and learned values, with provenance",
	.about = "Read the evidence under PATH as hunt does and print what its baseline correlations\n"
	         "learned (boxtrail(1) BASELINES): each witness log (for Kerberos, each domain\n"
	         "controller's Security log) and how far back it reaches, and each learned value\n"
	         "(a realm's spellings, an account's ciphers) with how often and where first seen.\n",
	.options = "  -f, --format FMT       text (default on a terminal) or jsonl\n"
	           "      --rules DIR        also load the Sigma rules in DIR (repeatable)\n"
	           "      --no-builtin       do not load the built-in rule pack\n"
	           "      --ticket-lifetime D, --renew-lifetime D   as for hunt\n"
	           "      --baseline-until TIME  learn only from the evidence before TIME\n",
	.footer = "Exit status: 0 ok, 2 usage error or nothing readable, +4 some input not (fully) read.\n",
	.shortopts = "f:",
	.longopts = long_opts,
	.reads_evidence = true,
	.exec = cmd_baseline,
};
