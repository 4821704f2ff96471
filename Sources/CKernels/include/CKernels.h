#ifndef PDSCOPE_CKERNELS_H
#define PDSCOPE_CKERNELS_H
// placeholder; filled by the kernels work
int pd_kernels_isa(void);
#endif
