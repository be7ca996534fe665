/* Sigma condition: tokenizer, recursive-descent parser, evaluator. */
#include "config.h"

#include "rules/bt_sigma_cond.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum tok { T_END, T_LP, T_RP, T_AND, T_OR, T_NOT, T_OF, T_THEM, T_ALL, T_ANY, T_NUM, T_IDENT,
           T_PIPE, T_NEAR, T_BAD };

struct parser {
	struct bt_arena *a;
	const char *s;
	size_t pos;
	enum tok tok;
	const char *tstart;
	size_t tlen;
	const char *const *names;
	size_t nnames;
	int depth;
	enum bt_status st;
	char *why;
	size_t why_size;
};

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == '*' ||
	       c == '?' || (unsigned char)c >= 0x80;
}

static bool word_is(const struct parser *p, const char *w)
{
	return strlen(w) == p->tlen && strncasecmp(p->tstart, w, p->tlen) == 0;
}

static void next(struct parser *p)
{
	const char *s = p->s;
	while (s[p->pos] && isspace((unsigned char)s[p->pos]))
		p->pos++;
	p->tstart = s + p->pos;
	p->tlen = 0;
	char c = s[p->pos];
	if (!c) {
		p->tok = T_END;
		return;
	}
	if (c == '(' || c == ')' || c == '|') {
		p->tok = c == '(' ? T_LP : c == ')' ? T_RP : T_PIPE;
		p->tlen = 1;
		p->pos++;
		return;
	}
	if (!ident_char(c)) {
		p->tok = T_BAD;
		p->tlen = 1;
		return;
	}
	while (s[p->pos] && ident_char(s[p->pos]))
		p->pos++;
	p->tlen = (size_t)(s + p->pos - p->tstart);
	if (word_is(p, "and"))
		p->tok = T_AND;
	else if (word_is(p, "or"))
		p->tok = T_OR;
	else if (word_is(p, "not"))
		p->tok = T_NOT;
	else if (word_is(p, "of"))
		p->tok = T_OF;
	else if (word_is(p, "them"))
		p->tok = T_THEM;
	else if (word_is(p, "all"))
		p->tok = T_ALL;
	else if (word_is(p, "any"))
		p->tok = T_ANY;
	else if (word_is(p, "near"))
		p->tok = T_NEAR;
	else {
		bool num = true;
		for (size_t i = 0; i < p->tlen; i++)
			if (!isdigit((unsigned char)p->tstart[i]))
				num = false;
		p->tok = num ? T_NUM : T_IDENT;
	}
}

static void fail(struct parser *p, enum bt_status st, const char *msg)
{
	if (p->st != BT_OK)
		return;
	p->st = st;
	if (p->tok == T_END)
		snprintf(p->why, p->why_size, "condition: %s at end", msg);
	else
		snprintf(p->why, p->why_size, "condition: %s at '%.*s' (offset %zu)", msg,
		         (int)(p->tlen > 40 ? 40 : p->tlen), p->tstart, (size_t)(p->tstart - p->s));
}

static struct bt_cond *node(struct parser *p, enum bt_cond_op op, size_t nkids)
{
	struct bt_cond *c = bt_arena_alloc(p->a, sizeof *c);
	if (!c) {
		fail(p, BT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	memset(c, 0, sizeof *c);
	c->op = op;
	if (nkids) {
		c->kids = bt_arena_alloc(p->a, nkids * sizeof *c->kids);
		if (!c->kids) {
			fail(p, BT_ERR_NOMEM, "out of memory");
			return NULL;
		}
	}
	return c;
}

bool bt_cond_name_match(const char *pat, const char *name)
{
	/* Iterative glob with backtracking to the last star. */
	const char *star = NULL, *resume = NULL;
	while (*name) {
		if (*pat == '*') {
			star = pat++;
			resume = name;
		} else if (*pat == *name) {
			pat++;
			name++;
		} else if (star) {
			pat = star + 1;
			name = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static struct bt_cond *expr(struct parser *p);

/* "x of PATTERN|them" with the quantifier already read. */
static struct bt_cond *quantified(struct parser *p, uint32_t count, bool all)
{
	next(p);   /* past the quantifier */
	if (p->tok != T_OF) {
		fail(p, BT_ERR_FORMAT, "expected 'of'");
		return NULL;
	}
	next(p);
	bool them = p->tok == T_THEM;
	if (!them && p->tok != T_IDENT && p->tok != T_ALL && p->tok != T_ANY) {
		fail(p, BT_ERR_FORMAT, "expected a search identifier pattern or 'them'");
		return NULL;
	}
	char pat[256];
	if (p->tlen >= sizeof pat) {
		fail(p, BT_ERR_FORMAT, "pattern too long");
		return NULL;
	}
	memcpy(pat, p->tstart, p->tlen);
	pat[p->tlen] = '\0';
	size_t hits = 0;
	for (size_t i = 0; i < p->nnames; i++)
		if (them ? p->names[i][0] != '_' : bt_cond_name_match(pat, p->names[i]))
			hits++;
	if (hits == 0) {
		fail(p, BT_ERR_FORMAT, "no search identifier matches");
		return NULL;
	}
	struct bt_cond *c = node(p, BT_COND_ATLEAST, hits);
	if (!c)
		return NULL;
	for (size_t i = 0; i < p->nnames; i++) {
		if (them ? p->names[i][0] == '_' : !bt_cond_name_match(pat, p->names[i]))
			continue;
		struct bt_cond *r = node(p, BT_COND_REF, 0);
		if (!r)
			return NULL;
		r->ref = (uint32_t)i;
		c->kids[c->nkids++] = r;
	}
	c->count = all ? (uint32_t)c->nkids : count;
	if (c->count > c->nkids) {
		fail(p, BT_ERR_FORMAT, "quantifier larger than the number of matching identifiers");
		return NULL;
	}
	next(p);
	return c;
}

static struct bt_cond *primary(struct parser *p)
{
	switch (p->tok) {
	case T_LP: {
		if (++p->depth > BT_COND_MAX_DEPTH) {
			fail(p, BT_ERR_LIMIT, "nested too deeply");
			return NULL;
		}
		next(p);
		struct bt_cond *c = expr(p);
		if (!c)
			return NULL;
		if (p->tok != T_RP) {
			fail(p, BT_ERR_FORMAT, "expected ')'");
			return NULL;
		}
		p->depth--;
		next(p);
		return c;
	}
	case T_ALL:
		return quantified(p, 0, true);
	case T_ANY:
		return quantified(p, 1, false);
	case T_NUM: {
		unsigned long v = 0;
		for (size_t i = 0; i < p->tlen; i++) {
			v = v * 10 + (unsigned long)(p->tstart[i] - '0');
			if (v > 100000)
				break;
		}
		if (v == 0 || v > 100000) {
			fail(p, BT_ERR_FORMAT, "bad quantifier");
			return NULL;
		}
		return quantified(p, (uint32_t)v, false);
	}
	case T_IDENT: {
		for (size_t i = 0; i < p->nnames; i++) {
			if (strlen(p->names[i]) == p->tlen &&
			    memcmp(p->names[i], p->tstart, p->tlen) == 0) {
				struct bt_cond *c = node(p, BT_COND_REF, 0);
				if (!c)
					return NULL;
				c->ref = (uint32_t)i;
				next(p);
				return c;
			}
		}
		fail(p, BT_ERR_FORMAT, "unknown search identifier");
		return NULL;
	}
	case T_PIPE:
		fail(p, BT_ERR_UNSUPPORTED, "aggregation ('|') is not supported (use a correlation rule)");
		return NULL;
	case T_NEAR:
		fail(p, BT_ERR_UNSUPPORTED, "'near' is not supported");
		return NULL;
	default:
		fail(p, BT_ERR_FORMAT, "unexpected token");
		return NULL;
	}
}

static struct bt_cond *unary(struct parser *p)
{
	if (p->tok != T_NOT)
		return primary(p);
	if (++p->depth > BT_COND_MAX_DEPTH) {
		fail(p, BT_ERR_LIMIT, "nested too deeply");
		return NULL;
	}
	next(p);
	struct bt_cond *k = unary(p);
	p->depth--;
	if (!k)
		return NULL;
	struct bt_cond *c = node(p, BT_COND_NOT, 1);
	if (!c)
		return NULL;
	c->kids[0] = k;
	c->nkids = 1;
	return c;
}

/* Collects a left-associative chain of `op` into one n-ary node. */
static struct bt_cond *chain(struct parser *p, enum tok t, enum bt_cond_op op,
                             struct bt_cond *(*sub)(struct parser *))
{
	struct bt_cond *first = sub(p);
	if (!first || p->tok != t)
		return first;
	struct bt_cond *kids[64];
	size_t n = 0;
	kids[n++] = first;
	struct bt_cond *acc = NULL;
	while (p->tok == t) {
		next(p);
		struct bt_cond *k = sub(p);
		if (!k)
			return NULL;
		if (n == 64) {
			/* Fold into a nested node to keep going. */
			struct bt_cond *c = node(p, op, n);
			if (!c)
				return NULL;
			memcpy(c->kids, kids, n * sizeof *kids);
			c->nkids = n;
			n = 0;
			kids[n++] = c;
		}
		kids[n++] = k;
	}
	acc = node(p, op, n);
	if (!acc)
		return NULL;
	memcpy(acc->kids, kids, n * sizeof *kids);
	acc->nkids = n;
	return acc;
}

static struct bt_cond *and_expr(struct parser *p)
{
	return chain(p, T_AND, BT_COND_AND, unary);
}

static struct bt_cond *expr(struct parser *p)
{
	return chain(p, T_OR, BT_COND_OR, and_expr);
}

enum bt_status bt_cond_parse(struct bt_arena *a, const char *text, const char *const *names,
                             size_t n, struct bt_cond **out, char *why, size_t why_size)
{
	*out = NULL;
	if (strlen(text) > BT_COND_MAX_LEN) {
		snprintf(why, why_size, "condition longer than %d bytes", BT_COND_MAX_LEN);
		return BT_ERR_LIMIT;
	}
	struct parser p = {.a = a, .s = text, .names = names, .nnames = n, .why = why,
	                   .why_size = why_size};
	next(&p);
	struct bt_cond *c = expr(&p);
	if (c && p.tok != T_END) {
		if (p.tok == T_PIPE)
			fail(&p, BT_ERR_UNSUPPORTED,
			     "aggregation ('|') is not supported (use a correlation rule)");
		else if (p.tok == T_NEAR)
			fail(&p, BT_ERR_UNSUPPORTED, "'near' is not supported");
		else
			fail(&p, BT_ERR_FORMAT, "unexpected token");
	}
	if (p.st != BT_OK)
		return p.st;
	if (!c) {
		snprintf(why, why_size, "condition: empty");
		return BT_ERR_FORMAT;
	}
	*out = c;
	return BT_OK;
}

bool bt_cond_eval(const struct bt_cond *c, bool (*ref)(void *ctx, uint32_t i), void *ctx)
{
	switch (c->op) {
	case BT_COND_REF:
		return ref(ctx, c->ref);
	case BT_COND_AND:
		for (size_t i = 0; i < c->nkids; i++)
			if (!bt_cond_eval(c->kids[i], ref, ctx))
				return false;
		return true;
	case BT_COND_OR:
		for (size_t i = 0; i < c->nkids; i++)
			if (bt_cond_eval(c->kids[i], ref, ctx))
				return true;
		return false;
	case BT_COND_NOT:
		return !bt_cond_eval(c->kids[0], ref, ctx);
	case BT_COND_ATLEAST: {
		uint32_t hits = 0;
		for (size_t i = 0; i < c->nkids; i++) {
			if (bt_cond_eval(c->kids[i], ref, ctx) && ++hits >= c->count)
				return true;
			/* Stop once the rest cannot reach the count. */
			if (hits + (c->nkids - i - 1) < c->count)
				return false;
		}
		return hits >= c->count;
	}
	}
	return false;
}

void bt_cond_refs(const struct bt_cond *c, bool *used)
{
	if (c->op == BT_COND_REF) {
		used[c->ref] = true;
		return;
	}
	for (size_t i = 0; i < c->nkids; i++)
		bt_cond_refs(c->kids[i], used);
}
