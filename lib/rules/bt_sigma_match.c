/* Compiled Sigma value matchers. Rule values are turned into the cheapest
 * test that is exact: equality, prefix, suffix or substring where the value
 * allows, a glob for other wildcard patterns, PCRE2 only for `re`. */
#include "config.h"

#include "core/bt_array.h"
#include "rules/bt_sigma_match.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Limits for one regex match: a hostile value costs at most this much. */
#define RE_MATCH_LIMIT 1000000u
#define RE_DEPTH_LIMIT 10000u
#define RE_JIT_STACK_MAX (1024u * 1024)

enum kind { K_EQ, K_PREFIX, K_SUFFIX, K_CONTAINS, K_ANY, K_GLOB, K_RE, K_CIDR, K_NUM, K_NULL,
            K_FIELDREF };

static const char *const kind_names[] = {
	"eq", "startswith", "endswith", "contains", "any", "glob", "re", "cidr", "num", "null",
	"fieldref",
};

enum tt { TT_LIT, TT_STAR, TT_ONE, TT_DASH };

struct tok {
	enum tt t;
	uint32_t off, len;   /* TT_LIT: bytes in lit[] */
};

struct bt_matcher {
	enum kind kind;
	bool cased;
	unsigned char *lit;   /* literal bytes (folded unless cased) */
	size_t litlen;
	struct tok *toks;     /* K_GLOB */
	size_t ntoks;
	pcre2_code *re;
	uint8_t net[16];
	unsigned bits;
	bool v6;
	enum bt_numop numop;
	bool num_int;
	int64_t inum;
	double dnum;
	char *ref;            /* K_FIELDREF */
	size_t reflen;
	enum bt_pos refpos;
	bool uint_ok;
	uint32_t uint_val;
	size_t rare;          /* K_CONTAINS: index of its least common byte (rare_index) */
	bool ascii;           /* K_EQ/K_PREFIX/K_SUFFIX with a literal of bytes 1..0x7F:
	                       * decidable on UTF-16 units (bt_matcher_test_utf16) */
	uint16_t gram[3];     /* case-insensitive K_CONTAINS: its least common byte
	                       * pairs (gram_of), which the text must hold */
	unsigned ngram;
	struct bt_matcher *next;
};

/* How common a byte is in log text, folded (paths, command lines, names):
 * higher is more common; a substring search looks for its least common
 * byte first (memchr), then compares. A guess, not a measurement: only
 * speed depends on it. */
static const uint8_t byte_commonness[256] = {
	[' '] = 200, ['e'] = 190, ['a'] = 180, ['t'] = 180, ['i'] = 175, ['o'] = 170,
	['n'] = 170, ['s'] = 170, ['r'] = 165, ['\\'] = 160, ['l'] = 150, ['c'] = 150,
	['d'] = 140, ['m'] = 130, ['.'] = 130, ['p'] = 120, ['u'] = 120, ['h'] = 110,
	['-'] = 110, ['0'] = 110, ['1'] = 100, ['w'] = 100, ['g'] = 90, ['f'] = 90,
	['/'] = 90, [':'] = 90, ['b'] = 80, ['y'] = 70, ['2'] = 80, ['3'] = 70,
	['4'] = 70, ['5'] = 70, ['6'] = 70, ['7'] = 70, ['8'] = 70, ['9'] = 70,
	['v'] = 60, ['k'] = 50, ['x'] = 50, ['_'] = 50, ['='] = 50, ['"'] = 40,
	['\''] = 40, [','] = 40, ['j'] = 30, ['q'] = 20, ['z'] = 20,
};

static size_t rare_index(const unsigned char *lit, size_t n)
{
	size_t best = 0;
	for (size_t i = 1; i < n; i++)
		if (byte_commonness[lit[i]] < byte_commonness[lit[best]])
			best = i;
	return best;
}

static bool eq_at(const unsigned char *a, const unsigned char *lit, size_t n, bool cased);

/* lit[0..nl) in h[0..n): its least common byte lit[r] by memchr, then the
 * whole literal around it, byte for byte (cased) or folding h (lit is folded
 * and lit[r] no letter then, so memchr finds it either way). */
static bool find_rare(const unsigned char *h, size_t n, const unsigned char *lit, size_t nl,
                      size_t r, bool cased)
{
	if (nl == 0)
		return true;
	if (nl > n)
		return false;
	const unsigned char *p = h + r, *last = h + (n - nl) + r;
	while (p <= last && (p = memchr(p, lit[r], (size_t)(last - p) + 1)) != NULL) {
		if (eq_at(p - r, lit, nl, cased))
			return true;
		p++;
	}
	return false;
}

struct bt_match_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit;
	uint64_t re_errors;
	char *fold;                 /* bt_match_fold's text */
	size_t fold_cap;
	/* bt_match_fold_keep's texts, one after the other, until forgotten;
	 * found by their key's slot (a key that takes another's slot replaces
	 * it); an entry of an older generation is free */
	char *kept;
	size_t kept_cap, kept_used;
	uint64_t kept_gen;
	struct {
		const void *key;
		uint64_t gen;
		size_t off;
		unsigned uses;          /* asked for since kept */
		bool grams;             /* gram[] below made */
	} kept_slot[BT_MATCH_FOLD_KEEP];
	/* the byte pairs of a kept text (gram_of), made once it is asked for
	 * often: a substring with a pair the text lacks is not in it */
	uint64_t grams[BT_MATCH_FOLD_KEEP][BT_GRAM_BITS / 64];
};

struct bt_match_scratch *bt_match_scratch_new(void)
{
	struct bt_match_scratch *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->md = pcre2_match_data_create(1, NULL);
	s->mctx = pcre2_match_context_create(NULL);
	s->jit = pcre2_jit_stack_create(32 * 1024, RE_JIT_STACK_MAX, NULL);
	if (!s->md || !s->mctx) {
		bt_match_scratch_free(s);
		return NULL;
	}
	s->kept_gen = 1;   /* the empty slots are of generation 0 */
	pcre2_set_match_limit(s->mctx, RE_MATCH_LIMIT);
	pcre2_set_depth_limit(s->mctx, RE_DEPTH_LIMIT);
	if (s->jit)
		pcre2_jit_stack_assign(s->mctx, NULL, s->jit);
	return s;
}

void bt_match_scratch_free(struct bt_match_scratch *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mctx);
	pcre2_jit_stack_free(s->jit);
	free(s->fold);
	free(s->kept);
	free(s);
}

uint64_t bt_match_scratch_re_errors(const struct bt_match_scratch *s)
{
	return s ? s->re_errors : 0;
}

/* ---- modifiers */

enum bt_status bt_mods_parse(const char *const *mods, size_t n, struct bt_mods *out, char *why,
                             size_t why_size)
{
	memset(out, 0, sizeof *out);
	bool pos_set = false;
	for (size_t i = 0; i < n; i++) {
		const char *m = mods[i];
		enum bt_pos pos = BT_POS_EXACT;
		bool is_pos = true;
		if (strcmp(m, "contains") == 0)
			pos = BT_POS_CONTAINS;
		else if (strcmp(m, "startswith") == 0)
			pos = BT_POS_STARTSWITH;
		else if (strcmp(m, "endswith") == 0)
			pos = BT_POS_ENDSWITH;
		else
			is_pos = false;
		if (is_pos) {
			if (pos_set && out->pos != pos) {
				snprintf(why, why_size, "conflicting modifiers '%s' and an earlier position",
				         m);
				return BT_ERR_UNSUPPORTED;
			}
			out->pos = pos;
			pos_set = true;
			continue;
		}
		if (strcmp(m, "all") == 0) {
			out->all = true;
		} else if (strcmp(m, "cased") == 0) {
			out->cased = true;
		} else if (strcmp(m, "re") == 0) {
			out->re = true;
		} else if (strcmp(m, "i") == 0 || strcmp(m, "m") == 0 || strcmp(m, "s") == 0) {
			if (!out->re) {
				snprintf(why, why_size, "modifier '%s' without 're'", m);
				return BT_ERR_UNSUPPORTED;
			}
			out->re_flags |= m[0] == 'i' ? BT_RE_I : m[0] == 'm' ? BT_RE_M : BT_RE_S;
		} else if (strcmp(m, "cidr") == 0) {
			out->cidr = true;
		} else if (strcmp(m, "gt") == 0) {
			out->num = BT_NUM_GT;
		} else if (strcmp(m, "gte") == 0) {
			out->num = BT_NUM_GTE;
		} else if (strcmp(m, "lt") == 0) {
			out->num = BT_NUM_LT;
		} else if (strcmp(m, "lte") == 0) {
			out->num = BT_NUM_LTE;
		} else if (strcmp(m, "exists") == 0) {
			out->exists = true;
		} else if (strcmp(m, "fieldref") == 0) {
			out->fieldref = true;
		} else if (strcmp(m, "neq") == 0) {
			out->neq = true;
		} else if (strcmp(m, "base64") == 0 || strcmp(m, "base64offset") == 0 ||
		           strcmp(m, "utf16le") == 0 || strcmp(m, "wide") == 0 ||
		           strcmp(m, "utf16be") == 0 || strcmp(m, "utf16") == 0 ||
		           strcmp(m, "windash") == 0) {
			if (out->nenc == sizeof out->enc / sizeof out->enc[0]) {
				snprintf(why, why_size, "too many transformation modifiers");
				return BT_ERR_UNSUPPORTED;
			}
			enum bt_enc e = strcmp(m, "base64") == 0         ? BT_ENC_BASE64
			                : strcmp(m, "base64offset") == 0 ? BT_ENC_BASE64OFFSET
			                : strcmp(m, "utf16be") == 0      ? BT_ENC_UTF16BE
			                : strcmp(m, "utf16") == 0        ? BT_ENC_UTF16
			                : strcmp(m, "windash") == 0      ? BT_ENC_WINDASH
			                                                 : BT_ENC_UTF16LE;
			out->enc[out->nenc++] = e;
		} else if (strcmp(m, "expand") == 0) {
			snprintf(why, why_size, "placeholder expansion ('expand') is not supported");
			return BT_ERR_UNSUPPORTED;
		} else {
			snprintf(why, why_size, "unknown modifier '%.60s'", m);
			return BT_ERR_UNSUPPORTED;
		}
	}
	int types = out->re + out->cidr + (out->num != BT_NUM_NONE) + out->exists + out->fieldref;
	if (types > 1 || ((out->re || out->cidr || out->num || out->exists) &&
	                  (pos_set || out->nenc))) {
		snprintf(why, why_size, "unsupported combination of modifiers");
		return BT_ERR_UNSUPPORTED;
	}
	if (out->fieldref && out->nenc) {
		snprintf(why, why_size, "unsupported combination of modifiers (fieldref)");
		return BT_ERR_UNSUPPORTED;
	}
	return BT_OK;
}

/* ---- building token patterns */

struct pat {
	unsigned char *lit;
	size_t litlen, litcap;
	struct tok *toks;
	size_t ntoks, tokcap;
	bool oom;
};

static void pat_free(struct pat *p)
{
	free(p->lit);
	free(p->toks);
	memset(p, 0, sizeof *p);
}

static void pat_tok(struct pat *p, enum tt t)
{
	if (p->oom)
		return;
	if (!bt_array_reserve(&p->toks, &p->tokcap, p->ntoks, sizeof *p->toks, 8)) {
		p->oom = true;
		return;
	}
	/* Adjacent stars are one star. */
	if (t == TT_STAR && p->ntoks && p->toks[p->ntoks - 1].t == TT_STAR)
		return;
	p->toks[p->ntoks].t = t;
	p->toks[p->ntoks].off = (uint32_t)p->litlen;
	p->toks[p->ntoks].len = 0;
	p->ntoks++;
}

/* Appends literal bytes, extending the last literal token. */
static void pat_lit(struct pat *p, const void *s, size_t n)
{
	if (p->oom || n == 0)
		return;
	if (p->litlen + n > BT_MATCH_MAX_VALUE) {
		p->oom = true;
		return;
	}
	if (p->litlen + n > p->litcap) {
		size_t nc = p->litcap ? p->litcap : 32;
		while (nc < p->litlen + n)
			nc *= 2;
		unsigned char *nl = realloc(p->lit, nc);
		if (!nl) {
			p->oom = true;
			return;
		}
		p->lit = nl;
		p->litcap = nc;
	}
	if (!p->ntoks || p->toks[p->ntoks - 1].t != TT_LIT) {
		pat_tok(p, TT_LIT);
		if (p->oom)
			return;
	}
	memcpy(p->lit + p->litlen, s, n);
	p->litlen += n;
	p->toks[p->ntoks - 1].len += (uint32_t)n;
}

/* Parses a Sigma string with wildcards and escapes. */
static void pat_parse(struct pat *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
			pat_lit(p, &s[i + 1], 1);
			i++;
		} else if (c == '*') {
			pat_tok(p, TT_STAR);
		} else if (c == '?') {
			pat_tok(p, TT_ONE);
		} else {
			pat_lit(p, &c, 1);
		}
	}
}

/* The bytes of a literal token. An empty literal (an encoded empty value)
 * may have no literal storage at all: never offset a NULL pointer. */
static const unsigned char *tok_bytes(const struct pat *p, const struct tok *k)
{
	static const unsigned char none[1];
	return p->lit ? p->lit + k->off : none;
}

static bool has_wildcards(const struct pat *p)
{
	for (size_t i = 0; i < p->ntoks; i++)
		if (p->toks[i].t != TT_LIT)
			return true;
	return false;
}

static bool word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c >= 0x80;
}

/* windash: splits literals at option dashes into TT_DASH tokens. */
static void pat_windash(struct pat *in, struct pat *out)
{
	for (size_t t = 0; t < in->ntoks; t++) {
		const struct tok *k = &in->toks[t];
		if (k->t != TT_LIT) {
			pat_tok(out, k->t);
			continue;
		}
		const unsigned char *s = tok_bytes(in, k);
		size_t start = 0;
		for (size_t i = 0; i < k->len; i++) {
			if ((s[i] == '-' || s[i] == '/') && (i == 0 || !word_char(s[i - 1])) &&
			    i + 1 < k->len && word_char(s[i + 1])) {
				pat_lit(out, s + start, i - start);
				pat_tok(out, TT_DASH);
				start = i + 1;
			}
		}
		pat_lit(out, s + start, k->len - start);
	}
}

/* ---- encodings */

struct bytes {
	unsigned char *p;
	size_t n;
};

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool b64encode(const unsigned char *s, size_t n, struct bytes *out)
{
	size_t on = (n + 2) / 3 * 4;
	if (on > BT_MATCH_MAX_VALUE)
		return false;
	out->p = malloc(on + 1);
	if (!out->p)
		return false;
	size_t k = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out->p[k++] = (unsigned char)b64chars[(v >> 18) & 63];
		out->p[k++] = (unsigned char)b64chars[(v >> 12) & 63];
		out->p[k++] = i + 1 < n ? (unsigned char)b64chars[(v >> 6) & 63] : '=';
		out->p[k++] = i + 2 < n ? (unsigned char)b64chars[v & 63] : '=';
	}
	out->n = k;
	return true;
}

/* The three base64offset variants: the value shifted by 0, 1 and 2 bytes,
 * keeping only the characters that do not depend on the unknown neighbours. */
static bool b64offset(const unsigned char *s, size_t n, int shift, struct bytes *out)
{
	static const size_t start_cut[3] = {0, 2, 3};
	static const size_t end_cut[3] = {0, 3, 2};
	unsigned char *tmp = malloc(n + 2 + 1);
	if (!tmp)
		return false;
	memset(tmp, ' ', (size_t)shift);
	memcpy(tmp + shift, s, n);
	struct bytes enc;
	bool ok = b64encode(tmp, n + (size_t)shift, &enc);
	free(tmp);
	if (!ok)
		return false;
	size_t sc = start_cut[shift], ec = end_cut[(n + (size_t)shift) % 3];
	if (sc + ec >= enc.n) {
		enc.n = 0;
	} else {
		memmove(enc.p, enc.p + sc, enc.n - sc - ec);
		enc.n -= sc + ec;
	}
	*out = enc;
	return true;
}

static bool utf16(const unsigned char *s, size_t n, enum bt_enc e, struct bytes *out)
{
	size_t cap = n * 4 + 2;
	if (cap > BT_MATCH_MAX_VALUE)
		return false;
	out->p = malloc(cap);
	if (!out->p)
		return false;
	size_t k = 0;
	bool be = e == BT_ENC_UTF16BE;
	if (e == BT_ENC_UTF16) {
		out->p[k++] = 0xFF;
		out->p[k++] = 0xFE;
	}
	for (size_t i = 0; i < n;) {
		uint32_t cp = s[i];
		size_t l = 1;
		if (cp >= 0xC0) {
			size_t want = cp >= 0xF0 ? 4 : cp >= 0xE0 ? 3 : 2;
			if (i + want <= n) {
				uint32_t v = cp & (0x3Fu >> (want - 1));
				bool ok = true;
				for (size_t j = 1; j < want; j++) {
					if ((s[i + j] & 0xC0) != 0x80)
						ok = false;
					v = (v << 6) | (s[i + j] & 0x3F);
				}
				if (ok) {
					cp = v;
					l = want;
				}
			}
		}
		i += l;
		uint16_t units[2];
		size_t nu = 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			units[0] = (uint16_t)(0xD800 | (cp >> 10));
			units[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
			nu = 2;
		} else {
			units[0] = (uint16_t)cp;
		}
		for (size_t u = 0; u < nu; u++) {
			out->p[k++] = be ? (unsigned char)(units[u] >> 8) : (unsigned char)units[u];
			out->p[k++] = be ? (unsigned char)units[u] : (unsigned char)(units[u] >> 8);
		}
	}
	out->n = k;
	return true;
}

/* ---- compile */

static struct bt_matcher *mnew(enum kind k, bool cased)
{
	struct bt_matcher *m = calloc(1, sizeof *m);
	if (m) {
		m->kind = k;
		m->cased = cased;
	}
	return m;
}

void bt_matcher_free(struct bt_matcher *m)
{
	while (m) {
		struct bt_matcher *nx = m->next;
		free(m->lit);
		free(m->toks);
		free(m->ref);
		if (m->re)
			pcre2_code_free(m->re);
		free(m);
		m = nx;
	}
}

/* Turns a token pattern into the cheapest matcher. Takes the pattern's memory. */
static struct bt_matcher *from_pat(struct pat *p, bool cased)
{
	if (!cased)
		for (size_t i = 0; i < p->litlen; i++)
			p->lit[i] = bt_fold(p->lit[i]);
	struct bt_matcher *m = mnew(K_GLOB, cased);
	if (!m) {
		pat_free(p);
		return NULL;
	}
	const struct tok *t = p->toks;
	size_t n = p->ntoks;
	const struct tok *lit = NULL;
	if (n == 0) {
		m->kind = K_EQ;
		m->lit = calloc(1, 1);
		if (!m->lit) {
			free(m);
			pat_free(p);
			return NULL;
		}
	} else if (n == 1 && t[0].t == TT_LIT) {
		m->kind = K_EQ;
		lit = &t[0];
	} else if (n == 1 && t[0].t == TT_STAR) {
		m->kind = K_ANY;
	} else if (n == 2 && t[0].t == TT_LIT && t[1].t == TT_STAR) {
		m->kind = K_PREFIX;
		lit = &t[0];
	} else if (n == 2 && t[0].t == TT_STAR && t[1].t == TT_LIT) {
		m->kind = K_SUFFIX;
		lit = &t[1];
	} else if (n == 3 && t[0].t == TT_STAR && t[1].t == TT_LIT && t[2].t == TT_STAR) {
		m->kind = K_CONTAINS;
		lit = &t[1];
	}
	if (m->kind == K_GLOB) {
		m->lit = p->lit;
		m->litlen = p->litlen;
		m->toks = p->toks;
		m->ntoks = p->ntoks;
		p->lit = NULL;
		p->toks = NULL;
	} else if (lit) {
		m->litlen = lit->len;
		m->lit = malloc(lit->len + 1);
		if (!m->lit) {
			free(m);
			pat_free(p);
			return NULL;
		}
		if (lit->len)
			memcpy(m->lit, p->lit + lit->off, lit->len);
		m->lit[lit->len] = '\0';
		m->rare = rare_index(m->lit, m->litlen);
	}
	if (m->kind == K_EQ && m->litlen && m->litlen <= 10 &&
	    (m->lit[0] != '0' || m->litlen == 1)) {
		uint64_t v = 0;
		bool digits = true;
		for (size_t i = 0; i < m->litlen; i++) {
			if (m->lit[i] < '0' || m->lit[i] > '9')
				digits = false;
			else
				v = v * 10 + (uint64_t)(m->lit[i] - '0');
		}
		if (digits && v <= UINT32_MAX) {
			m->uint_ok = true;
			m->uint_val = (uint32_t)v;
		}
	}
	pat_free(p);
	return m;
}

static void add_position(struct pat *src, struct pat *dst, enum bt_pos pos)
{
	if (pos == BT_POS_CONTAINS || pos == BT_POS_ENDSWITH)
		pat_tok(dst, TT_STAR);
	for (size_t i = 0; i < src->ntoks; i++) {
		const struct tok *k = &src->toks[i];
		if (k->t == TT_LIT)
			pat_lit(dst, tok_bytes(src, k), k->len);
		else
			pat_tok(dst, k->t);
	}
	if (pos == BT_POS_CONTAINS || pos == BT_POS_STARTSWITH)
		pat_tok(dst, TT_STAR);
}

/* Parses a number: decimal integer, 0x hex integer, or decimal fraction. */
static bool parse_num(const char *s, size_t n, bool *is_int, int64_t *iv, double *dv)
{
	char buf[64];
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	errno = 0;
	if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
		unsigned long long u = strtoull(buf + 2, &end, 16);
		if (errno || *end || u > INT64_MAX || !buf[2] || buf[2] == '-' || buf[2] == '+')
			return false;
		*is_int = true;
		*iv = (int64_t)u;
		*dv = (double)u;
		return true;
	}
	bool intlike = true;
	for (size_t i = 0; i < n; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') || (i == 0 && (buf[i] == '-' || buf[i] == '+'))))
			intlike = false;
	if (intlike) {
		long long v = strtoll(buf, &end, 10);
		if (errno || *end || end == buf)
			return false;
		*is_int = true;
		*iv = v;
		*dv = (double)v;
		return true;
	}
	for (size_t i = 0; i < n; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') || buf[i] == '.' || buf[i] == '-' ||
		      buf[i] == '+' || buf[i] == 'e' || buf[i] == 'E'))
			return false;
	double d = strtod(buf, &end);
	if (errno || *end || end == buf || !isfinite(d))
		return false;
	*is_int = false;
	*dv = d;
	*iv = 0;
	return true;
}

/* Parses an IP address (IPv4, IPv6, optional [brackets] and %zone). */
static bool parse_ip(const char *s, size_t n, uint8_t out[16], bool *v6)
{
	char buf[64];
	if (n && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	const char *pct = memchr(s, '%', n);
	if (pct)
		n = (size_t)(pct - s);
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, out) == 1) {
		*v6 = false;
		return true;
	}
	if (inet_pton(AF_INET6, buf, out) == 1) {
		*v6 = true;
		return true;
	}
	return false;
}

static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xFF << (8 - rest));
		if ((a[full] & mask) != (b[full] & mask))
			return false;
	}
	return true;
}

static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

static enum bt_status compile_cidr(const struct bt_sigma_value *v, struct bt_matcher **out,
                                   char *why, size_t why_size)
{
	const char *slash = memchr(v->str, '/', v->len);
	size_t alen = slash ? (size_t)(slash - v->str) : v->len;
	struct bt_matcher *m = mnew(K_CIDR, false);
	if (!m)
		return BT_ERR_NOMEM;
	if (!parse_ip(v->str, alen, m->net, &m->v6)) {
		snprintf(why, why_size, "bad CIDR '%.60s'", v->str);
		free(m);
		return BT_ERR_FORMAT;
	}
	unsigned maxbits = m->v6 ? 128 : 32;
	m->bits = maxbits;
	if (slash) {
		unsigned long b = 0;
		const char *p = slash + 1;
		if (!*p)
			b = 999;
		for (; *p; p++) {
			if (*p < '0' || *p > '9' || b > 1000) {
				b = 999;
				break;
			}
			b = b * 10 + (unsigned long)(*p - '0');
		}
		if (b > maxbits) {
			snprintf(why, why_size, "bad CIDR prefix length in '%.60s'", v->str);
			free(m);
			return BT_ERR_FORMAT;
		}
		m->bits = (unsigned)b;
	}
	*out = m;
	return BT_OK;
}

static enum bt_status compile_re(const struct bt_mods *mods, const struct bt_sigma_value *v,
                                 struct bt_matcher **out, char *why, size_t why_size)
{
	uint32_t opts = 0;
#ifdef PCRE2_MATCH_INVALID_UTF
	opts |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
#endif
	if (mods->re_flags & BT_RE_I)
		opts |= PCRE2_CASELESS;
	if (mods->re_flags & BT_RE_M)
		opts |= PCRE2_MULTILINE;
	if (mods->re_flags & BT_RE_S)
		opts |= PCRE2_DOTALL;
	int err;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)v->str, v->len, opts, &err, &off, NULL);
	if (!re) {
		PCRE2_UCHAR msg[120];
		pcre2_get_error_message(err, msg, sizeof msg);
		snprintf(why, why_size, "bad regular expression at offset %zu: %s", (size_t)off,
		         (const char *)msg);
		return BT_ERR_FORMAT;
	}
	/* JIT unless told not to (memory checkers cannot follow JIT-compiled
	 * code); without it PCRE2 interprets: same results. */
	if (!(mods->re_flags & BT_RE_NO_JIT))
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);  /* falls back to the interpreter */
	struct bt_matcher *m = mnew(K_RE, !(mods->re_flags & BT_RE_I));
	if (!m) {
		pcre2_code_free(re);
		return BT_ERR_NOMEM;
	}
	m->re = re;
	*out = m;
	return BT_OK;
}

static enum bt_status compile_chain(const struct bt_mods *mods, const struct bt_sigma_value *v,
                                  struct bt_matcher **out, char *why, size_t why_size)
{
	*out = NULL;
	if (v->type == BT_SV_NULL && !mods->fieldref) {
		*out = mnew(K_NULL, false);
		return *out ? BT_OK : BT_ERR_NOMEM;
	}
	if (mods->fieldref) {
		struct bt_matcher *m = mnew(K_FIELDREF, mods->cased);
		if (!m || !(m->ref = strndup(v->str, v->len))) {
			free(m);
			return BT_ERR_NOMEM;
		}
		m->reflen = v->len;
		m->refpos = mods->pos;
		*out = m;
		return BT_OK;
	}
	if (mods->re)
		return compile_re(mods, v, out, why, why_size);
	if (mods->cidr)
		return compile_cidr(v, out, why, why_size);
	if (mods->num != BT_NUM_NONE) {
		struct bt_matcher *m = mnew(K_NUM, false);
		if (!m)
			return BT_ERR_NOMEM;
		if (!parse_num(v->str, v->len, &m->num_int, &m->inum, &m->dnum)) {
			snprintf(why, why_size, "'%.60s' is not a number", v->str);
			free(m);
			return BT_ERR_FORMAT;
		}
		m->numop = mods->num;
		*out = m;
		return BT_OK;
	}

	/* Strings: parse, transform, position, classify. */
	bool encoded = false, windash = false, cased = mods->cased;
	for (size_t i = 0; i < mods->nenc; i++) {
		if (mods->enc[i] == BT_ENC_WINDASH)
			windash = true;
		else
			encoded = true;
		if (mods->enc[i] == BT_ENC_BASE64 || mods->enc[i] == BT_ENC_BASE64OFFSET)
			cased = true;
	}
	struct pat src = {0};
	pat_parse(&src, v->str, v->len);
	if (src.oom) {
		pat_free(&src);
		snprintf(why, why_size, "value too long");
		return BT_ERR_LIMIT;
	}
	/* Variants: one, or three after base64offset. */
	struct bytes var[3];
	size_t nvar = 1;
	if (encoded) {
		if (has_wildcards(&src)) {
			pat_free(&src);
			snprintf(why, why_size, "wildcards cannot be combined with encoding modifiers");
			return BT_ERR_UNSUPPORTED;
		}
		var[0].n = src.litlen;
		var[0].p = malloc(src.litlen + 1);
		if (!var[0].p) {
			pat_free(&src);
			return BT_ERR_NOMEM;
		}
		if (src.litlen)
			memcpy(var[0].p, src.lit, src.litlen);
		for (size_t e = 0; e < mods->nenc; e++) {
			enum bt_enc enc = mods->enc[e];
			if (enc == BT_ENC_WINDASH)
				continue;
			size_t nn = enc == BT_ENC_BASE64OFFSET ? nvar * 3 : nvar;
			if (nn > 3) {
				for (size_t k = 0; k < nvar; k++)
					free(var[k].p);
				pat_free(&src);
				snprintf(why, why_size, "base64offset used twice");
				return BT_ERR_UNSUPPORTED;
			}
			struct bytes res[3];
			bool ok = true;
			for (size_t k = 0; k < nn; k++) {
				const struct bytes *in = &var[enc == BT_ENC_BASE64OFFSET ? 0 : k];
				res[k].p = NULL;
				if (enc == BT_ENC_BASE64)
					ok = ok && b64encode(in->p, in->n, &res[k]);
				else if (enc == BT_ENC_BASE64OFFSET)
					ok = ok && b64offset(in->p, in->n, (int)k, &res[k]);
				else
					ok = ok && utf16(in->p, in->n, enc, &res[k]);
			}
			for (size_t k = 0; k < nvar; k++)
				free(var[k].p);
			if (!ok) {
				for (size_t k = 0; k < nn; k++)
					free(res[k].p);
				pat_free(&src);
				snprintf(why, why_size, "value too long after encoding");
				return BT_ERR_LIMIT;
			}
			memcpy(var, res, nn * sizeof *res);
			nvar = nn;
		}
	}
	enum bt_pos pos = mods->pos;
	if (mods->keyword && pos == BT_POS_EXACT)
		pos = BT_POS_CONTAINS;
	struct bt_matcher *head = NULL, **tail = &head;
	enum bt_status st = BT_OK;
	for (size_t k = 0; k < nvar; k++) {
		struct pat base = {0}, dashed = {0}, fin = {0};
		if (encoded) {
			pat_lit(&base, var[k].p, var[k].n);
			if (var[k].n == 0)
				pat_tok(&base, TT_LIT);
		} else {
			/* Copy src (it is reused by no one else). */
			base = src;
			memset(&src, 0, sizeof src);
		}
		struct pat *cur = &base;
		if (windash) {
			pat_windash(&base, &dashed);
			cur = &dashed;
		}
		add_position(cur, &fin, pos);
		bool oom = base.oom || dashed.oom || fin.oom;
		pat_free(&base);
		pat_free(&dashed);
		if (oom) {
			pat_free(&fin);
			st = BT_ERR_LIMIT;
			snprintf(why, why_size, "value too long");
			break;
		}
		struct bt_matcher *m = from_pat(&fin, cased);
		if (!m) {
			st = BT_ERR_NOMEM;
			break;
		}
		*tail = m;
		tail = &m->next;
	}
	if (encoded)
		for (size_t k = 0; k < nvar; k++)
			free(var[k].p);
	pat_free(&src);
	if (st != BT_OK) {
		bt_matcher_free(head);
		return st;
	}
	*out = head;
	return BT_OK;
}

/* ---- matching */

static bool eq_fold(const unsigned char *a, const unsigned char *folded, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (bt_fold(a[i]) != folded[i])
			return false;
	return true;
}

static bool eq_at(const unsigned char *a, const unsigned char *lit, size_t n, bool cased)
{
	return cased ? memcmp(a, lit, n) == 0 : eq_fold(a, lit, n);
}

static bool find(const unsigned char *h, size_t hn, const unsigned char *nd, size_t nn,
                 bool cased)
{
	if (nn == 0)
		return true;
	if (nn > hn)
		return false;
	if (cased)
		return memmem(h, hn, nd, nn) != NULL;
	unsigned char c0 = nd[0];
	unsigned char c0u = (c0 >= 'a' && c0 <= 'z') ? (unsigned char)(c0 - 32) : c0;
	const unsigned char *end = h + (hn - nn);
	for (const unsigned char *p = h; p <= end; p++) {
		if ((*p == c0 || *p == c0u) && eq_fold(p + 1, nd + 1, nn - 1))
			return true;
	}
	return false;
}

static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t l = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (l > n)
		return 1;
	for (size_t i = 1; i < l; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 1;
	return l;
}

/* Length matched by token k at s[i..n), or SIZE_MAX when it does not match. */
static size_t tok_at(const struct bt_matcher *m, const struct tok *k, const unsigned char *s,
                     size_t n, size_t i)
{
	switch (k->t) {
	case TT_LIT:
		if (n - i >= k->len && eq_at(s + i, m->lit + k->off, k->len, m->cased))
			return k->len;
		return SIZE_MAX;
	case TT_ONE:
		return i < n ? utf8_len(s + i, n - i) : SIZE_MAX;
	case TT_DASH:
		if (i < n && (s[i] == '-' || s[i] == '/'))
			return 1;
		if (n - i >= 3 && s[i] == 0xE2 && s[i + 1] == 0x80 && s[i + 2] >= 0x93 &&
		    s[i + 2] <= 0x95)
			return 3;
		return SIZE_MAX;
	case TT_STAR:
		break;
	}
	return SIZE_MAX;
}

static bool glob(const struct bt_matcher *m, const unsigned char *s, size_t n)
{
	size_t ti = 0, si = 0, nt = m->ntoks;
	size_t star_ti = SIZE_MAX, star_si = 0;
	for (;;) {
		if (ti < nt && m->toks[ti].t == TT_STAR) {
			star_ti = ti++;
			star_si = si;
			continue;
		}
		if (ti == nt) {
			if (si == n || star_ti == nt - 1)
				return true;
		} else {
			size_t adv = tok_at(m, &m->toks[ti], s, n, si);
			if (adv != SIZE_MAX) {
				ti++;
				si += adv;
				continue;
			}
		}
		if (star_ti == SIZE_MAX || star_si >= n)
			return false;
		si = ++star_si;
		ti = star_ti + 1;
	}
}

static bool num_test(const struct bt_matcher *m, const char *s, size_t n)
{
	bool fi;
	int64_t iv;
	double dv;
	if (!parse_num(s, n, &fi, &iv, &dv))
		return false;
	int c;
	if (fi && m->num_int)
		c = iv < m->inum ? -1 : iv > m->inum ? 1 : 0;
	else {
		double r = m->num_int ? (double)m->inum : m->dnum;
		c = dv < r ? -1 : dv > r ? 1 : 0;
	}
	switch (m->numop) {
	case BT_NUM_GT: return c > 0;
	case BT_NUM_GTE: return c >= 0;
	case BT_NUM_LT: return c < 0;
	case BT_NUM_LTE: return c <= 0;
	case BT_NUM_NONE: break;
	}
	return false;
}

static bool cidr_test(const struct bt_matcher *m, const char *s, size_t n)
{
	uint8_t a[16];
	bool v6;
	if (!parse_ip(s, n, a, &v6))
		return false;
	if (!m->v6) {
		if (!v6)
			return prefix_eq(a, m->net, m->bits);
		return memcmp(a, v4mapped, 12) == 0 && prefix_eq(a + 12, m->net, m->bits);
	}
	if (v6)
		return prefix_eq(a, m->net, m->bits);
	uint8_t mapped[16];
	memcpy(mapped, v4mapped, 12);
	memcpy(mapped + 12, a, 4);
	return prefix_eq(mapped, m->net, m->bits);
}

static bool test_one(const struct bt_matcher *m, const unsigned char *s, size_t n,
                     struct bt_match_scratch *scratch)
{
	switch (m->kind) {
	case K_EQ:
		return n == m->litlen && eq_at(s, m->lit, n, m->cased);
	case K_PREFIX:
		return n >= m->litlen && eq_at(s, m->lit, m->litlen, m->cased);
	case K_SUFFIX:
		return n >= m->litlen && eq_at(s + n - m->litlen, m->lit, m->litlen, m->cased);
	case K_CONTAINS:
		if (!m->cased && m->litlen && !(m->lit[m->rare] >= 'a' && m->lit[m->rare] <= 'z'))
			return find_rare(s, n, m->lit, m->litlen, m->rare, false);
		return find(s, n, m->lit, m->litlen, m->cased);
	case K_ANY:
		return true;
	case K_GLOB:
		return glob(m, s, n);
	case K_RE: {
		if (!scratch)
			return false;
		int rc = pcre2_match(m->re, (PCRE2_SPTR)s, n, 0, 0, scratch->md, scratch->mctx);
		if (rc >= 0)
			return true;
		if (rc != PCRE2_ERROR_NOMATCH)
			scratch->re_errors++;
		return false;
	}
	case K_CIDR:
		return cidr_test(m, (const char *)s, n);
	case K_NUM:
		return num_test(m, (const char *)s, n);
	case K_NULL:
	case K_FIELDREF:
		return false;
	}
	return false;
}

/* d[0..n) = s[0..n) folded (bt_fold on every byte). */
static void fold_into(char *d, const char *s, size_t n)
{
	size_t i = 0;
	/* eight bytes at a time: 0x20 added to each byte in 'A'..'Z' (a byte
	 * with its top bit set is no letter and stays) */
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		uint64_t low7 = x & 0x7F7F7F7F7F7F7F7FULL;
		uint64_t ge_a = low7 + 0x3F3F3F3F3F3F3F3FULL;  /* top bit: low7 >= 'A' */
		uint64_t gt_z = low7 + 0x2525252525252525ULL;  /* top bit: low7 > 'Z' */
		uint64_t upper = ge_a & ~gt_z & ~x & 0x8080808080808080ULL;
		x += upper >> 2;
		memcpy(d + i, &x, 8);
	}
	for (; i < n; i++)
		d[i] = (char)bt_fold((unsigned char)s[i]);
	d[n] = '\0';
}

const char *bt_match_fold(struct bt_match_scratch *scratch, const char *s, size_t n)
{
	if (!scratch || n == SIZE_MAX)
		return NULL;
	if (n + 1 > scratch->fold_cap) {
		size_t nc = n + 1 < 256 ? 256 : n + 1;
		char *p = realloc(scratch->fold, nc);
		if (!p)
			return NULL;
		scratch->fold = p;
		scratch->fold_cap = nc;
	}
	fold_into(scratch->fold, s, n);
	return scratch->fold;
}

void bt_match_fold_forget(struct bt_match_scratch *scratch)
{
	if (scratch) {
		scratch->kept_gen++;
		scratch->kept_used = 0;
	}
}

/* Past this many bytes kept for one event (keys taking each other's slots
 * many times), values are folded each time instead. */
#define KEPT_MAX (4u * 1024 * 1024)

/* A byte pair's bit in a text's set of pairs. */
static inline unsigned gram_of(unsigned char a, unsigned char b)
{
	return (((unsigned)a << 8 | b) * 0x9E3779B1u) >> (32 - BT_GRAM_LOG2);
}

/* Uses of a kept text before its pairs are worth making (a few tests are
 * cheaper than making them). */
#define GRAMS_AFTER 8

static void grams_make(uint64_t *g, const char *t, size_t n)
{
	memset(g, 0, BT_GRAM_BITS / 8);
	const unsigned char *u = (const unsigned char *)t;
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned b = gram_of(u[i], u[i + 1]);
		g[b >> 6] |= 1ULL << (b & 63);
	}
}

/* bt_match_fold_keep past a kept text's first uses: its pairs made, or a
 * text kept (its own call, so the usual answer is a short leaf). */
static __attribute__((noinline)) const char *
fold_keep_slow(struct bt_match_scratch *scratch, size_t k, const void *key, const char *s,
               size_t n, const uint64_t **grams)
{
	if (scratch->kept_slot[k].key == key && scratch->kept_slot[k].gen == scratch->kept_gen) {
		const char *t = scratch->kept + scratch->kept_slot[k].off;
		grams_make(scratch->grams[k], t, n);
		scratch->kept_slot[k].grams = true;
		*grams = scratch->grams[k];
		return t;
	}
	if (n > KEPT_MAX || scratch->kept_used > KEPT_MAX - n)
		return bt_match_fold(scratch, s, n);
	size_t need = scratch->kept_used + n + 1;
	if (need > scratch->kept_cap) {
		size_t nc = scratch->kept_cap ? scratch->kept_cap : 4096;
		while (nc < need)
			nc *= 2;
		char *p = realloc(scratch->kept, nc);
		if (!p)
			return bt_match_fold(scratch, s, n);
		scratch->kept = p;
		scratch->kept_cap = nc;
	}
	char *d = scratch->kept + scratch->kept_used;
	fold_into(d, s, n);
	scratch->kept_slot[k].key = key;
	scratch->kept_slot[k].gen = scratch->kept_gen;
	scratch->kept_slot[k].off = scratch->kept_used;
	scratch->kept_slot[k].uses = 0;
	scratch->kept_slot[k].grams = false;
	scratch->kept_used = need;
	return d;
}

const char *bt_match_fold_keep(struct bt_match_scratch *scratch, const void *key, const char *s,
                               size_t n, const uint64_t **grams)
{
	*grams = NULL;
	if (!scratch)
		return NULL;
	/* fields lie 16-byte multiples apart: consecutive ones take different
	 * slots */
	size_t k = ((uintptr_t)key >> 4) & (BT_MATCH_FOLD_KEEP - 1);
	if (scratch->kept_slot[k].key == key && scratch->kept_slot[k].gen == scratch->kept_gen) {
		if (scratch->kept_slot[k].grams)
			*grams = scratch->grams[k];
		else if (++scratch->kept_slot[k].uses >= GRAMS_AFTER)
			return fold_keep_slow(scratch, k, key, s, n, grams);
		return scratch->kept + scratch->kept_slot[k].off;
	}
	return fold_keep_slow(scratch, k, key, s, n, grams);
}

bool bt_matcher_folds(const struct bt_matcher *m)
{
	for (; m; m = m->next)
		if (m->kind == K_CONTAINS && !m->cased)
			return true;
	return false;
}

static inline bool test_folded(const struct bt_matcher *m, const char *s, const char *folded,
                               size_t n, const uint64_t *grams, struct bt_match_scratch *scratch)
{
	if (!folded)
		return bt_matcher_test(m, s, n, scratch);
	const unsigned char *f = (const unsigned char *)folded;
	for (; m; m = m->next) {
		if (!m->cased) {
			/* literals are folded when compiled: byte for byte then */
			switch (m->kind) {
			case K_EQ:
				if (n == m->litlen && memcmp(f, m->lit, n) == 0)
					return true;
				continue;
			case K_PREFIX:
				if (n >= m->litlen && memcmp(f, m->lit, m->litlen) == 0)
					return true;
				continue;
			case K_SUFFIX:
				if (n >= m->litlen && memcmp(f + n - m->litlen, m->lit, m->litlen) == 0)
					return true;
				continue;
			case K_CONTAINS:
				if (grams) {
					unsigned g = 0;
					while (g < m->ngram &&
					       (grams[m->gram[g] >> 6] >> (m->gram[g] & 63) & 1))
						g++;
					if (g < m->ngram)
						continue;   /* a pair of the literal is not in the text */
				}
				if (find_rare(f, n, m->lit, m->litlen, m->rare, true))
					return true;
				continue;
			default:
				break;
			}
		}
		if (test_one(m, (const unsigned char *)s, n, scratch))
			return true;
	}
	return false;
}

bool bt_matcher_test_folded(const struct bt_matcher *m, const char *s, const char *folded,
                            size_t n, const uint64_t *grams, struct bt_match_scratch *scratch)
{
	return test_folded(m, s, folded, n, grams, scratch);
}

bool bt_matchers_any_folded(struct bt_matcher *const *ms, size_t nm, const char *s,
                            const char *folded, size_t n, const uint64_t *grams,
                            struct bt_match_scratch *scratch)
{
	for (size_t i = 0; i < nm; i++)
		if (test_folded(ms[i], s, folded, n, grams, scratch))
			return true;
	return false;
}

bool bt_matcher_test(const struct bt_matcher *m, const char *s, size_t n,
                     struct bt_match_scratch *scratch)
{
	for (; m; m = m->next)
		if (test_one(m, (const unsigned char *)s, n, scratch))
			return true;
	return false;
}

enum bt_matcher_special bt_matcher_special(const struct bt_matcher *m)
{
	return m->kind == K_NULL ? BT_MSPECIAL_NULL
	       : m->kind == K_FIELDREF ? BT_MSPECIAL_FIELDREF
	                               : BT_MSPECIAL_NONE;
}

const char *bt_matcher_fieldref(const struct bt_matcher *m, size_t *len)
{
	*len = m->reflen;
	return m->ref;
}

bool bt_match_pair(enum bt_pos pos, bool cased, const char *hay, size_t hn, const char *needle,
                   size_t nn)
{
	const unsigned char *h = (const unsigned char *)hay, *nd = (const unsigned char *)needle;
	if (!cased) {
		/* Compare folded against folded without allocating: fold on the fly. */
		switch (pos) {
		case BT_POS_EXACT:
			if (hn != nn)
				return false;
			for (size_t i = 0; i < nn; i++)
				if (bt_fold(h[i]) != bt_fold(nd[i]))
					return false;
			return true;
		case BT_POS_STARTSWITH:
			return hn >= nn && bt_match_pair(BT_POS_EXACT, false, hay, nn, needle, nn);
		case BT_POS_ENDSWITH:
			return hn >= nn &&
			       bt_match_pair(BT_POS_EXACT, false, hay + hn - nn, nn, needle, nn);
		case BT_POS_CONTAINS:
			if (nn > hn)
				return false;
			for (size_t i = 0; i + nn <= hn; i++)
				if (bt_match_pair(BT_POS_EXACT, false, hay + i, nn, needle, nn))
					return true;
			return false;
		}
		return false;
	}
	switch (pos) {
	case BT_POS_EXACT:
		return hn == nn && memcmp(h, nd, nn) == 0;
	case BT_POS_STARTSWITH:
		return hn >= nn && memcmp(h, nd, nn) == 0;
	case BT_POS_ENDSWITH:
		return hn >= nn && memcmp(h + hn - nn, nd, nn) == 0;
	case BT_POS_CONTAINS:
		return nn == 0 || (nn <= hn && memmem(h, hn, nd, nn) != NULL);
	}
	return false;
}

bool bt_matcher_uint(const struct bt_matcher *m, uint32_t *v)
{
	if (!m || m->next || !m->uint_ok)
		return false;
	*v = m->uint_val;
	return true;
}

const char *bt_matcher_kind_name(const struct bt_matcher *m)
{
	return kind_names[m->kind];
}

const char *bt_pcre2_version(void)
{
	static char v[64];
	if (!v[0] && pcre2_config(PCRE2_CONFIG_VERSION, v) < 0)
		snprintf(v, sizeof v, "unknown");
	return v;
}

/* The literal's least common byte pairs (by byte_commonness), up to three
 * different ones. */
static void pick_grams(struct bt_matcher *m)
{
	m->ngram = 0;
	for (size_t round = 0; round < 3; round++) {
		size_t best = SIZE_MAX;
		unsigned bestc = UINT_MAX, bestg = 0;
		for (size_t i = 0; i + 1 < m->litlen; i++) {
			unsigned g = gram_of(m->lit[i], m->lit[i + 1]);
			unsigned c = (unsigned)byte_commonness[m->lit[i]] + byte_commonness[m->lit[i + 1]];
			bool taken = false;
			for (unsigned j = 0; j < m->ngram; j++)
				taken = taken || m->gram[j] == g;
			if (!taken && c < bestc) {
				best = i;
				bestc = c;
				bestg = g;
			}
		}
		if (best == SIZE_MAX)
			break;
		m->gram[m->ngram++] = (uint16_t)bestg;
	}
}

static bool lit_ascii(const struct bt_matcher *m)
{
	for (size_t i = 0; i < m->litlen; i++)
		if (m->lit[i] == 0 || m->lit[i] >= 0x80)
			return false;
	return true;
}

enum bt_status bt_matcher_compile(const struct bt_mods *mods, const struct bt_sigma_value *v,
                                  struct bt_matcher **out, char *why, size_t why_size)
{
	enum bt_status st = compile_chain(mods, v, out, why, why_size);
	if (st != BT_OK)
		return st;
	for (struct bt_matcher *m = *out; m; m = m->next) {
		m->ascii = (m->kind == K_EQ || m->kind == K_PREFIX || m->kind == K_SUFFIX) &&
		           lit_ascii(m);
		if (m->kind == K_CONTAINS && !m->cased)
			pick_grams(m);
	}
	return BT_OK;
}

/* ---- tests on UTF-16 units
 *
 * The text is the reader's conversion of the units up to the first 0
 * (bt_evbuf.utf16): a unit below 0x80 is that byte, any other unit gives
 * bytes of 0x80 and above only (a high surrogate may take the unit after it
 * along). So the text is all ASCII exactly when those units are, and is
 * them then; a literal of ASCII bytes without NUL can be compared with the
 * units. */

static inline unsigned u16_at(const uint8_t *u, size_t i)
{
	return (unsigned)u[2 * i] | (unsigned)u[2 * i + 1] << 8;
}

/* Whether units u[at..at+k) are the literal's bytes: a unit 0 or of 0x80 and
 * above never is. */
static inline bool u16_eq(const struct bt_matcher *m, const uint8_t *u, size_t at)
{
	const unsigned char *lit = m->lit;
	for (size_t i = 0; i < m->litlen; i++) {
		unsigned c = u16_at(u, at + i);
		if (!m->cased && c - 'A' < 26u)
			c += 32;
		if (c != lit[i])
			return false;
	}
	return true;
}

/* Units before the first 0. */
static size_t u16_len(const uint8_t *u, size_t n)
{
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		uint64_t x;
		memcpy(&x, u + 2 * i, 8);
		/* a zero 16-bit lane (either byte order: lanes are aligned) */
		if ((x - 0x0001000100010001ULL) & ~x & 0x8000800080008000ULL)
			break;
	}
	for (; i < n; i++)
		if (u16_at(u, i) == 0)
			return i;
	return n;
}

/* 1 match, 0 none, -1 undecided (the text must be made). */
static int u16_one(const struct bt_matcher *m, const uint8_t *u, size_t n, size_t *end)
{
	size_t k = m->litlen;
	switch (m->kind) {
	case K_EQ:
		/* the text is the literal: its units, then the end or a 0 (a unit
		 * after them that is not 0 adds a byte) */
		if (n < k || !u16_eq(m, u, 0))
			return 0;
		return n == k || u16_at(u, k) == 0;
	case K_PREFIX:
		/* a 0 or non-ASCII unit among the first k ends the text or puts a
		 * byte of 0x80 and above before the literal's end */
		return n >= k && u16_eq(m, u, 0);
	case K_SUFFIX: {
		if (*end == SIZE_MAX)
			*end = u16_len(u, n);
		size_t e = *end;
		if (e < k)
			return 0;
		/* a high surrogate just before may take the first unit along */
		if (e > k && u16_at(u, e - k - 1) - 0xD800u < 0x400u)
			return -1;
		return u16_eq(m, u, e - k);
	}
	default:
		return -1;
	}
}

bool bt_matcher_utf16_ok(const struct bt_matcher *m)
{
	for (; m; m = m->next)
		if (m->ascii)
			return true;
	return false;
}

static inline int test_utf16(const struct bt_matcher *m, const uint8_t *u, size_t n,
                             size_t *end)
{
	int r = 0;
	for (; m; m = m->next) {
		if (!m->ascii) {
			r = -1;
			continue;
		}
		int t = u16_one(m, u, n, end);
		if (t == 1)
			return 1;
		if (t < 0)
			r = -1;
	}
	return r;
}

int bt_matcher_test_utf16(const struct bt_matcher *m, const uint8_t *u, size_t n, size_t *end)
{
	return test_utf16(m, u, n, end);
}

int bt_matchers_any_utf16(struct bt_matcher *const *ms, size_t nm, const uint8_t *u, size_t n)
{
	size_t end = SIZE_MAX;
	int r = 0;
	for (size_t i = 0; i < nm; i++) {
		int t = test_utf16(ms[i], u, n, &end);
		if (t > 0)
			return 1;
		if (t < 0)
			r = -1;
	}
	return r;
}
