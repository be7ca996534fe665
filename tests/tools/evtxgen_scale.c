#include "config.h"
#include <stdio.h>
#include "evtxgen.h"
int eg_scale(const struct eg_scale_opts *o, char *err)
{
	(void)o;
	snprintf(err, EG_ERR_SIZE, "not yet");
	return -1;
}
