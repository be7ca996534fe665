/* YAML -> bt_ynode trees from libyaml's parser events. */
#include "config.h"

#include "rules/bt_yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

const char *bt_libyaml_version(void)
{
	return yaml_get_version_string();
}

/* The tree is built from libyaml's events, not its document loader: the
 * loader holds a whole document (and takes time quadratic in its nesting)
 * before a cap could be checked, where events let the depth and node caps
 * stop the parse at the node that crosses them. */

struct frame {
	struct bt_ynode *node;      /* a sequence or mapping being built */
	struct bt_ynode **kids;     /* its children so far (heap) */
	size_t n, cap;
	char *anchor;               /* registered when the node ends */
	size_t first_count;         /* node count when it started (for its expanded size) */
	int height;                 /* levels below it so far */
};

struct anchor {
	char *name;
	struct bt_ynode *node;
	size_t size;                /* nodes in its expansion */
	int height;                 /* levels below it */
};

struct build {
	struct bt_arena *a;
	struct frame stack[BT_YAML_MAX_DEPTH + 1];
	int depth;
	size_t nodes;
	struct anchor *anchors;
	size_t nanchors, capanchors;
	struct bt_ynode *root;
	int root_height;
	enum bt_status st;
};

static void build_reset(struct build *b)
{
	for (int i = 0; i < b->depth; i++) {
		free(b->stack[i].kids);
		free(b->stack[i].anchor);
	}
	b->depth = 0;
	for (size_t i = 0; i < b->nanchors; i++)
		free(b->anchors[i].name);
	b->nanchors = 0;
	b->nodes = 0;
	b->root = NULL;
	b->root_height = 0;
}

static struct bt_ynode *new_node(struct build *b, enum bt_ykind kind, const yaml_mark_t *m)
{
	struct bt_ynode *n = bt_arena_alloc(b->a, sizeof *n);
	if (!n) {
		b->st = BT_ERR_NOMEM;
		return NULL;
	}
	memset(n, 0, sizeof *n);
	n->kind = kind;
	n->line = (uint32_t)m->line + 1;
	return n;
}

static bool add_anchor(struct build *b, const char *name, struct bt_ynode *n, size_t size,
                       int height)
{
	if (!name)
		return true;
	if (b->nanchors == b->capanchors) {
		size_t nc = b->capanchors ? b->capanchors * 2 : 16;
		struct anchor *nv = realloc(b->anchors, nc * sizeof *nv);
		if (!nv)
			return false;
		b->anchors = nv;
		b->capanchors = nc;
	}
	char *copy = strdup(name);
	if (!copy)
		return false;
	/* a later anchor of the same name wins (YAML: the most recent) */
	b->anchors[b->nanchors++] = (struct anchor){copy, n, size, height};
	return true;
}

/* A copy of an aliased node, so the tree stays a tree (its size was
 * counted against the cap before copying). */
static struct bt_ynode *copy_node(struct build *b, const struct bt_ynode *src)
{
	struct bt_ynode *n = bt_arena_alloc(b->a, sizeof *n);
	if (!n)
		return NULL;
	*n = *src;
	if (src->kind == BT_Y_SEQ) {
		n->items = bt_arena_alloc(b->a, (src->n ? src->n : 1) * sizeof *n->items);
		if (!n->items)
			return NULL;
		for (size_t i = 0; i < src->n; i++)
			if (!(n->items[i] = copy_node(b, src->items[i])))
				return NULL;
	} else if (src->kind == BT_Y_MAP) {
		n->pairs = bt_arena_alloc(b->a, (src->n ? src->n : 1) * sizeof *n->pairs);
		if (!n->pairs)
			return NULL;
		for (size_t i = 0; i < src->n; i++)
			if (!(n->pairs[i].key = copy_node(b, src->pairs[i].key)) ||
			    !(n->pairs[i].value = copy_node(b, src->pairs[i].value)))
				return NULL;
	}
	return n;
}

/* Attaches a finished node (height: levels below it) to its parent or makes
 * it the document's root. */
static bool attach(struct build *b, struct bt_ynode *n, int height)
{
	if (b->depth == 0) {
		b->root = n;
		b->root_height = height;
		return true;
	}
	struct frame *f = &b->stack[b->depth - 1];
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 8;
		struct bt_ynode **nv = realloc(f->kids, nc * sizeof *nv);
		if (!nv) {
			b->st = BT_ERR_NOMEM;
			return false;
		}
		f->kids = nv;
		f->cap = nc;
	}
	f->kids[f->n++] = n;
	if (height + 1 > f->height)
		f->height = height + 1;
	return true;
}

/* One parser event; false stops the parse (b->st says why). */
static bool on_event(struct build *b, const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_SCALAR_EVENT: {
		if (++b->nodes > BT_YAML_MAX_NODES) {
			b->st = BT_ERR_LIMIT;
			return false;
		}
		struct bt_ynode *n = new_node(b, BT_Y_SCALAR, &e->start_mark);
		if (!n)
			return false;
		n->len = e->data.scalar.length;
		n->str = bt_arena_strndup(b->a, (const char *)e->data.scalar.value, n->len);
		/* untagged (or "!", or !!str) plain scalars: null/bool/number apply,
		 * as the loader's default str tag had it */
		const char *tag = (const char *)e->data.scalar.tag;
		n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		           (!tag || strcmp(tag, "!") == 0 || strcmp(tag, YAML_STR_TAG) == 0);
		if (!n->str) {
			b->st = BT_ERR_NOMEM;
			return false;
		}
		if (!add_anchor(b, (const char *)e->data.scalar.anchor, n, 1, 0)) {
			b->st = BT_ERR_NOMEM;
			return false;
		}
		return attach(b, n, 0);
	}
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		if (++b->nodes > BT_YAML_MAX_NODES || b->depth >= BT_YAML_MAX_DEPTH) {
			b->st = BT_ERR_LIMIT;
			return false;
		}
		bool seq = e->type == YAML_SEQUENCE_START_EVENT;
		struct bt_ynode *n = new_node(b, seq ? BT_Y_SEQ : BT_Y_MAP, &e->start_mark);
		if (!n)
			return false;
		const yaml_char_t *anchor = seq ? e->data.sequence_start.anchor
		                                : e->data.mapping_start.anchor;
		struct frame *f = &b->stack[b->depth];
		memset(f, 0, sizeof *f);
		f->node = n;
		f->first_count = b->nodes - 1;
		if (anchor && !(f->anchor = strdup((const char *)anchor))) {
			b->st = BT_ERR_NOMEM;
			return false;
		}
		b->depth++;
		return true;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		if (b->depth == 0) {
			b->st = BT_ERR_FORMAT;
			return false;
		}
		struct frame *f = &b->stack[--b->depth];
		struct bt_ynode *n = f->node;
		bool ok = true;
		if (n->kind == BT_Y_SEQ) {
			n->items = bt_arena_alloc(b->a, (f->n ? f->n : 1) * sizeof *n->items);
			if ((ok = n->items != NULL) && f->n)
				memcpy(n->items, f->kids, f->n * sizeof *n->items);
			n->n = f->n;
		} else {
			n->pairs = bt_arena_alloc(b->a, (f->n / 2 ? f->n / 2 : 1) * sizeof *n->pairs);
			ok = n->pairs != NULL;
			for (size_t i = 0; ok && i + 1 < f->n; i += 2)
				n->pairs[i / 2] = (struct bt_ypair){f->kids[i], f->kids[i + 1]};
			n->n = f->n / 2;
		}
		ok = ok && add_anchor(b, f->anchor, n, b->nodes - f->first_count, f->height);
		int height = f->height;
		free(f->kids);
		free(f->anchor);
		if (!ok) {
			b->st = BT_ERR_NOMEM;
			return false;
		}
		return attach(b, n, height);
	}
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)e->data.alias.anchor;
		const struct anchor *an = NULL;
		for (size_t i = b->nanchors; i-- > 0 && !an;)
			if (strcmp(b->anchors[i].name, name) == 0)
				an = &b->anchors[i];
		if (!an) {
			b->st = BT_ERR_FORMAT;   /* libyaml's loader: "found undefined alias" */
			return false;
		}
		/* an alias bomb is stopped by its expanded size, before any copy */
		if (an->size > BT_YAML_MAX_NODES - b->nodes || b->depth + an->height >= BT_YAML_MAX_DEPTH + 1) {
			b->st = BT_ERR_LIMIT;
			return false;
		}
		b->nodes += an->size;
		struct bt_ynode *n = copy_node(b, an->node);
		if (!n) {
			b->st = BT_ERR_NOMEM;
			return false;
		}
		return attach(b, n, an->height);
	}
	default:
		return true;
	}
}

enum bt_status bt_yaml_parse(struct bt_arena *a, const char *buf, size_t len,
                             bt_yaml_doc_fn fn, void *ctx, char *why, size_t why_size)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(why, why_size, "out of memory");
		return BT_ERR_NOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	struct build b = {.a = a, .st = BT_OK};
	enum bt_status st = BT_OK;
	unsigned index = 0, doc_line = 1;
	bool done = false;
	while (!done) {
		yaml_event_t e;
		if (!yaml_parser_parse(&parser, &e)) {
			snprintf(why, why_size, "line %lu: YAML error: %s%s%s",
			         (unsigned long)parser.problem_mark.line + 1,
			         parser.problem ? parser.problem : "syntax error",
			         parser.context ? " " : "", parser.context ? parser.context : "");
			st = parser.error == YAML_MEMORY_ERROR ? BT_ERR_NOMEM : BT_ERR_FORMAT;
			break;
		}
		unsigned line = (unsigned)e.start_mark.line + 1;
		if (e.type == YAML_DOCUMENT_START_EVENT) {
			build_reset(&b);
			doc_line = line;
		} else if (e.type == YAML_DOCUMENT_END_EVENT) {
			struct bt_ynode *tree = b.root;
			build_reset(&b);
			bool is_empty_null = !tree || (tree->kind == BT_Y_SCALAR && bt_ynode_is_null(tree));
			if (!is_empty_null && fn(ctx, tree, index++))
				done = true;
		} else if (e.type == YAML_STREAM_END_EVENT) {
			done = true;
		} else if (!on_event(&b, &e)) {
			st = b.st == BT_OK ? BT_ERR_FORMAT : b.st;
			if (st == BT_ERR_LIMIT)
				snprintf(why, why_size,
				         "line %u: YAML document too large or too deep (over %d nodes "
				         "or %d levels after alias expansion; document from line %u)",
				         line, BT_YAML_MAX_NODES, BT_YAML_MAX_DEPTH, doc_line);
			else if (st == BT_ERR_FORMAT && e.type == YAML_ALIAS_EVENT)
				snprintf(why, why_size, "line %u: YAML error: found undefined alias", line);
			else
				snprintf(why, why_size, "line %u: %s", line,
				         st == BT_ERR_NOMEM ? "out of memory" : "malformed YAML document");
			done = true;
		}
		yaml_event_delete(&e);
	}
	build_reset(&b);
	free(b.anchors);
	yaml_parser_delete(&parser);
	return st;
}

enum bt_status bt_yaml_read_file(const char *path, char **out, size_t *out_len, char *why,
                                 size_t why_size)
{
	*out = NULL;
	*out_len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(why, why_size, "cannot open: %s", strerror(errno));
		return BT_ERR_IO;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, why_size, "not a regular file");
		close(fd);
		return BT_ERR_IO;
	}
	if ((uint64_t)sb.st_size > BT_YAML_MAX_FILE) {
		snprintf(why, why_size, "larger than %u bytes", BT_YAML_MAX_FILE);
		close(fd);
		return BT_ERR_LIMIT;
	}
	size_t cap = (size_t)sb.st_size + 1, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		snprintf(why, why_size, "out of memory");
		close(fd);
		return BT_ERR_NOMEM;
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > BT_YAML_MAX_FILE) {
				snprintf(why, why_size, "larger than %u bytes", BT_YAML_MAX_FILE);
				free(buf);
				close(fd);
				return BT_ERR_LIMIT;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return BT_ERR_NOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(why, why_size, "read error: %s", strerror(errno));
			free(buf);
			close(fd);
			return BT_ERR_IO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return BT_OK;
}

struct bt_ynode *bt_ynode_get(const struct bt_ynode *map, const char *key)
{
	if (!map || map->kind != BT_Y_MAP)
		return NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; i < map->n; i++) {
		const struct bt_ynode *k = map->pairs[i].key;
		if (k->kind == BT_Y_SCALAR && k->len == kl && memcmp(k->str, key, kl) == 0)
			return map->pairs[i].value;
	}
	return NULL;
}

bool bt_ynode_is_null(const struct bt_ynode *n)
{
	if (!n || n->kind != BT_Y_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	       strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

bool bt_ynode_bool(const struct bt_ynode *n, bool *v)
{
	if (!n || n->kind != BT_Y_SCALAR || !n->plain)
		return false;
	if (strcasecmp(n->str, "true") == 0) {
		*v = true;
		return true;
	}
	if (strcasecmp(n->str, "false") == 0) {
		*v = false;
		return true;
	}
	return false;
}

bool bt_ynode_is_int(const struct bt_ynode *n)
{
	if (!n || n->kind != BT_Y_SCALAR || !n->plain || n->len == 0 || n->len > 20)
		return false;
	size_t i = (n->str[0] == '-' || n->str[0] == '+') ? 1 : 0;
	if (i == n->len)
		return false;
	for (; i < n->len; i++)
		if (n->str[i] < '0' || n->str[i] > '9')
			return false;
	return true;
}

const char *bt_ynode_str(const struct bt_ynode *n)
{
	return n && n->kind == BT_Y_SCALAR ? n->str : NULL;
}
