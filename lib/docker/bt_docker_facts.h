/* What every Docker reader shares: the field contract (README.md, "Docker
 * fields"), API request parsing, logrus k=v tokens, container-config facts.
 *
 * Field names and values follow the contract: CamelCase names, lists flagged
 * BT_FIELD_LIST, booleans as "true"/"false", absent when unknown. Every
 * function here adds to an event being built in a bt_evbuf (copied); none
 * keeps a pointer to its arguments. */
#ifndef BT_DOCKER_FACTS_H
#define BT_DOCKER_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/bt_event.h"
#include "io/bt_reader.h"

struct json_object;

/* Actions (field Action). */
#define BT_ACT_CREATE      "container.create"
#define BT_ACT_START       "container.start"
#define BT_ACT_STOP        "container.stop"
#define BT_ACT_KILL        "container.kill"
#define BT_ACT_DESTROY     "container.destroy"
#define BT_ACT_EXEC        "container.exec"
#define BT_ACT_CLI         "container.cli"    /* a container CLI run through sudo */
#define BT_ACT_OUTPUT      "container.output"
#define BT_ACT_PULL        "image.pull"
#define BT_ACT_BUILD       "image.build"
#define BT_ACT_IMAGE_DEL   "image.delete"
#define BT_ACT_LAYER       "image.layer"
#define BT_ACT_DSTART      "daemon.start"
#define BT_ACT_LISTEN      "daemon.api_listen"
#define BT_ACT_DCONFIG     "daemon.config"
#define BT_ACT_DLOG        "daemon.log"

/* Longest Command / joined list value built from evidence (bytes); longer
 * ones are cut and the event is marked truncated. */
#define BT_DOCKER_MAX_JOINED (64u * 1024)

/* Starts a Docker event in `eb`: source, channel "docker", provider (copied),
 * host (copied; NULL falls back to opts->assume_host), file, line, offset. */
void bt_docker_event_begin(struct bt_evbuf *eb, enum bt_source src, const char *provider,
                           const char *host, size_t host_len, const struct bt_read_opts *opts,
                           const char *file, uint64_t line, uint64_t offset);

/* Adds field name=v[0..n); nothing when v is NULL. */
void bt_docker_add(struct bt_evbuf *eb, const char *name, const char *v, size_t n);
void bt_docker_adds(struct bt_evbuf *eb, const char *name, const char *v);
/* Adds a member of the list field `name`. */
void bt_docker_add_list(struct bt_evbuf *eb, const char *name, const char *v, size_t n);
/* Adds a list member unless the event already has `name` with that value. */
void bt_docker_add_list_unique(struct bt_evbuf *eb, const char *name, const char *v, size_t n);
void bt_docker_add_bool(struct bt_evbuf *eb, const char *name, bool v);
void bt_docker_add_u64(struct bt_evbuf *eb, const char *name, uint64_t v);
void bt_docker_add_i64(struct bt_evbuf *eb, const char *name, int64_t v);

/* ContainerID as given (trimmed of surrounding spaces). */
void bt_docker_add_container_id(struct bt_evbuf *eb, const char *v, size_t n);
/* ContainerName without its leading "/". */
void bt_docker_add_container_name(struct bt_evbuf *eb, const char *v, size_t n);

/* True when the event already has a field `name`. */
bool bt_docker_has(const struct bt_evbuf *eb, const char *name);

/* Logrus level word (panic, fatal, error, warning/warn, info, debug, trace;
 * the 4-letter terminal forms PANI FATA ERRO WARN INFO DEBU TRAC; any case)
 * to the contract's level, or -1 when unknown. */
int bt_docker_level(const char *w, size_t n);

/* True when s[0..n) equals the whole of lit, ASCII letters in any case. */
bool bt_docker_ieq(const char *s, size_t n, const char *lit);

/* True when s[0..n) is n lowercase or uppercase hexadecimal digits. */
bool bt_docker_is_hex(const char *s, size_t n);

/* Parses an RFC 3339 time as Docker writes it (also without zone = UTC).
 * False when it is not one or is Go's zero time (0001-01-01T00:00:00Z,
 * which Docker uses for "never"). */
bool bt_docker_time(const char *s, size_t n, bt_time *out);

/* Converts Unix seconds and nanoseconds; false when outside years 1..9999
 * (evidence may hold any number). */
bool bt_docker_unix_time(int64_t sec, int64_t nsec, bt_time *out);

/* ---- the Docker Engine API ---- */

enum bt_docker_api {
	BT_API_OTHER = 0,
	BT_API_CREATE,          /* POST /containers/create */
	BT_API_START,
	BT_API_STOP,
	BT_API_RESTART,
	BT_API_KILL,
	BT_API_DELETE,          /* DELETE /containers/{id} */
	BT_API_EXEC_CREATE,     /* POST /containers/{id}/exec */
	BT_API_EXEC_START,      /* POST /exec/{id}/start */
	BT_API_PULL,            /* POST /images/create?fromImage= */
	BT_API_IMPORT,          /* POST /images/create?fromSrc= */
	BT_API_BUILD,           /* POST /build */
	BT_API_IMAGE_DELETE,    /* DELETE /images/{name} */
	BT_API_CONTAINER_OTHER, /* any other /containers/{id}/... call */
};

/* Classifies "METHOD URI" (URI with or without the /vN.NN prefix and query). */
enum bt_docker_api bt_docker_api_kind(const char *method, size_t mlen, const char *uri,
                                      size_t ulen);

/* True for the calls whose JSON body carries facts (create, exec create). */
bool bt_docker_api_has_body(enum bt_docker_api k);

/* Adds what a "Calling METHOD URI" line says: Action (when the call maps to
 * one), ApiMethod, ApiPath, ContainerID/ContainerName/ExecID/Image/Signal/
 * Force from the path and query. Returns the kind. */
enum bt_docker_api bt_docker_api_call(struct bt_evbuf *eb, const char *method, size_t mlen,
                                      const char *uri, size_t ulen);

/* Adds the facts of a request body (create: image, command, user, host
 * config; exec create: command, user, privileged). */
void bt_docker_api_body(struct bt_evbuf *eb, enum bt_docker_api k, struct json_object *body);

/* Guesses the call from a body alone (for a form data line whose Calling line
 * was not found): BT_API_CREATE, BT_API_EXEC_CREATE or BT_API_OTHER. */
enum bt_docker_api bt_docker_body_kind(struct json_object *body);

/* Adds the facts of a HostConfig object (create body or hostconfig.json):
 * Privileged, *Mode, CapAdd, CapDrop, SecurityOpt, CredentialSpec, Devices,
 * Binds, Mounts, MountSource, MountTarget, AutoRemove, Isolation,
 * RestartPolicy, Runtime, PortBindings. */
void bt_docker_hostconfig_facts(struct bt_evbuf *eb, struct json_object *hc);

/* Adds Command from an entrypoint and cmd (each a string, array or null). */
void bt_docker_add_command(struct bt_evbuf *eb, struct json_object *entrypoint,
                           struct json_object *cmd);

/* Adds the mount given as host source and container target (each may be
 * NULL): Mounts "SRC:DST[:ro]", MountSource, MountTarget (deduplicated). */
void bt_docker_add_mount(struct bt_evbuf *eb, const char *src, const char *dst, bool ro);

/* Splits a bind "SRC:DST[:OPTS]" (Windows drive letters understood) and adds
 * Binds (as given), MountSource and MountTarget. */
void bt_docker_add_bind(struct bt_evbuf *eb, const char *bind, size_t n);

/* ---- API listen addresses and daemon flags ---- */

/* True when an "API listen on ADDR" address or -H value is a network one
 * (tcp://, [::]:port, host:port), false for unix://, npipe://, fd://, paths. */
bool bt_docker_addr_is_tcp(const char *a, size_t n);

/* Adds DaemonArgs and, when a -H/--host option names a TCP address,
 * ApiListen (each such address) and ApiTcp "true". */
void bt_docker_daemon_args(struct bt_evbuf *eb, const char *cmdline, size_t n);

/* ---- logrus key=value text ---- */

struct bt_kv {
	const char *key;
	size_t klen;
	const char *val;         /* raw (still quoted) on return from bt_kv_split */
	size_t vlen;
	bool quoted;
};

/* Longest k=v list kept per line; further pairs are dropped (counted). */
#define BT_MAX_KV 256

/* Splits logrus text "k=v k2=\"v 2\" ..." from s[0..n) into at most `max`
 * pairs. A quoted value ends at a '"' that is followed by the end or by
 * spaces and another key= (so unescaped quotes inside a value survive).
 * Stops at the first token that is not k=v and returns its offset in
 * *stop (n when all was consumed). Sets *dropped when pairs beyond `max`
 * were seen. Returns the number of pairs. */
size_t bt_kv_split(const char *s, size_t n, struct bt_kv *out, size_t max, size_t *stop,
                   bool *dropped);

/* Decodes a Go-quoted value (without its quotes) into out (at least n bytes):
 * \" \\ \n \t \r \a \b \f \v \xNN \uNNNN \UNNNNNNNN and octal. Returns the
 * decoded length. Unknown escapes are kept as written. */
size_t bt_kv_unquote(const char *s, size_t n, char *out);

/* Splits unquoted "k=v k2=v 2" (Windows event log Data[1]: values printed
 * without quoting, in no fixed order): a value runs to the next " key=". */
size_t bt_kv_split_loose(const char *s, size_t n, struct bt_kv *out, size_t max);

/* ---- messages ---- */

/* Classifies a daemon message with its k=v fields (values decoded) and adds
 * Action and the facts it carries (API call, daemon start, API listen,
 * containerd task start/stop, forced kill; ContainerID from container=).
 * Returns the API kind for "Calling" lines, BT_API_OTHER otherwise. Sets
 * *is_body when the message is a "form data: {...}" line. */
enum bt_docker_api bt_docker_classify(struct bt_evbuf *eb, const char *msg, size_t n,
                                      const struct bt_kv *kv, size_t nkv, bool *is_body);

/* Adds a record's own field k=v under its key; a key that does not start
 * with a lower-case letter (and so could pass for a contract field such as
 * Action) is renamed "fields.<key>". */
void bt_docker_add_record_field(struct bt_evbuf *eb, const char *k, size_t kl, const char *v,
                                size_t vl);

/* Finds the value of `key` in a decoded kv list (NULL when absent). */
const struct bt_kv *bt_kv_find(const struct bt_kv *kv, size_t nkv, const char *key);

/* A member of a JSON object (NULL when `o` is not an object or lacks it). */
struct json_object *bt_docker_jget(struct json_object *o, const char *key);
/* The bytes of a JSON string (NULL for other types). */
const char *bt_docker_jstr(struct json_object *o, size_t *n);
/* Adds a non-empty string member `key` of `o` as field `name`. */
void bt_docker_add_jstr(struct bt_evbuf *eb, struct json_object *o, const char *key,
                        const char *name);

/* Parses the JSON text of a "form data: " message (after the prefix);
 * returns a json-c object the caller puts, or NULL. */
struct json_object *bt_docker_parse_body(const char *s, size_t n);

/* ---- what the line readers share: warnings and the next line ---- */

/* A reader's warnings: the first BT_DOCKER_MAX_WARNINGS are listed, the rest
 * counted in one line by bt_docker_warn_summary. */
#define BT_DOCKER_MAX_WARNINGS 50
struct bt_docker_warnings {
	unsigned n;
};
struct bt_reader_ctx;
void bt_docker_warn(struct bt_reader_ctx *ctx, struct bt_docker_warnings *w, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
void bt_docker_warn_summary(struct bt_reader_ctx *ctx, const struct bt_docker_warnings *w);

/* The next line of ctx->stream. A line over the line cap is counted (lines,
 * failed), warned about and passed over. Returns BT_OK with the line, BT_EOF
 * at the end, or a read error after reporting it (corrupt compressed data
 * with its offset, or the error after the last line read). */
enum bt_status bt_docker_getline(struct bt_reader_ctx *ctx, struct bt_docker_warnings *w,
                                 const char **s, size_t *n, uint64_t *line, uint64_t *off,
                                 bool *complete);

/* The next JSON object of a JSON Lines input (indentation and json-seq
 * record separators before it skipped), parsed with `tok`: every line is
 * counted, a line holding no object is counted as failed and warned about (a
 * blank one as skipped) and passed over. Returns BT_OK with *o (the caller
 * puts it), or what bt_docker_getline returned. */
struct json_tokener;
enum bt_status bt_docker_next_json(struct bt_reader_ctx *ctx, struct bt_docker_warnings *w,
                                   struct json_tokener *tok, struct json_object **o,
                                   uint64_t *line, uint64_t *off);

#endif
