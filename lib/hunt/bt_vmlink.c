/* VM -> ESXi host links (bt_vmlink.h). */
#include "config.h"

#include "hunt/bt_vmlink.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bt_array.h"
#include "hunt/bt_hostmap.h"

#define MAX_VMLINKS 100000

struct bt_vmlinks {
	pthread_mutex_t lock;
	struct bt_vmlink *v;
	size_t n, cap;
	/* power-ons in logs that name no host, until their collection's is known */
	struct pend {
		char *vm, *display, *file, *evidence;
		const char *how;
	} *pend;
	size_t npend, cappend;
};

struct bt_vmlinks *bt_vmlinks_new(void)
{
	struct bt_vmlinks *v = calloc(1, sizeof *v);
	if (v)
		pthread_mutex_init(&v->lock, NULL);
	return v;
}

void bt_vmlinks_free(struct bt_vmlinks *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].vm);
		free(v->v[i].display);
		free(v->v[i].host);
		free(v->v[i].evidence);
	}
	free(v->v);
	for (size_t i = 0; i < v->npend; i++) {
		free(v->pend[i].vm);
		free(v->pend[i].display);
		free(v->pend[i].file);
		free(v->pend[i].evidence);
	}
	free(v->pend);
	pthread_mutex_destroy(&v->lock);
	free(v);
}

static void set_str(char **dst, const char *s)
{
	char *c = strdup(s);
	if (c) {
		free(*dst);
		*dst = c;
	}
}

/* One entry per (VM, host, source); the smallest evidence and spelling, so
 * that the order files are read in changes nothing. Lock held. */
static void add(struct bt_vmlinks *v, const char *vm, const char *display, const char *host,
                const char *evid, const char *how, bool file)
{
	for (size_t i = 0; i < v->n; i++) {
		struct bt_vmlink *l = &v->v[i];
		if (l->from_file != file || strcmp(l->how, how) != 0 || !bt_host_same(l->vm, vm) ||
		    !bt_host_same(l->host, host))
			continue;
		if (strcmp(evid, l->evidence) < 0) {
			set_str(&l->evidence, evid);
			if (display)
				set_str(&l->display, display);
		}
		if (strcmp(vm, l->vm) < 0)
			set_str(&l->vm, vm);
		if (strcmp(host, l->host) < 0)
			set_str(&l->host, host);
		return;
	}
	if (v->n >= MAX_VMLINKS || !bt_array_reserve(&v->v, &v->cap, v->n, sizeof *v->v, 8))
		return;
	struct bt_vmlink *l = &v->v[v->n];
	l->vm = strdup(vm);
	l->display = display ? strdup(display) : NULL;
	l->host = strdup(host);
	l->evidence = strdup(evid);
	l->how = how;
	l->from_file = file;
	if (l->vm && l->host && l->evidence && (!display || l->display)) {
		v->n++;
	} else {
		free(l->vm);
		free(l->display);
		free(l->host);
		free(l->evidence);
	}
}

static bool add_pend(struct bt_vmlinks *v, const char *vm, const char *display, const char *file,
                     const char *evid, const char *how)
{
	if (v->npend >= MAX_VMLINKS ||
	    !bt_array_reserve(&v->pend, &v->cappend, v->npend, sizeof *v->pend, 8))
		return false;
	struct pend *p = &v->pend[v->npend];
	p->vm = strdup(vm);
	p->display = display ? strdup(display) : NULL;
	p->file = strdup(file);
	p->evidence = strdup(evid);
	p->how = how;
	if (p->vm && p->file && p->evidence && (!display || p->display)) {
		v->npend++;
		return true;
	}
	free(p->vm);
	free(p->display);
	free(p->file);
	free(p->evidence);
	return false;
}

/* How a link was learned, as the static text links keep; NULL: not one. */
const char *bt_vmlink_how(const char *s)
{
	static const char *const hows[] = {"hostd power-on", "vmware.log guestinfo.hostname"};
	for (size_t i = 0; s && i < sizeof hows / sizeof *hows; i++)
		if (strcmp(s, hows[i]) == 0)
			return hows[i];
	return NULL;
}

void bt_vmlinks_learn(struct bt_vmlinks *v, const struct bt_event *ev)
{
	if (!v || ev->source != BT_SOURCE_ESXI || !ev->file)
		return;
	const struct bt_field *a = bt_event_field(ev, "Action", 6);
	if (!a)
		return;
	const struct bt_field *vm = bt_event_field(ev, "VmName", 6), *name = vm, *display = NULL;
	const char *how = "hostd power-on";
	if (strcmp(a->text, "vm.guest_hostname") == 0) {
		/* the guest's own name, with the VM's display name for the note */
		name = bt_event_field(ev, "GuestHostname", 13);
		display = vm;
		how = "vmware.log guestinfo.hostname";
	} else if (strcmp(a->text, "vm.power_on") != 0) {
		return;
	}
	if (!name || !name->text_len || memchr(name->text, '\0', name->text_len) ||
	    (display && memchr(display->text, '\0', display->text_len)))
		return;
	const char *disp = display && display->text_len ? display->text : NULL;
	char evid[1100];
	snprintf(evid, sizeof evid, "%.1000s:%llu", ev->file, (unsigned long long)ev->line);
	pthread_mutex_lock(&v->lock);
	if (ev->host && *ev->host) {
		add(v, name->text, disp, ev->host, evid, how, false);
	} else {
		add_pend(v, name->text, disp, ev->file, evid, how);
	}
	pthread_mutex_unlock(&v->lock);
}

void bt_vmlinks_resolve(struct bt_vmlinks *v, const char *(*host_of)(void *ctx, const char *file),
                        void *ctx)
{
	pthread_mutex_lock(&v->lock);
	for (size_t i = 0; i < v->npend; i++) {
		const char *host = host_of(ctx, v->pend[i].file);
		if (host && *host)
			add(v, v->pend[i].vm, v->pend[i].display, host, v->pend[i].evidence, v->pend[i].how,
			    false);
	}
	pthread_mutex_unlock(&v->lock);
}

void bt_vmlinks_add_file(struct bt_vmlinks *v, const char *vm, const char *host,
                         const char *evidence)
{
	pthread_mutex_lock(&v->lock);
	add(v, vm, NULL, host, evidence, "--host-map", true);
	pthread_mutex_unlock(&v->lock);
}

void bt_vmlinks_each(struct bt_vmlinks *v, void (*cb)(void *ctx, const struct bt_vmlink *l,
                                                      const char *file),
                     void *ctx)
{
	pthread_mutex_lock(&v->lock);
	for (size_t i = 0; i < v->n; i++)
		if (!v->v[i].from_file)
			cb(ctx, &v->v[i], NULL);
	for (size_t i = 0; i < v->npend; i++) {
		const struct pend *p = &v->pend[i];
		struct bt_vmlink l = {.vm = p->vm, .display = p->display, .evidence = p->evidence,
		                      .how = p->how};
		cb(ctx, &l, p->file);
	}
	pthread_mutex_unlock(&v->lock);
}

bool bt_vmlinks_add_learned(struct bt_vmlinks *v, const struct bt_vmlink *l, const char *file)
{
	const char *how = bt_vmlink_how(l->how);
	if (!l->vm || !l->evidence || !how || (!l->host) == (!file))
		return false;
	pthread_mutex_lock(&v->lock);
	bool ok = true;
	if (l->host)
		add(v, l->vm, l->display, l->host, l->evidence, how, false);
	else
		ok = add_pend(v, l->vm, l->display, file, l->evidence, how);
	pthread_mutex_unlock(&v->lock);
	return ok;
}

const struct bt_vmlink *bt_vmlinks_host_of(const struct bt_vmlinks *v, const char *guest)
{
	if (!v || !guest || !*guest)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].from_file && bt_host_same(v->v[i].vm, guest))
			return &v->v[i];
	const struct bt_vmlink *best = NULL;
	for (size_t i = 0; i < v->n; i++) {
		const struct bt_vmlink *l = &v->v[i];
		if (l->from_file || !bt_host_same(l->vm, guest))
			continue;
		if (best && !bt_host_same(best->host, l->host))
			return NULL;   /* VMs of that name on two hosts: which one is unknown */
		if (!best || strcmp(l->evidence, best->evidence) < 0)
			best = l;
	}
	return best;
}
