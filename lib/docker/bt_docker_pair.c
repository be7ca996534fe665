/* Calling / form data pairing and create confirmation over a small FIFO of
 * cloned events. */
#include "config.h"

#include "docker/bt_docker_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "docker/bt_docker_facts.h"

#define BODY_PREFIX "form data: "
#define BODY_PREFIX_LEN 11

/* A create's verdict. */
enum verdict { V_NONE = 0, V_PENDING, V_CONFIRMED, V_UNCONFIRMED };

#define NOTE_MAX 400

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
	/* a container create awaiting its confirmation */
	enum verdict verdict;
	uint64_t seq;                 /* events pushed or seen before it */
	unsigned later;               /* events after it while pending */
	char *note;                   /* Confirmation, once decided (owned) */
	uint64_t by_line, by_record;  /* the event that decided it, if one did */
	bool pulled;                  /* a pull of its image followed it */
	char new_id[72];              /* the container id that confirmed it ("": none) */
};

/* Container ids the log has shown, by hash, with the first event that
 * showed each: a create is confirmed only by an id new since it. Full, the
 * table stops learning (an id it misses then counts as new). */
#define SEEN_BITS 13
#define SEEN_CAP (1u << SEEN_BITS)
struct seen {
	uint64_t hash;                /* 0: free */
	uint64_t seq;                 /* of the first event that showed it */
	bool claimed;                 /* it confirmed a create */
};

struct bt_docker_pair {
	struct item *q;
	size_t cap, head, n;          /* ring buffer */
	size_t bytes;
	unsigned long merged;
	struct bt_event *out;         /* the clone handed out last, freed on the next pop */
	uint64_t seq;                 /* events pushed or seen so far */
	struct seen *seen;            /* SEEN_CAP slots, allocated on first use */
	size_t nseen;
};

struct bt_docker_pair *bt_docker_pair_new(void)
{
	return calloc(1, sizeof(struct bt_docker_pair));
}

static void item_free(struct item *it)
{
	free(it->ev);
	free(it->note);
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
	free(p->seen);
	free(p);
}

static const struct bt_field *field(const struct bt_event *ev, const char *name)
{
	return bt_event_field(ev, name, strlen(name));
}

static bool fis(const struct bt_field *f, const char *lit)
{
	size_t l = strlen(lit);
	return f && f->text_len == l && memcmp(f->text, lit, l) == 0;
}

static bool is_body(const struct bt_event *ev)
{
	const struct bt_field *m = field(ev, "Message");
	return m && m->text_len >= BODY_PREFIX_LEN &&
	       memcmp(m->text, BODY_PREFIX, BODY_PREFIX_LEN) == 0 && !field(ev, "Action");
}

static enum bt_docker_api api_of(const struct bt_event *ev)
{
	const struct bt_field *m = field(ev, "ApiMethod"), *u = field(ev, "ApiPath");
	if (!m || !u)
		return BT_API_OTHER;
	return bt_docker_api_kind(m->text, m->text_len, u->text, u->text_len);
}

static enum bt_docker_api waits_for(const struct bt_event *ev)
{
	enum bt_docker_api k = api_of(ev);
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
	bt_event_need_all(ev);
	for (size_t i = 0; i < ev->nfields; i++)
		b += sizeof(struct bt_field) + ev->fields[i].name_len + ev->fields[i].text_len + 2;
	return b;
}

/* True when a body of kind `bk` can belong to a call of kind `wk`. */
static bool compatible(enum bt_docker_api wk, enum bt_docker_api bk)
{
	return bk == BT_API_OTHER || bk == wk;
}

/* ---- confirmation ---- */

#define STR_(x) #x
#define STR(x) STR_(x)

/* An id as the client uses the one a create returns: hex, at least the 12
 * digits of a short id (a name may be hex too, rarely). */
static bool is_id(const char *s, size_t n)
{
	return n >= 12 && n <= 64 && bt_docker_is_hex(s, n);
}

static uint64_t id_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

/* The entry of the id s[0..n): found, or a new one (first seen now), or NULL
 * when the table is full or out of memory. */
static struct seen *seen_get(struct bt_docker_pair *p, const char *s, size_t n, bool add)
{
	if (!p->seen && !(p->seen = calloc(SEEN_CAP, sizeof *p->seen)))
		return NULL;
	uint64_t h = id_hash(s, n);
	size_t k = (size_t)h & (SEEN_CAP - 1);
	while (p->seen[k].hash && p->seen[k].hash != h)
		k = (k + 1) & (SEEN_CAP - 1);   /* never full: filled to 3/4 at most */
	struct seen *e = &p->seen[k];
	if (e->hash)
		return e;
	if (!add || p->nseen >= SEEN_CAP / 4 * 3)
		return NULL;
	e->hash = h;
	e->seq = p->seq;
	p->nseen++;
	return e;
}

static void note_seen(struct bt_docker_pair *p, const struct bt_event *ev)
{
	const struct bt_field *c = field(ev, "ContainerID");
	if (c && is_id(c->text, c->text_len))
		seen_get(p, c->text, c->text_len, true);
}

void bt_docker_pair_seen(struct bt_docker_pair *p, const struct bt_event *ev)
{
	note_seen(p, ev);
	p->seq++;
}

static bool is_create(const struct bt_event *ev)
{
	return api_of(ev) == BT_API_CREATE && fis(field(ev, "ApiMethod"), "POST");
}

/* The id a later event shows the client or containerd using: a POST on
 * /containers/<id>/... (*task false) or a containerd task start (*task
 * true). NULL otherwise. */
static const struct bt_field *confirming_id(const struct bt_event *ev, bool *task)
{
	const struct bt_field *c = field(ev, "ContainerID");
	if (!c || !is_id(c->text, c->text_len))
		return NULL;
	const struct bt_field *m = field(ev, "ApiMethod");
	*task = !m;
	if (m)
		return fis(m, "POST") ? c : NULL;
	return fis(field(ev, "Action"), BT_ACT_START) ? c : NULL;
}

/* Sets the verdict, its note (a pull of the image that followed is named)
 * and the event that decided it (`by`, may be NULL). */
static void decide(struct item *it, enum verdict v, const char *text, const struct bt_event *by)
{
	const char *more = it->pulled ? "; a pull of its image followed it" : "";
	size_t tn = strlen(text), mn = strlen(more);
	char *note = malloc(tn + mn + 1);   /* NULL: pop says "out of memory" */
	if (note) {
		memcpy(note, text, tn);
		memcpy(note + tn, more, mn + 1);
	}
	if (by) {
		it->by_line = by->line;
		it->by_record = by->record_id;
	}
	it->verdict = v;
	free(it->note);
	it->note = note;
}

/* The image a create asked for, from its paired body (NULL before). */
static const char *create_image(const struct item *it, size_t *n)
{
	return it->body ? bt_docker_jstr(bt_docker_jget(it->body, "Image"), n) : NULL;
}

/* Same image reference, a missing tag being "latest". */
static bool same_image(const char *a, size_t an, const char *b, size_t bn)
{
	if (an == bn)
		return memcmp(a, b, an) == 0;
	if (an > bn) {
		const char *t = a;
		size_t tn = an;
		a = b;
		an = bn;
		b = t;
		bn = tn;
	}
	/* the shorter one without a tag or digest after its last '/' */
	size_t last = an;
	while (last && a[last - 1] != '/')
		last--;
	if (memchr(a + last, ':', an - last) || memchr(a + last, '@', an - last))
		return false;
	return bn == an + 7 && memcmp(b, a, an) == 0 && memcmp(b + an, ":latest", 7) == 0;
}

static bool same_field(const struct bt_field *a, const struct bt_field *b)
{
	return a && b && a->text_len == b->text_len && memcmp(a->text, b->text, a->text_len) == 0;
}

/* Weighs a later event against every create still waiting, oldest first. */
static void confirm_scan(struct bt_docker_pair *p, const struct bt_event *ev)
{
	char text[NOTE_MAX];
	bool task = false;
	const struct bt_field *id = confirming_id(ev, &task);
	struct seen *known = id ? seen_get(p, id->text, id->text_len, false) : NULL;
	if (known && known->claimed)
		id = NULL;   /* it confirmed an earlier create */
	const struct bt_field *name = is_create(ev) ? field(ev, "ContainerName") : NULL;
	const struct bt_field *pull = fis(field(ev, "Action"), BT_ACT_PULL) ? field(ev, "Image") : NULL;
	for (size_t i = 0; i < p->n; i++) {
		struct item *it = at(p, i);
		if (it->verdict != V_PENDING)
			continue;
		const struct bt_event *c = it->ev;
		if (++it->later > BT_CONFIRM_EVENTS ||
		    (ev->time != BT_TIME_NONE && c->time != BT_TIME_NONE &&
		     ev->time - c->time > (bt_time)BT_CONFIRM_SECS * BT_TICKS_PER_SEC)) {
			decide(it, V_UNCONFIRMED,
			       "unconfirmed: no start, attach or containerd task of a new container id "
			       "within " STR(BT_CONFIRM_SECS) " s or " STR(BT_CONFIRM_EVENTS)
			       " events after it", NULL);
			continue;
		}
		if (id && (!known || known->seq > it->seq)) {
			/* an id the log did not show before this create: the one it returned */
			snprintf(text, sizeof text, "confirmed: %s %.*s",
			         task ? "containerd started the task of" : "the client used the new id",
			         (int)id->text_len, id->text);
			decide(it, V_CONFIRMED, text, ev);
			snprintf(it->new_id, sizeof it->new_id, "%.*s",
			         (int)(id->text_len < sizeof it->new_id ? id->text_len : 0), id->text);
			if (!known)
				known = seen_get(p, id->text, id->text_len, true);
			if (known)
				known->claimed = true;
			id = NULL;   /* one id confirms one create */
			continue;
		}
		if (same_field(name, field(c, "ContainerName"))) {
			decide(it, V_UNCONFIRMED,
			       "unconfirmed: created again under the same name before anything of this one "
			       "followed: the daemon refused it (a 404 when the image is missing; dockerd "
			       "logs no line for a client error)", ev);
			continue;
		}
		size_t in;
		const char *img;
		if (pull && !it->pulled && (img = create_image(it, &in)) &&
		    same_image(img, in, pull->text, pull->text_len))
			it->pulled = true;
	}
}

/* A create without a name got its body: an earlier unnamed create of the
 * same image still waiting was refused (the CLI's retry after a pull). */
static void confirm_retry(struct bt_docker_pair *p, struct item *nw)
{
	size_t in, jn;
	const char *img = create_image(nw, &in), *j;
	if (!img || field(nw->ev, "ContainerName"))
		return;
	for (size_t i = 0; i < p->n; i++) {
		struct item *it = at(p, i);
		if (it == nw)
			break;
		if (it->verdict != V_PENDING || field(it->ev, "ContainerName") ||
		    !(j = create_image(it, &jn)) || !same_image(img, in, j, jn))
			continue;
		decide(it, V_UNCONFIRMED,
		       "unconfirmed: created again with the same image and no name before anything of "
		       "this one followed: the daemon refused it (a 404 when the image is missing; "
		       "dockerd logs no line for a client error)", nw->ev);
	}
}

/* Ends the wait of every create still waiting (end of input, memory cap). */
static void confirm_end(struct bt_docker_pair *p, const char *text)
{
	for (size_t i = 0; i < p->n; i++) {
		struct item *it = at(p, i);
		if (it->verdict == V_PENDING)
			decide(it, V_UNCONFIRMED, text, NULL);
	}
}

enum bt_status bt_docker_pair_push(struct bt_docker_pair *p, const struct bt_event *ev)
{
	struct item it = {0};
	it.is_body = is_body(ev);
	if (it.is_body) {
		const struct bt_field *m = field(ev, "Message");
		it.body = bt_docker_parse_body(m->text + BODY_PREFIX_LEN, m->text_len - BODY_PREFIX_LEN);
		it.body_kind = bt_docker_body_kind(it.body);
		for (size_t i = 0; i < p->n; i++) {
			struct item *w = at(p, i);
			if (w->waits != BT_API_OTHER && !w->paired && compatible(w->waits, it.body_kind)) {
				w->paired = true;
				w->body = it.body;
				w->body_line = ev->line;
				w->body_record = ev->record_id;
				p->merged++;
				if (w->verdict == V_PENDING)
					confirm_retry(p, w);
				return BT_OK;
			}
		}
	} else {
		it.waits = waits_for(ev);
		confirm_scan(p, ev);
		if (is_create(ev)) {
			it.verdict = V_PENDING;
			it.seq = p->seq;
		}
	}
	if (!grow(p) || !(it.ev = bt_event_clone(ev))) {
		if (it.body)
			json_object_put(it.body);
		return BT_ERR_NOMEM;
	}
	note_seen(p, ev);
	p->seq++;
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
		confirm_end(p, "unconfirmed: the look-ahead reached its memory cap before a start, "
		               "attach or containerd task of a new container id followed it");
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
		const struct bt_field *f = bt_field_need(c, &c->fields[i]);
		bt_evbuf_add(eb, f->name, f->name_len, f->text, f->text_len, f->flags);
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
	if (!flush && ((h->waits != BT_API_OTHER && !h->paired) || h->verdict == V_PENDING))
		return NULL;
	if (h->verdict == V_PENDING)   /* flushing: nothing more will come */
		decide(h, V_UNCONFIRMED, "unconfirmed: the log ends before a start, attach or "
		       "containerd task of a new container id followed it", NULL);
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
	if (it.verdict != V_NONE) {
		bt_docker_add_bool(eb, "Confirmed", it.verdict == V_CONFIRMED);
		bt_docker_adds(eb, "Confirmation", it.note ? it.note : "unconfirmed: out of memory");
		if (it.by_line || it.by_record) {
			if (it.by_line || !it.by_record)
				bt_docker_add_u64(eb, "ConfirmationLine", it.by_line);
			else
				bt_docker_add_u64(eb, "ConfirmationRecord", it.by_record);
		}
		if (it.new_id[0])
			bt_docker_adds(eb, "ConfirmationID", it.new_id);
	}
	if (it.body)
		json_object_put(it.body);
	free(it.note);
	p->out = it.ev;   /* eb's strings point into it */
	return bt_evbuf_done(eb);
}

unsigned long bt_docker_pair_merged(const struct bt_docker_pair *p)
{
	return p->merged;
}
