/* libFuzzer harness: Docker evidence. The input is read as a file would be
 * (content detection, then whichever Docker reader it selects, from a real
 * file: tests/fuzz/fuzz_file.h; gzip included), and its first line also goes straight to the logrus record
 * parser, the syslog and Docker Desktop prefix parsers, the init.log entry
 * decoder and the request-body facts, so each is reached even when detection
 * says "not Docker". */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "docker/bt_docker_desktop.h"
#include "docker/bt_docker_facts.h"
#include "docker/bt_docker_initlog.h"
#include "docker/bt_docker_logrus.h"
#include "input/bt_input.h"
#include "fuzz_event.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void direct(const char *s, size_t n)
{
	static struct bt_evbuf eb;
	static bool init;
	if (!init) {
		bt_evbuf_init(&eb);
		init = true;
	}
	const char *nl = memchr(s, '\n', n);
	size_t l = nl ? (size_t)(nl - s) : n;
	struct bt_logrus_info info;
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	bt_logrus_parse(&eb, s, l, NULL, &info);
	fuzz_check_event(bt_evbuf_done(&eb));
	struct bt_line_prefix p;
	if (bt_syslog_prefix(s, l, &p) && p.msg_off > l)
		abort();
	if (bt_desktop_prefix(s, l, &p) && p.msg_off > l)
		abort();
	/* Docker Desktop's init.log: an entry's decoding and its prefix */
	static struct json_tokener *tok;
	static struct bt_buf dec;
	if (!tok)
		tok = json_tokener_new();
	bt_buf_reset(&dec);
	if (tok && bt_initlog_decode(s, l, &dec, tok) && !dec.oom) {
		if (!bt_initlog_prefix(dec.p, dec.n, &p) || p.msg_off > dec.n)
			abort();   /* a decoded entry always has the prefix */
	}
	if (bt_initlog_prefix(s, l, &p) && p.msg_off > l)
		abort();
	struct json_object *body = bt_docker_parse_body(s, n);
	bt_evbuf_reset(&eb, BT_SOURCE_DOCKERD);
	bt_docker_api_body(&eb, BT_API_CREATE, body);
	bt_docker_api_body(&eb, BT_API_EXEC_CREATE, body);
	if (body)
		json_object_put(body);
	bt_docker_api_call(&eb, "POST", 4, s, l);
	bt_docker_daemon_args(&eb, s, l);
	fuzz_check_event(bt_evbuf_done(&eb));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	direct((const char *)data, size);
	const char *path = fuzz_file(data, size);
	if (!path)
		return 0;
	struct bt_input_opts o = {0};
	o.read.assume_host = "fuzzhost";
	struct bt_input *in;
	if (bt_input_open(path, &o, NULL, &in) == BT_OK) {
		const struct bt_event *ev;
		while (bt_input_next(in, &ev) == BT_OK)
			fuzz_check_event(ev);
		bt_input_free(in);
	}
	return 0;
}
