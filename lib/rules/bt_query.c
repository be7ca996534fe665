/* Search queries: terms compiled by the Sigma matcher (see bt_query.h). */
#include "config.h"

#include "rules/bt_query.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bt_ip.h"

enum qkind {
	Q_ANY,       /* keyword or regex: any value of the event */
	Q_FIELD,     /* some value of the field matches */
	Q_FIELD_NEQ, /* the field is present and no value matches */
};

struct qterm {
	enum qkind kind;
	char *name;              /* Q_FIELD*: the field (or header property) */
	size_t len;
	bool header;             /* a header property (bt_event_system_value) */
	struct bt_matcher *m;    /* NULL: numeric equality only */
	bool has_num;            /* '=' with a number: numerically equal values match too */
	unsigned long long num;
	char cmp;                /* '<', 'l' (<=), '>', 'g' (>=): numeric comparison with
	                            cmpval, no matcher */
	double cmpval;
	bool fold;               /* m tests a case-insensitive substring */
};

struct bt_query {
	struct bt_query_opts o;
	struct qterm *v;
	size_t n;
};

struct bt_query *bt_query_new(const struct bt_query_opts *o)
{
	struct bt_query *q = calloc(1, sizeof *q);
	if (q && o)
		q->o = *o;
	return q;
}

static void term_free(struct qterm *t)
{
	free(t->name);
	bt_matcher_free(t->m);
}

void bt_query_free(struct bt_query *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++)
		term_free(&q->v[i]);
	free(q->v);
	free(q);
}

/* ---- compiling */

/* A decimal or 0x hex integer, the whole of s[0..n). */
static bool parse_num(const char *s, size_t n, unsigned long long *out)
{
	unsigned long long v = 0;
	bool hex = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	size_t i = hex ? 2 : 0;
	if (i == n)
		return false;
	for (; i < n; i++) {
		int d;
		unsigned char c = (unsigned char)s[i];
		if (isdigit(c))
			d = c - '0';
		else if (hex && isxdigit(c))
			d = tolower(c) - 'a' + 10;
		else
			return false;
		unsigned long long base = hex ? 16 : 10;
		if (v > (~0ULL - (unsigned long long)d) / base)
			return false;
		v = v * base + (unsigned long long)d;
	}
	*out = v;
	return true;
}

/* A number as the matcher's gt/gte/lt/lte read it: an integer (decimal or
 * 0x hex) or a decimal fraction, the whole of s[0..n). */
static bool parse_double(const char *s, size_t n, double *out)
{
	unsigned long long u;
	if (parse_num(s, n, &u)) {
		*out = (double)u;
		return true;
	}
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strspn(buf, "0123456789.-+") != n)
		return false;
	char *end;
	*out = strtod(buf, &end);
	return *end == '\0' && end != buf;
}

/* "10.0.0.0/8", "fe80::/10": an address, a slash and a prefix length. */
static bool is_cidr(const char *s)
{
	const char *slash = strrchr(s, '/');
	struct bt_ip ip;
	if (!slash || !slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1))
		return false;
	return bt_ip_parse(s, (size_t)(slash - s), &ip);
}

static bool is_address(const char *s)
{
	struct bt_ip ip;
	return strpbrk(s, "*?") == NULL && bt_ip_parse(s, strlen(s), &ip);
}

/* Header property names, as the query may write them. */
static const struct {
	const char *alias;
	const char *name;
} header_names[] = {
	{"eventid", "EventID"}, {"event_id", "EventID"},
	{"channel", "Channel"},
	{"provider_name", "Provider_Name"}, {"provider", "Provider_Name"},
	{"computer", "Computer"}, {"host", "Computer"},
	{"level", "Level"},
	{"eventrecordid", "EventRecordID"}, {"record_id", "EventRecordID"},
	{"userid", "UserID"}, {"user_sid", "UserID"}, {"securityuserid", "UserID"},
};

static const char *header_name(const char *name)
{
	for (size_t i = 0; i < sizeof header_names / sizeof *header_names; i++)
		if (strcasecmp(name, header_names[i].alias) == 0)
			return header_names[i].name;
	return NULL;
}

/* Compiles `value` under the modifiers named in mods[0..nmods) (plus cased
 * when the query is). */
static bool compile(const struct bt_query *q, const char **mods, size_t nmods, const char *value,
                    struct bt_matcher **out, char *why, size_t why_size)
{
	const char *all[8];
	size_t n = 0;
	for (size_t i = 0; i < nmods && n < 6; i++)
		all[n++] = mods[i];
	bool re = nmods && strcmp(mods[0], "re") == 0;
	if (re && !q->o.cased)
		all[n++] = "i";
	else if (!re && q->o.cased && !(nmods && (strcmp(mods[0], "cidr") == 0 ||
	                                          strcmp(mods[0], "gt") == 0 ||
	                                          strcmp(mods[0], "gte") == 0 ||
	                                          strcmp(mods[0], "lt") == 0 ||
	                                          strcmp(mods[0], "lte") == 0)))
		all[n++] = "cased";
	struct bt_mods m;
	char w[200];
	if (bt_mods_parse(all, n, &m, w, sizeof w) != BT_OK) {
		snprintf(why, why_size, "%s", w);
		return false;
	}
	if (q->o.no_jit)
		m.re_flags |= BT_RE_NO_JIT;
	struct bt_sigma_value v = {value, strlen(value), BT_SV_STRING};
	if (bt_matcher_compile(&m, &v, out, w, sizeof w) != BT_OK) {
		snprintf(why, why_size, "%s", w);
		return false;
	}
	return true;
}

/* A keyword, literal: Sigma's wildcard characters escaped. */
static char *literal(const char *s)
{
	size_t n = strlen(s);
	char *e = malloc(2 * n + 1), *p = e;
	if (!e)
		return NULL;
	for (; *s; s++) {
		if (*s == '*' || *s == '?' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p = '\0';
	return e;
}

static bool push(struct bt_query *q, struct qterm *t, size_t *added)
{
	if (q->n >= BT_QUERY_MAX_TERMS)
		return false;
	struct qterm *nv = realloc(q->v, (q->n + 1) * sizeof *nv);
	if (!nv)
		return false;
	q->v = nv;
	nv[q->n++] = *t;
	(*added)++;
	return true;
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' || c == '[' || c == ']';
}

/* One term: a field expression when it starts NAME OP, else a keyword. */
static bool compile_term(struct bt_query *q, const char *term, struct qterm *t, char *why,
                         size_t why_size)
{
	memset(t, 0, sizeof *t);
	size_t nl = 0;
	while (term[nl] && name_char(term[nl]))
		nl++;
	const char *op = term + nl;
	size_t opl = strncmp(op, "!=", 2) == 0 || strncmp(op, "<=", 2) == 0 ||
	                     strncmp(op, ">=", 2) == 0
	                     ? 2
	             : (*op == '=' || *op == '<' || *op == '>' || *op == '~') ? 1
	                                                                      : 0;
	if (!opl || nl == 0) {
		if (*op && strchr("=<>~", *op) && nl == 0) {
			snprintf(why, why_size, "'%s': a field expression needs a field name before '%c'",
			         term, *op);
			return false;
		}
		char *lit = literal(term);
		const char *mods[] = {"contains"};
		bool ok = lit && compile(q, mods, 1, lit, &t->m, why, why_size);
		free(lit);
		if (!ok)
			return false;
		t->kind = Q_ANY;
		t->fold = bt_matcher_folds(t->m);
		return true;
	}
	const char *value = op + opl;
	if (!*value) {
		snprintf(why, why_size, "'%s': no value after '%.*s'", term, (int)opl, op);
		return false;
	}
	const char *hn = NULL;
	char *name = strndup(term, nl);
	if (!name) {
		snprintf(why, why_size, "out of memory");
		return false;
	}
	if ((hn = header_name(name))) {
		free(name);
		name = strdup(hn);
		t->header = true;
		if (!name) {
			snprintf(why, why_size, "out of memory");
			return false;
		}
	}
	t->name = name;
	t->len = strlen(name);
	t->kind = Q_FIELD;
	bool ok;
	if (*op == '<' || *op == '>') {
		/* compared here, not by a matcher: a number is read once per value */
		t->cmp = opl == 2 ? (*op == '<' ? 'l' : 'g') : *op;
		if (!parse_double(value, strlen(value), &t->cmpval)) {
			snprintf(why, why_size, "'%s': '%s' is not a number (4769, 0x17, 1.5)", term, value);
			return false;
		}
		return true;
	} else if (*op == '~') {
		const char *mods[] = {"re"};
		ok = compile(q, mods, 1, value, &t->m, why, why_size);
	} else {
		t->kind = *op == '!' ? Q_FIELD_NEQ : Q_FIELD;
		t->has_num = parse_num(value, strlen(value), &t->num);
		ok = false;
		if (is_cidr(value) || is_address(value)) {
			/* an address is its one-address network, so that ::ffff:10.0.0.5
			 * equals 10.0.0.5; what the network parser declines (an address
			 * with a port) compares as text */
			const char *mods[] = {"cidr"};
			char net[80];
			snprintf(net, sizeof net, "%s%s", value,
			         strchr(value, '/') ? "" : strchr(value, ':') ? "/128" : "/32");
			ok = compile(q, mods, 1, net, &t->m, why, why_size);
		}
		if (!ok)
			ok = compile(q, NULL, 0, value, &t->m, why, why_size);
	}
	if (!ok) {
		char inner[200];
		snprintf(inner, sizeof inner, "%s", why);
		snprintf(why, why_size, "'%s': %s", term, inner);
		return false;
	}
	t->fold = t->m && bt_matcher_folds(t->m);
	return true;
}

/* Splits `text` into terms at blanks outside double quotes (quotes removed,
 * \" kept as a quote) and compiles each. */
enum bt_status bt_query_add_terms(struct bt_query *q, const char *text, char *why,
                                  size_t why_size)
{
	size_t n0 = q->n, added = 0;
	size_t cap = strlen(text) + 1;
	char *buf = malloc(cap);
	if (!buf) {
		snprintf(why, why_size, "out of memory");
		return BT_ERR_NOMEM;
	}
	const char *p = text;
	enum bt_status st = BT_OK;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		size_t n = 0;
		bool quoted = false;
		for (; *p && (quoted || !(*p == ' ' || *p == '\t' || *p == '\n')); p++) {
			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			if (quoted && *p == '\\' && p[1] == '"')
				p++;
			buf[n++] = *p;
		}
		buf[n] = '\0';
		if (quoted) {
			snprintf(why, why_size, "'%s': unterminated double quote", buf);
			st = BT_ERR_FORMAT;
			break;
		}
		if (n == 0) {
			snprintf(why, why_size, "an empty term (\"\")");
			st = BT_ERR_FORMAT;
			break;
		}
		struct qterm t;
		if (!compile_term(q, buf, &t, why, why_size)) {
			term_free(&t);
			st = BT_ERR_FORMAT;
			break;
		}
		if (!push(q, &t, &added)) {
			term_free(&t);
			snprintf(why, why_size, "more than %d terms, or out of memory", BT_QUERY_MAX_TERMS);
			st = BT_ERR_LIMIT;
			break;
		}
	}
	free(buf);
	if (st == BT_OK && added == 0) {
		snprintf(why, why_size, "an empty query");
		st = BT_ERR_FORMAT;
	}
	if (st != BT_OK) {
		while (q->n > n0)
			term_free(&q->v[--q->n]);
	}
	return st;
}

enum bt_status bt_query_add_regex(struct bt_query *q, const char *re, char *why, size_t why_size)
{
	struct qterm t = {.kind = Q_ANY};
	const char *mods[] = {"re"};
	char w[256];
	if (!compile(q, mods, 1, re, &t.m, w, sizeof w)) {
		snprintf(why, why_size, "-e '%s': %s", re, w);
		return BT_ERR_FORMAT;
	}
	size_t added = 0;
	if (!push(q, &t, &added)) {
		term_free(&t);
		snprintf(why, why_size, "more than %d terms, or out of memory", BT_QUERY_MAX_TERMS);
		return BT_ERR_LIMIT;
	}
	return BT_OK;
}

/* ---- matching */

static bool compare(const struct qterm *t, double v)
{
	switch (t->cmp) {
	case '<': return v < t->cmpval;
	case 'l': return v <= t->cmpval;
	case '>': return v > t->cmpval;
	default: return v >= t->cmpval;
	}
}

static bool test(const struct qterm *t, const char *s, size_t n, struct bt_match_scratch *scratch)
{
	if (t->cmp) {
		double v;
		return parse_double(s, n, &v) && compare(t, v);
	}
	if (t->has_num) {
		unsigned long long v;
		if (parse_num(s, n, &v) && v == t->num)
			return true;
	}
	if (!t->m)
		return false;
	const char *folded = t->fold ? bt_match_fold(scratch, s, n) : NULL;
	return bt_matcher_test_folded(t->m, s, folded, n, NULL, scratch);
}

static bool str_test(const struct qterm *t, const char *s, struct bt_match_scratch *scratch)
{
	return s && test(t, s, strlen(s), scratch);
}

/* A keyword or regex: any value of the event. */
static bool any_value(const struct qterm *t, const struct bt_event *ev,
                      struct bt_match_scratch *scratch)
{
	if (str_test(t, ev->host, scratch) || str_test(t, ev->channel, scratch) ||
	    str_test(t, ev->provider, scratch))
		return true;
	for (size_t i = 0; i < ev->nfields; i++) {
		const struct bt_field *f = bt_field_need(ev, &ev->fields[i]);
		if (f->text && test(t, f->text, f->text_len, scratch))
			return true;
	}
	return false;
}

/* Calls test on every value of the term's field; *present says whether the
 * field has one. */
static bool field_values(const struct qterm *t, const struct bt_event *ev,
                         struct bt_match_scratch *scratch, bool *present)
{
	*present = false;
	if (t->header && t->cmp && ev->source == BT_SOURCE_EVTX && strcmp(t->name, "EventID") == 0) {
		*present = true;   /* the common case, without formatting the id */
		return compare(t, (double)ev->event_id);
	}
	if (t->header) {
		char buf[32];
		const char *s;
		size_t n;
		if (bt_event_system_value(ev, t->name, t->len, buf, &s, &n)) {
			*present = true;
			return test(t, s, n, scratch);
		}
	}
	const struct bt_field *f = bt_event_field(ev, t->name, t->len);
	if (!f)
		for (size_t i = 0; i < ev->nfields && !f; i++)
			if (ev->fields[i].name_len == t->len &&
			    strncasecmp(ev->fields[i].name, t->name, t->len) == 0)
				f = bt_field_need(ev, &ev->fields[i]);
	for (; f; f = bt_event_field_next(ev, f)) {
		*present = true;
		if (f->text && test(t, f->text, f->text_len, scratch))
			return true;
	}
	return false;
}

bool bt_query_match(const struct bt_query *q, const struct bt_event *ev,
                    struct bt_match_scratch *scratch)
{
	for (size_t i = 0; i < q->n; i++) {
		const struct qterm *t = &q->v[i];
		bool present, r;
		switch (t->kind) {
		case Q_ANY:
			r = any_value(t, ev, scratch);
			break;
		case Q_FIELD:
			r = field_values(t, ev, scratch, &present);
			break;
		case Q_FIELD_NEQ:
			r = !field_values(t, ev, scratch, &present) && present;
			break;
		default:
			r = false;
		}
		if (!r)
			return false;
	}
	return true;
}
