"""Adapter and Tensor: a .shira file opened through libshira."""

from __future__ import annotations

import ctypes
import json
import weakref
from ctypes import c_int64, c_uint64, c_void_p
from typing import Iterator, Mapping, MutableMapping

import numpy as np

from . import _native as n
from ._native import ShiraError, check, lib
from ._weights import buffer_of

_VALUE_NUMPY = {n.DTYPE_F32: np.float32, n.DTYPE_F16: np.float16, n.DTYPE_BF16: np.uint16}


class Tensor:
    """One tensor entry of an adapter: which base tensor it patches, how, and its indices and values."""

    def __init__(self, adapter: "Adapter", ordinal: int, info: n.TensorInfo):
        self._adapter = adapter
        self.ordinal = ordinal
        self.name: str = info.name.decode("utf-8")
        self.shape: tuple = tuple(int(info.shape[d]) for d in range(info.rank))
        self.numel: int = int(info.numel)
        self.nnz: int = int(info.nnz)
        self.value_dtype: str = n.DTYPE_NAMES[info.value_dtype]
        self.base_dtype: str = info.base_dtype_name.decode()
        self.semantics: str = n.SEMANTICS.get(info.semantics, str(info.semantics))
        self.scale: float = float(info.scale)
        self.index_encoding: str = n.INDEX_ENCODINGS.get(info.index_encoding, str(info.index_encoding))
        self.index_set: int = int(info.index_set)
        self._value_code = int(info.value_dtype)

    def __repr__(self) -> str:
        return (f"Tensor({self.name!r}, shape={self.shape}, nnz={self.nnz}, values={self.value_dtype}, "
                f"base={self.base_dtype}, {self.semantics})")

    @property
    def indices(self) -> np.ndarray:
        """Flat row-major positions (strictly increasing, range-checked): uint32 when the tensor has at most 2^32
        elements, else uint64. Decoded from the file (a new array)."""
        h = self._adapter._handle_or_raise()
        if self.numel <= 1 << 32:
            out = np.empty(self.nnz, dtype=np.uint32)
            check(lib().shira_read_indices_u32(h, self.ordinal, out.ctypes.data, self.nnz))
        else:
            out = np.empty(self.nnz, dtype=np.uint64)
            check(lib().shira_read_indices_u64(h, self.ordinal, out.ctypes.data, self.nnz))
        return out

    @property
    def values(self) -> np.ndarray:
        """The stored values as a read-only zero-copy view of the file's memory map (float32, float16, or the raw
        bits of bfloat16 as uint16 since NumPy has no bfloat16; see :meth:`values_f32`). The view keeps the adapter
        open."""
        h = self._adapter._handle_or_raise()
        p, size = c_void_p(), c_uint64()
        check(lib().shira_values_view(h, self.ordinal, ctypes.byref(p), ctypes.byref(size)))
        dt = np.dtype(_VALUE_NUMPY[self._value_code])
        if self.nnz == 0:
            return np.empty(0, dtype=dt)
        raw = (ctypes.c_char * size.value).from_address(p.value)
        # The array's base chain keeps `raw` alive; `raw` pins the map (close() waits for the last view).
        self._adapter._pin(raw)
        arr = np.frombuffer(raw, dtype=dt, count=self.nnz)
        arr.flags.writeable = False
        return arr

    def values_f32(self) -> np.ndarray:
        """The values widened to float32 (a new array)."""
        out = np.empty(self.nnz, dtype=np.float32)
        check(lib().shira_read_values_f32(self._adapter._handle_or_raise(), self.ordinal, out.ctypes.data, self.nnz))
        return out


class Adapter(Mapping[str, Tensor]):
    """An open ``.shira`` adapter (memory-mapped by libshira; layout and manifest already checked).

    A mapping from target tensor name to :class:`Tensor`. :meth:`apply_` patches weights in place and remembers
    the overwritten elements so that :meth:`revert_` restores them bit for bit.
    """

    def __init__(self, path):
        self.path = str(path)
        h = c_void_p()
        check(lib().shira_open(n.encode_path(path), ctypes.byref(h)))
        self._handle = h
        count = c_uint64()
        check(lib().shira_tensor_count(h, ctypes.byref(count)))
        tensors = []
        for i in range(count.value):
            info = n.TensorInfo()
            check(lib().shira_tensor_info_at(h, i, ctypes.byref(info)))
            tensors.append(Tensor(self, i, info))
        self._tensors = {t.name: t for t in tensors}
        # Per applied weights object: the originals of each patched tensor, newest last (a stack, as in the runtime).
        self._applied: list = []
        self._views = 0
        self._closing = False

    # ---- Mapping -------------------------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> Tensor:
        return self._tensors[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tensors)

    def __len__(self) -> int:
        return len(self._tensors)

    @property
    def tensors(self) -> list:
        """The tensor entries in name order."""
        return list(self._tensors.values())

    @property
    def metadata(self) -> dict:
        """Adapter metadata: name, description, base model, base fingerprint, provenance, parameters, extra."""
        p = c_void_p()
        check(lib().shira_metadata_json(self._handle_or_raise(), ctypes.byref(p)))
        return json.loads(n.take_string(p))

    def __repr__(self) -> str:
        return f"shira.Adapter({self.path!r}, {len(self)} tensors)"

    # ---- lifetime ------------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Closes the adapter. The file stays mapped until the last zero-copy value view is garbage-collected."""
        if self._closing:
            return
        self._closing = True
        if self._views == 0:
            self._release()

    def _pin(self, raw) -> None:
        self._views += 1
        weakref.finalize(raw, self._unpin)

    def _unpin(self) -> None:
        self._views -= 1
        if self._views == 0 and self._closing:
            self._release()

    def _release(self) -> None:
        h, self._handle = self._handle, None
        if h is not None and h.value:
            check(lib().shira_close(h))

    def __enter__(self) -> "Adapter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def _handle_or_raise(self) -> c_void_p:
        if self._closing or self._handle is None:
            raise ShiraError(8002, f"SHIRA-E8002: the adapter {self.path} is closed")
        return self._handle

    # ---- apply / revert ------------------------------------------------------------------------------------------
    def apply_(self, weights: MutableMapping, scale: float = 1.0, *, any_dtype: bool = False,
               verify_fingerprint: bool = True) -> "Adapter":
        """Patches ``weights`` (name -> numpy array or CPU torch tensor; f32, f16 or bf16; contiguous) in place, as
        ``shira apply`` does: W = round(f32(W) + f32(s·v)) with s = entry scale × ``scale``, bit for bit.

        Every target is checked first (present, shape, dtype, contiguity; E6001/E6002/E6003/E9002): if one fails,
        nothing is written. The overwritten elements are kept, so :meth:`revert_` gives the weights back exactly.
        Additive entries apply to f32, f16 and bf16 weights alike (rounding into the weights' dtype, as PEFT merges);
        ``any_dtype`` also applies replacement entries to another float dtype than the one they record;
        ``verify_fingerprint=False`` skips the base-fingerprint check (use it when the weights already carry
        another adapter). Returns ``self``.
        """
        flags = (n.FLAG_ANY_DTYPE if any_dtype else 0) | (0 if verify_fingerprint else n.FLAG_NO_FINGERPRINT)
        h = self._handle_or_raise()
        plan = self._plan(weights)
        done = []
        try:
            for t, buf in plan:
                shape = (c_int64 * max(1, len(buf.shape)))(*buf.shape)
                orig = np.empty(t.nnz * buf.element_size, dtype=np.uint8)
                check(lib().shira_apply(h, t.ordinal, buf.pointer, buf.dtype, shape, len(buf.shape), float(scale),
                                        orig.ctypes.data, orig.nbytes, flags))
                done.append((t, buf, orig, flags))
        except BaseException:
            # All or nothing: a later entry failed (a corrupt section found on decode), so undo the earlier ones.
            self._restore(done)
            raise
        self._applied.append((weights, done))
        return self

    def revert_(self, weights: MutableMapping | None = None) -> "Adapter":
        """Restores the weights patched by the last :meth:`apply_` (of ``weights`` if given), bit for bit."""
        for k in range(len(self._applied) - 1, -1, -1):
            if weights is None or self._applied[k][0] is weights:
                _, done = self._applied.pop(k)
                self._restore(done)
                return self
        raise ShiraError(6007, "SHIRA-E6007: this adapter has not been applied to these weights (NotApplied)")

    def _plan(self, weights: Mapping) -> list:
        """Checks every target against ``weights`` before anything is written."""
        if not isinstance(weights, Mapping):
            raise ShiraError(n.E_USAGE, f"SHIRA-E9002: weights must be a mapping name -> array, not {type(weights).__name__}")
        plan = []
        for t in self._tensors.values():
            if t.name not in weights:
                raise ShiraError(6001, f"SHIRA-E6001 [{self.path}, tensor '{t.name}']: adapter target '{t.name}' "
                                       "is not in the weights")
            buf = buffer_of(t.name, weights[t.name])
            if len(buf.shape) > n.MAX_RANK:
                raise ShiraError(6002, f"SHIRA-E6002 [{self.path}, tensor '{t.name}']: rank {len(buf.shape)}")
            plan.append((t, buf))
        return plan

    def _restore(self, done: list) -> None:
        h = self._handle_or_raise()
        for t, buf, orig, flags in reversed(done):
            shape = (c_int64 * max(1, len(buf.shape)))(*buf.shape)
            check(lib().shira_revert(h, t.ordinal, buf.pointer, buf.dtype, shape, len(buf.shape), orig.ctypes.data,
                                     orig.nbytes, flags))

