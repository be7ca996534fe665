/* Shared CLI plumbing: diagnostics, number parsing, inputs, exit status. */
#include "config.h"

#include "core/bt_array.h"
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bt_buf.h"
#include "core/bt_time.h"
#include "io/bt_walk.h"
#include "rules/bt_sigma_load.h"
#include "escape.h"
#include "progress.h"

const char *cli_progname = "boxtrail";
const char *cli_worker_exe = "/proc/self/exe";

static const char *env_or_null(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

const char *cli_datadir(void)
{
	return env_or_null("BOXTRAIL_DATADIR");
}

const char *cli_tmpdir(void)
{
	return env_or_null("TMPDIR");
}

bool cli_parse_lifetime(const char *s, int64_t *ticks)
{
	uint64_t sec;
	if (!bt_sigma_parse_timespan(s, &sec) || sec == 0)
		return false;
	*ticks = (int64_t)sec * BT_TICKS_PER_SEC;
	return true;
}

bool cli_parse_baseline_until(const char *s, bt_time *t)
{
	return bt_time_parse(s, strlen(s), t, NULL, NULL) && *t != BT_TIME_NONE;
}

bool cli_no_jit(void)
{
	return env_or_null("BOXTRAIL_NO_JIT") != NULL;
}

static int out_errno;   /* first error writing standard output (0: none) */

#define OUT_DIRECT_MIN (64u * 1024)   /* stdout's buffer size (main.c) */

static void out_error(void)
{
	if (!out_errno)
		out_errno = errno ? errno : EIO;
}

void cli_write_out(const char *p, size_t n)
{
	if (n < OUT_DIRECT_MIN) {
		if (fwrite(p, 1, n, stdout) != n)
			out_error();
		return;
	}
	if (fflush(stdout) != 0) {
		out_error();
		return;
	}
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			out_error();
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

bool cli_output_failed(void)
{
	if (fflush(stdout) != 0 || ferror(stdout))
		out_error();
	return out_errno != 0;
}

int cli_output_status(int status)
{
	static bool said;
	if (!cli_output_failed())
		return status;
	if (!said) {
		cli_errorf("error writing output: %s", strerror(out_errno));
		said = true;
	}
	/* what was written is not the answer: no findings bit, input losses kept */
	return EXIT_FATAL | (status & EXIT_PARTIAL);
}

void cli_diag_print(void *ctx, enum bt_diag_level level, const char *file, const char *msg)
{
	struct cli_diag *d = ctx;
	if (level < BT_DIAG_ERROR && d && d->quiet)
		return;
	if (d) {
		if (level == BT_DIAG_WARN)
			d->warnings++;
		else if (level == BT_DIAG_ERROR)
			d->errors++;
	}
	/* Paths and messages may carry evidence bytes: neutralise them. */
	progress_clear();
	struct bt_buf b = BT_BUF_INIT;
	bt_buf_puts(&b, cli_progname);
	bt_buf_puts(&b, ": ");
	if (file) {
		esc_text(&b, file, strlen(file));
		bt_buf_puts(&b, ": ");
	}
	if (level == BT_DIAG_WARN)
		bt_buf_puts(&b, "warning: ");
	else if (level == BT_DIAG_ERROR)
		bt_buf_puts(&b, "error: ");
	esc_text(&b, msg, strlen(msg));
	bt_buf_putc(&b, '\n');
	if (b.p)
		fwrite(b.p, 1, b.n, stderr);
	bt_buf_free(&b);
}

struct bt_diag cli_diag_of(struct cli_diag *d)
{
	return (struct bt_diag){cli_diag_print, d, d->quiet ? BT_DIAG_ERROR : BT_DIAG_NOTE};
}

void cli_errorf(const char *fmt, ...)
{
	va_list ap;
	progress_clear();
	fprintf(stderr, "%s: ", cli_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool cli_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int add_input(void *ctx, const char *path, bool named)
{
	struct cli_inputs *in = ctx;
	if (!bt_array_reserve(&in->v, &in->cap, in->n, sizeof *in->v, 64))
		return 1;
	char *p = strdup(path);
	if (!p)
		return 1;
	in->v[in->n].path = p;
	in->v[in->n].named = named;
	in->n++;
	return 0;
}

/* Remembers a path as the user named it (see outfile.c: nothing is written
 * inside it). */
static bool add_root(struct cli_inputs *in, const char *path)
{
	char **nv = realloc(in->roots, (in->nroots + 1) * sizeof *nv);
	if (!nv)
		return false;
	in->roots = nv;
	if (!(nv[in->nroots] = strdup(path)))
		return false;
	in->nroots++;
	return true;
}

bool cli_collect_inputs(struct cli_inputs *in, char *const *paths, int npaths,
                        bool follow_symlinks, struct cli_diag *diag)
{
	struct bt_walk_opts wo = {.follow_symlinks = follow_symlinks,
	                          .diag = cli_diag_of(diag)};
	for (int i = 0; i < npaths; i++) {
		if (strcmp(paths[i], "-") == 0) {
			in->uses_stdin = true;
			if (add_input(in, "-", true))
				return false;
			continue;
		}
		if (!add_root(in, paths[i]) ||
		    bt_walk(paths[i], &wo, add_input, in, &in->walk_errors) == BT_ERR_ARG) {
			cli_errorf("out of memory listing inputs");
			return false;
		}
	}
	return true;
}

bool cli_inputs_from_file(struct cli_inputs *in, const char *file, bool nul, bool follow_symlinks,
                          struct cli_diag *diag)
{
	bool use_stdin = strcmp(file, "-") == 0;
	FILE *f = use_stdin ? stdin : fopen(file, "re");
	if (!f) {
		cli_errorf("--files-from %s: %s", file, strerror(errno));
		return false;
	}
	struct bt_walk_opts wo = {.follow_symlinks = follow_symlinks,
	                          .diag = cli_diag_of(diag)};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool ok = true;
	while ((n = getdelim(&line, &cap, nul ? '\0' : '\n', f)) > 0) {
		if (!nul && line[n - 1] == '\n')
			line[--n] = '\0';
		if (!nul && n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0 || (nul && line[0] == '\0'))
			continue;
		struct stat sb;
		if (!add_root(in, line)) {
			ok = false;
			break;
		}
		if (stat(line, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
			if (add_input(in, line, false)) {
				ok = false;
				break;
			}
		} else if (bt_walk(line, &wo, add_input, in, &in->walk_errors) == BT_ERR_ARG) {
			ok = false;
			break;
		}
	}
	if (ferror(f)) {
		cli_errorf("--files-from %s: read error", file);
		ok = false;
	}
	free(line);
	if (!use_stdin)
		fclose(f);
	return ok;
}

uint64_t cli_inputs_bytes(const struct cli_inputs *in)
{
	uint64_t total = 0;
	for (size_t i = 0; i < in->n; i++) {
		struct stat sb;
		if (strcmp(in->v[i].path, "-") != 0 && stat(in->v[i].path, &sb) == 0 && S_ISREG(sb.st_mode))
			total += (uint64_t)sb.st_size;
	}
	return total;
}

void cli_inputs_free(struct cli_inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->v[i].path);
	free(in->v);
	for (size_t i = 0; i < in->nroots; i++)
		free(in->roots[i]);
	free(in->roots);
	memset(in, 0, sizeof *in);
}

void cli_print_totals(FILE *f, const struct cli_run *r)
{
	fprintf(f,
	        "%s: stats: total: %lu files read, %lu partial, %lu unreadable, %lu not evidence "
	        "(%lu named), %llu events read\n",
	        cli_progname, r->files_read, r->files_partial, r->files_unreadable,
	        r->files_skipped + r->files_unrecognised, r->files_unrecognised,
	        (unsigned long long)r->events);
}

bool cli_stats_lossy(const struct bt_file_stats *st)
{
	return st->failed || st->corrupt_chunks || st->incomplete || st->unreadable || st->changed;
}

void cli_print_stats(FILE *f, const char *path, const struct bt_file_stats *st)
{
	struct bt_buf b = BT_BUF_INIT;
	bt_buf_printf(&b, "%s: stats: ", cli_progname);
	esc_text(&b, path, strlen(path));
	bt_buf_printf(&b, ": format=%s records=%llu recovered=%llu failed=%llu",
	              bt_format_name(st->format), (unsigned long long)st->records,
	              (unsigned long long)st->recovered, (unsigned long long)st->failed);
	if (st->format == BT_FORMAT_EVTX) {
		bt_buf_printf(&b, " recovered_failed=%llu", (unsigned long long)st->recovered_failed);
		if (st->recovered_copies)
			bt_buf_printf(&b, " recovered_copies=%llu",
			              (unsigned long long)st->recovered_copies);
		if (st->libevtx_read)
			bt_buf_printf(&b, " read_by_libevtx=%llu", (unsigned long long)st->libevtx_read);
		bt_buf_printf(&b, " libevtx_started=%llu", (unsigned long long)st->libevtx_started);
		bt_buf_printf(&b, " corrupt_chunks=%llu id_gaps=%llu time_backwards=%llu",
		              (unsigned long long)st->corrupt_chunks, (unsigned long long)st->id_gaps,
		              (unsigned long long)st->time_backwards);
		if (st->sparse_chunks)
			bt_buf_printf(&b, " sparse_chunks=%llu", (unsigned long long)st->sparse_chunks);
		if (st->time_backwards)
			bt_buf_printf(&b, " max_backwards=%.3fs",
			              (double)st->max_backwards / BT_TICKS_PER_SEC);
		bt_buf_printf(&b, " dirty=%s", st->dirty ? "yes" : "no");
	} else if (st->format == BT_FORMAT_JOURNAL_FILE) {
		bt_buf_printf(&b, " entries=%llu skipped=%llu dirty=%s", (unsigned long long)st->lines,
		              (unsigned long long)st->skipped, st->dirty ? "yes" : "no");
	} else {
		bt_buf_printf(&b, " lines=%llu skipped=%llu", (unsigned long long)st->lines,
		              (unsigned long long)st->skipped);
	}
	if (st->unreadable)
		bt_buf_puts(&b, " UNREADABLE");
	else if (st->incomplete)
		bt_buf_puts(&b, " INCOMPLETE");
	if (st->changed)
		bt_buf_puts(&b, " CHANGED");
	bt_buf_putc(&b, '\n');
	if (b.p)
		fwrite(b.p, 1, b.n, f);
	bt_buf_free(&b);
}

int cli_exit_status(const struct cli_run *r, const struct cli_inputs *in)
{
	if (r->files_read == 0)
		return EXIT_FATAL;
	if (r->files_partial || r->files_unreadable || r->files_unrecognised || in->walk_errors)
		return EXIT_PARTIAL;
	return EXIT_NOTHING;
}
