/* SigmaHQ regression cases: every regression_data/<...>/info.yml names a rule
 * that must fire on the case's .evtx (match_count times when given).
 *
 *   sigma_regress SIGMA_DIR EXCEPTIONS_FILE
 *
 * Loads every rule under SIGMA_DIR/rules* into one set (as a user would),
 * reads each case's .evtx through bt_input, and counts the named rule's hits.
 * Prints one line per case and a summary. A case that fails is either listed
 * in EXCEPTIONS_FILE ("<rule-id> <reason>", one per line) or unexpected.
 * match_count is a minimum (as SigmaHQ's runner reads it): more hits pass with
 * a note. Exit 0 when at least 95% of the cases pass and no failure is
 * unexpected. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input/bt_input.h"
#include "rules/bt_ruleset.h"
#include "io/bt_walk.h"
#include "rules/bt_yaml.h"

struct tcase {
	char *info;
	char *rule_id;
	char *evtx;
	long match_count;    /* -1: not given */
};

static struct tcase *cases;
static size_t ncases, capcases;

static void diag_quiet(void *ctx, enum bt_diag_level l, const char *file, const char *msg)
{
	(void)ctx;
	(void)l;
	(void)file;
	(void)msg;
}

struct info_ctx {
	const char *sigma_dir;
	const char *path;
};

static int on_info(void *vctx, struct bt_ynode *root, unsigned index)
{
	struct info_ctx *c = vctx;
	(void)index;
	const struct bt_ynode *meta = bt_ynode_get(root, "rule_metadata");
	const struct bt_ynode *tests = bt_ynode_get(root, "regression_tests_info");
	if (!meta || meta->kind != BT_Y_SEQ || meta->n == 0 || !tests || tests->kind != BT_Y_SEQ)
		return 0;
	const char *id = bt_ynode_str(bt_ynode_get(meta->items[0], "id"));
	for (size_t i = 0; id && i < tests->n; i++) {
		const struct bt_ynode *t = tests->items[i];
		const char *type = bt_ynode_str(bt_ynode_get(t, "type"));
		const char *path = bt_ynode_str(bt_ynode_get(t, "path"));
		const char *mc = bt_ynode_str(bt_ynode_get(t, "match_count"));
		if (!type || strcmp(type, "evtx") != 0 || !path)
			continue;
		if (ncases == capcases) {
			capcases = capcases ? capcases * 2 : 128;
			cases = realloc(cases, capcases * sizeof *cases);
			if (!cases)
				exit(2);
		}
		struct tcase *k = &cases[ncases++];
		k->info = strdup(c->path);
		k->rule_id = strdup(id);
		size_t l = strlen(c->sigma_dir) + strlen(path) + 2;
		k->evtx = malloc(l);
		snprintf(k->evtx, l, "%s/%s", c->sigma_dir, path);
		k->match_count = mc ? strtol(mc, NULL, 10) : -1;
	}
	return 0;
}

static int walk_info(void *ctx, const char *path, bool named)
{
	(void)named;
	size_t n = strlen(path);
	if (n < 8 || strcmp(path + n - 8, "info.yml") != 0)
		return 0;
	char *buf;
	size_t len;
	char why[200];
	if (bt_yaml_read_file(path, &buf, &len, why, sizeof why) != BT_OK)
		return 0;
	struct bt_arena a;
	bt_arena_init(&a, 0);
	struct info_ctx c = {ctx, path};
	bt_yaml_parse(&a, buf, len, on_info, &c, why, sizeof why);
	bt_arena_free(&a);
	free(buf);
	return 0;
}

struct count_ctx {
	const char *id;
	long hits;
	long recovered;     /* hits on records carved from slack space */
};

static int on_hit(void *ctx, const struct bt_hit *h)
{
	struct count_ctx *c = ctx;
	if (h->rule->sigma->id && strcmp(h->rule->sigma->id, c->id) == 0) {
		c->hits++;
		if (h->event->flags & BT_EV_RECOVERED)
			c->recovered++;
	}
	return 0;
}

static const char *exception_for(char **exc, size_t nexc, const char *id)
{
	size_t l = strlen(id);
	for (size_t i = 0; i < nexc; i++)
		if (strncmp(exc[i], id, l) == 0 && (exc[i][l] == ' ' || exc[i][l] == '\t'))
			return exc[i] + l + 1;
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: sigma_regress SIGMA_DIR EXCEPTIONS_FILE\n");
		return 2;
	}
	const char *dir = argv[1];
	char **exc = NULL;
	size_t nexc = 0;
	FILE *ef = fopen(argv[2], "r");
	if (ef) {
		char line[1024];
		while (fgets(line, sizeof line, ef)) {
			line[strcspn(line, "\n")] = '\0';
			if (!line[0] || line[0] == '#')
				continue;
			exc = realloc(exc, (nexc + 1) * sizeof *exc);
			exc[nexc++] = strdup(line);
		}
		fclose(ef);
	}

	struct bt_ruleset_opts ro = {.diag = {diag_quiet, NULL}, .datadir = getenv("BOXTRAIL_DATADIR"),
	                             .no_jit = getenv("BOXTRAIL_NO_JIT") != NULL};
	struct bt_ruleset *rs;
	char why[512];
	if (bt_ruleset_new(&ro, &rs, why, sizeof why) != BT_OK) {
		fprintf(stderr, "sigma_regress: %s\n", why);
		return 2;
	}
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "sigma_regress: cannot open %s\n", dir);
		return 2;
	}
	struct dirent *de;
	char *sub[16];
	size_t nsub = 0;
	while ((de = readdir(d)) && nsub < 16)
		if (strncmp(de->d_name, "rules", 5) == 0)
			sub[nsub++] = strdup(de->d_name);
	closedir(d);
	for (size_t i = 0; i < nsub; i++) {
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, sub[i]);
		bt_ruleset_add_path(rs, p, false);
		free(sub[i]);
	}
	if (bt_ruleset_finish(rs) != BT_OK) {
		fprintf(stderr, "sigma_regress: out of memory\n");
		return 2;
	}

	char rd[4096];
	snprintf(rd, sizeof rd, "%s/regression_data", dir);
	struct bt_walk_opts wo = {.diag = {diag_quiet, NULL}};
	unsigned long werr = 0;
	bt_walk(rd, &wo, walk_info, (void *)dir, &werr);

	struct bt_input_opts io = {.read.diag = {diag_quiet, NULL}};
	size_t pass = 0, unexpected = 0;
	for (size_t i = 0; i < ncases; i++) {
		struct tcase *k = &cases[i];
		const struct bt_rule_info *ri = bt_ruleset_find(rs, k->rule_id);
		const char *reason = NULL;
		char buf[600];
		long hits = 0, recovered = 0, candidates = 0, events = 0;
		if (!ri) {
			/* Find why: the rule may have been skipped. */
			for (size_t j = 0; j < bt_ruleset_count(rs); j++) {
				const struct bt_rule_info *x = bt_ruleset_info(rs, j);
				if (x->sigma->id && strcmp(x->sigma->id, k->rule_id) == 0 && x->reason) {
					snprintf(buf, sizeof buf, "rule skipped: %s", x->reason);
					reason = buf;
				}
			}
			if (!reason)
				reason = "rule not found";
		} else {
			struct bt_input *in;
			if (bt_input_open(k->evtx, &io, NULL, &in) != BT_OK) {
				reason = "cannot open the .evtx";
			} else {
				const struct bt_event *ev;
				struct count_ctx cc = {k->rule_id, 0, 0};
				while (bt_input_next(in, &ev) == BT_OK) {
					events++;
					if (bt_ruleset_wants(rs, ev))
						candidates++;
					bt_ruleset_match(rs, ev, on_hit, &cc);
				}
				bt_input_free(in);
				hits = cc.hits;
				recovered = cc.recovered;
				if (hits == 0) {
					snprintf(buf, sizeof buf,
					         "no hit (%ld events, %ld reach some rule of the set)", events,
					         candidates);
					reason = buf;
				} else if (k->match_count >= 0 && hits < k->match_count) {
					snprintf(buf, sizeof buf, "%ld hits, match_count %ld", hits,
					         k->match_count);
					reason = buf;
				}
			}
		}
		const char *title = ri && ri->sigma->title ? ri->sigma->title : "?";
		if (!reason) {
			pass++;
			printf("ok    %s %ld hit(s)", k->rule_id, hits);
			if (recovered)
				printf(" (%ld on records recovered from slack space)", recovered);
			if (k->match_count >= 0 && hits > k->match_count)
				printf(" (more than match_count %ld)", k->match_count);
			printf("  %s\n", title);
			continue;
		}
		const char *ex = exception_for(exc, nexc, k->rule_id);
		if (ex) {
			printf("MISS  %s %s  %s\n      known: %s\n", k->rule_id, title, reason, ex);
		} else {
			unexpected++;
			printf("FAIL  %s %s  %s\n      (%s)\n", k->rule_id, title, reason, k->evtx);
		}
	}
	double rate = ncases ? 100.0 * (double)pass / (double)ncases : 0.0;
	printf("regression: %zu of %zu cases pass (%.1f%%), %zu unexpected failure(s)\n", pass,
	       ncases, rate, unexpected);
	bt_ruleset_free(rs);
	for (size_t i = 0; i < ncases; i++) {
		free(cases[i].info);
		free(cases[i].rule_id);
		free(cases[i].evtx);
	}
	free(cases);
	for (size_t i = 0; i < nexc; i++)
		free(exc[i]);
	free(exc);
	if (ncases == 0)
		return 2;
	return rate >= 95.0 && unexpected == 0 ? 0 : 1;
}
