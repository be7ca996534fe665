/* `boxtrail hosts`: who each host is, and how boxtrail knows it. Reads the
 * evidence for identity only (no rules) and prints each collection with
 * the host names its files state and the addresses that host had, every
 * fact with the file and record or line it came from; then the other
 * name <-> address links the evidence holds. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bt_buf.h"
#include "hunt/bt_hostmap.h"
#include "hunt/bt_identity.h"
#include "cli.h"
#include "commands.h"
#include "escape.h"
#include "json_writer.h"
#include "readopts.h"

enum { OPT_HOST_MAP = READ_OPT_END };

static const struct option long_opts[] = {
	READ_LONG_OPTS,
	{"format", required_argument, NULL, 'f'},
	{"host-map", required_argument, NULL, OPT_HOST_MAP},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct hosts_args {
	bool jsonl, format_set;
	const char *host_map;
};

static int hosts_opt(void *ctx, int c, const char *arg)
{
	struct hosts_args *a = ctx;
	switch (c) {
	case 'f':
		if (strcmp(arg, "jsonl") == 0)
			a->jsonl = true;
		else if (strcmp(arg, "text") == 0)
			a->jsonl = false;
		else {
			cli_errorf("hosts: unknown format '%s' (text, jsonl)", arg);
			return -1;
		}
		a->format_set = true;
		return 1;
	case OPT_HOST_MAP:
		a->host_map = arg;
		return 1;
	default:
		return 0;
	}
}

static void time_text(struct bt_buf *b, bt_time t)
{
	char tb[BT_TIME_BUFSZ];
	if (t != BT_TIME_NONE && bt_time_format(t, tb))
		bt_buf_puts(b, tb);
	else
		bt_buf_putc(b, '-');
}

/* An address link, as text or a JSON object. */
static void link_out(struct bt_buf *b, bool jsonl, const struct bt_hostlink *l, const char *indent)
{
	char ip[BT_IP_BUFSZ];
	bt_ip_format(&l->ip, ip);
	if (jsonl) {
		struct jw w;
		jw_init(&w, b);
		jw_object(&w);
		jw_key(&w, "address");
		jw_strz(&w, ip);
		jw_key(&w, "host");
		jw_strz(&w, l->host);
		jw_key(&w, "how");
		jw_strz(&w, bt_hostlink_how_str(l->how));
		jw_key(&w, "evidence");
		jw_strz(&w, l->evidence);
		jw_key(&w, "first");
		jw_time(&w, l->first);
		jw_key(&w, "last");
		jw_time(&w, l->last);
		jw_key(&w, "seen");
		jw_u64(&w, l->seen);
		jw_object_end(&w);
		return;
	}
	bt_buf_printf(b, "%saddress %-15s ", indent, ip);
	esc_text_str(b, l->host);
	bt_buf_printf(b, "  [%s] ", bt_hostlink_how_str(l->how));
	esc_text_str(b, l->evidence);
	if (l->first != BT_TIME_NONE) {
		bt_buf_puts(b, " (");
		time_text(b, l->first);
		bt_buf_puts(b, " .. ");
		time_text(b, l->last);
		bt_buf_putc(b, ')');
	}
	bt_buf_putc(b, '\n');
}

/* One collection: its names, then the addresses of its host among `links`
 * (sorted), which are marked used. */
static void collection_out(struct bt_buf *b, bool jsonl, struct bt_identity *id,
                           const struct bt_collection *c, const struct bt_hostlink *const *links,
                           size_t nl, bool *used)
{
	const struct bt_stated_name *nm;
	size_t nn = bt_identity_names(id, c, &nm);
	const char *host = nn == 1 ? nm[0].name : NULL;
	if (jsonl) {
		struct jw w;
		jw_init(&w, b);
		jw_object(&w);
		jw_key(&w, "collection");
		jw_strz(&w, c->root);
		jw_key(&w, "layout");
		jw_strz(&w, bt_layout_name(c->layout));
		jw_key(&w, "host");
		jw_strz(&w, host);
		jw_key(&w, "names");
		jw_array(&w);
		for (size_t i = 0; i < nn; i++) {
			jw_object(&w);
			jw_key(&w, "name");
			jw_strz(&w, nm[i].name);
			jw_key(&w, "source");
			jw_strz(&w, nm[i].source);
			jw_key(&w, "evidence");
			jw_strz(&w, nm[i].evidence);
			jw_key(&w, "seen");
			jw_u64(&w, nm[i].seen);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		jw_key(&w, "addresses");
		jw_array(&w);
	} else {
		bt_buf_puts(b, "collection ");
		esc_text_str(b, c->root);
		bt_buf_printf(b, " (%s): ", bt_layout_name(c->layout));
		if (host)
			esc_text_str(b, host);
		else
			bt_buf_puts(b, nn ? "several hosts named: none assumed" : "no host named");
		bt_buf_putc(b, '\n');
		for (size_t i = 0; i < nn; i++) {
			bt_buf_puts(b, "    name    ");
			esc_text_str(b, nm[i].name);
			bt_buf_printf(b, "  [%s] ", nm[i].source);
			esc_text_str(b, nm[i].evidence);
			if (nm[i].seen > 1)
				bt_buf_printf(b, " (stated %llu times)", (unsigned long long)nm[i].seen);
			bt_buf_putc(b, '\n');
		}
	}
	bool first = true;
	for (size_t i = 0; host && i < nl; i++) {
		const struct bt_hostlink *l = links[i];
		if (!bt_host_same(l->host, host))
			continue;
		used[i] = true;
		if (jsonl) {
			if (!first)
				bt_buf_putc(b, ',');
			first = false;
			link_out(b, true, l, "");
		} else {
			link_out(b, false, l, "    ");
		}
	}
	bt_buf_puts(b, jsonl ? "]}\n" : "");
}

static int cmp_link(const void *a, const void *b)
{
	const struct bt_hostlink *x = *(const struct bt_hostlink *const *)a;
	const struct bt_hostlink *y = *(const struct bt_hostlink *const *)b;
	int c = memcmp(x->ip.addr, y->ip.addr, sizeof x->ip.addr);
	if (c)
		return c;
	if ((c = strcmp(x->host, y->host)))
		return c;
	return (int)x->how - (int)y->how;
}

static int cmd_hosts(const struct cmd_entry *self, int argc, char **argv)
{
	struct read_opts ro;
	read_opts_init(&ro);
	struct hosts_args a = {0};
	int status = EXIT_FATAL;
	struct cli_inputs inputs = {0};
	struct bt_hostmap *hm = NULL;
	struct bt_identity *id = NULL;
	int pa = cmd_getopt(self, argc, argv, &ro, hosts_opt, &a);
	if (pa != 0) {
		status = pa < 0 ? EXIT_NOTHING : pa;
		goto done;
	}
	if (!a.format_set)
		a.jsonl = !isatty(STDOUT_FILENO);
	if (!read_opts_inputs(&ro, argv + optind, argc - optind, "hosts", &inputs))
		goto done;
	if (!(hm = bt_hostmap_new()) || !(id = bt_identity_new(hm))) {
		cli_errorf("out of memory");
		goto done;
	}
	if (a.host_map && bt_hostmap_load(hm, a.host_map, &ro.in.read.diag) != BT_OK)
		goto done;
	struct cli_run run = {0};
	struct read_run rr;
	if (!read_run_begin(&rr, &ro, &inputs, &run, NULL, NULL))
		goto done;
	enum bt_status st = bt_identity_read(id, rr.in, rr.n, &rr.scan, &rr.report);
	read_run_end(&rr);
	if (st != BT_OK)
		goto done;
	bt_identity_finish(id, &ro.in.read.diag);

	/* the links in a stable order: the map's own order follows the threads */
	size_t nl = bt_hostmap_count(hm);
	const struct bt_hostlink **links = calloc(nl ? nl : 1, sizeof *links);
	bool *used = calloc(nl ? nl : 1, sizeof *used);
	if (!links || !used) {
		free(links);
		free(used);
		cli_errorf("out of memory");
		goto done;
	}
	for (size_t i = 0; i < nl; i++)
		links[i] = bt_hostmap_at(hm, i);
	qsort(links, nl, sizeof *links, cmp_link);
	struct bt_buf b = BT_BUF_INIT;
	const struct bt_collection **colls;
	size_t nc = bt_identity_collections(id, &colls);
	for (size_t i = 0; i < nc; i++) {
		bt_buf_reset(&b);
		collection_out(&b, a.jsonl, id, colls[i], links, nl, used);
		cli_write_out(b.p, b.n);
	}
	bt_buf_reset(&b);
	bool header = false;
	for (size_t i = 0; i < nl; i++) {
		if (used[i])
			continue;
		if (!a.jsonl && !header) {
			bt_buf_puts(&b, "other hosts' addresses, as the evidence states them\n");
			header = true;
		}
		link_out(&b, a.jsonl, links[i], "    ");
		if (a.jsonl)
			bt_buf_putc(&b, '\n');
	}
	cli_write_out(b.p, b.n);
	bt_buf_free(&b);
	free(links);
	free(used);
	if (inputs.n == 0 && inputs.walk_errors == 0)
		cli_errorf("hosts: no files found under the given paths");
	status = cli_exit_status(&run, &inputs);
done:
	bt_identity_free(id);
	bt_hostmap_free(hm);
	cli_inputs_free(&inputs);
	read_opts_free(&ro);
	return status;
}

const struct cmd_entry cmd_hosts_entry = {
	.name = "hosts",
	.args = "[OPTIONS] PATH...",
	.summary = "who each host is: collections, host names and addresses, with their evidence",
	.about = "Read the evidence under PATH for host identity only and print each collection\n"
	         "(the evidence of one host), the host names its files state and the addresses\n"
	         "that host had, each with the file and record or line it came from.\n",
	.options = "  -f, --format FMT       text (default on a terminal) or jsonl\n"
	           "      --host-map FILE    host names and addresses: NAME IP [FROM [UNTIL]] per line\n",
	.footer = "Exit status: 0 ok, 2 usage error or nothing readable, +4 some input not (fully) read.\n",
	.shortopts = "f:",
	.longopts = long_opts,
	.reads_evidence = true,
	.exec = cmd_hosts,
};
