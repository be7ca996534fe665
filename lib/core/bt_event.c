/* The normalised event: builder, field lookup and cloning. */
#include "config.h"

#include "core/bt_array.h"
#include "core/bt_event.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const source_names[BT_SOURCE_COUNT] = {
	[BT_SOURCE_EVTX] = "evtx",
	[BT_SOURCE_DOCKERD] = "dockerd",
	[BT_SOURCE_JOURNALD] = "journald",
	[BT_SOURCE_DOCKER_EVENTS] = "docker-events",
	[BT_SOURCE_DOCKER_DESKTOP] = "docker-desktop",
	[BT_SOURCE_DOCKER_ROOT] = "docker-root",
	[BT_SOURCE_CONTAINER_LOG] = "container-log",
	[BT_SOURCE_SYNTHETIC] = "boxtrail",
	[BT_SOURCE_HOST_CONFIG] = "host-config",
	[BT_SOURCE_ESXI] = "esxi",
};

const char *bt_source_name(enum bt_source s)
{
	return (unsigned)s < BT_SOURCE_COUNT ? source_names[s] : "unknown";
}

void bt_evbuf_init(struct bt_evbuf *eb)
{
	memset(eb, 0, sizeof *eb);
	bt_arena_init(&eb->arena, BT_MAX_EVENT_BYTES);
	eb->max_fields = BT_MAX_FIELDS_PER_EVENT;
	eb->ev.time = BT_TIME_NONE;
	eb->ev.level = -1;
}

void bt_evbuf_free(struct bt_evbuf *eb)
{
	bt_arena_free(&eb->arena);
	free(eb->fv);
	eb->fv = NULL;
	eb->fcap = 0;
}

void bt_evbuf_reset(struct bt_evbuf *eb, enum bt_source src)
{
	bt_arena_reset(&eb->arena);
	memset(&eb->ev, 0, sizeof eb->ev);
	eb->ev.time = BT_TIME_NONE;
	eb->ev.level = -1;
	eb->ev.source = src;
	eb->truncated = false;
	eb->ntyped = 0;
}

const char *bt_evbuf_str(struct bt_evbuf *eb, const char *s, size_t n)
{
	const char *p = bt_arena_strndup(&eb->arena, s, n);
	if (!p)
		eb->truncated = true;
	return p;
}

static bool evbuf_add_as(struct bt_evbuf *eb, const char *name, size_t name_len,
                         const char *value, size_t value_len, uint32_t flags, bool copy_name,
                         bool copy_value)
{
	if (eb->ev.nfields >= eb->max_fields || name_len > UINT32_MAX || value_len > UINT32_MAX) {
		eb->truncated = true;
		return false;
	}
	if (!bt_array_reserve(&eb->fv, &eb->fcap, eb->ev.nfields, sizeof *eb->fv, 64)) {
		eb->truncated = true;
		return false;
	}
	const char *n = copy_name ? bt_arena_strndup(&eb->arena, name, name_len) : name;
	const char *v = !n ? NULL : copy_value ? bt_arena_strndup(&eb->arena, value, value_len) : value;
	if (!v) {
		eb->truncated = true;
		return false;
	}
	struct bt_field *f = &eb->fv[eb->ev.nfields++];
	f->name = n;
	f->name_len = (uint32_t)name_len;
	f->text = v;
	f->text_len = (uint32_t)value_len;
	f->flags = flags;
	f->vtype = 0;
	f->raw = NULL;
	eb->ev.fields = eb->fv;
	return true;
}

static bool evbuf_add(struct bt_evbuf *eb, const char *name, size_t name_len,
                      const char *value, size_t value_len, uint32_t flags, bool copy_name)
{
	return evbuf_add_as(eb, name, name_len, value, value_len, flags, copy_name, true);
}

bool bt_evbuf_add_refs(struct bt_evbuf *eb, const char *name, size_t name_len, bool name_ref,
                       const char *value, size_t value_len, uint32_t flags)
{
	return evbuf_add_as(eb, name, name_len, value, value_len, flags, !name_ref, false);
}

bool bt_evbuf_add_typed_slow(struct bt_evbuf *eb, const char *name, size_t name_len,
                             bool name_ref, uint8_t type, uint8_t opts, const uint8_t *raw,
                             size_t raw_size, uint32_t flags)
{
	if (eb->ev.nfields >= eb->max_fields || name_len > UINT32_MAX || raw_size > UINT32_MAX) {
		eb->truncated = true;
		return false;
	}
	if (!bt_array_reserve(&eb->fv, &eb->fcap, eb->ev.nfields, sizeof *eb->fv, 64)) {
		eb->truncated = true;
		return false;
	}
	const char *n = name_ref ? name : bt_arena_strndup(&eb->arena, name, name_len);
	if (!n) {
		eb->truncated = true;
		return false;
	}
	/* room made, the name kept: the inline path appends it */
	return bt_evbuf_add_typed(eb, n, name_len, true, type, opts, raw, raw_size, flags);
}

void bt_field_render(const struct bt_event *ev, const struct bt_field *cf)
{
	/* the field vector is the builder's (or a clone's) writable memory: the
	 * text is cached in place */
	struct bt_field *f = (struct bt_field *)cf;
	struct bt_evbuf *eb = ev->typed;
	if (f->text)
		return;
	if (!eb || !eb->render || !eb->render(eb, f)) {
		f->text = "";
		f->text_len = 0;
		if (eb)
			eb->truncated = true;
	}
	if (eb && eb->ntyped)
		eb->ntyped--;
}

bool bt_field_put(const struct bt_event *ev, const struct bt_field *f, struct bt_buf *b,
                  bool *plain)
{
	*plain = false;
	if (!f->text && ev->typed && ev->typed->put && ev->typed->put(f, b, plain))
		return !b->oom;
	bt_field_need(ev, f);
	bt_buf_put(b, f->text, f->text_len);
	return !b->oom;
}

void bt_event_need_all(const struct bt_event *ev)
{
	if (!ev->typed)
		return;
	for (size_t i = 0; i < ev->nfields; i++)
		bt_field_need(ev, &ev->fields[i]);
}

bool bt_evbuf_add(struct bt_evbuf *eb, const char *name, size_t name_len,
                  const char *value, size_t value_len, uint32_t flags)
{
	return evbuf_add(eb, name, name_len, value, value_len, flags, true);
}

bool bt_evbuf_add_name_ref(struct bt_evbuf *eb, const char *name, size_t name_len,
                           const char *value, size_t value_len, uint32_t flags)
{
	return evbuf_add(eb, name, name_len, value, value_len, flags, false);
}

bool bt_evbuf_adds(struct bt_evbuf *eb, const char *name, const char *value)
{
	return bt_evbuf_add(eb, name, strlen(name), value, strlen(value), 0);
}

const struct bt_event *bt_evbuf_done(struct bt_evbuf *eb)
{
	eb->ev.fields = eb->fv;
	return &eb->ev;
}

static bool name_eq(const struct bt_field *f, const char *name, size_t len)
{
	return f->name_len == len && memcmp(f->name, name, len) == 0;
}

/* Parses "Data[N]"; returns true and sets *idx when `name` has that shape. */
static bool positional_data(const char *name, size_t len, size_t *idx)
{
	if (len < 7 || memcmp(name, "Data[", 5) != 0 || name[len - 1] != ']')
		return false;
	size_t v = 0;
	for (size_t i = 5; i < len - 1; i++) {
		if (name[i] < '0' || name[i] > '9' || v > 100000)
			return false;
		v = v * 10 + (size_t)(name[i] - '0');
	}
	*idx = v;
	return true;
}

long bt_event_field_index_next(const struct bt_event *ev, size_t i)
{
	const struct bt_field *p = &ev->fields[i];
	for (size_t j = i + 1; j < ev->nfields; j++)
		if (name_eq(&ev->fields[j], p->name, p->name_len))
			return (long)j;
	return -1;
}

long bt_event_field_index(const struct bt_event *ev, const char *name, size_t name_len,
                          bool nocase, long *next)
{
	const struct bt_field *fv = ev->fields;
	size_t nf = ev->nfields;
	long first = -1;
	for (size_t i = 0; i < nf; i++) {
		/* names of a length often differ in their last byte (...Name,
		 * ...Sid): that first, then the rest */
		if (fv[i].name_len != name_len ||
		    (name_len && (fv[i].name[name_len - 1] != name[name_len - 1] ||
		                  memcmp(fv[i].name, name, name_len - 1) != 0)))
			continue;
		if (first >= 0) {
			/* the second of the name: the first's next */
			*next = (long)i;
			return first;
		}
		first = (long)i;
		if (!next)
			return first;
	}
	if (first < 0) {
		size_t idx;
		if (positional_data(name, name_len, &idx)) {
			for (size_t i = 0; i < nf && first < 0; i++)
				if (name_eq(&fv[i], "Data", 4) && idx-- == 0)
					first = (long)i;
		}
		for (size_t i = 0; nocase && i < nf && first < 0; i++)
			if (fv[i].name_len == name_len && strncasecmp(fv[i].name, name, name_len) == 0)
				first = (long)i;
		if (first >= 0 && next)
			*next = bt_event_field_index_next(ev, (size_t)first);
		else if (next)
			*next = -1;
		return first;
	}
	*next = -1;
	return first;
}

const struct bt_field *bt_event_field(const struct bt_event *ev, const char *name, size_t name_len)
{
	long i = bt_event_field_index(ev, name, name_len, false, NULL);
	return i < 0 ? NULL : bt_field_need(ev, &ev->fields[i]);
}

bool bt_event_field_text(const struct bt_event *ev, const char *name, const char **v, size_t *vl)
{
	const struct bt_field *f = bt_event_field(ev, name, strlen(name));
	if (!f || !f->text)
		return false;
	const char *s = f->text;
	size_t len = f->text_len;
	while (len && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len || (len == 1 && *s == '-'))
		return false;
	*v = s;
	*vl = len;
	return true;
}

const struct bt_field *bt_event_field_next(const struct bt_event *ev, const struct bt_field *prev)
{
	if (!prev || prev < ev->fields || prev >= ev->fields + ev->nfields)
		return NULL;
	long i = bt_event_field_index_next(ev, (size_t)(prev - ev->fields));
	return i < 0 ? NULL : bt_field_need(ev, &ev->fields[i]);
}

static bool str_value(const char *s, const char **out, size_t *out_len)
{
	if (!s)
		return false;
	*out = s;
	*out_len = strlen(s);
	return true;
}

#define IS(lit) (name_len == sizeof(lit) - 1 && memcmp(name, lit, sizeof(lit) - 1) == 0)

bool bt_event_system_value(const struct bt_event *ev, const char *name, size_t name_len,
                           char scratch[32], const char **out, size_t *out_len)
{
	int n;
	if (IS("EventID")) {
		if (ev->source != BT_SOURCE_EVTX)
			return false;
		n = snprintf(scratch, 32, "%" PRIu32, ev->event_id);
	} else if (IS("EventRecordID")) {
		if (!ev->record_id)
			return false;
		n = snprintf(scratch, 32, "%" PRIu64, ev->record_id);
	} else if (IS("Level")) {
		if (ev->level < 0)
			return false;
		n = snprintf(scratch, 32, "%d", ev->level);
	} else if (IS("Channel")) {
		return str_value(ev->channel, out, out_len);
	} else if (IS("Provider_Name") || IS("Provider")) {
		return str_value(ev->provider, out, out_len);
	} else if (IS("Computer") || IS("Host")) {
		return str_value(ev->host, out, out_len);
	} else if (IS("UserID") || IS("SecurityUserID")) {
		return str_value(ev->user_sid, out, out_len);
	} else {
		return false;
	}
	if (n < 0)
		return false;
	*out = scratch;
	*out_len = (size_t)n;
	return true;
}

#undef IS

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static char *put_str(char **cursor, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = *cursor;
	memcpy(p, s, n);
	*cursor += n;
	return p;
}

struct bt_event *bt_event_clone(const struct bt_event *ev)
{
	bt_event_need_all(ev);
	size_t size = sizeof(struct bt_event) + ev->nfields * sizeof(struct bt_field);
	size += str_size(ev->channel) + str_size(ev->provider) + str_size(ev->host) +
	        str_size(ev->user_sid) + str_size(ev->file);
	for (size_t i = 0; i < ev->nfields; i++)
		size += (size_t)ev->fields[i].name_len + ev->fields[i].text_len + 2;

	struct bt_event *c = malloc(size);
	if (!c)
		return NULL;
	*c = *ev;
	c->typed = NULL;
	struct bt_field *fv = (struct bt_field *)(c + 1);
	char *cur = (char *)(fv + ev->nfields);
	c->channel = put_str(&cur, ev->channel);
	c->provider = put_str(&cur, ev->provider);
	c->host = put_str(&cur, ev->host);
	c->user_sid = put_str(&cur, ev->user_sid);
	c->file = put_str(&cur, ev->file);
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = &ev->fields[i];
		fv[i] = *f;
		memcpy(cur, f->name, f->name_len);
		cur[f->name_len] = '\0';
		fv[i].name = cur;
		cur += f->name_len + 1;
		memcpy(cur, f->text, f->text_len);
		cur[f->text_len] = '\0';
		fv[i].text = cur;
		fv[i].vtype = 0;
		fv[i].raw = NULL;
		cur += f->text_len + 1;
	}
	c->fields = fv;
	return c;
}

/* ---- packing: header, then strings as (u32 length, bytes) ---- */

struct packed_head {
	int64_t time;
	uint64_t record_id, line, offset;
	uint32_t source, event_id, flags, nfields;
	int32_t level;
	uint32_t present;  /* bit per optional top-level string */
};

static void put_bytes(unsigned char **p, const void *s, uint32_t n)
{
	memcpy(*p, &n, 4);
	memcpy(*p + 4, s, n);
	*p += 4 + n;
}

void *bt_event_pack(const struct bt_event *ev, size_t *size)
{
	bt_event_need_all(ev);
	const char *strs[5] = {ev->channel, ev->provider, ev->host, ev->user_sid, ev->file};
	size_t n = sizeof(struct packed_head);
	for (int i = 0; i < 5; i++)
		if (strs[i])
			n += 4 + strlen(strs[i]);
	for (size_t i = 0; i < ev->nfields; i++)
		n += 12 + (size_t)ev->fields[i].name_len + ev->fields[i].text_len;
	unsigned char *b = malloc(n), *p = b;
	if (!b)
		return NULL;
	struct packed_head h = {ev->time, ev->record_id, ev->line, ev->offset, (uint32_t)ev->source,
	                        ev->event_id, ev->flags, (uint32_t)ev->nfields, ev->level, 0};
	for (int i = 0; i < 5; i++)
		if (strs[i])
			h.present |= 1u << i;
	memcpy(p, &h, sizeof h);
	p += sizeof h;
	for (int i = 0; i < 5; i++)
		if (strs[i])
			put_bytes(&p, strs[i], (uint32_t)strlen(strs[i]));
	for (size_t i = 0; i < ev->nfields; i++) {
		memcpy(p, &ev->fields[i].flags, 4);
		p += 4;
		put_bytes(&p, ev->fields[i].name, ev->fields[i].name_len);
		put_bytes(&p, ev->fields[i].text, ev->fields[i].text_len);
	}
	*size = n;
	return b;
}

static bool get_bytes(const unsigned char **p, const unsigned char *end, const char **s,
                      uint32_t *n)
{
	if (end - *p < 4)
		return false;
	memcpy(n, *p, 4);
	if ((size_t)(end - *p - 4) < *n)
		return false;
	*s = (const char *)*p + 4;
	*p += 4 + *n;
	return true;
}

struct bt_event *bt_event_unpack(const void *blob, size_t size)
{
	const unsigned char *p = blob, *end = p + size;
	struct packed_head h;
	if (size < sizeof h)
		return NULL;
	memcpy(&h, p, sizeof h);
	p += sizeof h;
	if (h.nfields > BT_MAX_FIELDS_PER_EVENT || h.source >= BT_SOURCE_COUNT)
		return NULL;
	/* Unpack into a builder, then clone into one owned allocation. */
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, (enum bt_source)h.source);
	const char *strs[5] = {NULL, NULL, NULL, NULL, NULL};
	bool ok = true;
	for (int i = 0; i < 5 && ok; i++) {
		if (!(h.present & (1u << i)))
			continue;
		const char *s;
		uint32_t n;
		ok = get_bytes(&p, end, &s, &n) && (strs[i] = bt_evbuf_str(&eb, s, n)) != NULL;
	}
	for (uint32_t i = 0; i < h.nfields && ok; i++) {
		uint32_t flags, nl, vl;
		const char *name, *value;
		if (end - p < 4) {
			ok = false;
			break;
		}
		memcpy(&flags, p, 4);
		p += 4;
		ok = get_bytes(&p, end, &name, &nl) && get_bytes(&p, end, &value, &vl) &&
		     bt_evbuf_add(&eb, name, nl, value, vl, flags);
	}
	struct bt_event *ev = NULL;
	if (ok && p == end) {
		eb.ev.time = h.time;
		eb.ev.record_id = h.record_id;
		eb.ev.line = h.line;
		eb.ev.offset = h.offset;
		eb.ev.event_id = h.event_id;
		eb.ev.flags = h.flags;
		eb.ev.level = h.level;
		eb.ev.channel = strs[0];
		eb.ev.provider = strs[1];
		eb.ev.host = strs[2];
		eb.ev.user_sid = strs[3];
		eb.ev.file = strs[4];
		ev = bt_event_clone(bt_evbuf_done(&eb));
	}
	bt_evbuf_free(&eb);
	return ev;
}

/* FNV-1a, 64 bit, with a separator between items. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	return s ? mix(h, s, strlen(s)) : mix(h, "", 0) * 31;
}

/* Eight bytes at a time, the length folded in (so "ab","c" and "a","bc"
 * differ). */
static uint64_t mix8(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t w;
	h ^= n * 0xD6E8FEB86659FD93ULL;
	while (n >= 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
		h ^= h >> 32;
		b += 8;
		n -= 8;
	}
	w = 0;
	if (n)
		memcpy(&w, b, n);
	h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
	return h ^ (h >> 29);
}

static uint64_t mix8_str(uint64_t h, const char *s)
{
	return s ? mix8(h, s, strlen(s)) : mix8(h, "", 0) * 31;
}

uint64_t bt_event_content_hash(const struct bt_event *ev, struct bt_buf *scratch)
{
	uint64_t h = 0x243F6A8885A308D3ULL;
	uint64_t head[4] = {(uint64_t)ev->source, ev->event_id, ev->record_id, (uint64_t)ev->time};
	h = mix8(h, head, sizeof head);
	h = mix8_str(h, ev->host);
	h = mix8_str(h, ev->channel);
	h = mix8_str(h, ev->provider);
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = &ev->fields[i];
		h = mix8(h, f->name, f->name_len);
		if (f->text) {
			h = mix8(h, f->text, f->text_len);
		} else {
			bool plain;
			scratch->n = 0;
			bt_field_put(ev, f, scratch, &plain);
			h = mix8(h, scratch->p ? scratch->p : "", scratch->n);
		}
	}
	return h;
}

uint64_t bt_event_identity(const struct bt_event *ev)
{
	uint64_t h = 14695981039346656037ULL;
	uint32_t src = (uint32_t)ev->source;
	h = mix(h, &src, sizeof src);
	h = mix_str(h, ev->host);
	h = mix_str(h, ev->channel);
	h = mix_str(h, ev->provider);
	h = mix(h, &ev->event_id, sizeof ev->event_id);
	h = mix(h, &ev->record_id, sizeof ev->record_id);
	h = mix(h, &ev->time, sizeof ev->time);
	bt_event_need_all(ev);
	for (size_t i = 0; i < ev->nfields; i++) {
		h = mix(h, ev->fields[i].name, ev->fields[i].name_len);
		h = mix(h, ev->fields[i].text, ev->fields[i].text_len);
	}
	return h;
}
