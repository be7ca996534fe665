/* libFuzzer harness: ESXi logs. The input is read as a file would be
 * (content detection, then whichever reader it selects: tests/fuzz/fuzz_file.h;
 * gzip included), and each of its first lines also goes straight to the line
 * head parser, the recogniser and the facts of every ESXi log, so each is
 * reached even when detection says "not ESXi"; the whole input also goes to
 * the image profile parser and the VIB vendor check. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esxi/bt_esxi_facts.h"
#include "esxi/bt_esxi_line.h"
#include "esxi/bt_esxi_log.h"
#include "esxi/bt_esxi_profile.h"
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
	static const char *const providers[] = {"hostd", "shell", "auth", "esxupdate",
	                                        "lifecycle", "vobd", "vmx", "syslog"};
	static struct bt_esxi_profile prof;
	struct bt_esxi_facts_state st;
	memset(&st, 0, sizeof st);
	if (bt_esxi_profile_parse(s, n, "fuzz", &prof)) {
		if (!memchr(prof.vendor, '\0', sizeof prof.vendor) || !prof.vendor[0])
			abort();
		st.profile = &prof;
		(void)bt_esxi_vib_vendor_check(s, n < 24 ? n : 24, prof.vendor);
	}
	(void)bt_esxi_vib_vendor_check(s, n < 24 ? n : 24, NULL);
	for (int k = 0; k < 8 && n; k++) {
		const char *nl = memchr(s, '\n', n);
		size_t l = nl ? (size_t)(nl - s) : n;
		struct bt_esxi_line h;
		if (bt_esxi_line_parse(s, l, &h)) {
			if (h.msg_off > l || (h.ident && (h.ident < s || h.ident + h.ident_len > s + l)) ||
			    (h.pid && (h.pid < s || h.pid + h.pid_len > s + l)) ||
			    (h.opid && (h.opid < s || h.opid + h.opid_len > s + l)))
				abort();
			(void)bt_esxi_provider(h.ident, h.ident_len, h.shape);
		}
		(void)bt_esxi_head(s, l);
		for (size_t p = 0; p < sizeof providers / sizeof *providers; p++) {
			bt_evbuf_reset(&eb, BT_SOURCE_ESXI);
			bt_esxi_facts(&eb, providers[p], NULL, 0, s, l, &st);
			fuzz_check_event(bt_evbuf_done(&eb));
		}
		if (!nl)
			break;
		s = nl + 1;
		n -= l + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	direct((const char *)data, size);
	const char *path = fuzz_file(data, size);
	if (!path)
		return 0;
	struct bt_input_opts o = {0};
	struct bt_input *in;
	if (bt_input_open(path, &o, NULL, &in) == BT_OK) {
		const struct bt_event *ev;
		while (bt_input_next(in, &ev) == BT_OK)
			fuzz_check_event(ev);
		bt_input_free(in);
	}
	return 0;
}
