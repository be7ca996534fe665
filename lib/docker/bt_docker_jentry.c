/* Journal entry -> Docker events, for the JSON export and journal file readers. */
#include "config.h"

#include "docker/bt_docker_jentry.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/bt_buf.h"
#include "docker/bt_docker_logrus.h"
#include "docker/bt_docker_pair.h"
#include "docker/bt_journal_dhcp.h"
#include "docker/bt_journal_sudo.h"

#define MAX_CMDLINES 4096      /* distinct command lines remembered */

/* The fields the mapping uses. */
enum jfield {
	JF_MESSAGE,
	JF_HOSTNAME,
	JF_CMDLINE,
	JF_REALTIME,
	JF_COMM,
	JF_IDENT,
	JF_UNIT,
	JF_UNIT2,
	JF_PID,
	JF_PRIORITY,
	JF_SEQNUM,
	JF_COUNT
};

static const char *const field_names[JF_COUNT] = {
	[JF_MESSAGE] = "MESSAGE",
	[JF_HOSTNAME] = "_HOSTNAME",
	[JF_CMDLINE] = "_CMDLINE",
	[JF_REALTIME] = "__REALTIME_TIMESTAMP",
	[JF_COMM] = "_COMM",
	[JF_IDENT] = "SYSLOG_IDENTIFIER",
	[JF_UNIT] = "_SYSTEMD_UNIT",
	[JF_UNIT2] = "UNIT",
	[JF_PID] = "_PID",
	[JF_PRIORITY] = "PRIORITY",
	[JF_SEQNUM] = "__SEQNUM",
};

/* A field value as bytes (held in the slot's buffer). */
struct val {
	const char *p;
	size_t n;
	bool present;
};

struct bt_jentry {
	struct bt_buf buf[JF_COUNT];
	bool present[JF_COUNT];
	struct json_tokener *tok;
	struct bt_docker_pair *pair;
	uint64_t *seen;            /* hashes of command lines already reported */
	size_t nseen;
	struct bt_docker_warnings warnings;
	unsigned long nulls;       /* used fields exported as null */
	unsigned long others;      /* entries of programs other than Docker's */
	bool summarised;
};

struct bt_jentry *bt_jentry_new(void)
{
	struct bt_jentry *m = calloc(1, sizeof *m);
	if (!m || !(m->tok = json_tokener_new_ex(64)) || !(m->pair = bt_docker_pair_new())) {
		if (m && m->tok)
			json_tokener_free(m->tok);
		free(m);
		return NULL;
	}
	return m;
}

void bt_jentry_free(struct bt_jentry *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < JF_COUNT; i++)
		bt_buf_free(&m->buf[i]);
	json_tokener_free(m->tok);
	bt_docker_pair_free(m->pair);
	free(m->seen);
	free(m);
}

void bt_jentry_begin(struct bt_jentry *m)
{
	memset(m->present, 0, sizeof m->present);
}

static int field_index(const char *name, size_t nl)
{
	for (int i = 0; i < JF_COUNT; i++)
		if (strlen(field_names[i]) == nl && memcmp(field_names[i], name, nl) == 0)
			return i;
	return -1;
}

bool bt_jentry_wanted(const char *name, size_t nl)
{
	return field_index(name, nl) >= 0;
}

void bt_jentry_field(struct bt_jentry *m, const char *name, size_t nl, const char *value,
                     size_t vl)
{
	int i = field_index(name, nl);
	if (i < 0 || m->present[i])
		return;
	struct bt_buf *b = &m->buf[i];
	bt_buf_reset(b);
	bt_buf_put(b, value, vl);
	if (!bt_buf_reserve(b, 0))
		return;   /* out of memory: the field stays absent */
	m->present[i] = true;
}

void bt_jentry_null(struct bt_jentry *m, const char *name, size_t nl)
{
	if (field_index(name, nl) >= 0)
		m->nulls++;
}

static struct val get(const struct bt_jentry *m, enum jfield f)
{
	struct val v = {NULL, 0, false};
	if (m->present[f]) {
		v.p = m->buf[f].p ? m->buf[f].p : "";
		v.n = m->buf[f].n;
		v.present = true;
	}
	return v;
}

static bool eq(const struct val *v, const char *lit)
{
	return v->present && v->n == strlen(lit) && memcmp(v->p, lit, v->n) == 0;
}

static bool starts(const struct val *v, const char *lit)
{
	size_t l = strlen(lit);
	return v->present && v->n >= l && memcmp(v->p, lit, l) == 0;
}

static bool docker_unit(const struct val *u)
{
	return eq(u, "docker.service") || eq(u, "docker.socket") || eq(u, "containerd.service");
}

static const char *provider_of(const struct val *ident)
{
	if (eq(ident, "dockerd") || eq(ident, "docker"))
		return "dockerd";
	if (starts(ident, "containerd") || starts(ident, "docker-containerd"))
		return "containerd";
	return NULL;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* True the first time a command line is seen. */
static bool first_seen(struct bt_jentry *m, const char *p, size_t n)
{
	uint64_t h = fnv1a(p, n);
	for (size_t i = 0; i < m->nseen; i++)
		if (m->seen[i] == h)
			return false;
	if (m->nseen < MAX_CMDLINES) {
		if (!m->seen && !(m->seen = malloc(MAX_CMDLINES * sizeof *m->seen)))
			return true;
		m->seen[m->nseen++] = h;
	}
	return true;
}

/* A decimal number of at most 19 digits (journal fields are strings). */
static bool decimal(const struct val *v, uint64_t *out)
{
	if (!v->present || !v->n || v->n >= 20)
		return false;
	uint64_t x = 0;
	for (size_t i = 0; i < v->n; i++) {
		if (v->p[i] < '0' || v->p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v->p[i] - '0');
	}
	*out = x;
	return true;
}

/* Warns about the entry at `line` (exports) or of sequence number `seq`. */
static void warn(struct bt_reader_ctx *ctx, struct bt_jentry *m, uint64_t line, uint64_t seq,
                 const char *what)
{
	if (line || !seq)
		bt_docker_warn(ctx, &m->warnings, "line %llu: %s", (unsigned long long)line, what);
	else
		bt_docker_warn(ctx, &m->warnings, "entry #%llu: %s", (unsigned long long)seq, what);
}

/* Hands an event built in eb out now (true) or queues it in the pairer. */
static bool deliver(struct bt_reader_ctx *ctx, struct bt_jentry *m, const struct bt_event **ev)
{
	const struct bt_event *e = bt_evbuf_done(ctx->eb);
	if (!bt_docker_pair_wants(m->pair, e)) {
		bt_docker_pair_seen(m->pair, e);
		*ev = e;
		return true;
	}
	if (bt_docker_pair_push(m->pair, e) != BT_OK) {
		ctx->stats->failed++;
		warn(ctx, m, e->line, e->record_id, "out of memory, event lost");
	}
	return false;
}

/* The entry's time: __REALTIME_TIMESTAMP (µs since 1970). */
static bt_time entry_time(const struct bt_jentry *m)
{
	struct val rt = get(m, JF_REALTIME);
	uint64_t us;
	bt_time t;
	if (decimal(&rt, &us) && us / 1000000 <= 253402300799ULL &&
	    bt_docker_unix_time((int64_t)(us / 1000000), (int64_t)(us % 1000000) * 1000, &t))
		return t;
	return BT_TIME_NONE;
}

/* A DHCP client's lease line: a host-config fact (provider "dhcp") of the
 * entry's host and time, as a lease file would give. */
static bool map_dhcp(struct bt_reader_ctx *ctx, struct bt_jentry *m, const struct bt_dhcp_line *d,
                     uint64_t line, uint64_t offset, const struct bt_event **ev)
{
	struct val host = get(m, JF_HOSTNAME), seqv = get(m, JF_SEQNUM);
	uint64_t seq;
	struct bt_evbuf *eb = ctx->eb;
	bt_docker_event_begin(eb, BT_SOURCE_HOST_CONFIG, "dhcp", host.p, host.present ? host.n : 0,
	                      ctx->opts, ctx->path, line, offset);
	eb->ev.channel = "host-config";
	eb->ev.record_id = decimal(&seqv, &seq) ? seq : 0;
	eb->ev.time = entry_time(m);
	bt_docker_add(eb, "IpAddress", d->addr, d->addr_len);
	bt_docker_add(eb, "Interface", d->iface, d->iface_len);
	return deliver(ctx, m, ev);
}

/* sudo's line for a container CLI: who ran it (Docker's logs name no one). */
static bool map_sudo(struct bt_reader_ctx *ctx, struct bt_jentry *m, const struct bt_sudo_line *su,
                     uint64_t line, uint64_t offset, const struct bt_event **ev)
{
	struct val host = get(m, JF_HOSTNAME), seqv = get(m, JF_SEQNUM), pid = get(m, JF_PID),
	           rt = get(m, JF_REALTIME);
	uint64_t seq;
	struct bt_evbuf *eb = ctx->eb;
	bt_docker_event_begin(eb, BT_SOURCE_JOURNALD, "sudo", host.p, host.present ? host.n : 0,
	                      ctx->opts, ctx->path, line, offset);
	eb->ev.record_id = decimal(&seqv, &seq) ? seq : 0;
	eb->ev.time = entry_time(m);
	bt_docker_adds(eb, "Action", BT_ACT_CLI);
	bt_docker_add(eb, "User", su->user, su->user_len);
	bt_docker_add(eb, "RunAsUser", su->runas, su->runas_len);
	bt_docker_add(eb, "CurrentDirectory", su->pwd, su->pwd_len);
	bt_docker_add(eb, "CommandLine", su->command, su->command_len);
	if (pid.present)
		bt_docker_add(eb, "Pid", pid.p, pid.n);
	if (rt.present)
		bt_docker_add(eb, "TimeOriginal", rt.p, rt.n);
	return deliver(ctx, m, ev);
}

bool bt_jentry_map(struct bt_reader_ctx *ctx, struct bt_jentry *m, uint64_t line,
                   uint64_t offset, const struct bt_event **ev)
{
	struct val msg = get(m, JF_MESSAGE), host = get(m, JF_HOSTNAME), cmd = get(m, JF_CMDLINE),
	           rt = get(m, JF_REALTIME), comm = get(m, JF_COMM), ident = get(m, JF_IDENT),
	           unit = get(m, JF_UNIT), unit2 = get(m, JF_UNIT2), pid = get(m, JF_PID),
	           prio = get(m, JF_PRIORITY), seqv = get(m, JF_SEQNUM);

	const struct val *who = ident.present ? &ident : &comm;
	const char *provider = provider_of(who);
	if (!provider)
		provider = provider_of(&comm);
	/* An export of the whole journal holds other programs' entries: those
	 * that name another program are left out (counted); an entry that names
	 * none is kept, since nothing says it is not Docker's. */
	bool named = comm.present || ident.present || unit.present || unit2.present;
	if (!provider && named && !docker_unit(&unit) && !docker_unit(&unit2) &&
	    !eq(who, "docker-proxy")) {
		struct bt_dhcp_line d;
		if (msg.present && who->present && bt_dhcp_line_parse(who->p, who->n, msg.p, msg.n, &d))
			return map_dhcp(ctx, m, &d, line, offset, ev);
		struct bt_sudo_line su;
		if (msg.present && who->present && bt_sudo_line_parse(who->p, who->n, msg.p, msg.n, &su))
			return map_sudo(ctx, m, &su, line, offset, ev);
		ctx->stats->skipped++;
		m->others++;
		return false;
	}
	char pbuf[64];
	if (!provider && who->present && who->n && who->n < sizeof pbuf) {
		/* systemd's own lines about the docker unit, docker-proxy */
		memcpy(pbuf, who->p, who->n);
		pbuf[who->n] = '\0';
		provider = pbuf;
	}
	uint64_t seq = 0;
	if (!decimal(&seqv, &seq))
		seq = 0;

	bt_time rtime = entry_time(m);

	/* the daemon's command line, once per distinct one */
	if (cmd.present && cmd.n && (eq(&comm, "dockerd") || starts(&comm, "containerd") ||
	                             eq(&comm, "docker")) &&
	    first_seen(m, cmd.p, cmd.n)) {
		struct bt_evbuf *eb = ctx->eb;
		bt_docker_event_begin(eb, BT_SOURCE_JOURNALD, provider, host.p, host.present ? host.n : 0,
		                      ctx->opts, ctx->path, line, offset);
		eb->ev.record_id = seq;
		eb->ev.time = rtime;
		bt_docker_adds(eb, "Action", BT_ACT_DCONFIG);
		bt_docker_daemon_args(eb, cmd.p, cmd.n);
		if (pid.present)
			bt_docker_add(eb, "Pid", pid.p, pid.n);
		if (rt.present)
			bt_docker_add(eb, "TimeOriginal", rt.p, rt.n);
		/* counted as an event of the same entry; the entry's event goes behind it */
		const struct bt_event *e = bt_evbuf_done(eb);
		if (bt_docker_pair_push(m->pair, e) != BT_OK) {
			ctx->stats->failed++;
			warn(ctx, m, line, seq, "out of memory, event lost");
		}
	}

	struct bt_evbuf *eb = ctx->eb;
	bt_docker_event_begin(eb, BT_SOURCE_JOURNALD, provider, host.p, host.present ? host.n : 0,
	                      ctx->opts, ctx->path, line, offset);
	eb->ev.record_id = seq;
	struct bt_logrus_info info = {0};
	bool record = false;
	if (msg.present && (bt_logrus_is_text(msg.p, msg.n) || (msg.n && msg.p[0] == '{')))
		record = bt_logrus_parse(eb, msg.p, msg.n, m->tok, &info);
	if (!record) {
		bt_docker_adds(eb, "Action", BT_ACT_DLOG);
		if (msg.present)
			bt_docker_add(eb, "Message", msg.p, msg.n);
		if (msg.present && ((msg.n >= 7 && memcmp(msg.p, "panic: ", 7) == 0) ||
		                    (msg.n >= 13 && memcmp(msg.p, "fatal error: ", 13) == 0))) {
			eb->ev.level = 1;   /* a Go runtime panic on dockerd's stderr */
			bt_docker_adds(eb, "LogLevel", msg.p[0] == 'p' ? "panic" : "fatal");
		}
	}
	if (info.containerd && !provider_of(who))
		eb->ev.provider = "containerd";
	if (!info.has_time) {
		eb->ev.time = rtime;
		if (rt.present)
			bt_docker_add(eb, "TimeOriginal", rt.p, rt.n);
	} else if (rt.present) {
		bt_docker_add(eb, "RealtimeTimestamp", rt.p, rt.n);
	}
	if (eb->ev.level < 0 && prio.present && prio.n == 1 && prio.p[0] >= '0' && prio.p[0] <= '7') {
		static const int map[8] = {1, 1, 1, 2, 3, 4, 4, 5};
		eb->ev.level = map[prio.p[0] - '0'];
	}
	if (pid.present)
		bt_docker_add(eb, "Pid", pid.p, pid.n);
	if (comm.present)
		bt_docker_add(eb, "Comm", comm.p, comm.n);
	if (ident.present)
		bt_docker_add(eb, "SyslogIdentifier", ident.p, ident.n);
	if (unit.present)
		bt_docker_add(eb, "Unit", unit.p, unit.n);
	if (eb->truncated)
		warn(ctx, m, line, seq, "event too large, some fields dropped");
	return deliver(ctx, m, ev);
}

const struct bt_event *bt_jentry_pop(struct bt_jentry *m, struct bt_evbuf *eb, bool flush)
{
	return bt_docker_pair_pop(m->pair, eb, flush);
}

struct bt_docker_warnings *bt_jentry_warnings(struct bt_jentry *m)
{
	return &m->warnings;
}

void bt_jentry_summarise(struct bt_reader_ctx *ctx, struct bt_jentry *m)
{
	if (m->summarised)
		return;
	m->summarised = true;
	ctx->stats->skipped += bt_docker_pair_merged(m->pair);
	bt_docker_warn_summary(ctx, &m->warnings);
	if (m->others)
		bt_diagf(&ctx->opts->diag, BT_DIAG_NOTE, ctx->path,
		         "%lu entries of programs other than dockerd, containerd and docker-proxy "
		         "left out", m->others);
	if (m->nulls)
		bt_diagf(&ctx->opts->diag, BT_DIAG_NOTE, ctx->path,
		         "%lu fields were exported as null (over journalctl's size limit; "
		         "export with journalctl --all to keep them)", m->nulls);
}
