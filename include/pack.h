/*
 * pack.h: the weights packed for ops_matmul_packed, kept in
 * a file of the cache directory and mapped from it.
 *
 * One file per model file: $XDG_CACHE_HOME/logitlens/packed/ (default
 * ~/.cache), named after the model file's device and inode. The processes
 * of one model share its pages, and the kernel evicts them like any page
 * cache. The file is hostile input: it is used only if it is a regular file
 * (never a symlink or a FIFO) of exactly the expected size whose header
 * names this model file (device, inode, size, modification time), this
 * layout and these shapes, and whose samples of every matrix match the
 * weights; otherwise it is written anew, atomically.
 */
#ifndef PACK_H
#define PACK_H

struct pack;

/*
 * Maps the packed copies of the n matrices w[i] (C[i], OC[i]), the HF
 * Conv1D layout, or (OC[i], C[i]) where nt[i] (the unembedding's; nt may
 * be NULL), of the weights in the file model; wp[i] gets each one's packed
 * copy (ops.h). NULL and *cause when there is no cache directory or the
 * file can be neither used nor written.
 */
struct pack	*pack_open(const char *model, int n, const float *const *w,
		    const int *C, const int *OC, const int *nt,
		    const float **wp, char **cause);
void		 pack_close(struct pack *);
/* The file's path for the weights in model, allocated; NULL: none. */
char		*pack_path(const char *model, char **cause);

#endif
