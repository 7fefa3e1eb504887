"""Imported first by every script that loads torch or numpy: OpenBLAS on one thread of its own.

Debian's torch calls the generic BLAS, which resolves to OpenBLAS's pthread build. torch.set_num_threads does not
reach that library, so by default OpenBLAS starts a thread per core on top of torch's OpenMP threads, and the
attention matmuls oversubscribe the two cores. Measured on an AVX2 EPYC: a training step (U-Net, batch 32, 2 torch
threads) 4.7 s, 2.9 s with OpenBLAS on one thread. Must run before numpy or torch is imported.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
