/* Calling / form data pairing over a small FIFO of cloned events. */
#include "config.h"

#include "docker/bt_docker_pair.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "docker/bt_docker_facts.h"

#define BODY_PREFIX "form data: "
#define BODY_PREFIX_LEN 11

struct item {
	struct bt_event *ev;          /* owned clone */
	size_t bytes;
	enum bt_docker_api waits;     /* kind of call awaiting a body, or BT_API_OTHER */
	unsigned age;                 /* events queued after it while waiting */
	struct json_object *body;     /* body of this form data item, or the paired one */
	enum bt_docker_api body_kind;
	uint64_t body_line;           /* line of the paired form data */
	uint64_t body_record;         /* its record id (journal files: no line) */
	bool is_body;
	bool paired;
};

struct bt_docker_pair {
	struct item *q;
	size_t cap, head, n;          /* ring buffer */
	size_t bytes;
	unsigned long merged;
	struct bt_event *out;         /* the clone handed out last, freed on the next pop */
};

struct bt_docker_pair *bt_docker_pair_new(void)
{
	return calloc(1, sizeof(struct bt_docker_pair));
}

static void item_free(struct item *it)
{
	free(it->ev);
	if (it->body)
		json_object_put(it->body);
	memset(it, 0, sizeof *it);
}

void bt_docker_pair_free(struct bt_docker_pair *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		item_free(&p->q[(p->head + i) % p->cap]);
	free(p->q);
	free(p->out);
	free(p);
}

static const struct bt_field *field(const struct bt_event *ev, const char *name)
{
	return bt_event_field(ev, name, strlen(name));
}

static bool is_body(const struct bt_event *ev)
{
	const struct bt_field *m = field(ev, "Message");
	return m && m->value_len >= BODY_PREFIX_LEN &&
	       memcmp(m->value, BODY_PREFIX, BODY_PREFIX_LEN) == 0 && !field(ev, "Action");
}

static enum bt_docker_api waits_for(const struct bt_event *ev)
{
	const struct bt_field *m = field(ev, "ApiMethod"), *u = field(ev, "ApiPath");
	if (!m || !u)
		return BT_API_OTHER;
	enum bt_docker_api k = bt_docker_api_kind(m->value, m->value_len, u->value, u->value_len);
	return bt_docker_api_has_body(k) ? k : BT_API_OTHER;
}

bool bt_docker_pair_wants(const struct bt_docker_pair *p, const struct bt_event *ev)
{
	return p->n > 0 || is_body(ev) || waits_for(ev) != BT_API_OTHER;
}

static struct item *at(struct bt_docker_pair *p, size_t i)
{
	return &p->q[(p->head + i) % p->cap];
}

static bool grow(struct bt_docker_pair *p)
{
	if (p->n < p->cap)
		return true;
	size_t nc = p->cap ? p->cap * 2 : 16;
	struct item *nq = calloc(nc, sizeof *nq);
	if (!nq)
		return false;
	for (size_t i = 0; i < p->n; i++)
		nq[i] = *at(p, i);
	free(p->q);
	p->q = nq;
	p->cap = nc;
	p->head = 0;
	return true;
}

static size_t event_bytes(const struct bt_event *ev)
{
	size_t b = sizeof *ev;
	for (size_t i = 0; i < ev->nfields; i++)
		b += sizeof(struct bt_field) + ev->fields[i].name_len + ev->fields[i].value_len + 2;
	return b;
}

/* True when a body of kind `bk` can belong to a call of kind `wk`. */
static bool compatible(enum bt_docker_api wk, enum bt_docker_api bk)
{
	return bk == BT_API_OTHER || bk == wk;
}

enum bt_status bt_docker_pair_push(struct bt_docker_pair *p, const struct bt_event *ev)
{
	struct item it = {0};
	it.is_body = is_body(ev);
	if (it.is_body) {
		const struct bt_field *m = field(ev, "Message");
		it.body = bt_docker_parse_body(m->value + BODY_PREFIX_LEN, m->value_len - BODY_PREFIX_LEN);
		it.body_kind = bt_docker_body_kind(it.body);
		for (size_t i = 0; i < p->n; i++) {
			struct item *w = at(p, i);
			if (w->waits != BT_API_OTHER && !w->paired && compatible(w->waits, it.body_kind)) {
				w->paired = true;
				w->body = it.body;
				w->body_line = ev->line;
				w->body_record = ev->record_id;
				p->merged++;
				return BT_OK;
			}
		}
	} else {
		it.waits = waits_for(ev);
	}
	if (!grow(p) || !(it.ev = bt_event_clone(ev))) {
		if (it.body)
			json_object_put(it.body);
		return BT_ERR_NOMEM;
	}
	it.bytes = event_bytes(ev);
	/* age the waiting calls; a call stops waiting after BT_PAIR_WINDOW events */
	for (size_t i = 0; i < p->n; i++) {
		struct item *w = at(p, i);
		if (w->waits != BT_API_OTHER && !w->paired && ++w->age >= BT_PAIR_WINDOW)
			w->waits = BT_API_OTHER;
	}
	*at(p, p->n) = it;
	p->n++;
	p->bytes += it.bytes;
	if (p->bytes > BT_PAIR_MAX_BYTES) {
		for (size_t i = 0; i < p->n; i++)
			at(p, i)->waits = BT_API_OTHER;
	}
	return BT_OK;
}

/* Copies a cloned event into eb (its strings live in the clone, which stays
 * alive until the next pop). */
static void copy_into(struct bt_evbuf *eb, const struct bt_event *c)
{
	bt_evbuf_reset(eb, c->source);
	struct bt_event keep = eb->ev;
	eb->ev = *c;
	eb->ev.fields = keep.fields;
	eb->ev.nfields = 0;
	for (size_t i = 0; i < c->nfields; i++) {
		const struct bt_field *f = &c->fields[i];
		bt_evbuf_add(eb, f->name, f->name_len, f->value, f->value_len, f->flags);
	}
}

const struct bt_event *bt_docker_pair_pop(struct bt_docker_pair *p, struct bt_evbuf *eb,
                                          bool flush)
{
	free(p->out);
	p->out = NULL;
	if (!p->n)
		return NULL;
	struct item *h = at(p, 0);
	if (!flush && h->waits != BT_API_OTHER && !h->paired)
		return NULL;
	struct item it = *h;
	memset(h, 0, sizeof *h);
	p->head = (p->head + 1) % p->cap;
	p->n--;
	p->bytes -= it.bytes;

	copy_into(eb, it.ev);
	if (it.paired) {
		bt_docker_api_body(eb, it.waits != BT_API_OTHER ? it.waits :
		                   waits_for(it.ev), it.body);
		if (it.body_line || !it.body_record)
			bt_docker_add_u64(eb, "ApiBodyLine", it.body_line);
		else
			bt_docker_add_u64(eb, "ApiBodyRecord", it.body_record);
	} else if (it.is_body) {
		/* a body without its Calling line: facts when its shape says what it was */
		if (it.body_kind == BT_API_CREATE)
			bt_docker_adds(eb, "Action", BT_ACT_CREATE);
		else if (it.body_kind == BT_API_EXEC_CREATE)
			bt_docker_adds(eb, "Action", BT_ACT_EXEC);
		else
			bt_docker_adds(eb, "Action", BT_ACT_DLOG);
		bt_docker_api_body(eb, it.body_kind, it.body);
	}
	if (it.body)
		json_object_put(it.body);
	p->out = it.ev;   /* eb's strings point into it */
	return bt_evbuf_done(eb);
}

unsigned long bt_docker_pair_merged(const struct bt_docker_pair *p)
{
	return p->merged;
}
