/* For harnesses of file inputs: the fuzz input as a real file on disk, so
 * that it is opened, stat'ed and read (read, pread) exactly as evidence is in
 * production, with reads as large as the kernel gives for a regular file (a
 * pipe gives at most 64 KiB per read, which hid a buffer overflow). One file
 * per process, rewritten for each input and removed at exit. */
#ifndef BT_FUZZ_FILE_H
#define BT_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_file_name[4096];

static void fuzz_file_remove(void)
{
	if (fuzz_file_name[0])
		unlink(fuzz_file_name);
}

/* Writes data to the harness's file and returns its path (NULL on error). */
static const char *fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	if (fd < 0) {
		const char *dir = getenv("TMPDIR");
		snprintf(fuzz_file_name, sizeof fuzz_file_name, "%s/boxtrail-fuzz-XXXXXX",
		         dir && *dir ? dir : "/tmp");
		if ((fd = mkstemp(fuzz_file_name)) < 0)
			return NULL;
		atexit(fuzz_file_remove);
	}
	if (ftruncate(fd, 0) != 0)
		return NULL;
	for (size_t off = 0; off < size;) {
		ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);
		if (w <= 0)
			return NULL;
		off += (size_t)w;
	}
	return fuzz_file_name;
}

#endif
