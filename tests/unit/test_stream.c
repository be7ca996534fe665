/* bt_stream: lines, CRLF, caps, truncated last line, gzip (single and multi-member). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "io/bt_stream.h"

/* Returns a read-only fd positioned at the start of a temporary file with data. */
static int temp_with(const void *data, size_t n)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fflush(f);
	int fd = dup(fileno(f));
	fclose(f);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static size_t gzip(const char *in, size_t n, unsigned char *out, size_t cap)
{
	z_stream z = {0};
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t len = cap - z.avail_out;
	deflateEnd(&z);
	return len;
}

struct line {
	enum bt_status st;
	char text[64];
	uint64_t no;
	bool complete;
};

static struct line next(struct bt_stream *s)
{
	struct line l = {0};
	const char *p;
	size_t n;
	uint64_t off;
	l.st = bt_stream_getline(s, &p, &n, &l.no, &off, &l.complete);
	if (l.st == BT_OK)
		snprintf(l.text, sizeof l.text, "%.*s", (int)n, p);
	return l;
}

static void test_lines_crlf_truncated(void **state)
{
	(void)state;
	const char data[] = "one\r\ntwo\n\nlast-without-newline";
	int fd = temp_with(data, sizeof data - 1);
	struct bt_stream *s;
	assert_int_equal(bt_stream_open(fd, 0, &s), BT_OK);
	assert_false(bt_stream_is_gzip(s));
	struct line l = next(s);
	assert_int_equal(l.st, BT_OK);
	assert_string_equal(l.text, "one");
	assert_int_equal(l.no, 1);
	assert_true(l.complete);
	assert_string_equal(next(s).text, "two");
	l = next(s);
	assert_string_equal(l.text, "");
	assert_int_equal(l.no, 3);
	l = next(s);
	assert_string_equal(l.text, "last-without-newline");
	assert_false(l.complete);
	assert_int_equal(next(s).st, BT_EOF);
	bt_stream_free(s);
	close(fd);
}

static void test_line_cap(void **state)
{
	(void)state;
	size_t big = 5000;
	char *data = malloc(big + 32);
	memset(data, 'x', big);
	memcpy(data + big, "\nafter\n", 7);
	int fd = temp_with(data, big + 7);
	struct bt_stream *s;
	assert_int_equal(bt_stream_open(fd, 1024, &s), BT_OK);
	struct line l = next(s);
	assert_int_equal(l.st, BT_ERR_LIMIT);
	assert_int_equal(l.no, 1);
	l = next(s);
	assert_int_equal(l.st, BT_OK);
	assert_string_equal(l.text, "after");
	assert_int_equal(l.no, 2);
	assert_int_equal(next(s).st, BT_EOF);
	bt_stream_free(s);
	close(fd);
	free(data);
}

static void test_gzip_members_and_peek(void **state)
{
	(void)state;
	unsigned char gz[4096];
	size_t n1 = gzip("alpha\nbeta\n", 11, gz, sizeof gz);
	size_t n2 = gzip("gamma\n", 6, gz + n1, sizeof gz - n1);  /* concatenated member */
	int fd = temp_with(gz, n1 + n2);
	struct bt_stream *s;
	assert_int_equal(bt_stream_open(fd, 0, &s), BT_OK);
	assert_true(bt_stream_is_gzip(s));
	const unsigned char *p;
	size_t have = bt_stream_peek(s, 5, &p);
	assert_int_equal(have, 5);
	assert_memory_equal(p, "alpha", 5);
	assert_string_equal(next(s).text, "alpha");
	assert_string_equal(next(s).text, "beta");
	assert_string_equal(next(s).text, "gamma");
	assert_int_equal(next(s).st, BT_EOF);
	bt_stream_free(s);
	close(fd);
}

static void test_gzip_truncated_is_an_error(void **state)
{
	(void)state;
	char text[2000];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = (i % 50 == 49) ? '\n' : (char)('a' + i % 26);
	unsigned char gz[4096];
	size_t n = gzip(text, sizeof text, gz, sizeof gz);
	int fd = temp_with(gz, n - 10);  /* cut the trailer and some data */
	struct bt_stream *s;
	assert_int_equal(bt_stream_open(fd, 0, &s), BT_OK);
	struct line l;
	int lines = 0;
	while ((l = next(s)).st == BT_OK)
		lines++;
	assert_int_equal(l.st, BT_ERR_FORMAT);
	assert_true(lines > 0);
	bt_stream_free(s);
	close(fd);
}

static void test_read_all_cap(void **state)
{
	(void)state;
	const char data[] = "{\"a\": 1}";
	int fd = temp_with(data, sizeof data - 1);
	struct bt_stream *s;
	assert_int_equal(bt_stream_open(fd, 0, &s), BT_OK);
	char *buf;
	size_t len;
	assert_int_equal(bt_stream_read_all(s, 4, &buf, &len), BT_ERR_LIMIT);
	bt_stream_free(s);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(bt_stream_open(fd, 0, &s), BT_OK);
	assert_int_equal(bt_stream_read_all(s, 1024, &buf, &len), BT_OK);
	assert_int_equal(len, 8);
	assert_string_equal(buf, data);
	free(buf);
	bt_stream_free(s);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_crlf_truncated),
		cmocka_unit_test(test_line_cap),
		cmocka_unit_test(test_gzip_members_and_peek),
		cmocka_unit_test(test_gzip_truncated_is_an_error),
		cmocka_unit_test(test_read_all_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
