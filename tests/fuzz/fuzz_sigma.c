/* libFuzzer harness: Sigma YAML -> rule model -> compiled ruleset -> matching
 * (lib/bt_yaml.c, bt_sigma_load.c, bt_sigma_cond.c, bt_sigma_match.c,
 * bt_ruleset.c), read from a real file as --rules reads one. Rules come from users and shared sets: loading any bytes must
 * end in loaded/skipped/unreadable, never in a crash, leak or hang. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bt_event.h"
#include "rules/bt_ruleset.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char mapping[] =
	"windows:\n"
	"  default: [{evtx: true}]\n"
	"  services:\n"
	"    security: [{channel: Security}]\n"
	"  categories:\n"
	"    process_creation:\n"
	"      - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [1]}\n"
	"      - {channel: Security, event_ids: [4688], fields: {Image: NewProcessName}}\n"
	"    registry_add:\n"
	"      - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [12],\n"
	"         require: {EventType: [CreateKey]}}\n"
	"docker:\n"
	"  default: [{channel: docker}]\n";

static int count_hit(void *ctx, const struct bt_hit *h)
{
	(*(size_t *)ctx)++;
	return h->rule->sigma->title == NULL;   /* exercise the early stop */
}

static void match_some(struct bt_ruleset *rs)
{
	static const char *const values[] = {
		"C:\\Windows\\System32\\cmd.exe", "", "0x17", "::ffff:10.0.0.5", "4624",
		"a\xff\xfe\xe2\x80\x93-enc SQBuAHYAbwBrAGUA", "CreateKey",
	};
	static const char *const names[] = {"Image", "CommandLine", "Status", "IpAddress",
	                                    "Data", "Data", "EventType"};
	static const char *const channels[] = {"Security", "Microsoft-Windows-Sysmon/Operational",
	                                       "docker"};
	static const uint32_t eids[] = {4688, 1, 0};
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	for (size_t c = 0; c < 3; c++) {
		bt_evbuf_reset(&eb, c == 2 ? BT_SOURCE_DOCKERD : BT_SOURCE_EVTX);
		eb.ev.channel = channels[c];
		eb.ev.event_id = eids[c];
		eb.ev.provider = "p";
		for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
			bt_evbuf_add(&eb, names[i], strlen(names[i]), values[i], strlen(values[i]),
			             strcmp(names[i], "Data") == 0 ? BT_FIELD_LIST : 0);
		const struct bt_event *ev = bt_evbuf_done(&eb);
		size_t n = 0;
		if (bt_ruleset_wants(rs, ev))
			bt_ruleset_match(rs, ev, count_hit, &n);
	}
	bt_evbuf_free(&eb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_ruleset_opts o = {.logsource_yaml = mapping, .logsource_len = sizeof mapping - 1};
	struct bt_ruleset *rs;
	char why[256];
	if (bt_ruleset_new(&o, &rs, why, sizeof why) != BT_OK)
		abort();
	/* as `--rules FILE` reads it: a named file, whatever its name */
	const char *path = fuzz_file(data, size);
	if (path)
		bt_ruleset_add_path(rs, path, false);
	if (bt_ruleset_finish(rs) == BT_OK)
		match_some(rs);
	for (size_t i = 0; i < bt_ruleset_count(rs); i++) {
		const struct bt_rule_info *ri = bt_ruleset_info(rs, i);
		if ((ri->state == BT_RULE_SKIPPED || ri->state == BT_RULE_UNREADABLE) && !ri->reason)
			abort();   /* every rule that is not used says why */
	}
	bt_ruleset_free(rs);
	return 0;
}
