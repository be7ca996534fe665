/* evtxgen: writes genuine EVTX files from JSON Lines, large realistic logs,
 * and damaged copies, for boxtrail's tests and benchmarks. Not installed.
 *
 *   evtxgen write [--records-per-chunk N] [--max-chunks N] IN.jsonl OUT.evtx
 *   evtxgen scale --size SIZE [--seed N] [--file-size SIZE] --out DIR
 *   evtxgen mutate KIND [options] IN.evtx OUT.evtx     (see `evtxgen mutate --help`)
 *   evtxgen history --scenario S --truth T.jsonl OLD.jsonl NEW.jsonl OUT.evtx
 *                                     (records in slack space: evtxgen history --help)
 *   evtxgen info FILE.evtx                             (structure and CRC checks)
 *
 * Input of `write`: JSON Lines, one object per line (blank lines and lines
 * starting with # are skipped). Each object is an event:
 *
 *   channel            string, required         System/Channel
 *   provider           string, required         System/Provider@Name
 *   provider_guid      "{GUID}"                 System/Provider@Guid
 *   event_source_name  string                   System/Provider@EventSourceName
 *   event_id           0..65535, required       System/EventID
 *   qualifiers         0..65535                 System/EventID@Qualifiers (classic)
 *   version, level, opcode  0..255; task 0..65535 (default 0)
 *   keywords           integer or "0x..." string (default 0)
 *   time               RFC 3339, up to 7 fractional digits, required
 *                                               System/TimeCreated@SystemTime
 *   written_time       RFC 3339 (default: time) the record header's time
 *   computer           string, required         System/Computer
 *   record_id          integer (default: previous record id + 1, from 1)
 *   user_sid           "S-1-5-18"               System/Security@UserID
 *   process_id, thread_id  0..2^32-1 (default 0) System/Execution
 *   activity_id, related_activity_id "{GUID}"   System/Correlation
 *   comment            any; ignored
 * and at most one payload:
 *   data          [{"name": N, "type": T, "value": V}, ...]
 *                 -> <EventData><Data Name="N">V</Data>...</EventData>
 *   unnamed_data  ["v1", "v2", ...] -> <EventData><Data>v1</Data><Data>v2</Data>
 *                 (classic providers; optional "binary": "hex" -> <Binary>)
 *   user_data     {"element": E, "xmlns": NS, "data": [as data]}
 *                 -> <UserData><E xmlns="NS"><N>V</N>...</E></UserData>
 * Types T: string (default), int8, int16, int32, int64, uint8, uint16, uint32,
 * uint64, hexint32, hexint64 (JSON integers or "0x..."/decimal strings),
 * float, double (JSON numbers), bool (true/false), binary (hex string), guid,
 * sid, filetime, systemtime (RFC 3339), size (declared SizeT, stored HexInt64, as
 * Windows does for process ids), null (an empty substitution). A JSON
 * null value gives an empty substitution of the declared type.
 * A line {"defaults": {...}} sets System keys for the lines after it.
 *
 * Exit status: 0 ok, 1 error (message on stderr), 2 usage. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtxgen.h"

bool eg_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (x > (max - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*out = x;
	return true;
}

bool eg_parse_size(const char *s, uint64_t *out)
{
	char num[32];
	size_t n = strlen(s);
	uint64_t mult = 1;
	if (n == 0 || n >= sizeof num)
		return false;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'k': case 'K': mult = 1ull << 10; break;
	case 'm': case 'M': mult = 1ull << 20; break;
	case 'g': case 'G': mult = 1ull << 30; break;
	case 't': case 'T': mult = 1ull << 40; break;
	default: break;
	}
	if (mult != 1)
		num[n - 1] = '\0';
	uint64_t x;
	if (!eg_parse_u64(num, UINT64_MAX / mult, &x))
		return false;
	*out = x * mult;
	return true;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: evtxgen write [--records-per-chunk N] [--max-chunks N] IN.jsonl OUT.evtx\n"
	        "       evtxgen scale --size SIZE [--seed N] [--file-size SIZE] [--quiet] --out DIR\n"
	        "       evtxgen mutate KIND [options] IN.evtx OUT.evtx   (evtxgen mutate --help)\n"
	        "       evtxgen history --scenario S --truth TRUTH.jsonl [options] OLD.jsonl NEW.jsonl "
	        "OUT.evtx\n"
	        "               (evtxgen history --help)\n"
	        "       evtxgen info FILE.evtx\n"
	        "Writes genuine EVTX files (JSON Lines input: see tests/tools/README.md).\n"
	        "SIZE takes K, M, G suffixes (powers of 1024).\n");
}

static int cmd_write(int argc, char **argv)
{
	static const struct option opts[] = {
		{"records-per-chunk", required_argument, NULL, 'r'},
		{"max-chunks", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct eg_json_opts o = {0};
	uint64_t x;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!eg_parse_u64(optarg, 100000, &x) || x == 0) {
				fprintf(stderr, "evtxgen: --records-per-chunk: 1..100000\n");
				return 2;
			}
			o.w.max_records_per_chunk = (uint32_t)x;
			break;
		case 'c':
			if (!eg_parse_u64(optarg, EG_MAX_CHUNKS, &x) || x == 0) {
				fprintf(stderr, "evtxgen: --max-chunks: 1..%u\n", EG_MAX_CHUNKS);
				return 2;
			}
			o.w.max_chunks = (uint32_t)x;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	char err[EG_ERR_SIZE];
	if (eg_json_convert(argv[optind], argv[optind + 1], &o, err) < 0) {
		fprintf(stderr, "evtxgen: %s\n", err);
		return 1;
	}
	return 0;
}

static int cmd_scale(int argc, char **argv)
{
	static const struct option opts[] = {
		{"size", required_argument, NULL, 's'},
		{"seed", required_argument, NULL, 'S'},
		{"file-size", required_argument, NULL, 'f'},
		{"out", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct eg_scale_opts o = {.file_size = 256ull << 20, .seed = 1};
	bool have_size = false;
	int c;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!eg_parse_size(optarg, &o.size) || o.size == 0) {
				fprintf(stderr, "evtxgen: --size: a size such as 64M or 1G\n");
				return 2;
			}
			have_size = true;
			break;
		case 'S':
			if (!eg_parse_u64(optarg, UINT64_MAX, &o.seed)) {
				fprintf(stderr, "evtxgen: --seed: a non-negative integer\n");
				return 2;
			}
			break;
		case 'f':
			if (!eg_parse_size(optarg, &o.file_size) ||
			    o.file_size < EG_FILE_HEADER_SIZE + EG_CHUNK_SIZE ||
			    o.file_size > EG_FILE_HEADER_SIZE + (uint64_t)EG_MAX_CHUNKS * EG_CHUNK_SIZE) {
				fprintf(stderr, "evtxgen: --file-size: between 68K and 4G\n");
				return 2;
			}
			break;
		case 'o':
			o.dir = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_size || !o.dir || optind != argc) {
		usage(stderr);
		return 2;
	}
	char err[EG_ERR_SIZE];
	if (eg_scale(&o, err) < 0) {
		fprintf(stderr, "evtxgen: %s\n", err);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	int rc;
	if (strcmp(cmd, "write") == 0)
		rc = cmd_write(argc - 1, argv + 1);
	else if (strcmp(cmd, "scale") == 0)
		rc = cmd_scale(argc - 1, argv + 1);
	else if (strcmp(cmd, "mutate") == 0)
		rc = eg_mutate_main(argc - 1, argv + 1);
	else if (strcmp(cmd, "history") == 0)
		rc = eg_history_main(argc - 1, argv + 1);
	else if (strcmp(cmd, "info") == 0)
		rc = eg_info_main(argc - 1, argv + 1);
	else if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		usage(stdout);
		rc = 0;
	} else {
		usage(stderr);
		rc = 2;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "evtxgen: error writing to stdout\n");
		return 1;
	}
	return rc;
}
