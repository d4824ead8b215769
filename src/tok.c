/* tok.c: in progress. */
#include "config.h"
#include "tok.h"
