/* Host <-> IP links learned from evidence or loaded from --host-map. */
#include "config.h"

#include "core/bt_array.h"
#include "hunt/bt_hostmap.h"
#include "io/bt_lines.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_BUCKETS 4096

struct bt_hostmap {
	pthread_mutex_t lock;
	struct bt_hostlink **buckets; /* by address, about one link per bucket (grown) */
	size_t nbuckets;
	struct bt_hostlink **order;   /* insertion order */
	size_t n, cap;
	/* addresses of a file's host, until the host is known */
	struct pending {
		struct bt_ip ip;
		enum bt_hostlink_how how;
		bt_time t0, t1;
		char *file, *evidence;
	} *pending;
	size_t npending, cappending;
	bool full_reported;
	/* container networks the evidence names (a daemon's bridge, container
	 * addresses) */
	struct cnet {
		struct bt_ip net;
		unsigned bits;
		char *evidence;
	} *cnets;
	size_t ncnets, capcnets;
	struct bt_vmlinks *vms;   /* VMs and the ESXi hosts they ran on */
};

struct bt_hostmap *bt_hostmap_new(void)
{
	struct bt_hostmap *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	if (!(m->buckets = calloc(MIN_BUCKETS, sizeof *m->buckets))) {
		free(m);
		return NULL;
	}
	m->nbuckets = MIN_BUCKETS;
	if (!(m->vms = bt_vmlinks_new())) {
		free(m->buckets);
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

void bt_hostmap_free(struct bt_hostmap *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->order[i]->host);
		free(m->order[i]->evidence);
		free(m->order[i]);
	}
	free(m->order);
	for (size_t i = 0; i < m->npending; i++) {
		free(m->pending[i].file);
		free(m->pending[i].evidence);
	}
	free(m->pending);
	for (size_t i = 0; i < m->ncnets; i++)
		free(m->cnets[i].evidence);
	free(m->cnets);
	bt_vmlinks_free(m->vms);
	pthread_mutex_destroy(&m->lock);
	free(m->buckets);
	free(m);
}

static size_t ip_hash(const struct bt_hostmap *m, const struct bt_ip *ip)
{
	unsigned h = 2166136261u;
	size_t len = ip->family == 4 ? 4 : 16;
	for (size_t i = 0; i < len; i++)
		h = (h ^ ip->addr[i]) * 16777619u;
	return h & (m->nbuckets - 1);
}

/* Doubles the table once it holds a link per bucket (a million links in a
 * fixed table made every lookup a long walk). Rebuilt in insertion order,
 * so each chain keeps the newest link first, as it was. */
static void grow_buckets(struct bt_hostmap *m)
{
	if (m->n < m->nbuckets)
		return;
	size_t nb = m->nbuckets * 2;
	struct bt_hostlink **nt = calloc(nb, sizeof *nt);
	if (!nt)
		return;   /* the table as it was: slower, still right */
	free(m->buckets);
	m->buckets = nt;
	m->nbuckets = nb;
	for (size_t i = 0; i < m->n; i++) {
		struct bt_hostlink *l = m->order[i];
		size_t b = ip_hash(m, &l->ip);
		l->next = nt[b];
		nt[b] = l;
	}
}

void bt_host_key(const char *name, char *out, size_t n)
{
	size_t k = 0;
	for (; name[k] && name[k] != '.' && k + 1 < n; k++) {
		char c = name[k];
		out[k] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[k] = '\0';
}

bool bt_host_same(const char *a, const char *b)
{
	char ka[256], kb[256];
	if (!a || !b)
		return false;
	bt_host_key(a, ka, sizeof ka);
	bt_host_key(b, kb, sizeof kb);
	return ka[0] && strcmp(ka, kb) == 0;
}

const char *bt_hostlink_how_str(enum bt_hostlink_how how)
{
	switch (how) {
	case BT_LINK_FILE: return "host-map";
	case BT_LINK_SYSMON3_LOCAL: return "sysmon3-source";
	case BT_LINK_SYSMON3_NAME: return "sysmon3-hostname";
	case BT_LINK_DNS: return "dns-answer";
	case BT_LINK_LOGON: return "logon-4624";
	case BT_LINK_CONTAINER: return "container-network";
	case BT_LINK_ETC_HOSTS: return "etc-hosts";
	case BT_LINK_NETPLAN: return "netplan";
	case BT_LINK_IP_ADDR: return "ip-addr";
	case BT_LINK_DOCKER_LISTEN: return "dockerd-listen";
	case BT_LINK_PORT_BINDING: return "port-binding";
	case BT_LINK_IFCONFIG: return "ifconfig";
	case BT_LINK_NM_KEYFILE: return "networkmanager";
	case BT_LINK_IFUPDOWN: return "ifupdown";
	case BT_LINK_NETWORKD: return "networkd";
	case BT_LINK_DHCP_LEASE: return "dhcp-lease";
	case BT_LINK_DHCP_LOG: return "dhcp-log";
	}
	return "?";
}

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || n > 255 || (n == 1 && s[0] == '-'))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == '\\' || s[i] == '/')
			return false;
	return true;
}

/* Adds or refreshes a link; caller holds the lock (or is single-threaded). */
static struct bt_hostlink *add_link(struct bt_hostmap *m, const struct bt_ip *ip,
                                    const char *host, size_t hlen, enum bt_hostlink_how how,
                                    bt_time t0, bt_time t1, const char *evidence)
{
	if (bt_ip_is_local(ip) || !valid_name(host, hlen))
		return NULL;
	grow_buckets(m);
	size_t b = ip_hash(m, ip);
	char key[256], k2[256], tmp[256];
	snprintf(tmp, sizeof tmp, "%.*s", (int)hlen, host);
	bt_host_key(tmp, key, sizeof key);
	for (struct bt_hostlink *l = m->buckets[b]; l; l = l->next) {
		if (!bt_ip_equal(&l->ip, ip) || l->how != how)
			continue;
		bt_host_key(l->host, k2, sizeof k2);
		if (strcmp(key, k2) != 0 || how == BT_LINK_FILE)
			continue;
		/* keep the earliest observation as the link's evidence, so that the
		 * result does not depend on the order files are read in */
		bool earlier = t0 != BT_TIME_NONE && (l->first == BT_TIME_NONE || t0 < l->first);
		bool tie = t0 == l->first && evidence && strcmp(evidence, l->evidence) < 0;
		if (earlier || tie) {
			char *ne = strdup(evidence ? evidence : "");
			if (ne) {
				free(l->evidence);
				l->evidence = ne;
			}
		}
		if (earlier)
			l->first = t0;
		if (t1 != BT_TIME_NONE && (l->last == BT_TIME_NONE || t1 > l->last))
			l->last = t1;
		l->seen++;
		return l;
	}
	if (m->n >= BT_HOSTMAP_MAX_LINKS) {
		m->full_reported = true;
		return NULL;
	}
	if (!bt_array_reserve(&m->order, &m->cap, m->n, sizeof *m->order, 64))
		return NULL;
	struct bt_hostlink *l = calloc(1, sizeof *l);
	if (!l || !(l->host = strndup(host, hlen)) || !(l->evidence = strdup(evidence ? evidence : ""))) {
		if (l)
			free(l->host);
		free(l);
		return NULL;
	}
	l->ip = *ip;
	l->how = how;
	l->first = t0;
	l->last = t1;
	l->seen = 1;
	l->next = m->buckets[b];
	m->buckets[b] = l;
	m->order[m->n++] = l;
	return l;
}

static const struct bt_field *field(const struct bt_event *ev, const char *name)
{
	return bt_event_field(ev, name, strlen(name));
}

static bool is_sysmon(const struct bt_event *ev)
{
	return ev->channel && strcmp(ev->channel, "Microsoft-Windows-Sysmon/Operational") == 0;
}

bool bt_hostmap_wants(const struct bt_event *ev)
{
	if (ev->source == BT_SOURCE_HOST_CONFIG || ev->source == BT_SOURCE_ESXI)
		return true;
	if (ev->source != BT_SOURCE_EVTX)
		return ev->channel && strcmp(ev->channel, "docker") == 0;
	/* the event id first: every EVTX record is asked */
	if (ev->event_id != 3 && ev->event_id != 22 && ev->event_id != 4624)
		return false;
	if (is_sysmon(ev))
		return ev->event_id == 3 || ev->event_id == 22;
	return ev->event_id == 4624 && ev->channel && strcmp(ev->channel, "Security") == 0;
}

static void link_field_ip(struct bt_hostmap *m, const struct bt_event *ev, const char *ipf,
                          const char *host, size_t hlen, enum bt_hostlink_how how,
                          const char *evid)
{
	const struct bt_field *f = field(ev, ipf);
	struct bt_ip ip;
	if (f && bt_ip_parse(f->text, f->text_len, &ip))
		add_link(m, &ip, host, hlen, how, ev->time, ev->time, evid);
}

/* Sysmon 22 QueryResults: "type:  5 a.example;::ffff:10.0.0.5;10.0.0.6;" */
static void learn_dns(struct bt_hostmap *m, const struct bt_event *ev, const char *evid)
{
	const struct bt_field *q = field(ev, "QueryName"), *r = field(ev, "QueryResults");
	if (!q || !r)
		return;
	const char *p = r->text, *end = r->text + r->text_len;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *e = semi ? semi : end;
		struct bt_ip ip;
		if (bt_ip_parse(p, (size_t)(e - p), &ip))
			add_link(m, &ip, q->text, q->text_len, BT_LINK_DNS, ev->time, ev->time, evid);
		p = e + 1;
	}
}

static void add_pending(struct bt_hostmap *m, const struct bt_ip *ip, enum bt_hostlink_how how,
                        bt_time t0, bt_time t1, const char *file, const char *evid);

/* "ADDR:PORT", "[ADDR]:PORT" or "ADDR:PORT->..." : the address, when it is one
 * a host can be known by (not a wildcard, loopback or link-local). */
static bool host_address(const char *s, size_t n, struct bt_ip *ip)
{
	const char *arrow = NULL;
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '-' && s[i + 1] == '>') {
			arrow = s + i;
			break;
		}
	size_t len = arrow ? (size_t)(arrow - s) : n;
	while (len && s[len - 1] != ':')
		len--;
	if (len < 2)
		return false;
	len--;   /* the ':' before the port */
	const char *a = s;
	if (len >= 2 && a[0] == '[' && a[len - 1] == ']') {
		a++;
		len -= 2;
	}
	return bt_ip_parse(a, len, ip) && !bt_ip_is_local(ip);
}

/* Docker: dockerd's API address and a port published on one address are the
 * daemon's host's (the host the event states, else its collection's). Lock
 * held. */
static void learn_docker_addresses(struct bt_hostmap *m, const struct bt_event *ev, const char *evid)
{
	static const struct { const char *field; enum bt_hostlink_how how; } src[] = {
		{"ApiListen", BT_LINK_DOCKER_LISTEN}, {"PortBindings", BT_LINK_PORT_BINDING}};
	bool stated = ev->host && !(ev->flags & (BT_EV_HOST_ASSUMED | BT_EV_HOST_INFERRED));
	for (size_t k = 0; k < sizeof src / sizeof *src; k++)
		for (const struct bt_field *f = field(ev, src[k].field); f; f = bt_event_field_next(ev, f)) {
			struct bt_ip ip;
			if (!host_address(f->text, f->text_len, &ip))
				continue;
			if (stated)
				add_link(m, &ip, ev->host, strlen(ev->host), src[k].how, ev->time, ev->time, evid);
			else
				add_pending(m, &ip, src[k].how, ev->time, ev->time, ev->file, evid);
		}
}

/* How an interface address of a host-config event (by its provider) was
 * learned; false for a provider that gives none. */
static bool config_how(const char *provider, enum bt_hostlink_how *how)
{
	static const struct { const char *provider; enum bt_hostlink_how how; } kinds[] = {
		{"netplan", BT_LINK_NETPLAN},         {"ip-addr", BT_LINK_IP_ADDR},
		{"ifconfig", BT_LINK_IFCONFIG},       {"networkmanager", BT_LINK_NM_KEYFILE},
		{"ifupdown", BT_LINK_IFUPDOWN},       {"networkd", BT_LINK_NETWORKD},
		{"dhcp-lease", BT_LINK_DHCP_LEASE},   {"dhcp", BT_LINK_DHCP_LOG}};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		if (strcmp(provider, kinds[i].provider) == 0) {
			*how = kinds[i].how;
			return true;
		}
	return false;
}

/* The end of the time an address was held: a lease's LeaseEnd, else the
 * event's own time. */
static bt_time held_until(const struct bt_event *ev)
{
	const struct bt_field *f = field(ev, "LeaseEnd");
	bt_time t;
	return f && bt_time_parse(f->text, f->text_len, &t, NULL, NULL) ? t : ev->time;
}

/* Whether ip lies in net/bits (same family). */
static bool in_net(const struct bt_ip *ip, const struct bt_ip *net, unsigned bits)
{
	if (ip->family != net->family)
		return false;
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(ip->addr, net->addr, full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xFF00u >> rest);
	return (ip->addr[full] & mask) == (net->addr[full] & mask);
}

/* Notes a container network (one entry per network, the least evidence
 * string whatever the order files are read in). Lock held. */
static void add_cnet(struct bt_hostmap *m, const struct bt_ip *net, unsigned bits,
                     const char *evid)
{
	for (size_t i = 0; i < m->ncnets; i++) {
		struct cnet *c = &m->cnets[i];
		if (c->bits == bits && bt_ip_equal(&c->net, net)) {
			if (strcmp(evid, c->evidence) < 0) {
				char *e = strdup(evid);
				if (e) {
					free(c->evidence);
					c->evidence = e;
				}
			}
			return;
		}
	}
	if (!bt_array_reserve(&m->cnets, &m->capcnets, m->ncnets, sizeof *m->cnets, 16))
		return;
	char *e = strdup(evid);
	if (!e)
		return;
	m->cnets[m->ncnets++] = (struct cnet){*net, bits, e};
}

/* dockerd at start: "Default bridge (docker0) is assigned with an IP
 * address 172.17.0.0/16. Daemon option --bip can be used ..." */
static const char bridge_says[] = "is assigned with an IP address ";

/* What a Docker event says about container networks: the default bridge's
 * subnet (dockerd's log) and each container's own address (its
 * configuration). Lock held. */
static void learn_container_nets(struct bt_hostmap *m, const struct bt_event *ev, const char *evid)
{
	const struct bt_field *msg = field(ev, "Message");
	if (msg && msg->text_len > sizeof bridge_says) {
		const char *p = memmem(msg->text, msg->text_len, bridge_says, sizeof bridge_says - 1);
		if (p) {
			p += sizeof bridge_says - 1;
			const char *end = msg->text + msg->text_len;
			const char *slash = memchr(p, '/', (size_t)(end - p));
			struct bt_ip net;
			unsigned bits = 0;
			const char *q = slash ? slash + 1 : NULL;
			while (q && q < end && *q >= '0' && *q <= '9' && bits <= 128)
				bits = bits * 10 + (unsigned)(*q++ - '0');
			if (slash && q > slash + 1 && bt_ip_parse(p, (size_t)(slash - p), &net) &&
			    bits <= (net.family == 4 ? 32u : 128u))
				add_cnet(m, &net, bits, evid);
		}
	}
	for (const struct bt_field *f = field(ev, "IPAddress"); f; f = bt_event_field_next(ev, f)) {
		struct bt_ip ip;
		if (bt_ip_parse(f->text, f->text_len, &ip) && !bt_ip_is_local(&ip))
			add_cnet(m, &ip, ip.family == 4 ? 32 : 128, evid);
	}
}

bool bt_hostmap_container_net(struct bt_hostmap *m, const struct bt_ip *ip, char *desc, size_t n)
{
	bool found = false;
	pthread_mutex_lock(&m->lock);
	const struct cnet *best = NULL;
	for (size_t i = 0; i < m->ncnets; i++) {
		const struct cnet *c = &m->cnets[i];
		if (in_net(ip, &c->net, c->bits) && (!best || c->bits < best->bits ||
		                                     (c->bits == best->bits &&
		                                      strcmp(c->evidence, best->evidence) < 0)))
			best = c;
	}
	if (best) {
		char a[BT_IP_BUFSZ];
		bt_ip_format(&best->net, a);
		snprintf(desc, n, "%s/%u (%s)", a, best->bits, best->evidence);
		found = true;
	}
	pthread_mutex_unlock(&m->lock);
	return found;
}

/* A container on Docker's default bridge or a NAT network (or with no
 * network named): its address is the host's business only. */
static bool internal_network(const struct bt_event *ev)
{
	const struct bt_field *nm = field(ev, "NetworkMode");
	if (!nm || nm->text_len == 0)
		return true;
	static const char *const internal[] = {"default", "bridge", "nat", "none", "host"};
	for (size_t i = 0; i < sizeof internal / sizeof *internal; i++)
		if (nm->text_len == strlen(internal[i]) && strncasecmp(nm->text, internal[i], nm->text_len) == 0)
			return true;
	return false;
}

/* A host's configuration: /etc/hosts names its addresses (the first name,
 * usually the full one); an interface's address is the host's the event
 * states (a journal's DHCP line), else waits for the host of the file's
 * collection. Lock held. */
static void learn_host_config(struct bt_hostmap *m, const struct bt_event *ev, const char *evid)
{
	const struct bt_field *a = field(ev, "IpAddress");
	struct bt_ip ip;
	if (!a || !ev->provider || !bt_ip_parse(a->text, a->text_len, &ip) || bt_ip_is_local(&ip))
		return;
	if (strcmp(ev->provider, "hosts") == 0) {
		const struct bt_field *names = field(ev, "HostNames");
		if (names) {
			size_t n = 0;
			while (n < names->text_len && names->text[n] != ' ')
				n++;
			add_link(m, &ip, names->text, n, BT_LINK_ETC_HOSTS, BT_TIME_NONE, BT_TIME_NONE, evid);
		}
		return;
	}
	enum bt_hostlink_how how;
	if (!config_how(ev->provider, &how))
		return;
	bool stated = ev->host && !(ev->flags & (BT_EV_HOST_ASSUMED | BT_EV_HOST_INFERRED));
	if (stated)
		add_link(m, &ip, ev->host, strlen(ev->host), how, ev->time, held_until(ev), evid);
	else
		add_pending(m, &ip, how, ev->time, held_until(ev), ev->file, evid);
}

/* An address of the host of `file`'s collection, once that is known. Lock held. */
static void add_pending(struct bt_hostmap *m, const struct bt_ip *ip, enum bt_hostlink_how how,
                        bt_time t0, bt_time t1, const char *file, const char *evid)
{
	if (!file || !bt_array_reserve(&m->pending, &m->cappending, m->npending, sizeof *m->pending, 16))
		return;
	struct pending *p = &m->pending[m->npending];
	p->ip = *ip;
	p->how = how;
	p->t0 = t0;
	p->t1 = t1;
	p->file = strdup(file);
	p->evidence = strdup(evid);
	if (p->file && p->evidence)
		m->npending++;
	else {
		free(p->file);
		free(p->evidence);
	}
}

size_t bt_hostmap_resolve(struct bt_hostmap *m,
                          const char *(*host_of)(void *ctx, const char *file), void *ctx)
{
	size_t left = 0;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->npending; i++) {
		struct pending *p = &m->pending[i];
		const char *host = host_of(ctx, p->file);
		if (host)
			add_link(m, &p->ip, host, strlen(host), p->how, p->t0, p->t1, p->evidence);
		else
			left++;
	}
	pthread_mutex_unlock(&m->lock);
	bt_vmlinks_resolve(m->vms, host_of, ctx);
	return left;
}

/* "FILE:LINE" or "FILE#RECORD" (the file cut at 1000 bytes) into out: what
 * snprintf would write, without its cost on every event learned from. */
static void evidence_ref(char out[1100], const struct bt_event *ev)
{
	const char *f = ev->file ? ev->file : "-";
	size_t n = strnlen(f, 1000);
	memcpy(out, f, n);
	out[n++] = ev->line ? ':' : '#';
	uint64_t v = ev->line ? ev->line : ev->record_id;
	char d[20];
	size_t k = 0;
	do
		d[k++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (k)
		out[n++] = d[--k];
	out[n] = '\0';
}

void bt_hostmap_learn(struct bt_hostmap *m, const struct bt_event *ev)
{
	if (!bt_hostmap_wants(ev))
		return;
	if (ev->source == BT_SOURCE_ESXI) {
		bt_vmlinks_learn(m->vms, ev);   /* its own lock */
		return;
	}
	char evid[1100];
	evidence_ref(evid, ev);
	pthread_mutex_lock(&m->lock);
	if (ev->source == BT_SOURCE_HOST_CONFIG) {
		learn_host_config(m, ev, evid);
	} else if (ev->source != BT_SOURCE_EVTX) {
		learn_docker_addresses(m, ev, evid);
		learn_container_nets(m, ev, evid);
		/* Docker: a container address on its host, when it can be seen
		 * from outside: not on the default bridge or a NAT network, whose
		 * addresses every host reuses and the network never sees. */
		if (!internal_network(ev))
			for (const struct bt_field *f = field(ev, "IPAddress"); f; f = bt_event_field_next(ev, f)) {
				struct bt_ip ip;
				if (!bt_ip_parse(f->text, f->text_len, &ip))
					continue;
				if (ev->host)
					add_link(m, &ip, ev->host, strlen(ev->host), BT_LINK_CONTAINER, ev->time,
					         ev->time, evid);
				else   /* an offline Docker root: its collection's host */
					add_pending(m, &ip, BT_LINK_CONTAINER, ev->time, ev->time, ev->file, evid);
			}
	} else if (is_sysmon(ev) && ev->event_id == 3) {
		const struct bt_field *init = field(ev, "Initiated");
		bool outbound = init && init->text_len == 4 && strncmp(init->text, "true", 4) == 0;
		if (outbound && ev->host)
			link_field_ip(m, ev, "SourceIp", ev->host, strlen(ev->host), BT_LINK_SYSMON3_LOCAL,
			              evid);
		const struct bt_field *sh = field(ev, "SourceHostname"), *dh = field(ev, "DestinationHostname");
		if (sh)
			link_field_ip(m, ev, "SourceIp", sh->text, sh->text_len, BT_LINK_SYSMON3_NAME, evid);
		if (dh)
			link_field_ip(m, ev, "DestinationIp", dh->text, dh->text_len, BT_LINK_SYSMON3_NAME,
			              evid);
	} else if (is_sysmon(ev) && ev->event_id == 22) {
		learn_dns(m, ev, evid);
	} else if (ev->event_id == 4624) {
		const struct bt_field *ws = field(ev, "WorkstationName");
		if (ws)
			link_field_ip(m, ev, "IpAddress", ws->text, ws->text_len, BT_LINK_LOGON, evid);
	}
	pthread_mutex_unlock(&m->lock);
}

static bool parse_when(const char *s, bt_time *t)
{
	return bt_time_parse(s, strlen(s), t, NULL, NULL);
}

struct map_file {
	struct bt_hostmap *m;
	const char *path;
	const struct bt_diag *d;
};

/* One line of an analyst's map: NAME IP [FROM [UNTIL]]. */
static bool map_line(void *ctx, char *line, unsigned long no)
{
	struct map_file *mf = ctx;
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	char *tok[5];
	int nt = 0;
	for (char *save, *t = strtok_r(line, " \t,\r\n", &save); t && nt < 5;
	     t = strtok_r(NULL, " \t,\r\n", &save))
		tok[nt++] = t;
	if (nt == 0)
		return true;
	struct bt_ip ip;
	bt_time from = BT_TIME_NONE, until = BT_TIME_NONE;
	/* "vm NAME ESXIHOST": a VM and the ESXi host it runs on */
	if (nt == 3 && strcmp(tok[0], "vm") == 0 && !bt_ip_parse(tok[1], strlen(tok[1]), &ip) &&
	    !parse_when(tok[2], &from)) {
		char evid[1100];
		snprintf(evid, sizeof evid, "%.1000s:%lu", mf->path, no);
		bt_vmlinks_add_file(mf->m->vms, tok[1], tok[2], evid);
		return true;
	}
	from = BT_TIME_NONE;
	if (nt < 2 || nt > 4 || !bt_ip_parse(tok[1], strlen(tok[1]), &ip) ||
	    (nt > 2 && !parse_when(tok[2], &from)) || (nt > 3 && !parse_when(tok[3], &until))) {
		bt_diagf(mf->d, BT_DIAG_ERROR, mf->path, "line %lu: expected NAME IP [FROM [UNTIL]] or vm NAME ESXIHOST", no);
		return false;
	}
	char evid[1100];
	snprintf(evid, sizeof evid, "%.1000s:%lu", mf->path, no);
	add_link(mf->m, &ip, tok[0], strlen(tok[0]), BT_LINK_FILE, from, until, evid);
	return true;
}

enum bt_status bt_hostmap_load(struct bt_hostmap *m, const char *path, const struct bt_diag *d)
{
	struct map_file mf = {m, path, d};
	return bt_lines_each(path, "host map", d, map_line, &mf);
}

static int64_t distance(const struct bt_hostlink *l, bt_time t)
{
	if (t == BT_TIME_NONE || l->first == BT_TIME_NONE)
		return 0;
	if (t < l->first)
		return l->first - t;
	if (l->last != BT_TIME_NONE && t > l->last)
		return t - l->last;
	return 0;
}

/* A host's own view of its address, not another's name for it. */
static int own_view(enum bt_hostlink_how how)
{
	return how == BT_LINK_SYSMON3_LOCAL || how == BT_LINK_NETPLAN || how == BT_LINK_IP_ADDR ||
	       how >= BT_LINK_DOCKER_LISTEN;
}

static int cmp_link_ip(const void *a, const void *b)
{
	const struct bt_hostlink *x = *(const struct bt_hostlink *const *)a;
	const struct bt_hostlink *y = *(const struct bt_hostlink *const *)b;
	int c = x->ip.family - y->ip.family;
	if (!c)
		c = memcmp(x->ip.addr, y->ip.addr, sizeof x->ip.addr);
	if (!c)
		c = strcmp(x->host, y->host);
	if (!c)
		c = strcmp(x->evidence, y->evidence);
	return c;
}

const struct bt_vmlink *bt_hostmap_vm_host(const struct bt_hostmap *m, const char *guest)
{
	return m ? bt_vmlinks_host_of(m->vms, guest) : NULL;
}

const struct bt_hostlink *bt_hostmap_lookup(const struct bt_hostmap *m, const struct bt_ip *ip,
                                            bt_time t)
{
	bool ambiguous = false;
	const struct bt_hostlink *best = NULL;
	int64_t best_d = INT64_MAX;
	for (const struct bt_hostlink *l = m->buckets[ip_hash(m, ip)]; l; l = l->next) {
		if (!bt_ip_equal(&l->ip, ip))
			continue;
		if (l->how == BT_LINK_FILE) {
			bool ok = t == BT_TIME_NONE || ((l->first == BT_TIME_NONE || t >= l->first) &&
			                                (l->last == BT_TIME_NONE || t <= l->last));
			if (ok)
				return l;
			continue;
		}
		int64_t dist = distance(l, t);
		/* Prefer the host's own view (its Sysmon 3 source address, its
		 * interfaces) over names from others; two hosts that both claim the
		 * address as their own at that time make it ambiguous. */
		if (best && dist == best_d && own_view(l->how) == own_view(best->how) && own_view(l->how) &&
		    !bt_host_same(l->host, best->host)) {
			ambiguous = true;
			continue;
		}
		if (dist < best_d ||
		    (dist == best_d && best &&
		     (own_view(l->how) > own_view(best->how) ||
		      (own_view(l->how) == own_view(best->how) && l->how < best->how)))) {
			best = l;
			best_d = dist;
			ambiguous = false;
		}
	}
	return ambiguous ? NULL : best;
}

/* Whether two links' times overlap (an unknown end is open). */
static bool overlap(const struct bt_hostlink *a, const struct bt_hostlink *b)
{
	bool a_before_b = a->last != BT_TIME_NONE && b->first != BT_TIME_NONE && a->last < b->first;
	bool b_before_a = b->last != BT_TIME_NONE && a->first != BT_TIME_NONE && b->last < a->first;
	return !a_before_b && !b_before_a;
}

size_t bt_hostmap_report_ambiguous(const struct bt_hostmap *m, const struct bt_diag *d)
{
	/* in address order, so that the report does not depend on reading order */
	size_t reported = 0;
	const struct bt_hostlink **v = calloc(m->n ? m->n : 1, sizeof *v);
	if (!v)
		return 0;
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++)
		if (own_view(m->order[i]->how))
			v[k++] = m->order[i];
	qsort(v, k, sizeof *v, cmp_link_ip);
	for (size_t i = 0; i < k; i++) {
		for (size_t j = i + 1; j < k && bt_ip_equal(&v[i]->ip, &v[j]->ip); j++) {
			if (bt_host_same(v[i]->host, v[j]->host) || !overlap(v[i], v[j]))
				continue;
			char ip[BT_IP_BUFSZ];
			bt_ip_format(&v[i]->ip, ip);
			bt_diagf(d, BT_DIAG_WARN, NULL,
			         "%s is claimed by two hosts at overlapping times, %s (%s, %s) and %s "
			         "(%s, %s): it joins neither",
			         ip, v[i]->host, bt_hostlink_how_str(v[i]->how), v[i]->evidence, v[j]->host,
			         bt_hostlink_how_str(v[j]->how), v[j]->evidence);
			reported++;
			while (i + 1 < k && bt_ip_equal(&v[i]->ip, &v[i + 1]->ip))
				i++;
			break;
		}
	}
	free(v);
	return reported;
}

size_t bt_hostmap_count(const struct bt_hostmap *m)
{
	return m->n;
}

const struct bt_hostlink *bt_hostmap_at(const struct bt_hostmap *m, size_t i)
{
	return i < m->n ? m->order[i] : NULL;
}

bool bt_hostmap_full(const struct bt_hostmap *m)
{
	return m->full_reported;
}

/* ---- state files (bt_state.h) ---- */

bool bt_hostlink_how_parse(const char *s, enum bt_hostlink_how *out)
{
	for (int h = BT_LINK_FILE; h <= BT_LINK_DHCP_LOG; h++)
		if (strcmp(s, bt_hostlink_how_str((enum bt_hostlink_how)h)) == 0) {
			*out = (enum bt_hostlink_how)h;
			return true;
		}
	return false;
}

struct vm_each {
	void (*cb)(void *ctx, const struct bt_hostfact *f);
	void *ctx;
};

static void vm_fact(void *ctx, const struct bt_vmlink *l, const char *file)
{
	const struct vm_each *ve = ctx;
	struct bt_hostfact f = {.kind = l->host ? BT_FACT_VM : BT_FACT_VM_PENDING, .vm = l->vm,
	                        .vm_display = l->display, .vm_how = l->how, .host = l->host,
	                        .file = file, .evidence = l->evidence, .first = BT_TIME_NONE,
	                        .last = BT_TIME_NONE};
	ve->cb(ve->ctx, &f);
}

void bt_hostmap_each_fact(struct bt_hostmap *m, void (*cb)(void *ctx, const struct bt_hostfact *f),
                          void *ctx)
{
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n; i++) {
		const struct bt_hostlink *l = m->order[i];
		if (l->how == BT_LINK_FILE)
			continue;   /* the analyst's: the reduce is given its own */
		struct bt_hostfact f = {.kind = BT_FACT_LINK, .ip = l->ip, .how = l->how,
		                        .host = l->host, .evidence = l->evidence, .first = l->first,
		                        .last = l->last, .seen = l->seen};
		cb(ctx, &f);
	}
	for (size_t i = 0; i < m->npending; i++) {
		const struct pending *p = &m->pending[i];
		struct bt_hostfact f = {.kind = BT_FACT_PENDING, .ip = p->ip, .how = p->how,
		                        .file = p->file, .evidence = p->evidence, .first = p->t0,
		                        .last = p->t1, .seen = 1};
		cb(ctx, &f);
	}
	for (size_t i = 0; i < m->ncnets; i++) {
		struct bt_hostfact f = {.kind = BT_FACT_CNET, .ip = m->cnets[i].net,
		                        .bits = m->cnets[i].bits, .evidence = m->cnets[i].evidence,
		                        .first = BT_TIME_NONE, .last = BT_TIME_NONE};
		cb(ctx, &f);
	}
	pthread_mutex_unlock(&m->lock);
	struct vm_each ve = {cb, ctx};
	bt_vmlinks_each(m->vms, vm_fact, &ve);
}

bool bt_hostmap_add_fact(struct bt_hostmap *m, const struct bt_hostfact *f)
{
	if (!f->evidence)
		return false;
	switch (f->kind) {
	case BT_FACT_VM:
	case BT_FACT_VM_PENDING: {
		struct bt_vmlink l = {.vm = (char *)f->vm, .display = (char *)f->vm_display,
		                      .host = f->kind == BT_FACT_VM ? (char *)f->host : NULL,
		                      .evidence = (char *)f->evidence, .how = f->vm_how};
		return (f->kind == BT_FACT_VM) == (f->host != NULL) &&
		       bt_vmlinks_add_learned(m->vms, &l, f->kind == BT_FACT_VM ? NULL : f->file);
	}
	default:
		break;
	}
	bool ok = true;
	pthread_mutex_lock(&m->lock);
	if (f->kind == BT_FACT_LINK) {
		struct bt_hostlink *l =
		        f->host && f->how != BT_LINK_FILE
		                ? add_link(m, &f->ip, f->host, strlen(f->host), f->how, f->first,
		                           f->last, f->evidence)
		                : NULL;
		/* as if observed f->seen times */
		if (l && f->seen > 1)
			l->seen += f->seen - 1;
		ok = l != NULL || m->full_reported;
	} else if (f->kind == BT_FACT_PENDING) {
		size_t before = m->npending;
		add_pending(m, &f->ip, f->how, f->first, f->last, f->file, f->evidence);
		ok = m->npending > before;
	} else if (f->kind == BT_FACT_CNET) {
		ok = f->bits <= (f->ip.family == 4 ? 32u : 128u);
		if (ok)
			add_cnet(m, &f->ip, f->bits, f->evidence);
	} else {
		ok = false;
	}
	pthread_mutex_unlock(&m->lock);
	return ok;
}
