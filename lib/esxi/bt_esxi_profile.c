/* The image profile of an ESXi host's collection (bt_esxi_profile.h). */
#include "config.h"

#include "esxi/bt_esxi_profile.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#define MAX_PROFILE_FILE (256u * 1024)   /* the output is a few KiB; VIB lists make it longer */

/* "   Key: value" at line s[0..n): the value, or NULL. */
static const char *key_value(const char *s, size_t n, const char *key, size_t *vl)
{
	size_t i = 0, kl = strlen(key);
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i < kl + 1 || memcmp(s + i, key, kl) != 0 || s[i + kl] != ':')
		return NULL;
	i += kl + 1;
	while (i < n && s[i] == ' ')
		i++;
	size_t e = n;
	while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\r' || s[e - 1] == '\t'))
		e--;
	*vl = e - i;
	return s + i;
}

static void copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	/* a control byte would end up in findings: not from this file */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = '?';
}

bool bt_esxi_profile_parse(const char *s, size_t n, const char *path, struct bt_esxi_profile *out)
{
	memset(out, 0, sizeof *out);
	size_t line = 0;
	for (size_t i = 0; i < n;) {
		const char *e = memchr(s + i, '\n', n - i);
		size_t l = e ? (size_t)(e - (s + i)) : n - i;
		line++;
		size_t vl;
		const char *v;
		if (!out->name[0] && (v = key_value(s + i, l, "Name", &vl)) && vl)
			copy(out->name, sizeof out->name, v, vl);
		else if (!out->vendor[0] && (v = key_value(s + i, l, "Vendor", &vl)) && vl) {
			copy(out->vendor, sizeof out->vendor, v, vl);
			snprintf(out->source, sizeof out->source, "%.1000s:%zu", path, line);
		}
		i += l + 1;
	}
	return out->vendor[0] != '\0';
}

static bool read_small(const char *path, char *buf, size_t cap, size_t *n)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	*n = fread(buf, 1, cap, f);
	bool ok = !ferror(f);
	fclose(f);
	return ok;
}

/* The folder of `path` up to and with its component starting `prefix` (the
 * innermost), in out; false when there is none. */
static bool root_named(const char *path, const char *prefix, char *out, size_t cap)
{
	size_t pl = strlen(prefix);
	const char *best = NULL;
	for (const char *c = path; *c;) {
		if (strncmp(c, prefix, pl) == 0) {
			const char *e = strchr(c, '/');
			if (e)
				best = e;
		}
		const char *e = strchr(c, '/');
		if (!e)
			break;
		c = e + 1;
	}
	if (!best || (size_t)(best - path) >= cap)
		return false;
	memcpy(out, path, (size_t)(best - path));
	out[best - path] = '\0';
	return true;
}

bool bt_esxi_profile_find(const char *log_path, struct bt_esxi_profile *out)
{
	static const struct {
		const char *prefix, *file;
	} places[] = {
		{"esx-", "commands/localcli_software-profile-get.txt"},
		{"esx-", "commands/esxcli_software-profile-get.txt"},
		{"uac-", "live_response/packages/esxcli_software_profile_get.txt"},
	};
	if (!log_path || strcmp(log_path, "-") == 0)
		return false;
	char root[4096], file[4200];
	char *buf = malloc(MAX_PROFILE_FILE);
	if (!buf)
		return false;
	bool found = false;
	for (size_t k = 0; k < sizeof places / sizeof *places && !found; k++) {
		if (!root_named(log_path, places[k].prefix, root, sizeof root))
			continue;
		if (snprintf(file, sizeof file, "%s/%s", root, places[k].file) >= (int)sizeof file)
			continue;
		size_t n;
		if (read_small(file, buf, MAX_PROFILE_FILE, &n))
			found = bt_esxi_profile_parse(buf, n, file, out);
	}
	free(buf);
	return found;
}

/* ---- a VIB's vendor against the image's ---- */

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* VMware's own codes and names, and Broadcom's since it owns VMware. */
static bool vmware_vendor(const char *s, size_t n)
{
	static const char *const names[] = {"VMware", "VMW", "VMware, Inc.", "VMware Inc.",
	                                    "Broadcom", "BCM", "Broadcom Inc.", "Broadcom, Inc."};
	for (size_t k = 0; k < sizeof names / sizeof *names; k++)
		if (word_is(s, n, names[k]))
			return true;
	return false;
}

/* OEM codes that are neither a prefix nor the initials of the OEM's name. */
static const struct {
	const char *code, *vendor_word;
} oem_codes[] = {{"LVO", "lenovo"}, {"FTS", "fujitsu"}, {"HPQ", "hewlett"}, {"CIS", "cisco"},
                 {"HDS", "hitachi"}};

const char *bt_esxi_vib_vendor_check(const char *v, size_t n, const char *pv)
{
	if (vmware_vendor(v, n))
		return "vmware";
	if (!pv || !*pv)
		return "unchecked";
	size_t pn = strlen(pv);
	if (word_is(v, n, pv))
		return "image";
	/* the profile vendor's first word ("Dell" of "Dell Inc.") and initials
	 * ("HPE" of "Hewlett Packard Enterprise") */
	char first[64] = "", init[16] = "";
	size_t fl = 0, il = 0;
	bool start = true;
	for (size_t i = 0; i < pn; i++) {
		bool alnum = isalnum((unsigned char)pv[i]) != 0;
		if (alnum && start && il + 1 < sizeof init)
			init[il++] = (char)toupper((unsigned char)pv[i]);
		if (alnum && fl + 1 < sizeof first && il == 1)
			first[fl++] = (char)tolower((unsigned char)pv[i]);
		start = !alnum && pv[i] != '\'';
	}
	first[fl] = init[il] = '\0';
	if (n >= 3 && fl >= n && strncasecmp(first, v, n) == 0)
		return "image";   /* DEL: dell */
	if (word_is(v, n, first))
		return "image";
	if (il >= 2 && word_is(v, n, init))
		return "image";
	for (size_t k = 0; k < sizeof oem_codes / sizeof *oem_codes; k++)
		if (word_is(v, n, oem_codes[k].code) && strcmp(first, oem_codes[k].vendor_word) == 0)
			return "image";
	return "foreign";
}
