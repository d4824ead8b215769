/*
 * kern.h: which kernel runs the lens's product on this machine.
 *
 * The candidates are ops.h's kernels this CPU runs (the portable one only
 * where there is no AVX2: elsewhere it never wins). kern_choose measures
 * them once on the lens's shape (a batch of 208 rows x C against 6144 rows
 * of w, best of 5 rounds) and sets the fastest, OpenBLAS's sgemm included.
 * The answer is kept in $XDG_CACHE_HOME/logitlens/kernels (default
 * ~/.cache), a line per machine: CPU model, its vector features, the BLAS
 * library and its kernel (OPENBLAS_CORETYPE changes it), and C; a new CPU
 * or library measures again. The file is hostile input: a line that does
 * not parse, or names a kernel that is unknown or that this CPU cannot run,
 * is ignored. LOGITLENS_KERNEL names a kernel (portable, avx2, avx512,
 * blas), or "cpu" for the choice by the CPU's features: nothing measured.
 */
#ifndef KERN_H
#define KERN_H

#include "ops.h"

struct kern_choice {
	enum ops_nt_kernel	 kernel;	/* set with ops_nt_set_kernel */
	const char		*how;		/* static: "measured", ... */
	double			 gflops[OPS_NT_NKERNELS]; /* 0: not measured */
};

/*
 * Chooses and sets the kernel for width C (narrower than 256, a test's
 * model: by the CPU's features, nothing measured). A cache that cannot be
 * written is measured again next time. Returns -1 and *cause when
 * LOGITLENS_KERNEL is unknown or not for this CPU: the CPU's choice is set
 * all the same (a warning, not an error).
 */
int	 kern_choose(struct kern_choice *, int C, char **cause);
/* Measures every candidate: gflops[k], 0 for the others. */
void	 kern_measure(double *gflops, int C);
/* The cache's path, NULL without HOME or XDG_CACHE_HOME; allocated. */
char	*kern_cache_path(void);
/* This machine's key for width C (no tab, no newline); allocated. */
char	*kern_key(int C);
/* The CPU's model name and its vector features, allocated; "?" unknown. */
char	*kern_cpu_model(void);
char	*kern_cpu_features(void);

/*
 * The forward pass's products (T rows x C x OC, the blocks' weights): sgemm
 * or the packed kernel (ops_matmul_packed over pack.h's file). Measured
 * once per machine like the lens's kernel, on T = 16, 64 and 256 rows x C x
 * 3C, best of 5 rounds of both in turn, and kept in the same file (the
 * key's line with "; forward" appended: "blas", "packed" or
 * "packed+lens"). One layout for every T, so that one copy of the weights
 * is resident: packed (tmax INT_MAX) when it beat sgemm at T = 16 and over
 * the three T together, else sgemm (0). With packed weights, the lens's
 * product (the unembedding, gpt2_unembed) runs packed too where that beat
 * the kernel kern_choose set, on the same shape as kern_choose's (lens),
 * unless LOGITLENS_KERNEL names the lens's kernel (then that one runs it,
 * and an answer measured against it is not cached).
 * No packed kernel for this CPU, a narrow model or no cache directory: 0.
 * LOGITLENS_FORWARD names one (blas; packed, the lens's product too; auto
 * or unset: measure); -1 and *cause for another name (tmax 0 then).
 */
#define KERN_NFWD	3
struct kern_forward {
	int		 tmax;
	int		 lens;			/* the unembedding packed */
	const char	*how;			/* static */
	double		 ms[2][KERN_NFWD];	/* sgemm, packed; 0: not run */
	double		 lens_ms[2];		/* kern_choose's, packed */
};
int	 kern_forward(struct kern_forward *, int C, char **cause);
void	 kern_forward_measure(double ms[2][KERN_NFWD], double lens_ms[2],
	    int C);

#endif
