/* --run-record FILE: a JSON record for chain of custody: every input with its
 * size and SHA-256, the tool, library and rule-pack versions, the command
 * line, start and end time, and the counts read/failed per input. */
#ifndef BT_RUNRECORD_H
#define BT_RUNRECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "input/bt_input.h"
#include "rules/bt_ruleset.h"

struct runrecord;

/* Starts a record (notes the start time and command line). */
struct runrecord *runrecord_new(int argc, char **argv);
void runrecord_free(struct runrecord *r);

/* Adds an input with its integrity stats (NULL stats: not evidence or not
 * opened, with `status` saying why). */
void runrecord_input(struct runrecord *r, const char *path, const struct bt_file_stats *st,
                     const char *status);

/* Hashes each regular-file input (a second read) and notes for each whether
 * the hash is of the bytes the run read: the same file, unchanged since it
 * was opened. Returns how many are not (each reported on stderr). */
unsigned long runrecord_hash(struct runrecord *r);

/* Writes the record to `f` (opened through outfile.c's guard before the
 * run), after runrecord_hash. False on a write error. */
bool runrecord_write(struct runrecord *r, FILE *f, const struct bt_ruleset *rules,
                     uint64_t findings, int exit_status);

/* The rule set's fingerprint for state files (hunt --emit-state): SHA-256
 * over every rule document in load order, its state after the selection,
 * its level, id and title, and the SHA-256 of its file's bytes (not the
 * file's path: the map and the reduce may keep the pack in different
 * places). Two runs that agree on it match events alike. */
void runrecord_rules_fingerprint(const struct bt_ruleset *rules, char hex[65]);

/* Hex SHA-256 of a file; false when it cannot be read. */
bool runrecord_sha256(const char *path, char hex[65], uint64_t *size);

#endif
