/* dockerd / containerd daemon logs: logrus records and the reader of daemon
 * log files (BT_FORMAT_DOCKERD_TEXT and BT_FORMAT_DOCKERD_JSON).
 *
 * A record is one of
 *   text      time="2019-02-17T00:35:27.562313130+01:00" level=debug msg="..." k=v ...
 *   terminal  INFO[2020-12-16T12:13:55.413025241Z] message<padding> k=v ...
 *             (optionally ANSI-coloured; INFO[0000] = seconds since start: no time)
 *   JSON      {"level":"info","msg":"...","time":"...", "k":"v"}   (--log-format json)
 * and a line of a daemon log file is a record, optionally behind a syslog
 * prefix ("Jan 24 15:15:23 HOST dockerd[7705]: " or RFC 3339
 * "2024-01-24T15:15:23.1+01:00 HOST dockerd[7705]: ").
 *
 * Lines that are not records: blank lines and syslog lines of other programs
 * are counted as skipped; "panic: " / "fatal error: " start an event of
 * their own (level 1, time of the preceding event, TimeInferred); other text
 * lines (goroutine dumps, wrapped messages) are continuation lines, attached
 * to the preceding event as the field Continuation (at most
 * BT_LOGRUS_MAX_CONT bytes; more are counted as skipped and reported in
 * ContinuationDropped), or counted as skipped before the first event. Lines
 * holding NUL or other control bytes are damaged: counted as failed and
 * reported with their line number.
 *
 * Syslog (BSD) times have no year and no zone. The year is the one that puts
 * the time closest to the nearest full timestamp seen in the file (the
 * records' own time="..." values, looked for from the start of the file
 * first), else the latest one not after the file's modification time (the
 * current time for standard input). The zone is learnt from lines that carry
 * both a syslog time and a record time (their difference, rounded to 15
 * minutes), else UTC. Such times are flagged TimeInferred ("true") and
 * BT_EV_TIME_INFERRED. */
#ifndef BT_DOCKER_LOGRUS_H
#define BT_DOCKER_LOGRUS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_buf.h"
#include "docker/bt_docker_facts.h"
#include "io/bt_reader.h"

#define BT_LOGRUS_MAX_CONT (64u * 1024)   /* continuation text kept per event */

struct json_tokener;

/* What bt_logrus_parse found besides the fields it added. */
struct bt_logrus_info {
	enum bt_docker_api api;   /* a "Calling" line: the call's kind */
	bool is_body;             /* a "form data" line */
	bool has_time;            /* eb->ev.time was set from the record */
	bool containerd;          /* fields say containerd wrote it */
	bool truncated;           /* k=v pairs beyond BT_MAX_KV were dropped */
};

/* True when s[0..n) starts like a logrus text or terminal record. */
bool bt_logrus_is_text(const char *s, size_t n);

/* Parses one record (text, terminal or JSON) from s[0..n) into eb, which
 * the caller has begun (bt_docker_event_begin): sets time and level, adds
 * Action and the facts of the message, Message, LogLevel, TimeOriginal and
 * the record's own k=v fields under their names. `tok` is a json-c tokener
 * to reuse (may be NULL). Returns false, adding nothing, when s is not a
 * record (or is broken JSON). */
bool bt_logrus_parse(struct bt_evbuf *eb, const char *s, size_t n, struct json_tokener *tok,
                     struct bt_logrus_info *info);

/* A syslog line prefix (bt_syslog_parse). */
struct bt_syslog {
	bool full;               /* RFC 3339 time (time set); else BSD fields */
	bt_time time;
	int mon, day, hour, min, sec;
	const char *stamp;       /* the time text as written */
	size_t stamp_len;
	const char *host, *ident, *pid;
	size_t host_len, ident_len, pid_len;
	size_t msg_off;          /* where the message starts */
};

/* Parses "Mmm dd HH:MM:SS HOST IDENT[PID]: " or "<RFC 3339> HOST IDENT[PID]: "
 * (the [PID] part is optional). */
bool bt_syslog_parse(const char *s, size_t n, struct bt_syslog *out);

/* True for the syslog identifiers of Docker's processes (dockerd, docker,
 * containerd, containerd-shim*, docker-containerd*, docker-proxy). */
bool bt_syslog_ident_docker(const char *id, size_t n);

/* ---- the daemon-log line engine, shared with the Docker Desktop reader ---- */

/* What a line prefix parser found before the record. */
struct bt_line_prefix {
	bool full_time;          /* `time` holds a full UTC time */
	bt_time time;
	bool bsd;                /* mon..sec hold a syslog time without year/zone */
	int mon, day, hour, min, sec;
	const char *stamp;       /* the prefix time text */
	size_t stamp_len;
	const char *host, *component, *pid;
	size_t host_len, component_len, pid_len;
	int level;               /* level given by the prefix, -1 if none */
	const char *level_word;
	size_t level_len;
	size_t msg_off;          /* where the record starts */
	bool other_program;      /* a line of a program that is not Docker's: skipped */
};

/* Parses a line prefix; false when the line has none. */
typedef bool (*bt_prefix_fn)(const char *s, size_t n, struct bt_line_prefix *out);

/* Maps a prefix component to the event provider (NULL: the reader's default). */
typedef const char *(*bt_provider_fn)(const char *c, size_t n);

/* Turns a line of a file that wraps each daemon line (Docker Desktop's
 * init.log: one JSON object per line) into the line the engine reads, in
 * `out` (reset by the caller), which `prefix` then parses. False when the
 * line is not one of the format's: it is counted as failed and reported. */
struct json_tokener;
typedef bool (*bt_decode_fn)(const char *s, size_t n, struct bt_buf *out,
                             struct json_tokener *tok);

/* The engine's reader functions: `src` is the source kind of the events,
 * `prefix` the prefix parser, `provider` the default provider, `decode`
 * NULL or the decoder of each non-blank line (see above), `what` the name of
 * the format for the report of a line it refuses. */
enum bt_status bt_daemonlog_open(struct bt_reader_ctx *ctx, void **state, enum bt_source src,
                                 bt_prefix_fn prefix, bt_provider_fn provider_of,
                                 const char *provider, bt_decode_fn decode, const char *what);
enum bt_status bt_daemonlog_next(struct bt_reader_ctx *ctx, void *state,
                                 const struct bt_event **ev);
void bt_daemonlog_close(void *state);

/* The syslog prefix parser of dockerd logs (bt_syslog_parse as a prefix). */
bool bt_syslog_prefix(const char *s, size_t n, struct bt_line_prefix *out);

extern const struct bt_reader_ops bt_reader_dockerd;

#endif
