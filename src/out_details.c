/* What text and CSV share beyond the writers: the details of an event (the
 * fields that tell most), times in the chosen zone, output file formats and
 * CSV profiles. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "csv_writer.h"
#include "escape.h"
#include "output.h"

bool out_format_of_path(const char *path, enum out_format *out)
{
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
	if (!dot || (slash && dot < slash))
		return false;
	if (strcasecmp(dot, ".jsonl") == 0 || strcasecmp(dot, ".json") == 0)
		*out = OUT_JSONL;
	else if (strcasecmp(dot, ".csv") == 0)
		*out = OUT_CSV;
	else if (strcasecmp(dot, ".txt") == 0)
		*out = OUT_TEXT;
	else
		return false;
	return true;
}

bool out_parse_profile(const char *s, enum out_profile *out)
{
	if (strcmp(s, "minimal") == 0)
		*out = OUT_PROFILE_MINIMAL;
	else if (strcmp(s, "standard") == 0)
		*out = OUT_PROFILE_STANDARD;
	else if (strcmp(s, "verbose") == 0)
		*out = OUT_PROFILE_VERBOSE;
	else
		return false;
	return true;
}

/* ---- time zones */

/* "+02:00", "-0530", "+2": a fixed offset as a POSIX TZ value (whose sign
 * is the other way round: UTC-02:00 is two hours east). */
static bool fixed_offset(const char *z, char *tz, size_t n)
{
	if (*z != '+' && *z != '-')
		return false;
	const char *p = z + 1;
	unsigned h = 0, m = 0, digits = 0;
	while (isdigit((unsigned char)*p) && digits < 2) {
		h = h * 10 + (unsigned)(*p++ - '0');
		digits++;
	}
	if (!digits)
		return false;
	if (*p == ':')
		p++;
	if (*p) {
		if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2])
			return false;
		m = (unsigned)((p[0] - '0') * 10 + (p[1] - '0'));
	}
	if (h > 14 || m > 59)
		return false;
	snprintf(tz, n, "UTC%c%02u:%02u", *z == '+' ? '-' : '+', h, m);
	return true;
}

/* An IANA name that names a file of the zone database. */
static bool zone_known(const char *z)
{
	if (!*z || *z == '/' || strstr(z, "..") || strlen(z) > 200)
		return false;
	for (const char *p = z; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
			return false;
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", z);
	return access(path, R_OK) == 0;
}

bool out_tz_set(const char *zone)
{
	char tz[64];
	const char *value = zone;
	if (strcasecmp(zone, "UTC") == 0 || strcmp(zone, "Z") == 0)
		value = "UTC0";
	else if (fixed_offset(zone, tz, sizeof tz))
		value = tz;
	else if (!zone_known(zone))
		return false;
	if (setenv("TZ", value, 1) != 0)
		return false;
	tzset();
	return true;
}

void out_csv_time(struct cw *w, const struct out_opts *o, bt_time t)
{
	char buf[OUT_TIME_BUFSZ];
	size_t n = out_time_format(o, t, buf);
	if (n)
		cw_str(w, buf, n);
	else
		cw_empty(w);
}

size_t out_time_format(const struct out_opts *o, bt_time t, char buf[OUT_TIME_BUFSZ])
{
	if (!o->tz || t == BT_TIME_NONE)
		return bt_time_format(t, buf);
	int64_t ut = t - BT_UNIX_EPOCH_TICKS;
	int64_t sec = ut / BT_TICKS_PER_SEC, frac = ut % BT_TICKS_PER_SEC;
	if (frac < 0) {
		frac += BT_TICKS_PER_SEC;
		sec -= 1;
	}
	time_t tt = (time_t)sec;
	struct tm tm;
	if (!localtime_r(&tt, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
		return bt_time_format(t, buf);   /* out of the zone's range: UTC, as it says */
	long off = tm.tm_gmtoff;
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	int n = snprintf(buf, OUT_TIME_BUFSZ, "%04d-%02d-%02dT%02d:%02d:%02d.%07lld%c%02ld:%02ld",
	                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	                 tm.tm_sec, (long long)frac, sign, off / 3600, off / 60 % 60);
	return n > 0 && n < OUT_TIME_BUFSZ ? (size_t)n : 0;
}

void out_text_header(struct bt_buf *b, const struct out_opts *o)
{
	if (o->tz && o->format == OUT_TEXT) {
		bt_buf_puts(b, "# times in ");
		esc_text_str(b, o->tz);
		bt_buf_putc(b, '\n');
	}
}

/* ---- details */

/* Fields that tell what happened come first on an evidence line; identifiers
 * and metadata that rarely help a reader are left to the JSON output. */
static const char *const general_first[] = {
	"Action", "ContainerName", "ContainerID", "Image", "ImageLoaded", "CommandLine", "Binds",
	"MountSource", "Privileged", "TargetUserName", "ServiceName", "TicketEncryptionType",
	"PreAuthType", "Status", "IpAddress", "SourceIp", "DestinationIp", "DestinationPort",
	"TargetFilename", "TargetObject", "ParentImage", "Signed", "SignatureStatus", "User",
	"NewProcessName", "SubjectUserName", "Message"};
static const char *const skipped[] = {
	"UtcTime", "ProcessGuid", "ParentProcessGuid", "LogonGuid", "LogonId", "SubjectLogonId",
	"TargetLogonId", "TerminalSessionId", "Hashes", "FileVersion", "Description", "Product",
	"Company", "OriginalFileName", "RuleName", "CreationUtcTime", "SubjectUserSid",
	"TargetUserSid", "TargetSid", "ServiceSid", "TokenElevationType", "MandatoryLabel", "IpPort",
	"TransmittedServices", "TimeOriginal", "CurrentDirectory", "IntegrityLevel", "ParentUser"};

/* Per kind of event (a channel and event id), its telling fields in order. */
static const struct kind {
	const char *channel;       /* NULL: any */
	unsigned event_id;         /* 0: any of the channel */
	const char *fields[7];
} kinds[] = {
	{"Security", 4688, {"NewProcessName", "CommandLine", "SubjectUserName", "ParentProcessName"}},
	{"Security", 4624, {"TargetUserName", "TargetDomainName", "LogonType", "IpAddress",
	                    "WorkstationName", "AuthenticationPackageName"}},
	{"Security", 4625, {"TargetUserName", "TargetDomainName", "LogonType", "IpAddress", "Status",
	                    "SubStatus"}},
	{"Security", 4648, {"SubjectUserName", "TargetUserName", "TargetServerName", "IpAddress",
	                    "ProcessName"}},
	{"Security", 4768, {"TargetUserName", "ServiceName", "IpAddress", "TicketEncryptionType",
	                    "PreAuthType", "Status"}},
	{"Security", 4769, {"TargetUserName", "ServiceName", "IpAddress", "TicketEncryptionType",
	                    "TicketOptions", "Status"}},
	{"Security", 4771, {"TargetUserName", "IpAddress", "Status"}},
	{"Security", 4697, {"ServiceName", "ServiceFileName", "SubjectUserName"}},
	{"Security", 4720, {"TargetUserName", "SubjectUserName"}},
	{"Security", 4738, {"TargetUserName", "SubjectUserName"}},
	{"System", 7045, {"ServiceName", "ImagePath", "AccountName", "StartType"}},
	{"Microsoft-Windows-Sysmon/Operational", 1, {"Image", "CommandLine", "User", "ParentImage",
	                                             "ParentCommandLine"}},
	{"Microsoft-Windows-Sysmon/Operational", 3, {"Image", "User", "SourceIp", "DestinationIp",
	                                             "DestinationPort", "DestinationHostname"}},
	{"Microsoft-Windows-Sysmon/Operational", 7, {"Image", "ImageLoaded", "Signed",
	                                             "SignatureStatus"}},
	{"Microsoft-Windows-Sysmon/Operational", 11, {"Image", "TargetFilename", "User"}},
	{"Microsoft-Windows-Sysmon/Operational", 13, {"Image", "TargetObject", "Details"}},
	{"Microsoft-Windows-PowerShell/Operational", 4104, {"ScriptBlockText", "Path"}},
	{NULL, 0, {"Action", "ContainerName", "Image", "Binds", "Privileged", "Message"}},
};

static const struct kind *kind_of(const struct bt_event *ev)
{
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		const struct kind *k = &kinds[i];
		if (!k->channel)
			return ev->source == BT_SOURCE_EVTX ? NULL : k;
		if (ev->source == BT_SOURCE_EVTX && ev->channel && ev->event_id == k->event_id &&
		    strcasecmp(ev->channel, k->channel) == 0)
			return k;
	}
	return NULL;
}

static bool in_list(const char *name, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n && v[i]; i++)
		if (strcmp(name, v[i]) == 0)
			return true;
	return false;
}

static void put_raw(struct bt_buf *b, const char *s, size_t n)
{
	bt_buf_put(b, s, n);
}

/* A value: long ones keep their head and their tail (the end of a path is
 * where the file name is). */
static void put_value(struct bt_buf *b, const char *v, size_t n, size_t max, bool escape)
{
	void (*put)(struct bt_buf *, const char *, size_t) = escape ? esc_text : put_raw;
	if (!max || n <= max) {
		put(b, v, n);
		return;
	}
	size_t head = max * 11 / 20, tail = max - head;
	/* do not cut inside a UTF-8 sequence */
	while (head > 0 && ((unsigned char)v[head] & 0xC0) == 0x80)
		head--;
	size_t from = n - tail;
	while (from < n && ((unsigned char)v[from] & 0xC0) == 0x80)
		from++;
	put(b, v, head);
	bt_buf_puts(b, "...");
	put(b, v + from, n - from);
}

static bool worth(const struct bt_field *fl)
{
	return !(fl->flags & BT_FIELD_SYSTEM) && fl->text_len != 0 &&
	       !(fl->text_len == 1 && fl->text[0] == '-');
}

struct shown {
	struct bt_buf *b;
	size_t n, max, value_max;
	bool escape;
};

static bool full(const struct shown *s)
{
	return s->max && s->n >= s->max;
}

static void show(struct shown *s, const struct bt_field *fl)
{
	if (s->n++)
		bt_buf_putc(s->b, ' ');
	put_value(s->b, fl->name, fl->name_len, 0, s->escape);
	bt_buf_putc(s->b, '=');
	put_value(s->b, fl->text, fl->text_len, s->value_max, s->escape);
}

/* The fields named in list (each with all its values), in its order. */
static void show_list(struct shown *s, const struct bt_event *ev, const char *const *list,
                      size_t n)
{
	for (size_t k = 0; k < n && list[k] && !full(s); k++)
		for (const struct bt_field *fl = bt_event_field(ev, list[k], strlen(list[k]));
		     fl && !full(s); fl = bt_event_field_next(ev, fl))
			if (worth(fl))
				show(s, fl);
}

void out_details(struct bt_buf *b, const struct bt_event *ev, bool by_kind, size_t max,
                 size_t value_max, bool escape)
{
	struct shown s = {b, 0, max, value_max, escape};
	const struct kind *k = by_kind ? kind_of(ev) : NULL;
	const size_t nk = sizeof k->fields / sizeof *k->fields, ng = sizeof general_first /
	                                                               sizeof *general_first;
	if (k)
		show_list(&s, ev, k->fields, nk);
	for (size_t g = 0; g < ng && !full(&s); g++)
		if (!k || !in_list(general_first[g], k->fields, nk))
			show_list(&s, ev, &general_first[g], 1);
	for (size_t i = 0; i < ev->nfields && !full(&s); i++) {
		const struct bt_field *fl = bt_field_need(ev, &ev->fields[i]);
		if (worth(fl) && !in_list(fl->name, general_first, ng) &&
		    !(k && in_list(fl->name, k->fields, nk)) &&
		    !in_list(fl->name, skipped, sizeof skipped / sizeof *skipped))
			show(&s, fl);
	}
}
