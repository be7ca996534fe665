/* bt_sigma_match: modifiers, wildcards, escapes, case rules, encodings,
 * regex, CIDR, numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/bt_event.h"
#include "evtx/bt_evtx_map.h"
#include "rules/bt_sigma_match.h"

static struct bt_match_scratch *scratch;

static int setup(void **state)
{
	(void)state;
	scratch = bt_match_scratch_new();
	return scratch ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	bt_match_scratch_free(scratch);
	return 0;
}

/* Compiles `value` under the '|'-separated modifiers `mods` ("" for none). */
static struct bt_matcher *compile(const char *mods, const char *value, enum bt_sigma_vtype t)
{
	const char *names[8];
	char buf[128];
	size_t n = 0;
	strcpy(buf, mods);
	for (char *p = strtok(buf, "|"); p && n < 8; p = strtok(NULL, "|"))
		names[n++] = p;
	struct bt_mods m;
	char why[200];
	assert_int_equal(bt_mods_parse(names, n, &m, why, sizeof why), BT_OK);
	struct bt_sigma_value v = {value, strlen(value), t};
	struct bt_matcher *out = NULL;
	assert_int_equal(bt_matcher_compile(&m, &v, &out, why, sizeof why), BT_OK);
	assert_non_null(out);
	return out;
}

static bool test(const char *mods, const char *value, const char *field)
{
	struct bt_matcher *m = compile(mods, value, BT_SV_STRING);
	bool r = bt_matcher_test(m, field, strlen(field), scratch);
	bt_matcher_free(m);
	return r;
}

static const char *kind(const char *mods, const char *value)
{
	static char k[32];
	struct bt_matcher *m = compile(mods, value, BT_SV_STRING);
	strcpy(k, bt_matcher_kind_name(m));
	bt_matcher_free(m);
	return k;
}

static enum bt_status compile_status(const char *mods, const char *value)
{
	const char *names[8];
	char buf[128];
	size_t n = 0;
	strcpy(buf, mods);
	for (char *p = strtok(buf, "|"); p && n < 8; p = strtok(NULL, "|"))
		names[n++] = p;
	struct bt_mods m;
	char why[200];
	enum bt_status st = bt_mods_parse(names, n, &m, why, sizeof why);
	if (st != BT_OK)
		return st;
	struct bt_sigma_value v = {value, strlen(value), BT_SV_STRING};
	struct bt_matcher *out = NULL;
	st = bt_matcher_compile(&m, &v, &out, why, sizeof why);
	bt_matcher_free(out);
	return st;
}

static void test_plain_and_case(void **state)
{
	(void)state;
	assert_true(test("", "cmd.exe", "CMD.EXE"));
	assert_false(test("", "cmd.exe", "cmd.exe "));
	assert_true(test("contains", "Mimikatz", "x invoke-MIMIKATZ y"));
	assert_true(test("startswith", "C:\\Windows\\", "c:\\windows\\system32"));
	assert_true(test("endswith", "\\powershell.exe", "C:\\x\\PowerShell.EXE"));
	assert_false(test("endswith", "\\powershell.exe", "C:\\x\\powershell.exe.bak"));
	/* cased */
	assert_false(test("cased", "cmd.exe", "CMD.EXE"));
	assert_true(test("contains|cased", "Mimi", "xMimiy"));
	assert_false(test("contains|cased", "Mimi", "xmimiy"));
	/* ASCII folding only: non-ASCII letters compare exactly */
	assert_false(test("", "\xc3\xa9", "\xc3\x89"));   /* é vs É */
	assert_true(test("", "\xc3\xa9", "\xc3\xa9"));
	/* empty value: present and empty */
	assert_true(test("", "", ""));
	assert_false(test("", "", "x"));
	/* the cheap matchers are chosen */
	assert_string_equal(kind("", "abc"), "eq");
	assert_string_equal(kind("contains", "abc"), "contains");
	assert_string_equal(kind("", "abc*"), "startswith");
	assert_string_equal(kind("", "*abc"), "endswith");
	assert_string_equal(kind("", "*abc*"), "contains");
	assert_string_equal(kind("", "a*c"), "glob");
	assert_string_equal(kind("", "*"), "any");
}

static void test_wildcards_escapes(void **state)
{
	(void)state;
	assert_true(test("", "a*c", "abbbc"));
	assert_true(test("", "a*c", "ac"));
	assert_false(test("", "a*c", "abcd"));
	assert_true(test("", "prog?.exe", "progA.exe"));
	assert_false(test("", "prog?.exe", "prog.exe"));
	assert_true(test("", "prog?.exe", "prog\xc3\xa9.exe"));   /* ? is one UTF-8 character */
	assert_true(test("", "*a*b*c*", "xxaxxbxxcxx"));
	assert_false(test("", "*a*b*c*", "xxcxxbxxaxx"));
	/* \* and \? are literal; \\ is one backslash */
	assert_true(test("", "a\\*b", "a*b"));
	assert_false(test("", "a\\*b", "axxb"));
	assert_true(test("", "a\\?b", "a?b"));
	assert_false(test("", "a\\?b", "axb"));
	assert_true(test("", "a\\\\b", "a\\b"));
	/* \\* = backslash then wildcard; \\\* = backslash then star */
	assert_true(test("", "C:\\\\*", "C:\\anything"));
	assert_true(test("", "a\\\\\\*", "a\\*"));
	assert_false(test("", "a\\\\\\*", "a\\x"));
	/* a plain backslash not before a wildcard stays */
	assert_true(test("", "C:\\Windows\\x", "c:\\windows\\x"));
	/* * matches the empty string */
	assert_true(test("", "*", ""));
}

static void test_regex(void **state)
{
	(void)state;
	assert_true(test("re", "^Inv.ke-", "Invoke-X"));
	assert_false(test("re", "^inv.ke-", "Invoke-X"));      /* case-sensitive */
	assert_true(test("re|i", "^inv.ke-", "Invoke-X"));
	assert_false(test("re", "^b", "a\nb"));
	assert_true(test("re|m", "^b", "a\nb"));
	assert_false(test("re", "a.b", "a\nb"));
	assert_true(test("re|s", "a.b", "a\nb"));
	assert_string_equal(kind("re", "x"), "re");
	/* invalid UTF-8 in the value does not break matching */
	assert_true(test("re", "ab", "\xff\xfe" "ab"));
	assert_int_equal(compile_status("re", "(unclosed"), BT_ERR_FORMAT);
	assert_int_equal(compile_status("i", "x"), BT_ERR_UNSUPPORTED);
}

static void test_cidr(void **state)
{
	(void)state;
	assert_true(test("cidr", "10.0.0.0/8", "10.1.2.3"));
	assert_false(test("cidr", "10.0.0.0/8", "11.1.2.3"));
	assert_true(test("cidr", "172.16.0.0/12", "172.31.255.255"));
	assert_false(test("cidr", "172.16.0.0/12", "172.32.0.1"));
	assert_true(test("cidr", "192.168.1.7/32", "192.168.1.7"));
	assert_true(test("cidr", "0.0.0.0/0", "8.8.8.8"));
	/* IPv6 */
	assert_true(test("cidr", "fe80::/10", "fe80::1"));
	assert_true(test("cidr", "fe80::/10", "FE80::abcd%12"));
	assert_false(test("cidr", "fe80::/10", "fec0::1"));
	assert_true(test("cidr", "2001:db8::/32", "[2001:db8::5]"));
	/* IPv4-mapped IPv6 values match IPv4 networks, and the reverse */
	assert_true(test("cidr", "10.0.0.0/8", "::ffff:10.0.0.5"));
	assert_false(test("cidr", "10.0.0.0/8", "::ffff:11.0.0.5"));
	assert_false(test("cidr", "10.0.0.0/8", "::1"));
	assert_true(test("cidr", "::ffff:0:0/96", "10.0.0.5"));
	/* not an address */
	assert_false(test("cidr", "10.0.0.0/8", "-"));
	assert_false(test("cidr", "10.0.0.0/8", ""));
	assert_int_equal(compile_status("cidr", "10.0.0.0/33"), BT_ERR_FORMAT);
	assert_int_equal(compile_status("cidr", "not-an-ip/8"), BT_ERR_FORMAT);
}

static void test_numbers(void **state)
{
	(void)state;
	assert_true(test("gt", "10", "11"));
	assert_false(test("gt", "10", "10"));
	assert_true(test("gte", "10", "10"));
	assert_true(test("lt", "10", "9"));
	assert_true(test("lte", "10", "10"));
	assert_false(test("lte", "10", "10.5"));
	assert_true(test("gt", "1.5", "2"));
	assert_true(test("gt", "16", "0x11"));               /* hex field */
	assert_true(test("lt", "0", "-3"));
	assert_false(test("gt", "10", "eleven"));
	assert_false(test("gt", "10", ""));
	assert_int_equal(compile_status("gt", "ten"), BT_ERR_FORMAT);
	/* a plain decimal value is cheap for EventID */
	struct bt_matcher *m = compile("", "4624", BT_SV_INT);
	uint32_t v = 0;
	assert_true(bt_matcher_uint(m, &v));
	assert_int_equal(v, 4624);
	assert_true(bt_matcher_test(m, "4624", 4, scratch));
	bt_matcher_free(m);
	m = compile("contains", "4624", BT_SV_INT);
	assert_false(bt_matcher_uint(m, &v));
	bt_matcher_free(m);
}

static void test_encodings(void **state)
{
	(void)state;
	/* base64 of "hello" */
	assert_true(test("base64", "hello", "aGVsbG8="));
	assert_true(test("base64|contains", "hello", "xx aGVsbG8= yy"));
	assert_false(test("base64", "hello", "AGVSBG8="));   /* base64 is case-sensitive */
	/* an empty value encodes to nothing: no literal storage at all (UBSan
	 * caught a NULL pointer offset here; the sigma fuzzer found it) */
	assert_true(test("base64", "", ""));
	assert_false(test("base64", "", "x"));
	assert_true(test("base64|contains", "", "anything"));
	assert_true(test("base64|windash", "", ""));
	assert_true(test("base64offset|contains", "", "x"));
	/* base64offset: "secret" embedded at each offset of an encoded string */
	const char *enc[] = {
		"c2VjcmV0IHN0dWZm",            /* "secret stuff" */
		"eHNlY3JldCBzdHVmZg==",        /* "xsecret stuff" */
		"eHhzZWNyZXQgc3R1ZmY=",        /* "xxsecret stuff" */
	};
	for (int i = 0; i < 3; i++)
		assert_true(test("base64offset|contains", "secret", enc[i]));
	assert_false(test("base64offset|contains", "secret", "c2VjdXJlIHN0dWZm"));  /* "secure stuff" */
	/* utf16le / wide + base64offset, as in -EncodedCommand */
	/* "Invoke" in UTF-16LE, base64: SQBuAHYAbwBrAGUA */
	assert_true(test("utf16le|base64offset|contains", "Invoke", "JABhAD0ASQBuAHYAbwBrAGUA"));
	assert_true(test("wide|base64offset|contains", "Invoke", "SQBuAHYAbwBrAGUA"));
	/* utf16le alone: bytes with NULs */
	struct bt_matcher *m = compile("utf16le", "ab", BT_SV_STRING);
	assert_true(bt_matcher_test(m, "a\0b\0", 4, scratch));
	assert_false(bt_matcher_test(m, "ab", 2, scratch));
	bt_matcher_free(m);
	m = compile("utf16be", "ab", BT_SV_STRING);
	assert_true(bt_matcher_test(m, "\0a\0b", 4, scratch));
	bt_matcher_free(m);
	m = compile("utf16", "a", BT_SV_STRING);
	assert_true(bt_matcher_test(m, "\xff\xfe" "a\0", 4, scratch));
	bt_matcher_free(m);
	/* wildcards cannot be encoded */
	assert_int_equal(compile_status("base64", "a*b"), BT_ERR_UNSUPPORTED);
}

static void test_windash(void **state)
{
	(void)state;
	const char *ok[] = {
		"net user -add", "net user /add", "net user \xe2\x80\x93" "add",
		"net user \xe2\x80\x94" "add", "net user \xe2\x80\x95" "add",
	};
	for (size_t i = 0; i < 5; i++)
		assert_true(test("contains|windash", " -add", ok[i]));
	assert_false(test("contains|windash", " -add", "net user +add"));
	/* only option dashes: a dash inside a word stays a dash */
	assert_true(test("contains|windash", "x-ray", "x-ray"));
	assert_false(test("contains|windash", "x-ray", "x/ray"));
	assert_true(test("windash", "-enc", "/ENC"));
}

static void test_modifier_errors(void **state)
{
	(void)state;
	assert_int_equal(compile_status("frobnicate", "x"), BT_ERR_UNSUPPORTED);
	assert_int_equal(compile_status("expand", "%x%"), BT_ERR_UNSUPPORTED);
	assert_int_equal(compile_status("contains|startswith", "x"), BT_ERR_UNSUPPORTED);
	assert_int_equal(compile_status("re|contains", "x"), BT_ERR_UNSUPPORTED);
	assert_int_equal(compile_status("cidr|gt", "1"), BT_ERR_UNSUPPORTED);
	assert_int_equal(compile_status("contains|all", "x"), BT_OK);
	assert_int_equal(compile_status("contains|contains", "x"), BT_OK);
}

static void test_pair(void **state)
{
	(void)state;
	assert_true(bt_match_pair(BT_POS_EXACT, false, "ABC", 3, "abc", 3));
	assert_false(bt_match_pair(BT_POS_EXACT, true, "ABC", 3, "abc", 3));
	assert_true(bt_match_pair(BT_POS_CONTAINS, false, "xxABCxx", 7, "abc", 3));
	assert_true(bt_match_pair(BT_POS_STARTSWITH, false, "ABCxx", 5, "abc", 3));
	assert_true(bt_match_pair(BT_POS_ENDSWITH, false, "xxABC", 5, "abc", 3));
	assert_false(bt_match_pair(BT_POS_ENDSWITH, false, "ab", 2, "abc", 3));
}

/* bt_matcher_test_folded gives bt_matcher_test's answer for every matcher
 * kind, case rule and position of a literal (start, middle, end, absent,
 * repeated, case changed), its least common byte a letter or not. */
static void test_folded_same(void **state)
{
	(void)state;
	static const char *const mods[] = {"", "contains", "startswith", "endswith", "cased",
	                                   "contains|cased", "startswith|cased", "endswith|cased",
	                                   "contains|all"};
	static const char *const values[] = {"mimikatz", "\\temp\\", "-enc ", "Q", "x.y", "*z*",
	                                     "a?c", "\\*", "C:\\Windows", "7z", ""};
	static const char *const hay[] = {
		"C:\\Windows\\Temp\\MIMIKATZ.exe -enc AAA", "mimikatz", "xmimikatzx", "mimikat",
		"C:\\WINDOWS\\system32", "q", "Q", "", "x.y.z", "xy", "abc aXc", "\\*", "7Z.exe",
		"....................mimikatz", "\\TEMP\\", "-ENC -enc",
	};
	size_t checked = 0;
	for (size_t i = 0; i < sizeof mods / sizeof *mods; i++)
		for (size_t j = 0; j < sizeof values / sizeof *values; j++) {
			struct bt_matcher *m = compile(mods[i], values[j], BT_SV_STRING);
			for (size_t k = 0; k < sizeof hay / sizeof *hay; k++) {
				size_t n = strlen(hay[k]);
				const char *folded = bt_match_fold(scratch, hay[k], n);
				assert_non_null(folded);
				bool want = bt_matcher_test(m, hay[k], n, scratch);
				bool got = bt_matcher_test_folded(m, hay[k], folded, n, NULL, scratch);
				if (want != got)
					fail_msg("%s '%s' on '%s': %d folded %d", mods[i], values[j], hay[k], want,
					         got);
				/* and with the byte pairs of a kept fold */
				bt_match_fold_forget(scratch);
				const uint64_t *grams = NULL;
				const char *kept = NULL;
				for (int a = 0; a < 20 && !grams; a++)
					kept = bt_match_fold_keep(scratch, hay[k], hay[k], n, &grams);
				assert_non_null(grams);
				got = bt_matcher_test_folded(m, hay[k], kept, n, grams, scratch);
				if (want != got)
					fail_msg("%s '%s' on '%s': %d with pairs %d", mods[i], values[j], hay[k],
					         want, got);
				checked++;
			}
			bt_matcher_free(m);
		}
	assert_int_equal(checked, 9 * 11 * 16);
	/* and the answers are the expected ones */
	assert_true(test("contains", "mimikatz", "C:\\Temp\\MIMIKATZ.exe"));
	assert_true(test("contains", "\\temp\\", "C:\\TEMP\\x"));
	assert_false(test("contains", "\\temp\\", "C:\\TEMPx"));
	assert_true(test("contains|cased", "Temp", "a Temp b"));
	assert_false(test("contains|cased", "Temp", "a TEMP b"));
}

/* bt_match_fold folds every byte as bt_fold does, at every position of
 * its eight-byte steps and in the tail. */
static void test_fold_bytes(void **state)
{
	(void)state;
	char in[300];
	for (size_t len = 0; len <= 19; len++)
		for (unsigned b = 0; b < 256; b++) {
			for (size_t i = 0; i < len; i++)
				in[i] = (char)((b + i * 37) & 0xFF);
			const char *f = bt_match_fold(scratch, in, len);
			assert_non_null(f);
			for (size_t i = 0; i < len; i++)
				assert_int_equal((unsigned char)f[i], bt_fold((unsigned char)in[i]));
			assert_int_equal(f[len], '\0');
		}
	for (unsigned b = 0; b < 256; b++)
		in[b] = (char)b;
	const char *f = bt_match_fold(scratch, in, 256);
	for (unsigned b = 0; b < 256; b++)
		assert_int_equal((unsigned char)f[b], (b >= 'A' && b <= 'Z') ? b + 32 : b);
}

/* bt_match_fold_keep: a value's folded text is kept by its key (fields of
 * an event) until forgotten, stays valid as more are kept, and a key whose
 * slot another took gets its own text again. */
static void test_fold_keep(void **state)
{
	(void)state;
	static struct {
		char pad[48];
	} keys[100];
	static char vals[100][300];
	for (int round = 0; round < 2; round++) {
		bt_match_fold_forget(scratch);
		for (int i = 0; i < 100; i++) {
			size_t n = (size_t)snprintf(vals[i], sizeof vals[i], "%sAbC\\Windows-%d",
			                            round ? "X" : "", i);
			if (i % 3 == 0)   /* long ones make the kept texts move */
				memset(vals[i] + n, 'Q', 250), vals[i][n + 250] = '\0';
		}
		for (int pass = 0; pass < 2; pass++)
			for (int i = 0; i < 100; i++) {
				/* the first 64 keys take 64 slots: asked again with other
				 * text, the kept one comes back */
				const char *v = pass && i < BT_MATCH_FOLD_KEEP && i >= 40 ? "other" : vals[i];
				const uint64_t *grams;
				const char *got = bt_match_fold_keep(scratch, &keys[i], v, strlen(v), &grams);
				assert_non_null(got);
				char want[300];
				size_t k = 0;
				for (; vals[i][k]; k++)
					want[k] = (char)bt_fold((unsigned char)vals[i][k]);
				want[k] = '\0';
				assert_string_equal(got, want);
			}
	}
	bt_match_fold_forget(scratch);
	const uint64_t *grams;
	assert_string_equal(bt_match_fold_keep(scratch, &keys[0], "NEW", 3, &grams), "new");
	assert_null(grams);
}

/* The byte pairs skip substrings that cannot be there and never one that
 * is: every substring of a text (all positions and lengths, case changed)
 * is found with them, and they do reject absent ones. */
static void test_grams(void **state)
{
	(void)state;
	static const char text[] =
		"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -NoP -w hidden "
		"-enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA "
		"\xe2\x80\x93x \xc3\xa9t\xc3\xa9 %TEMP%\\a.ps1";
	size_t n = strlen(text);
	bt_match_fold_forget(scratch);
	const uint64_t *grams = NULL;
	const char *kept = NULL;
	for (int a = 0; a < 20 && !grams; a++)
		kept = bt_match_fold_keep(scratch, text, text, n, &grams);
	assert_non_null(grams);
	char sub[300];
	size_t found = 0;
	for (size_t at = 0; at < n; at += 3)
		for (size_t len = 1; at + len <= n && len < 40; len += 2) {
			memcpy(sub, text + at, len);
			sub[len] = '\0';
			for (size_t c = 0; c < len; c++)   /* another case */
				if (sub[c] >= 'a' && sub[c] <= 'z' && (c & 1))
					sub[c] = (char)(sub[c] - 32);
			struct bt_matcher *m = compile("contains", sub, BT_SV_STRING);
			assert_true(bt_matcher_test_folded(m, text, kept, n, grams, scratch));
			bt_matcher_free(m);
			found++;
		}
	assert_true(found > 500);
	static const char *const absent[] = {"mimikatz", "-encodedcommand", "\\temp\\b.ps1",
	                                     "powershell.exe -nop -w hidden -encx", "zz", "\xc3\xa9te"};
	for (size_t i = 0; i < sizeof absent / sizeof *absent; i++) {
		struct bt_matcher *m = compile("contains", absent[i], BT_SV_STRING);
		assert_false(bt_matcher_test_folded(m, text, kept, n, grams, scratch));
		assert_false(bt_matcher_test(m, text, n, scratch));
		bt_matcher_free(m);
	}
}

/* A typed EVTX string field of UTF-16 units u[0..n) (odd: one more byte),
 * as the native reader leaves it. */
struct u16field {
	struct bt_evbuf eb;
	uint8_t raw[64];
};

static const struct bt_field *u16field(struct u16field *t, const uint16_t *u, size_t n, bool odd,
                                       uint8_t opts)
{
	bt_evbuf_reset(&t->eb, BT_SOURCE_EVTX);
	t->eb.render = bt_evmap_render_typed;
	t->eb.utf16 = bt_evmap_utf16;
	for (size_t i = 0; i < n; i++) {
		t->raw[2 * i] = (uint8_t)u[i];
		t->raw[2 * i + 1] = (uint8_t)(u[i] >> 8);
	}
	t->raw[2 * n] = 'Z';
	assert_true(bt_evbuf_add_typed(&t->eb, "F", 1, true, BT_XV_STRING, opts, t->raw,
	                               2 * n + (odd ? 1 : 0), 0));
	return &bt_evbuf_done(&t->eb)->fields[0];
}

/* The answer on the units (1, 0, or -1 when the hook or the matcher cannot
 * tell), checked against the answer on the text the reader renders. */
static int u16_check(struct u16field *t, const struct bt_matcher *m, const uint16_t *u, size_t n,
                     bool odd, uint8_t opts, const char *what)
{
	const struct bt_field *f = u16field(t, u, n, odd, opts);
	const uint8_t *p;
	size_t un;
	int got = -1;
	if (bt_field_utf16(&t->eb.ev, f, &p, &un)) {
		size_t end = SIZE_MAX, end2;
		got = bt_matcher_test_utf16(m, p, un, &end);
		/* a second test with the end found gives the same answer */
		end2 = end;
		assert_int_equal(bt_matcher_test_utf16(m, p, un, &end2), got);
		assert_true(end2 == end);
		struct bt_matcher *const one[1] = {(struct bt_matcher *)m};
		assert_int_equal(bt_matchers_any_utf16(one, 1, p, un), got);
	}
	bt_field_need(&t->eb.ev, f);
	assert_non_null(f->text);
	bool want = bt_matcher_test(m, f->text, f->text_len, scratch);
	if (got >= 0 && got != (int)want)
		fail_msg("%s: units say %d, text '%s' says %d", what, got, f->text, want);
	/* a rendered field is text: the hook no longer offers units */
	assert_false(bt_field_utf16(&t->eb.ev, f, &p, &un));
	return got;
}

/* Typed UTF-16 strings told without their text: each answer the units give
 * is the text's, over every string of up to 4 units from an alphabet of
 * hostile units (NUL, lone and paired surrogates, U+FFFD, U+FFFE,
 * non-ASCII, case, LF), odd byte counts, the unpadded-hex and lone-LF
 * rewrites; and equality, prefix and suffix of ASCII literals are told. */
static void test_utf16_units(void **state)
{
	(void)state;
	static const uint16_t alpha[] = {'a', 'A', 'x', '0', '$', '\\', 0, 0xD800, 0xDBFF, 0xDC00,
	                                 0xDFFF, 0xE9, 0xC9, 0xFFFD, 0xFFFE, 0x2013, '\n', 0x100 + 'a'};
	const size_t na = sizeof alpha / sizeof *alpha;
	static const char *const mods[] = {"", "startswith", "endswith", "contains", "cased",
	                                   "startswith|cased", "endswith|cased", "windash"};
	static const char *const values[] = {"a", "A", "ax", "xa$", "", "\\a", "0x0", "\n", "a*",
	                                     "\xc3\xa9", "-x"};
	struct u16field t;
	bt_evbuf_init(&t.eb);
	size_t told[2] = {0, 0}, untold = 0;
	uint16_t u[8];
	for (size_t i = 0; i < sizeof mods / sizeof *mods; i++)
		for (size_t j = 0; j < sizeof values / sizeof *values; j++) {
			struct bt_matcher *m = compile(mods[i], values[j], BT_SV_STRING);
			char what[64];
			snprintf(what, sizeof what, "%s '%s'", mods[i], values[j]);
			for (size_t len = 0; len <= 4; len++) {
				size_t total = 1;
				for (size_t k = 0; k < len; k++)
					total *= na;
				for (size_t c = 0; c < total; c++) {
					size_t x = c;
					for (size_t k = 0; k < len; k++) {
						u[k] = alpha[x % na];
						x /= na;
					}
					int r = u16_check(&t, m, u, len, (c & 1) != 0,
					                  (c & 2) ? BT_EVMAP_VO_LONE_LF : 0, what);
					if (r < 0)
						untold++;
					else
						told[r]++;
				}
			}
			bt_matcher_free(m);
		}
	/* both answers are given without text, and some are left to the text */
	assert_true(told[0] > 100000);
	assert_true(told[1] > 1000);
	assert_true(untold > 1000);

	/* must and must not match, told on the units */
	struct bt_matcher *m = compile("endswith", "\\cmd.exe", BT_SV_STRING);
	static const uint16_t cmd[] = {'C', ':', '\\', 'W', '\\', 'C', 'M', 'D', '.', 'E', 'X', 'E'};
	assert_int_equal(u16_check(&t, m, cmd, 12, false, 0, "cmd"), 1);
	assert_int_equal(u16_check(&t, m, cmd, 11, false, 0, "cmd short"), 0);
	uint16_t cmd0[16];
	memcpy(cmd0, cmd, sizeof cmd);
	cmd0[12] = 0;
	cmd0[13] = 'x';
	assert_int_equal(u16_check(&t, m, cmd0, 14, false, 0, "cmd NUL"), 1);
	cmd0[4] = 0;   /* the text ends before the suffix */
	assert_int_equal(u16_check(&t, m, cmd0, 14, false, 0, "cmd early NUL"), 0);
	/* a lone high surrogate takes the unit after it along: left to the text */
	static const uint16_t sur[] = {'a', 0xD800, '\\', 'c', 'm', 'd', '.', 'e', 'x', 'e'};
	assert_int_equal(u16_check(&t, m, sur, 10, false, 0, "surrogate"), -1);
	bt_matcher_free(m);
	m = compile("", "NTLM", BT_SV_STRING);
	static const uint16_t ntlm[] = {'N', 'T', 'L', 'M', 0, 'x'};
	static const uint16_t ntlmv2[] = {'N', 'T', 'L', 'M', ' ', 'V', '2'};
	static const uint16_t ntlm_e[] = {'N', 'T', 'L', 0x100 + 'M'};
	assert_int_equal(u16_check(&t, m, ntlm, 4, false, 0, "ntlm"), 1);
	assert_int_equal(u16_check(&t, m, ntlm, 6, true, 0, "ntlm NUL"), 1);
	assert_int_equal(u16_check(&t, m, ntlmv2, 7, false, 0, "ntlm v2"), 0);
	assert_int_equal(u16_check(&t, m, ntlm_e, 4, false, 0, "ntlm wide"), 0);
	bt_matcher_free(m);
	/* strings the reader rewrites are left to the text: "0x00000017" is 0x17 */
	m = compile("", "0x17", BT_SV_STRING);
	static const uint16_t hex[] = {'0', 'x', '0', '0', '0', '0', '0', '0', '1', '7'};
	assert_int_equal(u16_check(&t, m, hex, 10, false, 0, "hex"), -1);
	const struct bt_field *f = u16field(&t, hex, 10, false, 0);
	assert_string_equal(bt_field_need(&t.eb.ev, f)->text, "0x17");
	bt_matcher_free(m);
	m = compile("", "", BT_SV_STRING);
	static const uint16_t lf[] = {'\n'};
	assert_int_equal(u16_check(&t, m, lf, 1, false, BT_EVMAP_VO_LONE_LF, "lone LF"), -1);
	assert_int_equal(u16_check(&t, m, lf, 1, false, 0, "LF"), 0);
	assert_int_equal(u16_check(&t, m, lf, 0, true, 0, "empty"), 1);
	bt_matcher_free(m);
	bt_evbuf_free(&t.eb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_case),
		cmocka_unit_test(test_wildcards_escapes),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_windash),
		cmocka_unit_test(test_modifier_errors),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_folded_same),
		cmocka_unit_test(test_fold_bytes),
		cmocka_unit_test(test_fold_keep),
		cmocka_unit_test(test_grams),
		cmocka_unit_test(test_utf16_units),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
