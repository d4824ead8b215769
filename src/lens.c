/* lens.c: in progress. */
#include "config.h"
#include "lens.h"
