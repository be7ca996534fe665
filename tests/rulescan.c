/* A test tool: runs rules over evidence and prints hits and per-rule counts,
 * until the hunt command exists.
 *
 *   rulescan [--no-builtin] [--rules PATH]... [--worker EXE] [--hits] PATH...
 *
 * Prints, with --hits, one line per hit: "hit<TAB>rule-id<TAB>file<TAB>record";
 * then one line per rule that hit: "count<TAB>N<TAB>rule-id<TAB>title"; then
 * "files<TAB>N<TAB>events<TAB>N<TAB>decoded<TAB>N" (decoded: events whose
 * EventData was extracted, i.e. that some rule could match). --worker names the boxtrail
 * binary so that libevtx runs isolated in a child process. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/bt_input.h"
#include "rules/bt_ruleset.h"
#include "io/bt_walk.h"

static void diag_quiet(void *ctx, enum bt_diag_level l, const char *file, const char *msg)
{
	(void)ctx;
	(void)l;
	(void)file;
	(void)msg;
}

struct scan {
	struct bt_ruleset *rs;
	struct bt_input_opts io;
	unsigned long *counts;
	unsigned long files, events, decoded;
	bool print_hits;
};

static int on_hit(void *ctx, const struct bt_hit *h)
{
	struct scan *s = ctx;
	s->counts[h->rule->index]++;
	if (s->print_hits)
		printf("hit\t%s\t%s\t%llu\n", h->rule->sigma->id ? h->rule->sigma->id : "-",
		       h->event->file ? h->event->file : "-",
		       (unsigned long long)(h->event->record_id ? h->event->record_id : h->event->line));
	return 0;
}

static int on_file(void *ctx, const char *path, bool named)
{
	struct scan *s = ctx;
	(void)named;
	struct bt_input *in;
	if (bt_input_open(path, &s->io, NULL, &in) != BT_OK)
		return 0;
	s->files++;
	const struct bt_event *ev;
	while (bt_input_next(in, &ev) == BT_OK) {
		s->events++;
		for (size_t f = 0; f < ev->nfields; f++) {
			if (!(ev->fields[f].flags & BT_FIELD_SYSTEM)) {
				s->decoded++;
				break;
			}
		}
		bt_ruleset_match(s->rs, ev, on_hit, s);
	}
	bt_input_free(in);
	return 0;
}

int main(int argc, char **argv)
{
	struct bt_ruleset_opts ro = {.diag = {diag_quiet, NULL}, .datadir = getenv("BOXTRAIL_DATADIR"),
	                             .no_jit = getenv("BOXTRAIL_NO_JIT") != NULL};
	struct bt_ruleset *rs;
	char why[512];
	if (bt_ruleset_new(&ro, &rs, why, sizeof why) != BT_OK) {
		fprintf(stderr, "rulescan: %s\n", why);
		return 2;
	}
	struct scan s = {.rs = rs};
	s.io.read.diag.fn = diag_quiet;
	s.io.read.want_fields = bt_ruleset_want_fields;
	s.io.read.want_ctx = rs;
	bool builtin = true;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--no-builtin") == 0)
			builtin = false;
		else if (strcmp(argv[i], "--hits") == 0)
			s.print_hits = true;
		else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
			bt_ruleset_add_path(rs, argv[++i], false);
		else if (strcmp(argv[i], "--worker") == 0 && i + 1 < argc)
			s.io.evtx.worker_exe = argv[++i];
		else {
			fprintf(stderr, "rulescan: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (builtin)
		bt_ruleset_add_builtin(rs);
	if (bt_ruleset_finish(rs) != BT_OK)
		return 2;
	s.counts = calloc(bt_ruleset_count(rs) + 1, sizeof *s.counts);
	if (!s.counts)
		return 2;
	struct bt_walk_opts wo = {.diag = {diag_quiet, NULL}};
	unsigned long werr = 0;
	for (; i < argc; i++)
		bt_walk(argv[i], &wo, on_file, &s, &werr);
	for (size_t r = 0; r < bt_ruleset_count(rs); r++) {
		const struct bt_rule_info *ri = bt_ruleset_info(rs, r);
		if (s.counts[r])
			printf("count\t%lu\t%s\t%s\n", s.counts[r], ri->sigma->id ? ri->sigma->id : "-",
			       ri->sigma->title ? ri->sigma->title : "-");
	}
	printf("files\t%lu\tevents\t%lu\tdecoded\t%lu\n", s.files, s.events, s.decoded);
	free(s.counts);
	bt_ruleset_free(rs);
	return 0;
}
