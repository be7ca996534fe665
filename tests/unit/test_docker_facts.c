/* bt_docker_facts: k=v tokens, Go unquoting, API calls, host config facts,
 * binds, addresses, daemon flags, message classification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "docker/bt_docker_facts.h"

/* The value of the first field `name` as a C string ("" when absent is an error). */
static const char *val(const struct bt_event *ev, const char *name)
{
	const struct bt_field *f = bt_event_field(ev, name, strlen(name));
	return f ? f->text : NULL;
}

/* All values of field `name` joined with '|'. */
static const char *vals(const struct bt_event *ev, const char *name)
{
	static char buf[1024];
	buf[0] = '\0';
	for (const struct bt_field *f = bt_event_field(ev, name, strlen(name)); f;
	     f = bt_event_field_next(ev, f)) {
		if (buf[0])
			strcat(buf, "|");
		strncat(buf, f->text, sizeof buf - strlen(buf) - 2);
	}
	return buf;
}

static void test_kv_split_quotes(void **state)
{
	(void)state;
	struct bt_kv kv[8];
	size_t stop;
	bool dropped;
	const char *s = "time=\"2019-02-17T00:35:27Z\" level=info msg=\"user said \\\"x=1\\\" and y=2\" "
	                "container=abc";
	size_t n = bt_kv_split(s, strlen(s), kv, 8, &stop, &dropped);
	assert_int_equal(n, 4);
	assert_int_equal(stop, strlen(s));
	assert_false(dropped);
	assert_int_equal(kv[2].klen, 3);
	assert_memory_equal(kv[2].key, "msg", 3);
	assert_true(kv[2].quoted);
	char out[64];
	size_t dl = bt_kv_unquote(kv[2].val, kv[2].vlen, out);
	assert_int_equal(dl, strlen("user said \"x=1\" and y=2"));
	assert_memory_equal(out, "user said \"x=1\" and y=2", dl);
	assert_int_equal(kv[3].vlen, 3);

	/* unescaped quotes inside a value (old containerd lines) survive */
	s = "msg=\"loading plugin \"io.containerd.grpc.v1.tasks\"...\" module=containerd type=x";
	n = bt_kv_split(s, strlen(s), kv, 8, &stop, &dropped);
	assert_int_equal(n, 3);
	assert_int_equal(kv[0].vlen, strlen("loading plugin \"io.containerd.grpc.v1.tasks\"..."));
	assert_memory_equal(kv[1].key, "module", 6);

	/* a quote followed by a space and a non-key word is part of the value */
	s = "msg=\"say \"hi\" now\" k=v";
	n = bt_kv_split(s, strlen(s), kv, 8, &stop, &dropped);
	assert_int_equal(n, 2);
	assert_int_equal(kv[0].vlen, strlen("say \"hi\" now"));

	/* unterminated quote: the value runs to the end */
	s = "level=info msg=\"Calling POST /v1.39/containers/cre";
	n = bt_kv_split(s, strlen(s), kv, 8, &stop, &dropped);
	assert_int_equal(n, 2);
	assert_int_equal(kv[1].vlen, strlen("Calling POST /v1.39/containers/cre"));

	/* stops at a token that is not k=v */
	s = "a=1 b=2 garbage c=3";
	n = bt_kv_split(s, strlen(s), kv, 8, &stop, &dropped);
	assert_int_equal(n, 2);
	assert_int_equal(stop, 8);

	/* more pairs than room: counted as dropped */
	s = "a=1 b=2 c=3";
	n = bt_kv_split(s, strlen(s), kv, 2, &stop, &dropped);
	assert_int_equal(n, 2);
	assert_true(dropped);
}

static void test_unquote_escapes(void **state)
{
	(void)state;
	char out[64];
	const char *s = "a\\tb\\n\\x41\\u00e9\\\\\\\"\\q";
	size_t n = bt_kv_unquote(s, strlen(s), out);
	assert_int_equal(n, 11);
	assert_memory_equal(out, "a\tb\nA\xc3\xa9\\\"\\q", 11);
	/* \xff is a raw byte (how Go quotes invalid UTF-8) */
	n = bt_kv_unquote("\\xff", 4, out);
	assert_int_equal(n, 1);
	assert_int_equal((unsigned char)out[0], 0xff);
}

static void test_kv_loose(void **state)
{
	(void)state;
	struct bt_kv kv[8];
	const char *s = "error=open C:\\x: access is denied module=libcontainerd container=abc";
	size_t n = bt_kv_split_loose(s, strlen(s), kv, 8);
	assert_int_equal(n, 3);
	assert_int_equal(kv[0].vlen, strlen("open C:\\x: access is denied"));
	assert_memory_equal(kv[2].key, "container", 9);
	assert_int_equal(kv[2].vlen, 3);
}

static void test_api_kinds(void **state)
{
	(void)state;
#define K(m, u) bt_docker_api_kind(m, strlen(m), u, strlen(u))
	assert_int_equal(K("POST", "/v1.41/containers/create?name=x"), BT_API_CREATE);
	assert_int_equal(K("POST", "/containers/create"), BT_API_CREATE);
	assert_int_equal(K("POST", "/v1.41/containers/abc/start"), BT_API_START);
	assert_int_equal(K("POST", "/v1.41/containers/abc/kill?signal=KILL"), BT_API_KILL);
	assert_int_equal(K("DELETE", "/v1.41/containers/abc?force=1"), BT_API_DELETE);
	assert_int_equal(K("POST", "/v1.41/containers/abc/exec"), BT_API_EXEC_CREATE);
	assert_int_equal(K("POST", "/v1.41/exec/e1/start"), BT_API_EXEC_START);
	assert_int_equal(K("POST", "/v1.41/images/create?fromImage=alpine&tag=3"), BT_API_PULL);
	assert_int_equal(K("POST", "/v1.41/images/create?fromSrc=-&repo=x"), BT_API_IMPORT);
	assert_int_equal(K("POST", "/v1.41/build?t=app"), BT_API_BUILD);
	assert_int_equal(K("DELETE", "/v1.41/images/library/nginx:latest"), BT_API_IMAGE_DELETE);
	assert_int_equal(K("GET", "/v1.41/containers/json"), BT_API_OTHER);
	assert_int_equal(K("GET", "/v1.41/containers/abc/json"), BT_API_CONTAINER_OTHER);
	assert_int_equal(K("GET", "/_ping"), BT_API_OTHER);
#undef K
}

static void test_api_call_fields(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	const char *u = "/v1.41/images/create?fromImage=docker.io%2Flibrary%2Falpine&tag=3.18";
	assert_int_equal(bt_docker_api_call(&eb, "POST", 4, u, strlen(u)), BT_API_PULL);
	const struct bt_event *ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "Action"), "image.pull");
	assert_string_equal(val(ev, "Image"), "docker.io/library/alpine:3.18");
	assert_string_equal(val(ev, "ApiPath"), u);

	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	u = "/v1.41/containers/create?name=%2Fweb&platform=linux";
	bt_docker_api_call(&eb, "POST", 4, u, strlen(u));
	ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "ContainerName"), "web");

	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	u = "/containers/abc/kill?signal=SIGKILL";
	bt_docker_api_call(&eb, "POST", 4, u, strlen(u));
	ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "Action"), "container.kill");
	assert_string_equal(val(ev, "ContainerID"), "abc");
	assert_string_equal(val(ev, "Signal"), "SIGKILL");

	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	u = "/v1.24/containers/abc?v=1&force=1";
	bt_docker_api_call(&eb, "DELETE", 6, u, strlen(u));
	ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "Action"), "container.destroy");
	assert_string_equal(val(ev, "Force"), "true");

	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	u = "/v1.41/images/registry.example:5000/team/app:1.2?force=1";
	bt_docker_api_call(&eb, "DELETE", 6, u, strlen(u));
	ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "Action"), "image.delete");
	assert_string_equal(val(ev, "Image"), "registry.example:5000/team/app:1.2");
	assert_string_equal(val(ev, "Force"), "true");
	bt_evbuf_free(&eb);
}

static void test_create_body(void **state)
{
	(void)state;
	const char *body =
		"{\"Cmd\":[\"sh\",\"-c\",\"id\"],\"Entrypoint\":[\"/bin/busybox\"],\"Image\":\"busybox\","
		"\"User\":\"0:0\",\"HostConfig\":{\"Privileged\":true,\"PidMode\":\"host\","
		"\"Binds\":[\"/:/host:ro\",\"C:\\\\data:C:\\\\in\",\"vol1:/v\"],"
		"\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/etc\",\"Target\":\"/e\",\"ReadOnly\":true}],"
		"\"CapAdd\":[\"SYS_ADMIN\"],\"CapDrop\":[\"ALL\"],"
		"\"SecurityOpt\":[\"seccomp=unconfined\",\"credentialspec=file://gmsa.json\"],"
		"\"Devices\":[{\"PathOnHost\":\"/dev/mem\",\"PathInContainer\":\"/dev/mem\"}],"
		"\"AutoRemove\":true,\"Isolation\":\"hyperv\",\"RestartPolicy\":{\"Name\":\"always\"},"
		"\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}]}}}";
	struct json_object *o = bt_docker_parse_body(body, strlen(body));
	assert_non_null(o);
	assert_int_equal(bt_docker_body_kind(o), BT_API_CREATE);
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	bt_docker_api_body(&eb, BT_API_CREATE, o);
	const struct bt_event *ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "Image"), "busybox");
	assert_string_equal(val(ev, "Command"), "/bin/busybox sh -c id");
	assert_string_equal(val(ev, "User"), "0:0");
	assert_string_equal(val(ev, "Privileged"), "true");
	assert_string_equal(val(ev, "PidMode"), "host");
	assert_string_equal(vals(ev, "Binds"), "/:/host:ro|C:\\data:C:\\in|vol1:/v");
	assert_string_equal(vals(ev, "MountSource"), "/|C:\\data|vol1|/etc");
	assert_string_equal(vals(ev, "MountTarget"), "/host|C:\\in|/v|/e");
	assert_string_equal(vals(ev, "Mounts"), "/etc:/e:ro");
	assert_string_equal(vals(ev, "CapAdd"), "SYS_ADMIN");
	assert_string_equal(vals(ev, "CapDrop"), "ALL");
	assert_string_equal(vals(ev, "SecurityOpt"), "seccomp=unconfined|credentialspec=file://gmsa.json");
	assert_string_equal(val(ev, "CredentialSpec"), "file://gmsa.json");
	assert_string_equal(vals(ev, "Devices"), "/dev/mem");
	assert_string_equal(val(ev, "AutoRemove"), "true");
	assert_string_equal(val(ev, "Isolation"), "hyperv");
	assert_string_equal(val(ev, "RestartPolicy"), "always");
	assert_string_equal(vals(ev, "PortBindings"), "0.0.0.0:8080->80/tcp");
	assert_true(bt_event_field(ev, "CapAdd", 6)->flags & BT_FIELD_LIST);
	json_object_put(o);

	/* an exec body */
	body = "{\"AttachStdin\":false,\"Cmd\":[\"cat\",\"/etc/shadow\"],\"Privileged\":true,\"User\":\"root\"}";
	o = bt_docker_parse_body(body, strlen(body));
	assert_int_equal(bt_docker_body_kind(o), BT_API_EXEC_CREATE);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	bt_docker_api_body(&eb, BT_API_EXEC_CREATE, o);
	ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "Command"), "cat /etc/shadow");
	assert_string_equal(val(ev, "Privileged"), "true");
	json_object_put(o);

	/* broken JSON gives nothing */
	assert_null(bt_docker_parse_body("{\"Cmd\":[", 8));
	assert_null(bt_docker_parse_body("[1,2]", 5));
	bt_evbuf_free(&eb);
}

static void test_binds_windows(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	const char *b = "\\\\.\\pipe\\docker_engine:\\\\.\\pipe\\docker_engine";
	bt_docker_add_bind(&eb, b, strlen(b));
	b = "c:/host:d:/in:ro";
	bt_docker_add_bind(&eb, b, strlen(b));
	b = "/anon";
	bt_docker_add_bind(&eb, b, strlen(b));
	const struct bt_event *ev = bt_evbuf_done(&eb);
	assert_string_equal(vals(ev, "MountSource"), "\\\\.\\pipe\\docker_engine|c:/host");
	assert_string_equal(vals(ev, "MountTarget"), "\\\\.\\pipe\\docker_engine|d:/in|/anon");
	bt_evbuf_free(&eb);
}

static void test_addresses_and_args(void **state)
{
	(void)state;
	assert_true(bt_docker_addr_is_tcp("[::]:2375", 9));
	assert_true(bt_docker_addr_is_tcp("0.0.0.0:2376", 12));
	assert_true(bt_docker_addr_is_tcp("tcp://10.0.0.1:2375", 19));
	assert_false(bt_docker_addr_is_tcp("/var/run/docker.sock", 20));
	assert_false(bt_docker_addr_is_tcp("unix:///var/run/docker.sock", 27));
	assert_false(bt_docker_addr_is_tcp("npipe:////./pipe/docker_engine", 30));
	assert_false(bt_docker_addr_is_tcp("fd://", 5));

	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bt_evbuf_reset(&eb, BT_SOURCE_JOURNALD);
	const char *c = "/usr/bin/dockerd -H fd:// --host=tcp://0.0.0.0:2375 -Htcp://[::]:2376 --debug";
	bt_docker_daemon_args(&eb, c, strlen(c));
	const struct bt_event *ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "DaemonArgs"), c);
	assert_string_equal(vals(ev, "ApiListen"), "tcp://0.0.0.0:2375|tcp://[::]:2376");
	assert_string_equal(val(ev, "ApiTcp"), "true");
	bt_evbuf_reset(&eb, BT_SOURCE_JOURNALD);
	c = "/usr/bin/dockerd -H fd:// -H unix:///run/docker.sock";
	bt_docker_daemon_args(&eb, c, strlen(c));
	ev = bt_evbuf_done(&eb);
	assert_null(val(ev, "ApiTcp"));
	assert_null(val(ev, "ApiListen"));
	bt_evbuf_free(&eb);
}

static void test_levels(void **state)
{
	(void)state;
	assert_int_equal(bt_docker_level("panic", 5), 1);
	assert_int_equal(bt_docker_level("FATA", 4), 1);
	assert_int_equal(bt_docker_level("error", 5), 2);
	assert_int_equal(bt_docker_level("warning", 7), 3);
	assert_int_equal(bt_docker_level("WARN", 4), 3);
	assert_int_equal(bt_docker_level("info", 4), 4);
	assert_int_equal(bt_docker_level("debug", 5), 5);
	assert_int_equal(bt_docker_level("trace", 5), 5);
	assert_int_equal(bt_docker_level("loud", 4), -1);
}

static void test_classify(void **state)
{
	(void)state;
	struct bt_evbuf eb;
	bt_evbuf_init(&eb);
	bool body;
	struct bt_kv kv[2] = {
		{"path", 4, "/run/containerd/io.containerd.runtime.v2.task/moby/abcdef", 57, false},
		{"pid", 3, "9", 1, false},
	};
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	bt_docker_classify(&eb, "starting signal loop", 20, kv, 2, &body);
	const struct bt_event *ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "Action"), "container.start");
	assert_string_equal(val(ev, "ContainerID"), "abcdef");
	assert_false(body);

	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	bt_docker_classify(&eb, "form data: {}", 13, NULL, 0, &body);
	ev = bt_evbuf_done(&eb);
	assert_true(body);
	assert_null(val(ev, "Action"));

	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	const char *m = "API listen on 192.168.1.5:2376";
	bt_docker_classify(&eb, m, strlen(m), NULL, 0, &body);
	ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "Action"), "daemon.api_listen");
	assert_string_equal(val(ev, "ApiListen"), "192.168.1.5:2376");
	assert_string_equal(val(ev, "ApiTcp"), "true");

	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	bt_docker_classify(&eb, "Loading containers: start.", 26, NULL, 0, &body);
	ev = bt_evbuf_done(&eb);
	assert_string_equal(val(ev, "Action"), "daemon.log");

	/* a record key that looks like a contract field is renamed */
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	bt_docker_add_record_field(&eb, "Action", 6, "container.create", 16);
	bt_docker_add_record_field(&eb, "module", 6, "x", 1);
	ev = bt_evbuf_done(&eb);
	assert_null(val(ev, "Action"));
	assert_string_equal(val(ev, "fields.Action"), "container.create");
	assert_string_equal(val(ev, "module"), "x");
	bt_evbuf_free(&eb);
}

static void test_time(void **state)
{
	(void)state;
	bt_time t;
	assert_false(bt_docker_time("0001-01-01T00:00:00Z", 20, &t));
	assert_true(bt_docker_time("2019-02-17T00:35:27.562313130+01:00", 35, &t));
	char b[BT_TIME_BUFSZ];
	bt_time_format(t, b);
	assert_string_equal(b, "2019-02-16T23:35:27.5623131Z");
	assert_false(bt_docker_time("yesterday", 9, &t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kv_split_quotes),
		cmocka_unit_test(test_unquote_escapes),
		cmocka_unit_test(test_kv_loose),
		cmocka_unit_test(test_api_kinds),
		cmocka_unit_test(test_api_call_fields),
		cmocka_unit_test(test_create_body),
		cmocka_unit_test(test_binds_windows),
		cmocka_unit_test(test_addresses_and_args),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
