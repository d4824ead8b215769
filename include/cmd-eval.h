/*
 * cmd-eval.h: `logitlens eval`, the corpus evaluation's front end.
 *
 * Reads the corpus, makes the windows, runs eval.h over them and prints or
 * writes the result; like main.c it prints and exits. main() hands it argv
 * when argv[1] is "eval".
 */
#ifndef CMD_EVAL_H
#define CMD_EVAL_H

/* Runs `logitlens eval ARGS`; argv[0] is "eval". Returns the exit status. */
int	cmd_eval_main(int argc, char **argv);

#endif
