/* The Sigma rule model: what bt_sigma_load() makes of a YAML document and
 * what the ruleset compiles. Everything is read-only once loaded and lives in
 * the arena of the ruleset (or of whoever called the loader).
 *
 * Strings are NUL-terminated UTF-8 as written in the rule; absent optional
 * attributes are NULL (lists: n = 0). */
#ifndef BT_SIGMA_H
#define BT_SIGMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bt_sigma_level {
	BT_LEVEL_NONE = 0,        /* absent or not one of the five */
	BT_LEVEL_INFORMATIONAL,
	BT_LEVEL_LOW,
	BT_LEVEL_MEDIUM,
	BT_LEVEL_HIGH,
	BT_LEVEL_CRITICAL,
};

/* "informational", "low", ... ("" for BT_LEVEL_NONE). */
const char *bt_sigma_level_name(enum bt_sigma_level l);

struct bt_sigma_logsource {
	const char *product;
	const char *category;
	const char *service;
};

/* A value of a detection item as written in YAML. */
enum bt_sigma_vtype {
	BT_SV_STRING,    /* quoted or plain text */
	BT_SV_INT,       /* plain decimal integer; str holds its text */
	BT_SV_BOOL,      /* plain true/false; str is "true"/"false" */
	BT_SV_NULL,      /* plain null, ~ or empty */
};

struct bt_sigma_value {
	const char *str;
	size_t len;
	enum bt_sigma_vtype type;
};

/* One `Field|mod1|mod2: value(s)` of a selection map; field is NULL for a
 * keyword (field-less) item. Values are OR'ed unless the modifiers say `all`. */
struct bt_sigma_item {
	const char *field;
	const char **mods;
	size_t nmods;
	struct bt_sigma_value *values;
	size_t nvalues;
	uint32_t line;
};

/* A map: its items AND'ed. */
struct bt_sigma_map {
	struct bt_sigma_item *items;
	size_t nitems;
};

/* A search identifier: its maps OR'ed (a plain map is one alternative, a
 * keyword list one alternative holding one keyword item). */
struct bt_sigma_search {
	const char *name;
	struct bt_sigma_map *alts;
	size_t nalts;
};

/* Sigma correlation (meta) rule, kept for the hunt stage. */
enum bt_corr_type {
	BT_CORR_UNKNOWN = 0,
	BT_CORR_EVENT_COUNT,
	BT_CORR_VALUE_COUNT,
	BT_CORR_TEMPORAL,
	BT_CORR_TEMPORAL_ORDERED,
	/* boxtrail extensions (boxtrail(1), BASELINES): judged against what the
	 * whole evidence shows, at its end */
	BT_CORR_ABSENT,          /* an event with no explaining event before it */
	BT_CORR_RARE_VALUE,      /* an event whose value its group seldom shows */
};

enum bt_corr_op { BT_CORR_GT, BT_CORR_GTE, BT_CORR_LT, BT_CORR_LTE, BT_CORR_EQ };

struct bt_corr_cond {
	enum bt_corr_op op;
	int64_t value;
};

struct bt_corr_alias {
	const char *alias;       /* name used in group-by */
	const char *rule;        /* rule name or id */
	const char *field;       /* field in that rule's events */
};

/* Longest correlation timespan accepted (seconds; 100 years): a window as
 * long as the evidence itself, yet far from overflowing 100 ns ticks. */
#define BT_SIGMA_MAX_TIMESPAN (100ull * 365 * 86400)

struct bt_sigma_correlation {
	enum bt_corr_type type;
	const char *type_text;
	const char **rules;      /* ids or names of the correlated rules */
	size_t nrules;
	const char **group_by;
	size_t ngroup_by;
	uint64_t timespan_sec;   /* 0 when absent, unparsable or over the cap */
	const char *timespan_text;
	const char *field;       /* value_count: the counted field */
	struct bt_corr_cond conds[5];
	size_t nconds;
	struct bt_corr_alias *aliases;
	size_t naliases;
	bool generate;
	/* the correlation's `boxtrail:` map (extensions, boxtrail(1) BASELINES) */
	uint64_t skew_sec;       /* absent: explaining events may follow this much */
	const char **witnesses;  /* absent: rules whose hosts' logs must cover the span */
	size_t nwitnesses;
	bool partial_skip;       /* absent: partly covered events are not judged */
	uint64_t history_sec;    /* absent, first seen in a host's history: every earlier
	                          * event explains (no timespan needed); the witness logs
	                          * must reach back this far, else weaker (0: unset) */
	const char *value_field; /* rare_value: the field whose values are learned */
	uint64_t baseline;       /* rare_value: the usual value seen at least this often */
	unsigned share_pct;      /* rare_value: a judged value at most this share of its group */
};

struct bt_sigma_rule {
	const char *title;
	const char *id;
	const char *name;
	const char *status;
	const char *description;
	const char *author;
	const char *date;
	const char *modified;
	enum bt_sigma_level level;
	const char *level_text;
	const char **tags;        /* all tags as written */
	size_t ntags;
	const char **attack;      /* ATT&CK technique ids from tags: "T1558", "T1558.003" */
	size_t nattack;
	const char **references;
	size_t nreferences;
	const char **falsepositives;
	size_t nfalsepositives;
	struct bt_sigma_logsource logsource;
	struct bt_sigma_search *searches;
	size_t nsearches;
	const char **conditions;  /* a list is OR'ed */
	size_t nconditions;
	struct bt_sigma_correlation *correlation;   /* non-NULL: a correlation rule */
	/* provenance */
	const char *file;
	uint32_t line;            /* first line of the YAML document */
	unsigned doc_index;       /* 0-based document number in the file */
};

#endif
