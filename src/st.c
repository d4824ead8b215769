/* st.c: in progress. */
#include "config.h"
#include "st.h"
