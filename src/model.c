/* model.c: in progress. */
#include "config.h"
#include "model.h"
