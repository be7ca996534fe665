/* Docker and Host Compute Service facts in EVTX events. */
#include "config.h"

#include "docker/bt_docker_winevt.h"

#include <string.h>

#include <json-c/json.h>

#include "docker/bt_docker_facts.h"

/* The value of the n-th Data field (stable: it lives in the event arena). */
static bool data_value(const struct bt_evbuf *eb, size_t want, const char **v, size_t *n)
{
	size_t k = 0;
	for (size_t i = 0; i < eb->ev.nfields; i++) {
		const struct bt_field *f = &eb->fv[i];
		if (f->name_len == 4 && memcmp(f->name, "Data", 4) == 0 && k++ == want) {
			bt_field_need(&eb->ev, f);
			*v = f->text;
			*n = f->text_len;
			return true;
		}
	}
	return false;
}

static const char *level_word(const struct bt_event *ev)
{
	switch (ev->event_id % 10) {
	case 2: return "debug";
	case 3: return "panic";
	case 4: return "fatal";
	default: break;
	}
	switch (ev->level) {
	case 1:
	case 2: return "error";
	case 3: return "warning";
	default: return "info";
	}
}

static void docker_service(struct bt_evbuf *eb)
{
	uint32_t id = eb->ev.event_id;
	if (!((id >= 1 && id <= 4) || (id >= 11 && id <= 14)))
		return;
	const char *msg, *kvs = NULL;
	size_t ml, kvl = 0;
	if (!data_value(eb, 0, &msg, &ml))
		return;
	data_value(eb, 1, &kvs, &kvl);
	struct bt_kv kv[BT_MAX_KV];
	size_t nkv = kvs ? bt_kv_split_loose(kvs, kvl, kv, BT_MAX_KV) : 0;
	bool is_body;
	bt_docker_classify(eb, msg, ml, kv, nkv, &is_body);
	if (is_body) {
		/* form data: the matching Calling record is a separate event here */
		struct json_object *body = bt_docker_parse_body(msg + 11, ml - 11);
		enum bt_docker_api k = bt_docker_body_kind(body);
		bt_docker_adds(eb, "Action", k == BT_API_CREATE ? BT_ACT_CREATE :
		                              k == BT_API_EXEC_CREATE ? BT_ACT_EXEC : BT_ACT_DLOG);
		bt_docker_api_body(eb, k, body);
		if (body)
			json_object_put(body);
	}
	bt_docker_add(eb, "Message", msg, ml);
	bt_docker_adds(eb, "LogLevel", level_word(&eb->ev));
	for (size_t i = 0; i < nkv; i++)
		bt_docker_add_record_field(eb, kv[i].key, kv[i].klen, kv[i].val, kv[i].vlen);
}

static void hcs(struct bt_evbuf *eb)
{
	static const char *const names[] = {"SystemId", "Id", "ComputeSystemId", "Name"};
	for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
		const struct bt_field *f = bt_event_field(&eb->ev, names[k], strlen(names[k]));
		if (f && f->text_len) {
			const char *v = f->text;
			size_t n = f->text_len;
			bt_docker_add_container_id(eb, v, n);
			break;
		}
	}
	bt_docker_adds(eb, "Action", "compute.event");
}

void bt_docker_winevt_enrich(struct bt_evbuf *eb, const struct bt_docker_opts *opts)
{
	const char *p = eb->ev.provider;
	if (!p || !eb->ev.nfields)
		return;
	const char *svc = opts && opts->service_name ? opts->service_name : "docker";
	static const char hcs_name[] = "Microsoft-Windows-Hyper-V-Compute";
	/* every EVTX event passes here: lengths first, most providers differ */
	size_t n = strlen(p);
	if (bt_docker_ieq(p, n, svc))
		docker_service(eb);
	else if (n == sizeof hcs_name - 1 && bt_docker_ieq(p, n, hcs_name))
		hcs(eb);
	else
		return;
	bt_evbuf_done(eb);
}
