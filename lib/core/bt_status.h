/* Status codes shared by every lib/ function that can fail. */
#ifndef BT_STATUS_H
#define BT_STATUS_H

enum bt_status {
	BT_OK = 0,
	BT_EOF,           /* stream ended normally */
	BT_ERR_IO,        /* read/open failure (errno-level) */
	BT_ERR_FORMAT,    /* input not in the expected format or corrupt */
	BT_ERR_NOMEM,     /* allocation failed or a resource cap was hit */
	BT_ERR_LIMIT,     /* a documented resource cap was reached */
	BT_ERR_CRASH,     /* an isolated worker (libevtx) died or hung */
	BT_ERR_UNSUPPORTED,
	BT_ERR_ARG,       /* caller passed an invalid argument */
};

/* Returns a static English description of a status. */
const char *bt_status_str(enum bt_status st);

#endif
