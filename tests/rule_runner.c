/* Runs the rule tests in tests/rules/<name>.test against a rule directory.
 *
 *   rule_runner RULES_DIR TEST_FILE...
 *
 * A test file is JSON:
 *   {"rule": "<rule id>",
 *    "cases": [{"expect": "hit"|"miss", "why": "...", "event": EVENT}, ...]}
 * EVENT is a normalised event as `boxtrail events` prints it (source,
 * channel, provider, event_id, level, record_id, host, user_sid, system{},
 * fields{}; arrays make multi-valued fields).
 *
 * Checks, for every case, that the rule hits (or not) the event; and, over
 * RULES_DIR, that every rule loads and that every loaded rule has at least one
 * "hit" case and one "miss" case. Exit 0 when all hold. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/bt_event.h"
#include "rules/bt_ruleset.h"

static unsigned failures;

static void diag_print(void *ctx, enum bt_diag_level l, const char *file, const char *msg)
{
	(void)ctx;
	(void)l;
	fprintf(stderr, "rule_runner: %s: %s\n", file ? file : "-", msg);
}

static enum bt_source source_of(const char *s)
{
	for (int i = 0; i < BT_SOURCE_COUNT; i++)
		if (strcmp(bt_source_name((enum bt_source)i), s) == 0)
			return (enum bt_source)i;
	return BT_SOURCE_EVTX;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return json_object_get_string(v);
}

static void add_fields(struct bt_evbuf *eb, json_object *obj, uint32_t flags)
{
	json_object_object_foreach(obj, key, val)
	{
		if (json_object_is_type(val, json_type_array)) {
			size_t n = json_object_array_length(val);
			for (size_t i = 0; i < n; i++) {
				const char *s = json_object_get_string(json_object_array_get_idx(val, i));
				bt_evbuf_add(eb, key, strlen(key), s, strlen(s), flags | BT_FIELD_LIST);
			}
		} else {
			const char *s = json_object_get_string(val);
			bt_evbuf_add(eb, key, strlen(key), s, strlen(s), flags);
		}
	}
}

/* Builds an event from its JSON form into eb. */
static const struct bt_event *build_event(struct bt_evbuf *eb, json_object *e, const char *file)
{
	const char *src = jstr(e, "source");
	bt_evbuf_reset(eb, src ? source_of(src) : BT_SOURCE_EVTX);
	const char *s;
	if ((s = jstr(e, "channel")))
		eb->ev.channel = bt_evbuf_str(eb, s, strlen(s));
	if ((s = jstr(e, "provider")))
		eb->ev.provider = bt_evbuf_str(eb, s, strlen(s));
	if ((s = jstr(e, "host")))
		eb->ev.host = bt_evbuf_str(eb, s, strlen(s));
	if ((s = jstr(e, "user_sid")))
		eb->ev.user_sid = bt_evbuf_str(eb, s, strlen(s));
	eb->ev.file = bt_evbuf_str(eb, file, strlen(file));
	json_object *v;
	if (json_object_object_get_ex(e, "event_id", &v) && !json_object_is_type(v, json_type_null))
		eb->ev.event_id = (uint32_t)json_object_get_int64(v);
	if (json_object_object_get_ex(e, "level", &v) && !json_object_is_type(v, json_type_null))
		eb->ev.level = json_object_get_int(v);
	if (json_object_object_get_ex(e, "record_id", &v) && !json_object_is_type(v, json_type_null))
		eb->ev.record_id = (uint64_t)json_object_get_int64(v);
	if (json_object_object_get_ex(e, "system", &v) && json_object_is_type(v, json_type_object))
		add_fields(eb, v, BT_FIELD_SYSTEM);
	if (json_object_object_get_ex(e, "fields", &v) && json_object_is_type(v, json_type_object))
		add_fields(eb, v, 0);
	return bt_evbuf_done(eb);
}

struct hit_ctx {
	const char *id;
	bool hit;
	char others[512];
};

static int on_hit(void *ctx, const struct bt_hit *h)
{
	struct hit_ctx *c = ctx;
	const char *id = h->rule->sigma->id ? h->rule->sigma->id : "?";
	if (strcmp(id, c->id) == 0)
		c->hit = true;
	return 0;
}

struct cover {
	const char *id;
	unsigned hits, misses;
};

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rule_runner RULES_DIR TEST_FILE...\n");
		return 2;
	}
	struct bt_ruleset_opts ro = {.diag = {diag_print, NULL}, .datadir = getenv("BOXTRAIL_DATADIR"),
	                             .no_jit = getenv("BOXTRAIL_NO_JIT") != NULL};
	struct bt_ruleset *rs;
	char why[512];
	if (bt_ruleset_new(&ro, &rs, why, sizeof why) != BT_OK) {
		fprintf(stderr, "rule_runner: %s\n", why);
		return 2;
	}
	if (bt_ruleset_add_path(rs, argv[1], true) != BT_OK || bt_ruleset_finish(rs) != BT_OK) {
		fprintf(stderr, "rule_runner: cannot load %s\n", argv[1]);
		return 2;
	}
	size_t n = bt_ruleset_count(rs);
	struct cover *cov = calloc(n ? n : 1, sizeof *cov);
	if (!cov)
		return 2;
	for (size_t i = 0; i < n; i++) {
		const struct bt_rule_info *ri = bt_ruleset_info(rs, i);
		cov[i].id = ri->sigma->id;
		if (ri->state == BT_RULE_SKIPPED || ri->state == BT_RULE_UNREADABLE) {
			printf("FAIL  %s: %s: %s\n", ri->sigma->file, ri->sigma->title ? ri->sigma->title : "?",
			       ri->reason);
			failures++;
		}
	}

	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	unsigned ncases = 0;
	for (int a = 2; a < argc; a++) {
		json_object *root = json_object_from_file(argv[a]);
		if (!root) {
			printf("FAIL  %s: not valid JSON\n", argv[a]);
			failures++;
			continue;
		}
		const char *id = jstr(root, "rule");
		json_object *cases;
		const struct bt_rule_info *ri = id ? bt_ruleset_find(rs, id) : NULL;
		if (!ri || !json_object_object_get_ex(root, "cases", &cases) ||
		    !json_object_is_type(cases, json_type_array)) {
			printf("FAIL  %s: rule %s not loaded or no cases\n", argv[a], id ? id : "(none)");
			failures++;
			json_object_put(root);
			continue;
		}
		struct cover *cv = &cov[ri->index];
		size_t nc = json_object_array_length(cases);
		for (size_t i = 0; i < nc; i++) {
			json_object *c = json_object_array_get_idx(cases, i);
			const char *expect = jstr(c, "expect");
			const char *cwhy = jstr(c, "why");
			json_object *e;
			if (!expect || !json_object_object_get_ex(c, "event", &e)) {
				printf("FAIL  %s: case %zu: needs expect and event\n", argv[a], i + 1);
				failures++;
				continue;
			}
			bool want = strcmp(expect, "hit") == 0;
			const struct bt_event *ev = build_event(&eb, e, argv[a]);
			struct hit_ctx hc = {.id = id};
			bt_ruleset_match(rs, ev, on_hit, &hc);
			bool wanted = bt_ruleset_wants(rs, ev);
			ncases++;
			if (want)
				cv->hits++;
			else
				cv->misses++;
			if (hc.hit != want || (hc.hit && !wanted)) {
				printf("FAIL  %s: case %zu (%s%s%s): expected %s, got %s%s\n", argv[a], i + 1,
				       expect, cwhy ? ": " : "", cwhy ? cwhy : "", want ? "a hit" : "no hit",
				       hc.hit ? "a hit" : "no hit",
				       hc.hit && !wanted ? " but bt_ruleset_wants() said no" : "");
				failures++;
			}
		}
		json_object_put(root);
	}
	for (size_t i = 0; i < n; i++) {
		const struct bt_rule_info *ri = bt_ruleset_info(rs, i);
		if (ri->state != BT_RULE_LOADED)
			continue;
		if (!cov[i].hits || !cov[i].misses) {
			printf("FAIL  %s (%s): no %s case\n", ri->sigma->title, ri->sigma->id,
			       !cov[i].hits ? "hit" : "near-miss");
			failures++;
		}
	}
	printf("rule tests: %u cases, %u failure(s)\n", ncases, failures);
	bt_evbuf_free(&eb);
	free(cov);
	bt_ruleset_free(rs);
	return failures ? 1 : 0;
}
