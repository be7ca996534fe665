/* evtxgen: JSON Lines -> events (the input contract is documented in
 * evtxgen.c and tests/tools/README.md). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "evtxgen.h"

#define ARENA_SIZE (512u * 1024)   /* encoded values of one event; a record must fit 64 KiB */
#define MAX_FIELDS 1024u

struct ctx {
	struct json_object *defaults;   /* from a {"defaults": {...}} line, or NULL */
	uint8_t *arena;
	size_t used;
	struct eg_field *fields;
	char *err;
};

static void *alloc(struct ctx *c, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	if (n > ARENA_SIZE - c->used) {
		snprintf(c->err, EG_ERR_SIZE, "event too large");
		return NULL;
	}
	void *p = c->arena + c->used;
	c->used += n;
	return p;
}

static const char *const system_keys[] = {
	"channel", "provider", "provider_guid", "event_source_name", "event_id", "qualifiers",
	"version", "level", "task", "opcode", "keywords", "time", "written_time", "computer",
	"user_sid", "process_id", "thread_id", "activity_id", "related_activity_id", NULL,
};
static const char *const event_keys[] = {
	"record_id", "data", "unnamed_data", "user_data", "binary", "comment", NULL,
};

static bool in_list(const char *k, const char *const *l)
{
	for (; *l; l++)
		if (strcmp(k, *l) == 0)
			return true;
	return false;
}

/* The event's value for `key`, else the defaults'; an explicit null in the
 * event means absent. */
static struct json_object *get(struct ctx *c, struct json_object *ev, const char *key)
{
	struct json_object *v;
	if (json_object_object_get_ex(ev, key, &v))   /* null: absent, not the default */
		return json_object_is_type(v, json_type_null) ? NULL : v;
	if (c->defaults && json_object_object_get_ex(c->defaults, key, &v) &&
	    !json_object_is_type(v, json_type_null))
		return v;
	return NULL;
}

static bool get_str(struct ctx *c, struct json_object *ev, const char *key, bool required,
                    const char **out)
{
	struct json_object *v = get(c, ev, key);
	*out = NULL;
	if (!v) {
		if (required)
			snprintf(c->err, EG_ERR_SIZE, "\"%s\" is required", key);
		return !required;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(c->err, EG_ERR_SIZE, "\"%s\" must be a string", key);
		return false;
	}
	*out = json_object_get_string(v);
	return true;
}

/* Integers come as JSON numbers or strings ("0x8020000000000000", "-5"). */
static bool number_text(struct json_object *v, const char **s)
{
	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_string)) {
		*s = json_object_is_type(v, json_type_int) ? json_object_to_json_string(v)
		                                           : json_object_get_string(v);
		return true;
	}
	return false;
}

/* Parses [-](0x hex | decimal) into sign and magnitude. */
static bool parse_int_text(const char *s, bool *neg, uint64_t *mag)
{
	*neg = false;
	if (*s == '-') {
		*neg = true;
		s++;
	}
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	uint64_t x = 0;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		if (x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		x = x * (uint64_t)base + (uint64_t)d;
	}
	*mag = x;
	return true;
}

static bool to_uint(struct json_object *v, uint64_t max, uint64_t *out)
{
	const char *s;
	bool neg;
	uint64_t m;
	if (!number_text(v, &s) || !parse_int_text(s, &neg, &m) || (neg && m) || m > max)
		return false;
	*out = m;
	return true;
}

static bool to_int(struct json_object *v, int64_t min, int64_t max, int64_t *out)
{
	const char *s;
	bool neg;
	uint64_t m;
	if (!number_text(v, &s) || !parse_int_text(s, &neg, &m))
		return false;
	if (!neg && m > (uint64_t)max)
		return false;
	if (neg && m > (uint64_t)(-(min + 1)) + 1)
		return false;
	*out = neg ? (int64_t)(0 - m) : (int64_t)m;
	return true;
}

static bool get_uint(struct ctx *c, struct json_object *ev, const char *key, uint64_t max,
                     uint64_t dflt, bool *present, uint64_t *out)
{
	struct json_object *v = get(c, ev, key);
	if (present)
		*present = v != NULL;
	if (!v) {
		*out = dflt;
		return true;
	}
	if (!to_uint(v, max, out)) {
		snprintf(c->err, EG_ERR_SIZE, "\"%s\" must be an integer in 0..%llu", key,
		         (unsigned long long)max);
		return false;
	}
	return true;
}

static bool get_guid(struct ctx *c, struct json_object *ev, const char *key, bool *has,
                     uint8_t out[16])
{
	const char *s;
	if (!get_str(c, ev, key, false, &s))
		return false;
	*has = s != NULL;
	if (s && !eg_parse_guid(s, out)) {
		snprintf(c->err, EG_ERR_SIZE, "\"%s\": not a GUID: \"%.60s\"", key, s);
		return false;
	}
	return true;
}

static bool get_time(struct ctx *c, struct json_object *ev, const char *key, bool required,
                     uint64_t *ft)
{
	const char *s;
	*ft = 0;
	if (!get_str(c, ev, key, required, &s))
		return false;
	if (s && !eg_parse_time(s, ft)) {
		snprintf(c->err, EG_ERR_SIZE, "\"%s\": not an RFC 3339 time: \"%.60s\"", key, s);
		return false;
	}
	return true;
}

static bool hex_bytes(struct ctx *c, const char *s, const uint8_t **out, size_t *n)
{
	size_t len = strlen(s);
	if (len % 2) {
		snprintf(c->err, EG_ERR_SIZE, "binary value has an odd number of hex digits");
		return false;
	}
	uint8_t *b = alloc(c, len / 2 + 1);
	if (!b)
		return false;
	for (size_t i = 0; i < len; i += 2) {
		int hi = -1, lo = -1;
		for (int k = 0; k < 2; k++) {
			int ch = s[i + (size_t)k], d = -1;
			if (ch >= '0' && ch <= '9')
				d = ch - '0';
			else if (ch >= 'a' && ch <= 'f')
				d = ch - 'a' + 10;
			else if (ch >= 'A' && ch <= 'F')
				d = ch - 'A' + 10;
			if (k == 0)
				hi = d;
			else
				lo = d;
		}
		if (hi < 0 || lo < 0) {
			snprintf(c->err, EG_ERR_SIZE, "binary value is not hexadecimal");
			return false;
		}
		b[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	*n = len / 2;
	return true;
}

static bool utf16_value(struct ctx *c, const char *s, struct eg_value *v)
{
	size_t n = strlen(s);
	uint8_t *b = alloc(c, 2 * n + 2);
	if (!b)
		return false;
	long len = eg_utf16(s, n, b, 2 * n + 2);
	if (len < 0 || len > 65535) {
		snprintf(c->err, EG_ERR_SIZE, "string is not UTF-8 or longer than 32767 units");
		return false;
	}
	v->type = v->decl = EG_VT_STRING;
	v->size = (uint16_t)len;
	v->data = b;
	return true;
}

struct type_name {
	const char *name;
	uint8_t vt;
	uint8_t width;             /* bytes of an integer type */
	bool is_signed;
};

static const struct type_name types[] = {
	{"string", EG_VT_STRING, 0, false},     {"int8", EG_VT_INT8, 1, true},
	{"uint8", EG_VT_UINT8, 1, false},       {"int16", EG_VT_INT16, 2, true},
	{"uint16", EG_VT_UINT16, 2, false},     {"int32", EG_VT_INT32, 4, true},
	{"uint32", EG_VT_UINT32, 4, false},     {"int64", EG_VT_INT64, 8, true},
	{"uint64", EG_VT_UINT64, 8, false},     {"hexint32", EG_VT_HEXINT32, 4, false},
	{"hexint64", EG_VT_HEXINT64, 8, false}, {"float", EG_VT_FLOAT, 0, false},
	{"double", EG_VT_DOUBLE, 0, false},     {"bool", EG_VT_BOOL, 0, false},
	{"binary", EG_VT_BINARY, 0, false},     {"guid", EG_VT_GUID, 0, false},
	{"filetime", EG_VT_FILETIME, 0, false}, {"systemtime", EG_VT_SYSTEMTIME, 0, false},
	{"sid", EG_VT_SID, 0, false},           {"null", EG_VT_NULL, 0, false},
	{"size", EG_VT_HEXINT64, 8, false},
	{NULL, 0, 0, false},
};

/* Encodes one {"name", "type", "value"} entry. */
static bool field_value(struct ctx *c, struct json_object *o, struct eg_field *f)
{
	struct json_object *jn = NULL, *jt = NULL, *jv = NULL;
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(c->err, EG_ERR_SIZE, "a data entry must be an object {name, type, value}");
		return false;
	}
	json_object_object_foreach(o, k, val) {
		(void)val;
		if (strcmp(k, "name") && strcmp(k, "type") && strcmp(k, "value")) {
			snprintf(c->err, EG_ERR_SIZE, "unknown key \"%.40s\" in a data entry", k);
			return false;
		}
	}
	json_object_object_get_ex(o, "name", &jn);
	json_object_object_get_ex(o, "type", &jt);
	json_object_object_get_ex(o, "value", &jv);
	if (!jn || !json_object_is_type(jn, json_type_string) || !*json_object_get_string(jn)) {
		snprintf(c->err, EG_ERR_SIZE, "a data entry needs a \"name\" string");
		return false;
	}
	f->name = json_object_get_string(jn);
	const char *tn = "string";
	if (jt) {
		if (!json_object_is_type(jt, json_type_string)) {
			snprintf(c->err, EG_ERR_SIZE, "%s: \"type\" must be a string", f->name);
			return false;
		}
		tn = json_object_get_string(jt);
	}
	const struct type_name *t = types;
	while (t->name && strcmp(t->name, tn))
		t++;
	if (!t->name) {
		snprintf(c->err, EG_ERR_SIZE, "%s: unknown type \"%.30s\"", f->name, tn);
		return false;
	}
	struct eg_value *v = &f->v;
	if (t->vt == EG_VT_NULL || !jv || json_object_is_type(jv, json_type_null)) {
		/* a NULL substitution; "null" declares a string like Windows does */
		v->type = EG_VT_NULL;
		v->decl = t->vt == EG_VT_NULL ? EG_VT_STRING : t->vt;
		if (strcmp(t->name, "size") == 0)
			v->decl = EG_VT_SIZE;
		v->size = 0;
		v->data = NULL;
		return true;
	}
	v->type = v->decl = t->vt;
	const char *s = json_object_is_type(jv, json_type_string) ? json_object_get_string(jv) : NULL;
	uint8_t *b;
	if (t->width) {
		b = alloc(c, 8);
		if (!b)
			return false;
		bool ok;
		if (t->is_signed) {
			int64_t x = 0;
			int64_t max = (int64_t)(UINT64_MAX >> (65 - 8 * t->width));
			ok = to_int(jv, -max - 1, max, &x);
			eg_put64(b, (uint64_t)x);
		} else {
			uint64_t x = 0;
			ok = to_uint(jv, UINT64_MAX >> (64 - 8 * t->width), &x);
			eg_put64(b, x);
		}
		if (!ok) {
			snprintf(c->err, EG_ERR_SIZE, "%s: not a %s", f->name, t->name);
			return false;
		}
		v->size = t->width;
		v->data = b;
		/* Windows declares pointer-sized values (4688 NewProcessId) as SizeT
		 * in the template and stores them as HexInt64 */
		if (strcmp(t->name, "size") == 0)
			v->decl = EG_VT_SIZE;
		return true;
	}
	switch (t->vt) {
	case EG_VT_STRING:
		if (!s) {
			snprintf(c->err, EG_ERR_SIZE, "%s: a string value must be a JSON string", f->name);
			return false;
		}
		return utf16_value(c, s, v);
	case EG_VT_FLOAT:
	case EG_VT_DOUBLE: {
		if (!json_object_is_type(jv, json_type_double) &&
		    !json_object_is_type(jv, json_type_int)) {
			snprintf(c->err, EG_ERR_SIZE, "%s: not a number", f->name);
			return false;
		}
		double d = json_object_get_double(jv);
		if (!(b = alloc(c, 8)))
			return false;
		if (t->vt == EG_VT_FLOAT) {
			float x = (float)d;
			memcpy(b, &x, 4);         /* little-endian hosts only, like EVTX */
			v->size = 4;
		} else {
			memcpy(b, &d, 8);
			v->size = 8;
		}
		v->data = b;
		return true;
	}
	case EG_VT_BOOL: {
		bool x;
		if (json_object_is_type(jv, json_type_boolean))
			x = json_object_get_boolean(jv);
		else if (s && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0))
			x = s[0] == 't';
		else {
			snprintf(c->err, EG_ERR_SIZE, "%s: not a bool", f->name);
			return false;
		}
		if (!(b = alloc(c, 4)))
			return false;
		eg_put32(b, x);
		v->size = 4;
		v->data = b;
		return true;
	}
	case EG_VT_BINARY: {
		size_t n;
		const uint8_t *p;
		if (!s || !hex_bytes(c, s, &p, &n)) {
			if (!s)
				snprintf(c->err, EG_ERR_SIZE, "%s: binary is a hex string", f->name);
			return false;
		}
		if (n > 65535) {
			snprintf(c->err, EG_ERR_SIZE, "%s: binary value too long", f->name);
			return false;
		}
		v->size = (uint16_t)n;
		v->data = p;
		return true;
	}
	case EG_VT_GUID:
		if (!(b = alloc(c, 16)))
			return false;
		if (!s || !eg_parse_guid(s, b)) {
			snprintf(c->err, EG_ERR_SIZE, "%s: not a GUID", f->name);
			return false;
		}
		v->size = 16;
		v->data = b;
		return true;
	case EG_VT_SID: {
		if (!(b = alloc(c, 68)))
			return false;
		size_t n = s ? eg_parse_sid(s, b) : 0;
		if (!n) {
			snprintf(c->err, EG_ERR_SIZE, "%s: not a SID", f->name);
			return false;
		}
		v->size = (uint16_t)n;
		v->data = b;
		return true;
	}
	case EG_VT_FILETIME:
	case EG_VT_SYSTEMTIME: {
		uint64_t ft;
		if (!s || !eg_parse_time(s, &ft)) {
			snprintf(c->err, EG_ERR_SIZE, "%s: not an RFC 3339 time", f->name);
			return false;
		}
		if (!(b = alloc(c, 16)))
			return false;
		if (t->vt == EG_VT_FILETIME) {
			eg_put64(b, ft);
			v->size = 8;
		} else {
			eg_systemtime(ft, b);
			v->size = 16;
		}
		v->data = b;
		return true;
	}
	default:
		snprintf(c->err, EG_ERR_SIZE, "%s: unsupported type", f->name);
		return false;
	}
}

static bool data_list(struct ctx *c, struct json_object *arr, struct eg_event *ev)
{
	if (!json_object_is_type(arr, json_type_array)) {
		snprintf(c->err, EG_ERR_SIZE, "\"data\" must be an array");
		return false;
	}
	size_t n = json_object_array_length(arr);
	if (n > MAX_FIELDS) {
		snprintf(c->err, EG_ERR_SIZE, "more than %u data entries", MAX_FIELDS);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (!field_value(c, json_object_array_get_idx(arr, i), &c->fields[i]))
			return false;
	ev->fields = c->fields;
	ev->nfields = n;
	return true;
}

static bool payload(struct ctx *c, struct json_object *o, struct eg_event *ev)
{
	struct json_object *d = NULL, *u = NULL, *ud = NULL, *bin = NULL;
	json_object_object_get_ex(o, "data", &d);
	json_object_object_get_ex(o, "unnamed_data", &u);
	json_object_object_get_ex(o, "user_data", &ud);
	json_object_object_get_ex(o, "binary", &bin);
	if ((d != NULL) + (u != NULL) + (ud != NULL) > 1) {
		snprintf(c->err, EG_ERR_SIZE, "use only one of data, unnamed_data, user_data");
		return false;
	}
	if (bin && !u) {
		snprintf(c->err, EG_ERR_SIZE, "\"binary\" goes with unnamed_data (classic events)");
		return false;
	}
	ev->payload = EG_PAYLOAD_NONE;
	if (d) {
		ev->payload = EG_PAYLOAD_DATA;
		return data_list(c, d, ev);
	}
	if (u) {
		ev->payload = EG_PAYLOAD_UNNAMED;
		if (!json_object_is_type(u, json_type_array) ||
		    json_object_array_length(u) > MAX_FIELDS) {
			snprintf(c->err, EG_ERR_SIZE, "\"unnamed_data\" must be an array of strings");
			return false;
		}
		size_t n = json_object_array_length(u);
		for (size_t i = 0; i < n; i++) {
			struct json_object *s = json_object_array_get_idx(u, i);
			if (!json_object_is_type(s, json_type_string)) {
				snprintf(c->err, EG_ERR_SIZE, "\"unnamed_data\" must be an array of strings");
				return false;
			}
			c->fields[i].name = NULL;
			if (!utf16_value(c, json_object_get_string(s), &c->fields[i].v))
				return false;
		}
		ev->fields = c->fields;
		ev->nfields = n;
		if (bin) {
			if (!json_object_is_type(bin, json_type_string) ||
			    !hex_bytes(c, json_object_get_string(bin), &ev->binary, &ev->binary_len)) {
				snprintf(c->err, EG_ERR_SIZE, "\"binary\" must be a hex string");
				return false;
			}
		}
		return true;
	}
	if (ud) {
		struct json_object *el = NULL, *ns = NULL, *dl = NULL;
		ev->payload = EG_PAYLOAD_USERDATA;
		if (!json_object_is_type(ud, json_type_object) ||
		    !json_object_object_get_ex(ud, "element", &el) ||
		    !json_object_is_type(el, json_type_string)) {
			snprintf(c->err, EG_ERR_SIZE, "\"user_data\" needs an \"element\" string");
			return false;
		}
		json_object_object_foreach(ud, k, val) {
			(void)val;
			if (strcmp(k, "element") && strcmp(k, "xmlns") && strcmp(k, "data")) {
				snprintf(c->err, EG_ERR_SIZE, "unknown key \"%.40s\" in user_data", k);
				return false;
			}
		}
		ev->user_element = json_object_get_string(el);
		if (json_object_object_get_ex(ud, "xmlns", &ns)) {
			if (!json_object_is_type(ns, json_type_string)) {
				snprintf(c->err, EG_ERR_SIZE, "user_data \"xmlns\" must be a string");
				return false;
			}
			ev->user_xmlns = json_object_get_string(ns);
		}
		if (json_object_object_get_ex(ud, "data", &dl))
			return data_list(c, dl, ev);
		return true;
	}
	return true;
}

static bool check_keys(struct ctx *c, struct json_object *o, bool defaults)
{
	json_object_object_foreach(o, k, val) {
		(void)val;
		if (in_list(k, system_keys) || (!defaults && in_list(k, event_keys)))
			continue;
		snprintf(c->err, EG_ERR_SIZE, "unknown key \"%.40s\"%s", k, defaults ? " in defaults" : "");
		return false;
	}
	return true;
}

static bool event_from_json(struct ctx *c, struct json_object *o, struct eg_event *ev)
{
	uint64_t x;
	bool present;
	memset(ev, 0, sizeof *ev);
	c->used = 0;
	if (!check_keys(c, o, false))
		return false;
	if (!get_str(c, o, "channel", true, &ev->channel) ||
	    !get_str(c, o, "provider", true, &ev->provider) ||
	    !get_str(c, o, "computer", true, &ev->computer) ||
	    !get_str(c, o, "event_source_name", false, &ev->event_source_name) ||
	    !get_guid(c, o, "provider_guid", &ev->has_provider_guid, ev->provider_guid) ||
	    !get_guid(c, o, "activity_id", &ev->has_activity_id, ev->activity_id) ||
	    !get_guid(c, o, "related_activity_id", &ev->has_related_activity_id,
	              ev->related_activity_id) ||
	    !get_time(c, o, "time", true, &ev->time) ||
	    !get_time(c, o, "written_time", false, &ev->written))
		return false;
	if (!get(c, o, "event_id")) {
		snprintf(c->err, EG_ERR_SIZE, "\"event_id\" is required");
		return false;
	}
	if (!get_uint(c, o, "event_id", 0xffff, 0, NULL, &x))
		return false;
	ev->event_id = (uint16_t)x;
	if (!get_uint(c, o, "qualifiers", 0xffff, 0, &ev->has_qualifiers, &x))
		return false;
	ev->qualifiers = (uint16_t)x;
	if (!get_uint(c, o, "version", 0xff, 0, NULL, &x))
		return false;
	ev->version = (uint8_t)x;
	if (!get_uint(c, o, "level", 0xff, 0, NULL, &x))
		return false;
	ev->level = (uint8_t)x;
	if (!get_uint(c, o, "task", 0xffff, 0, NULL, &x))
		return false;
	ev->task = (uint16_t)x;
	if (!get_uint(c, o, "opcode", 0xff, 0, NULL, &x))
		return false;
	ev->opcode = (uint8_t)x;
	if (!get_uint(c, o, "keywords", UINT64_MAX, 0, NULL, &ev->keywords) ||
	    !get_uint(c, o, "process_id", 0xffffffffu, 0, NULL, &x))
		return false;
	ev->process_id = (uint32_t)x;
	if (!get_uint(c, o, "thread_id", 0xffffffffu, 0, NULL, &x))
		return false;
	ev->thread_id = (uint32_t)x;
	if (!get_uint(c, o, "record_id", UINT64_MAX, 0, &present, &ev->record_id))
		return false;
	ev->has_record_id = present;
	const char *sid;
	if (!get_str(c, o, "user_sid", false, &sid))
		return false;
	if (sid) {
		size_t n = eg_parse_sid(sid, ev->sid);
		if (!n) {
			snprintf(c->err, EG_ERR_SIZE, "\"user_sid\": not a SID: \"%.60s\"", sid);
			return false;
		}
		ev->sid_len = (uint8_t)n;
	}
	return payload(c, o, ev);
}

struct eg_json_reader {
	FILE *f;
	const char *path;
	struct ctx c;
	char cerr[EG_ERR_SIZE];
	struct json_object *cur;        /* the event the last eg_json_next returned */
	char *line;
	size_t cap;
	unsigned long lineno;
};

struct eg_json_reader *eg_json_open(const char *path, char *err)
{
	struct eg_json_reader *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, EG_ERR_SIZE, "out of memory");
		return NULL;
	}
	r->path = path;
	r->c.err = r->cerr;
	r->c.arena = malloc(ARENA_SIZE);
	r->c.fields = calloc(MAX_FIELDS, sizeof *r->c.fields);
	if (!r->c.arena || !r->c.fields) {
		snprintf(err, EG_ERR_SIZE, "out of memory");
		eg_json_close(r);
		return NULL;
	}
	r->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!r->f) {
		snprintf(err, EG_ERR_SIZE, "%s: %s", path, strerror(errno));
		eg_json_close(r);
		return NULL;
	}
	return r;
}

void eg_json_close(struct eg_json_reader *r)
{
	if (!r)
		return;
	if (r->f && r->f != stdin)
		fclose(r->f);
	json_object_put(r->cur);
	json_object_put(r->c.defaults);
	free(r->line);
	free(r->c.arena);
	free(r->c.fields);
	free(r);
}

unsigned long eg_json_lineno(const struct eg_json_reader *r) { return r->lineno; }

int eg_json_next(struct eg_json_reader *r, struct eg_event *ev, char *err)
{
	const char *in = r->path;
	json_object_put(r->cur);
	r->cur = NULL;
	while (getline(&r->line, &r->cap, r->f) != -1) {
		r->lineno++;
		const char *p = r->line;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			continue;         /* blank lines and # comments are allowed */
		enum json_tokener_error jerr;
		struct json_object *j = json_tokener_parse_verbose(r->line, &jerr);
		if (!j || !json_object_is_type(j, json_type_object)) {
			snprintf(err, EG_ERR_SIZE, "%s:%lu: not a JSON object (%s)", in, r->lineno,
			         j ? "wrong type" : json_tokener_error_desc(jerr));
			json_object_put(j);
			return -1;
		}
		struct json_object *d;
		if (json_object_object_get_ex(j, "defaults", &d)) {
			if (json_object_object_length(j) != 1 || !json_object_is_type(d, json_type_object) ||
			    !check_keys(&r->c, d, true)) {
				snprintf(err, EG_ERR_SIZE, "%.60s:%lu: bad defaults line%s%.160s", in,
				         r->lineno, *r->cerr ? ": " : "", r->cerr);
				json_object_put(j);
				return -1;
			}
			json_object_put(r->c.defaults);
			r->c.defaults = json_object_get(d);
			json_object_put(j);
			continue;
		}
		if (!event_from_json(&r->c, j, ev)) {
			snprintf(err, EG_ERR_SIZE, "%.60s:%lu: %.180s", in, r->lineno, r->cerr);
			json_object_put(j);
			return -1;
		}
		r->cur = j;       /* ev's strings point into it */
		return 1;
	}
	if (ferror(r->f)) {
		snprintf(err, EG_ERR_SIZE, "%s: %s", in, strerror(errno));
		return -1;
	}
	return 0;
}

char *eg_json_resolved(const struct eg_json_reader *r, uint64_t record_id)
{
	static const char *const payload_keys[] = {"data", "unnamed_data", "user_data", "binary", NULL};
	struct json_object *o = json_object_new_object(), *v;
	struct ctx c = r->c;
	if (!o || !r->cur)
		return NULL;
	for (const char *const *k = system_keys; *k; k++)
		if ((v = get(&c, r->cur, *k)))
			json_object_object_add(o, *k, json_object_get(v));
	for (const char *const *k = payload_keys; *k; k++)
		if (json_object_object_get_ex(r->cur, *k, &v))
			json_object_object_add(o, *k, json_object_get(v));
	json_object_object_add(o, "record_id", json_object_new_int64((int64_t)record_id));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = s ? strdup(s) : NULL;
	json_object_put(o);
	return out;
}

int eg_json_convert(const char *in, const char *out, const struct eg_json_opts *o, char *err)
{
	struct eg_json_reader *r = eg_json_open(in, err);
	if (!r)
		return -1;
	char werr[EG_ERR_SIZE] = "";
	struct eg_writer *w = eg_writer_open(out, &o->w, err);
	int rc = -1;
	if (!w)
		goto out;
	struct eg_event ev;
	int n;
	while ((n = eg_json_next(r, &ev, err)) > 0) {
		int a = eg_writer_add(w, &ev, werr);
		if (a != 0) {
			snprintf(err, EG_ERR_SIZE, "%.60s:%lu: %.180s", in, eg_json_lineno(r),
			         a > 0 ? "the file is full (65535 chunks)" : werr);
			goto out;
		}
	}
	if (n == 0)
		rc = 0;
out:
	if (w && eg_writer_close(w, rc == 0 ? err : werr) < 0)
		rc = -1;
	if (rc < 0 && w)
		remove(out);
	eg_json_close(r);
	return rc;
}
