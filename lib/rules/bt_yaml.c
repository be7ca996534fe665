/* YAML -> bt_ynode trees with libyaml's document loader. */
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

struct conv {
	struct bt_arena *a;
	yaml_document_t *doc;
	size_t nodes;
	enum bt_status st;
};

static struct bt_ynode *convert(struct conv *c, int id, int depth)
{
	if (c->st != BT_OK)
		return NULL;
	yaml_node_t *yn = yaml_document_get_node(c->doc, id);
	if (!yn) {
		c->st = BT_ERR_FORMAT;
		return NULL;
	}
	if (++c->nodes > BT_YAML_MAX_NODES || depth > BT_YAML_MAX_DEPTH) {
		c->st = BT_ERR_LIMIT;
		return NULL;
	}
	struct bt_ynode *n = bt_arena_alloc(c->a, sizeof *n);
	if (!n) {
		c->st = BT_ERR_NOMEM;
		return NULL;
	}
	memset(n, 0, sizeof *n);
	n->line = (uint32_t)yn->start_mark.line + 1;
	switch (yn->type) {
	case YAML_SCALAR_NODE: {
		n->kind = BT_Y_SCALAR;
		n->len = yn->data.scalar.length;
		n->str = bt_arena_strndup(c->a, (const char *)yn->data.scalar.value, n->len);
		if (!n->str) {
			c->st = BT_ERR_NOMEM;
			return NULL;
		}
		/* libyaml gives untagged plain scalars the default str tag. */
		const char *tag = (const char *)yn->tag;
		n->plain = yn->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		           (!tag || strcmp(tag, YAML_STR_TAG) == 0);
		break;
	}
	case YAML_SEQUENCE_NODE: {
		n->kind = BT_Y_SEQ;
		size_t cnt = (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
		n->items = bt_arena_alloc(c->a, (cnt ? cnt : 1) * sizeof *n->items);
		if (!n->items) {
			c->st = BT_ERR_NOMEM;
			return NULL;
		}
		for (size_t i = 0; i < cnt; i++) {
			n->items[i] = convert(c, yn->data.sequence.items.start[i], depth + 1);
			if (!n->items[i])
				return NULL;
		}
		n->n = cnt;
		break;
	}
	case YAML_MAPPING_NODE: {
		n->kind = BT_Y_MAP;
		size_t cnt = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
		n->pairs = bt_arena_alloc(c->a, (cnt ? cnt : 1) * sizeof *n->pairs);
		if (!n->pairs) {
			c->st = BT_ERR_NOMEM;
			return NULL;
		}
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_pair_t *p = &yn->data.mapping.pairs.start[i];
			n->pairs[i].key = convert(c, p->key, depth + 1);
			n->pairs[i].value = n->pairs[i].key ? convert(c, p->value, depth + 1) : NULL;
			if (!n->pairs[i].value)
				return NULL;
		}
		n->n = cnt;
		break;
	}
	default:
		c->st = BT_ERR_FORMAT;
		return NULL;
	}
	return n;
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
	enum bt_status st = BT_OK;
	unsigned index = 0;
	for (;;) {
		yaml_document_t doc;
		if (!yaml_parser_load(&parser, &doc)) {
			snprintf(why, why_size, "line %lu: YAML error: %s%s%s",
			         (unsigned long)parser.problem_mark.line + 1,
			         parser.problem ? parser.problem : "syntax error",
			         parser.context ? " " : "", parser.context ? parser.context : "");
			st = parser.error == YAML_MEMORY_ERROR ? BT_ERR_NOMEM : BT_ERR_FORMAT;
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) {
			/* An empty document also marks the end of the stream. */
			bool end = parser.stream_end_produced;
			yaml_document_delete(&doc);
			if (end)
				break;
			continue;
		}
		unsigned line = (unsigned)root->start_mark.line + 1;
		struct conv c = {a, &doc, 0, BT_OK};
		struct bt_ynode *tree = convert(&c, 1, 0);
		yaml_document_delete(&doc);
		if (!tree) {
			st = c.st == BT_OK ? BT_ERR_FORMAT : c.st;
			if (st == BT_ERR_LIMIT)
				snprintf(why, why_size,
				         "line %u: YAML document too large or too deep (over %d nodes "
				         "or %d levels after alias expansion)",
				         line, BT_YAML_MAX_NODES, BT_YAML_MAX_DEPTH);
			else
				snprintf(why, why_size, "line %u: %s", line,
				         st == BT_ERR_NOMEM ? "out of memory" : "malformed YAML document");
			break;
		}
		bool is_empty_null = tree->kind == BT_Y_SCALAR && bt_ynode_is_null(tree);
		if (!is_empty_null && fn(ctx, tree, index++))
			break;
	}
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
