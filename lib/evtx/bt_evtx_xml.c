/* Event XML -> normalised event, with libxml2's streaming reader.
 * Never loads external entities or DTDs (XML_PARSE_NONET, no NOENT). */
#include "config.h"

#include "evtx/bt_evtx_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlreader.h>

const char *bt_libxml2_version(void)
{
	/* xmlParserVersion is "20914" for 2.9.14 */
	static char v[32];
	int n = atoi(xmlParserVersion);
	snprintf(v, sizeof v, "%d.%d.%d", n / 10000, n / 100 % 100, n % 100);
	return v;
}

void bt_evtx_xml_init(void)
{
	static bool done;
	if (!done) {
		xmlInitParser();
		done = true;
	}
}

size_t bt_evtx_unpad_hex(char *v, size_t n)
{
	if ((n != 10 && n != 18) || v[0] != '0' || v[1] != 'x')
		return n;
	for (size_t i = 2; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return n;
	size_t z = 2;
	while (z < n - 1 && v[z] == '0')
		z++;
	memmove(v + 2, v + z, n - z);
	n = 2 + (n - z);
	v[n] = '\0';
	return n;
}

/* XML 1.0 cannot carry most control characters, yet evidence strings may hold
 * them and libevtx renders them raw; and an XML parser turns CR LF into LF.
 * Before parsing, these bytes (C0 controls other than TAB and LF, CR
 * included) are moved to the private-use code points U+E000+c and moved
 * back in extracted values, so values keep every byte they had. */
static bool needs_ctrl_escape(const char *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)x[i];
		if (c < 0x20 && c != '\t' && c != '\n')
			return true;
	}
	return false;
}

static char *escape_ctrl(const char *x, size_t n, size_t *out_n)
{
	char *o = malloc(n * 3 + 1);
	if (!o)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)x[i];
		if (c < 0x20 && c != '\t' && c != '\n') {
			o[k++] = (char)0xEE;
			o[k++] = (char)0x80;
			o[k++] = (char)(0x80 | c);
		} else {
			o[k++] = (char)c;
		}
	}
	o[k] = '\0';
	*out_n = k;
	return o;
}

static size_t unescape_ctrl(char *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i + 2 < n && (unsigned char)v[i] == 0xEE && (unsigned char)v[i + 1] == 0x80 &&
		    (unsigned char)v[i + 2] >= 0x80 && (unsigned char)v[i + 2] < 0xA0) {
			v[k++] = (char)((unsigned char)v[i + 2] & 0x1F);
			i += 2;
		} else {
			v[k++] = v[i];
		}
	}
	v[k] = '\0';
	return k;
}

enum section { SEC_NONE, SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA, SEC_OTHER };

struct textbuf {
	char *p;
	size_t n, cap;
	bool overflow;
};

static void tb_clear(struct textbuf *t)
{
	t->n = 0;
	t->overflow = false;
	if (t->p)
		t->p[0] = '\0';
}

static void tb_append(struct textbuf *t, const char *s, size_t n)
{
	if (t->overflow)
		return;
	if (t->n + n + 1 > t->cap) {
		size_t nc = t->cap ? t->cap : 256;
		while (nc < t->n + n + 1)
			nc *= 2;
		if (nc > BT_MAX_EVENT_BYTES) {
			t->overflow = true;
			return;
		}
		char *np = realloc(t->p, nc);
		if (!np) {
			t->overflow = true;
			return;
		}
		t->p = np;
		t->cap = nc;
	}
	memcpy(t->p + t->n, s, n);
	t->n += n;
	t->p[t->n] = '\0';
}

struct parse {
	xmlTextReaderPtr r;
	struct bt_evbuf *eb;
	bool ctrl_escaped;
	enum section sec;
	bool system_done;        /* header published and want() asked */
	bool want_fields;
	/* element stack below the section */
	const char *names[BT_MAX_XML_DEPTH];
	bool had_child[BT_MAX_XML_DEPTH];
	char *field_name[BT_MAX_XML_DEPTH];   /* EventData: the Data@Name */
	struct textbuf text;
	struct textbuf path;
};

static const char *attr(struct parse *p, const char *name, char **owned)
{
	xmlChar *v = xmlTextReaderGetAttribute(p->r, (const xmlChar *)name);
	*owned = (char *)v;
	return (const char *)v;
}

/* Adds a field after normalising its value. */
static void add_field(struct parse *p, const char *name, size_t name_len, char *v, size_t n,
                      uint32_t flags)
{
	if (p->ctrl_escaped)
		n = unescape_ctrl(v, n);
	n = bt_evtx_unpad_hex(v, n);
	bt_evbuf_add(p->eb, name, name_len, v, n, flags);
}

static void add_system_attr(struct parse *p, const char *attr_name, const char *field)
{
	char *owned;
	const char *v = attr(p, attr_name, &owned);
	if (v) {
		size_t n = strlen(v);
		add_field(p, field, strlen(field), (char *)v, n, BT_FIELD_SYSTEM);
	}
	xmlFree(owned);
}

static bool parse_u64(const char *s, uint64_t *out)
{
	if (!*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

static const char *copy_str(struct parse *p, const char *s)
{
	size_t n = strlen(s);
	char *tmp = strdup(s);
	if (!tmp)
		return NULL;
	if (p->ctrl_escaped)
		n = unescape_ctrl(tmp, n);
	const char *r = bt_evbuf_str(p->eb, tmp, n);
	free(tmp);
	return r;
}

/* An element that opens in System (depth 2): header attributes. */
static void system_element(struct parse *p, const char *name)
{
	struct bt_event *ev = &p->eb->ev;
	char *owned = NULL;
	const char *v;
	if (strcmp(name, "Provider") == 0) {
		if ((v = attr(p, "Name", &owned)))
			ev->provider = copy_str(p, v);
		xmlFree(owned);
		add_system_attr(p, "Guid", "ProviderGuid");
		add_system_attr(p, "EventSourceName", "EventSourceName");
	} else if (strcmp(name, "TimeCreated") == 0) {
		if ((v = attr(p, "SystemTime", &owned))) {
			bt_time t;
			if (bt_time_parse(v, strlen(v), &t, NULL, NULL))
				ev->time = t;
		}
		xmlFree(owned);
	} else if (strcmp(name, "Security") == 0) {
		if ((v = attr(p, "UserID", &owned)))
			ev->user_sid = copy_str(p, v);
		xmlFree(owned);
	} else if (strcmp(name, "Correlation") == 0) {
		add_system_attr(p, "ActivityID", "ActivityID");
		add_system_attr(p, "RelatedActivityID", "RelatedActivityID");
	} else if (strcmp(name, "Execution") == 0) {
		add_system_attr(p, "ProcessID", "ProcessID");
		add_system_attr(p, "ThreadID", "ThreadID");
	} else if (strcmp(name, "EventID") == 0) {
		add_system_attr(p, "Qualifiers", "Qualifiers");
	}
}

/* A leaf element of System closes with text `v`. */
static void system_text(struct parse *p, const char *name, char *v, size_t n)
{
	struct bt_event *ev = &p->eb->ev;
	uint64_t u;
	if (strcmp(name, "EventID") == 0) {
		if (parse_u64(v, &u) && u <= UINT32_MAX)
			ev->event_id = (uint32_t)u;
	} else if (strcmp(name, "Level") == 0) {
		if (parse_u64(v, &u) && u <= 255)
			ev->level = (int)u;
	} else if (strcmp(name, "EventRecordID") == 0) {
		if (parse_u64(v, &u))
			ev->record_id = u;
	} else if (strcmp(name, "Channel") == 0) {
		ev->channel = p->ctrl_escaped ? copy_str(p, v) : bt_evbuf_str(p->eb, v, n);
	} else if (strcmp(name, "Computer") == 0) {
		ev->host = p->ctrl_escaped ? copy_str(p, v) : bt_evbuf_str(p->eb, v, n);
	} else if (strcmp(name, "Version") == 0 || strcmp(name, "Task") == 0 ||
	           strcmp(name, "Opcode") == 0 || strcmp(name, "Keywords") == 0) {
		add_field(p, name, strlen(name), v, n, BT_FIELD_SYSTEM);
	}
}

/* Called once the System part is known: asks whether fields are wanted. */
static void publish_system(struct parse *p, bool (*want)(void *, const struct bt_event *),
                           void *ctx)
{
	if (p->system_done)
		return;
	p->system_done = true;
	p->want_fields = !want || want(ctx, bt_evbuf_done(p->eb));
}

/* Name of a data field for the element at `depth` (the section is depth 1). */
static void field_path(struct parse *p, int depth, const char **name, size_t *len)
{
	if (p->sec == SEC_EVENTDATA) {
		if (p->field_name[2]) {
			*name = p->field_name[2];
			*len = strlen(*name);
		} else {
			*name = p->names[2];
			*len = strlen(*name);
		}
		return;
	}
	/* UserData: path below the wrapper element (depth 2). */
	tb_clear(&p->path);
	for (int d = 3; d <= depth; d++) {
		if (d > 3)
			tb_append(&p->path, ".", 1);
		tb_append(&p->path, p->names[d], strlen(p->names[d]));
	}
	*name = p->path.p ? p->path.p : "";
	*len = p->path.n;
}

static void close_leaf(struct parse *p, int depth)
{
	char empty[1] = "";  /* values are rewritten in place: never a literal */
	char *v = p->text.p ? p->text.p : empty;
	size_t n = p->text.n;
	if (p->text.overflow)
		p->eb->truncated = true;
	if (p->sec == SEC_SYSTEM && depth == 2) {
		system_text(p, p->names[2], v, n);
	} else if ((p->sec == SEC_EVENTDATA && depth == 2) || (p->sec == SEC_USERDATA && depth >= 3)) {
		if (!p->want_fields)
			return;
		const char *name;
		size_t len;
		field_path(p, depth, &name, &len);
		uint32_t flags = 0;
		if (p->sec == SEC_EVENTDATA && !p->field_name[2] && strcmp(name, "Data") == 0)
			flags = BT_FIELD_LIST;
		add_field(p, name, len, v, n, flags);
	}
}

enum bt_status bt_evtx_xml_parse(const char *xml, size_t len, struct bt_evbuf *eb,
                                 bool (*want)(void *ctx, const struct bt_event *ev),
                                 void *want_ctx, char *why, size_t why_size)
{
	struct parse p;
	memset(&p, 0, sizeof p);
	p.eb = eb;
	p.want_fields = true;
	char *escaped = NULL;
	if (needs_ctrl_escape(xml, len)) {
		escaped = escape_ctrl(xml, len, &len);
		if (!escaped)
			return BT_ERR_NOMEM;
		xml = escaped;
		p.ctrl_escaped = true;
	}
	if (len > INT32_MAX) {
		free(escaped);
		return BT_ERR_LIMIT;
	}
	p.r = xmlReaderForMemory(xml, (int)len, NULL, "UTF-8",
	                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	                         XML_PARSE_NOCDATA);
	if (!p.r) {
		free(escaped);
		return BT_ERR_NOMEM;
	}
	enum bt_status st = BT_OK;
	int rc;
	bool stop = false;
	while (!stop && (rc = xmlTextReaderRead(p.r)) == 1) {
		int type = xmlTextReaderNodeType(p.r);
		int depth = xmlTextReaderDepth(p.r);
		if (depth >= BT_MAX_XML_DEPTH) {
			snprintf(why, why_size, "XML nested deeper than %d", BT_MAX_XML_DEPTH);
			st = BT_ERR_LIMIT;
			break;
		}
		if (type == XML_READER_TYPE_ELEMENT) {
			const char *name = (const char *)xmlTextReaderConstLocalName(p.r);
			if (!name)
				name = "";
			bool empty = xmlTextReaderIsEmptyElement(p.r);
			if (depth == 1) {
				if (strcmp(name, "System") == 0) {
					p.sec = SEC_SYSTEM;
				} else if (strcmp(name, "EventData") == 0 || strcmp(name, "UserData") == 0) {
					publish_system(&p, want, want_ctx);
					if (!p.want_fields) {
						stop = true;
						break;
					}
					p.sec = name[0] == 'E' ? SEC_EVENTDATA : SEC_USERDATA;
				} else {
					p.sec = SEC_OTHER;
				}
				continue;
			}
			if (depth < 1)
				continue;
			p.had_child[depth - 1] = true;
			/* Interned in the reader's dictionary: valid until the reader is freed. */
			p.names[depth] = (const char *)xmlTextReaderConstString(p.r, (const xmlChar *)name);
			p.had_child[depth] = false;
			free(p.field_name[depth]);
			p.field_name[depth] = NULL;
			tb_clear(&p.text);
			if (p.sec == SEC_SYSTEM && depth == 2)
				system_element(&p, name);
			if (p.sec == SEC_EVENTDATA && depth == 2 && strcmp(name, "Data") == 0) {
				char *owned;
				const char *fn = attr(&p, "Name", &owned);
				if (fn) {
					p.field_name[2] = strdup(fn);
					if (p.ctrl_escaped && p.field_name[2])
						unescape_ctrl(p.field_name[2], strlen(p.field_name[2]));
				}
				xmlFree(owned);
			}
			if (empty)
				close_leaf(&p, depth);
		} else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
		           type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
		           type == XML_READER_TYPE_WHITESPACE) {
			const char *v = (const char *)xmlTextReaderConstValue(p.r);
			if (v && depth >= 3)
				tb_append(&p.text, v, strlen(v));
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (depth == 1) {
				if (p.sec == SEC_SYSTEM)
					publish_system(&p, want, want_ctx);
				p.sec = SEC_NONE;
			} else if (depth >= 2 && !p.had_child[depth]) {
				close_leaf(&p, depth);
			}
			if (depth >= 2)
				tb_clear(&p.text);
		}
	}
	if (st == BT_OK && !stop && rc < 0) {
		const xmlError *e = xmlGetLastError();
		const char *m = e && e->message ? e->message : "parse error";
		size_t ml = strcspn(m, "\n");  /* libxml2 ends messages with a newline */
		snprintf(why, why_size, "malformed event XML at line %d: %.*s", e ? e->line : 0,
		         (int)ml, m);
		st = BT_ERR_FORMAT;
	}
	if (!p.system_done)
		publish_system(&p, want, want_ctx);
	xmlFreeTextReader(p.r);
	for (int d = 0; d < BT_MAX_XML_DEPTH; d++)
		free(p.field_name[d]);
	free(p.text.p);
	free(p.path.p);
	free(escaped);
	bt_evbuf_done(eb);
	return st;
}
