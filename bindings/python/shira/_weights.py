"""Raw views of caller weights (NumPy arrays, torch tensors): pointer, dtype code, shape, byte length."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._native import DTYPE_BF16, DTYPE_F16, DTYPE_F32, E_USAGE, ShiraError

_NUMPY = {np.dtype(np.float32): DTYPE_F32, np.dtype(np.float16): DTYPE_F16}
_ELEMENT = {DTYPE_F32: 4, DTYPE_F16: 2, DTYPE_BF16: 2}


@dataclass(frozen=True)
class Buffer:
    """One weight tensor as libshira sees it; ``owner`` keeps the memory alive while the view is used."""

    pointer: int
    dtype: int
    shape: tuple
    owner: object

    @property
    def element_size(self) -> int:
        return _ELEMENT[self.dtype]


def _usage(name: str, why: str) -> ShiraError:
    return ShiraError(E_USAGE, f"SHIRA-E9002 [tensor '{name}']: {why}")


def buffer_of(name: str, w) -> Buffer:
    """Describes ``w`` for an in-place apply: C-contiguous, writable, CPU, f32/f16/bf16. Raises ShiraError (E9002)."""
    if isinstance(w, np.ndarray):
        if w.dtype.name == "bfloat16":  # ml_dtypes / jax bfloat16 arrays
            dtype = DTYPE_BF16
        elif w.dtype in _NUMPY and w.dtype.byteorder in ("=", "<", "|"):
            dtype = _NUMPY[w.dtype]
        else:
            raise _usage(name, f"dtype {w.dtype} is not float32, float16 or bfloat16")
        if not w.flags.c_contiguous:
            raise _usage(name, "the array is not C-contiguous (np.ascontiguousarray makes a copy, which would not be patched)")
        if not w.flags.writeable:
            raise _usage(name, "the array is read-only")
        return Buffer(w.ctypes.data, dtype, tuple(int(d) for d in w.shape), w)
    torch = _torch()
    if torch is not None and isinstance(w, torch.Tensor):
        dtypes = {torch.float32: DTYPE_F32, torch.float16: DTYPE_F16, torch.bfloat16: DTYPE_BF16}
        if w.dtype not in dtypes:
            raise _usage(name, f"dtype {w.dtype} is not float32, float16 or bfloat16")
        if w.device.type != "cpu":
            raise _usage(name, f"the tensor is on {w.device}; apply_ patches CPU tensors")
        if not w.is_contiguous():
            raise _usage(name, "the tensor is not contiguous (.contiguous() makes a copy, which would not be patched)")
        if w.numel() > 0 and w.data_ptr() == 0:
            raise _usage(name, "the tensor has no storage")
        return Buffer(w.data_ptr(), dtypes[w.dtype], tuple(int(d) for d in w.shape), w)
    raise _usage(name, f"{type(w).__name__} is neither a numpy.ndarray nor a torch.Tensor")


_TORCH = None


def _torch():
    """torch if it is installed (optional dependency), imported on first need."""
    global _TORCH
    if _TORCH is None:
        try:
            import torch  # noqa: PLC0415

            _TORCH = torch
        except ImportError:
            _TORCH = False
    return _TORCH or None
