/* ops.c: in progress. */
#include "config.h"
#include "ops.h"
