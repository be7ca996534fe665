/* Output targets: standard output or the -o files (see outputs.h). */
#include "config.h"

#include "outputs.h"

#include <string.h>

int outputs_opt(struct outputs *s, int c, const char *arg, const char *cmd)
{
	switch (c) {
	case 'o':
		if (s->npaths >= OUTPUTS_MAX) {
			cli_errorf("%s: -o: at most %d output files", cmd, OUTPUTS_MAX);
			return -1;
		}
		if (!*arg) {
			cli_errorf("%s: -o needs a file name", cmd);
			return -1;
		}
		s->paths[s->npaths++] = arg;
		return 1;
	case OUTPUTS_OPT_TZ:
		if (!out_tz_set(arg)) {
			cli_errorf("%s: --tz '%s': not a time zone of the zone database (Europe/Berlin, "
			           "America/New_York, UTC) or an offset (+02:00, -0530)", cmd, arg);
			return -1;
		}
		s->tz = arg;
		return 1;
	case OUTPUTS_OPT_PROFILE:
		if (!out_parse_profile(arg, &s->profile)) {
			cli_errorf("%s: --profile '%s' (minimal, standard, verbose)", cmd, arg);
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

bool outputs_open(struct outputs *s, const struct out_opts *base, bool format_set,
                  bool allow_timesketch, const struct cli_inputs *inputs, bool force,
                  const char *cmd)
{
	(void)allow_timesketch;
	s->n = 0;
	size_t n = s->npaths ? s->npaths : 1;
	for (size_t i = 0; i < n; i++) {
		struct out_target *t = &s->t[s->n];
		memset(t, 0, sizeof *t);
		t->o = *base;
		t->o.tz = s->tz;
		t->o.profile = s->profile;
		const char *path = s->npaths ? s->paths[i] : "-";
		if (strcmp(path, "-") != 0) {
			t->o.color = false;
			if (!out_format_of_path(path, &t->o.format) && !format_set) {
				cli_errorf("%s: -o %s: say the format with an extension (.jsonl, .json, .csv, "
				           ".txt) or -f", cmd, path);
				return false;
			}
			if (!(t->file = outfile_open(path, "-o", inputs, force)))
				return false;
			t->path = path;
		}
		s->n++;
	}
	return true;
}

void outputs_write(struct outputs *s, size_t i, const char *p, size_t n)
{
	if (!s->t[i].file) {
		cli_write_out(p, n);
		return;
	}
	if (n)
		fwrite(p, 1, n, outfile_stream(s->t[i].file));   /* errors: outfile_commit */
}

bool outputs_stdout_only(const struct outputs *s)
{
	return s->n == 1 && !s->t[0].file;
}

bool outputs_close(struct outputs *s, bool ok)
{
	bool all = true;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->t[i].file)
			continue;
		if (ok)
			all = outfile_commit(s->t[i].file) && all;
		else
			outfile_abort(s->t[i].file);
		s->t[i].file = NULL;
	}
	s->n = 0;
	return all;
}
