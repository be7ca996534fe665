/* Event XML -> normalised event: libxml2's streaming reader feeds the event
 * mapping both EVTX readers share (bt_evtx_map.h). Never loads external
 * entities or DTDs (XML_PARSE_NONET, no NOENT). */
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

/* Unescapes a value into the parser's scratch (when the XML was shielded);
 * returns the value to use. */
static const char *value_text(struct bt_sbuf *tmp, bool escaped, const char *v, size_t *n)
{
	if (!escaped)
		return v;
	bt_sb_clear(tmp);
	bt_sb_put(tmp, v, *n);
	if (!bt_sb_room(tmp, 1))
		return v;
	*n = unescape_ctrl(tmp->p, tmp->n);
	return tmp->p;
}

/* The start tag the reader is on: the attributes the mapping wants, then
 * the tag is complete. */
static void start_tag(struct bt_evmap *m, xmlTextReaderPtr r, bool escaped, bool empty)
{
	xmlChar *owned[BT_EVMAP_MAX_ATTRS];
	int nowned = 0;
	uint16_t ids[BT_EVMAP_MAX_ATTRS];
	int nids = bt_evmap_attrs_wanted(m, ids);
	for (int i = 0; i < nids; i++) {
		uint16_t id = ids[i];
		xmlChar *v = xmlTextReaderGetAttribute(r, (const xmlChar *)bt_evmap_name(id));
		if (!v)
			continue;
		owned[nowned++] = v;
		size_t n = strlen((char *)v);
		if (escaped)
			n = unescape_ctrl((char *)v, n);
		if (id == BT_EN_NAME)
			n = strlen((char *)v);   /* a name ends at a NUL */
		bt_evmap_attr(m, id, (const char *)v, n, false);
	}
	bt_evmap_opened(m, empty);
	for (int i = 0; i < nowned; i++)
		xmlFree(owned[i]);
}

enum bt_status bt_evtx_xml_parse(const char *xml, size_t len, struct bt_evbuf *eb,
                                 bool (*want)(void *ctx, const struct bt_event *ev),
                                 void *want_ctx, char *why, size_t why_size)
{
	bool ctrl_escaped = false;
	char *escaped = NULL;
	if (needs_ctrl_escape(xml, len)) {
		escaped = escape_ctrl(xml, len, &len);
		if (!escaped)
			return BT_ERR_NOMEM;
		xml = escaped;
		ctrl_escaped = true;
	}
	if (len > INT32_MAX) {
		free(escaped);
		return BT_ERR_LIMIT;
	}
	struct bt_evmap m;
	struct bt_sbuf tmp = {0};
	if (!bt_evmap_init(&m, 0)) {
		free(escaped);
		return BT_ERR_NOMEM;
	}
	xmlTextReaderPtr r = xmlReaderForMemory(xml, (int)len, NULL, "UTF-8",
	                                        XML_PARSE_NONET | XML_PARSE_NOERROR |
	                                        XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (!r) {
		bt_evmap_free(&m);
		free(escaped);
		return BT_ERR_NOMEM;
	}
	bt_evmap_begin(&m, eb, want, want_ctx);
	enum bt_status st = BT_OK;
	int rc;
	while (!m.stop && (rc = xmlTextReaderRead(r)) == 1) {
		int type = xmlTextReaderNodeType(r);
		if (xmlTextReaderDepth(r) >= BT_MAX_XML_DEPTH) {
			snprintf(why, why_size, "XML nested deeper than %d", BT_MAX_XML_DEPTH);
			st = BT_ERR_LIMIT;
			break;
		}
		if (type == XML_READER_TYPE_ELEMENT) {
			const char *name = (const char *)xmlTextReaderConstLocalName(r);
			if (!name)
				name = "";
			size_t n = strlen(name);
			/* interned in the reader's dictionary: valid until the reader is freed */
			name = (const char *)xmlTextReaderConstString(r, (const xmlChar *)name);
			bt_evmap_open(&m, bt_evmap_name_id(name, n), name, (uint32_t)n);
			start_tag(&m, r, ctrl_escaped, xmlTextReaderIsEmptyElement(r));
		} else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
		           type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE ||
		           type == XML_READER_TYPE_WHITESPACE) {
			const char *v = (const char *)xmlTextReaderConstValue(r);
			if (v && bt_evmap_collecting(&m)) {
				size_t n = strlen(v);
				v = value_text(&tmp, ctrl_escaped, v, &n);
				bt_evmap_text(&m, v, n);
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			bt_evmap_end(&m);
		}
	}
	if (st == BT_OK && !m.stop && rc < 0) {
		const xmlError *e = xmlGetLastError();
		const char *msg = e && e->message ? e->message : "parse error";
		size_t ml = strcspn(msg, "\n");  /* libxml2 ends messages with a newline */
		snprintf(why, why_size, "malformed event XML at line %d: %.*s", e ? e->line : 0,
		         (int)ml, msg);
		st = BT_ERR_FORMAT;
	}
	bt_evmap_finish(&m);
	xmlFreeTextReader(r);
	bt_evmap_free(&m);
	bt_sb_free(&tmp);
	free(escaped);
	bt_evbuf_done(eb);
	return st;
}
