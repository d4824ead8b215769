#include "config.h"
#include "harness.h"
int main(void) { SKIP("not written yet"); }
