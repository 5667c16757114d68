"""ctypes declarations of libshira (include/shira.h) and the error type."""

from __future__ import annotations

import ctypes
import os
import threading
from ctypes import POINTER, c_char_p, c_float, c_int, c_int32, c_int64, c_uint32, c_uint64, c_void_p

ABI_VERSION = 1
MAX_RANK = 8

DTYPE_F32, DTYPE_F16, DTYPE_BF16 = 1, 2, 3
DTYPE_NAMES = {0: "other", DTYPE_F32: "f32", DTYPE_F16: "f16", DTYPE_BF16: "bf16"}
SEMANTICS = {1: "add", 2: "replace"}
INDEX_ENCODINGS = {1: "raw-u32", 2: "raw-u64", 3: "delta-bitpacked", 4: "delta-varint", 5: "structured"}

FLAG_ANY_DTYPE = 1
FLAG_NO_FINGERPRINT = 2

E_USAGE = 9002


class ShiraError(Exception):
    """An error reported by libshira, carrying the stable ``SHIRA-Ennnn`` code.

    ``code`` is the string (``"SHIRA-E3003"``), ``number`` the integer (3003), ``name`` the code's name
    (``"SectionChecksum"``) and ``message`` the library's one-line message (file, tensor, byte offset).
    """

    def __init__(self, number: int, message: str, name: str | None = None):
        self.number = int(number)
        self.code = f"SHIRA-E{self.number:04d}"
        self.name = name if name is not None else error_name(self.number)
        self.message = message
        super().__init__(message if self.code in message else f"{self.code}: {message}")


class TensorInfo(ctypes.Structure):
    _fields_ = [
        ("name", c_char_p),
        ("rank", c_int32),
        ("semantics", c_int32),
        ("shape", c_int64 * MAX_RANK),
        ("numel", c_uint64),
        ("nnz", c_uint64),
        ("value_dtype", c_int32),
        ("base_dtype", c_int32),
        ("base_dtype_name", c_char_p),
        ("scale", c_float),
        ("index_encoding", c_int32),
        ("index_set", c_int32),
        ("reserved", c_int32),
    ]


class Issue(ctypes.Structure):
    _fields_ = [
        ("code", c_int32),
        ("count", c_int32),
        ("offset", c_int64),
        ("name", c_void_p),
        ("tensor", c_void_p),
        ("message", c_void_p),
    ]


_lib = None
_lock = threading.Lock()


def library_path() -> str:
    """Where libshira is loaded from: ``$SHIRA_LIBRARY`` if set, else ``libshira.so`` next to this package."""
    env = os.environ.get("SHIRA_LIBRARY")
    if env:
        return env
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "libshira.so")


def lib() -> ctypes.CDLL:
    """The loaded library (loaded once, on first use)."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            path = library_path()
            if not os.path.exists(path):
                raise ImportError(
                    f"libshira not found at {path}: build it with "
                    "`dotnet publish src/Shira.Native -c Release -r linux-x64 -o DIR` and copy DIR/libshira.so next "
                    "to the shira package, or set SHIRA_LIBRARY=DIR/libshira.so"
                )
            _lib = _declare(ctypes.CDLL(path))
            abi = _lib.shira_abi_version()
            if abi != ABI_VERSION:
                raise ImportError(f"{path} has ABI version {abi}; this package needs {ABI_VERSION}")
    return _lib


def _declare(l: ctypes.CDLL) -> ctypes.CDLL:
    h = c_void_p
    sig = {
        "shira_version": (c_char_p, []),
        "shira_abi_version": (c_int32, []),
        "shira_last_error": (c_char_p, []),
        "shira_free": (None, [c_void_p]),
        "shira_error_name": (c_char_p, [c_int]),
        "shira_validate": (c_int, [c_char_p, POINTER(Issue), POINTER(c_void_p)]),
        "shira_issue_clear": (None, [POINTER(Issue)]),
        "shira_open": (c_int, [c_char_p, POINTER(c_void_p)]),
        "shira_close": (c_int, [h]),
        "shira_tensor_count": (c_int, [h, POINTER(c_uint64)]),
        "shira_tensor_info_at": (c_int, [h, c_uint64, POINTER(TensorInfo)]),
        "shira_find_tensor": (c_int, [h, c_char_p, POINTER(c_uint64)]),
        "shira_tensors_json": (c_int, [h, POINTER(c_void_p)]),
        "shira_metadata_json": (c_int, [h, POINTER(c_void_p)]),
        "shira_read_indices_u32": (c_int, [h, c_uint64, c_void_p, c_uint64]),
        "shira_read_indices_u64": (c_int, [h, c_uint64, c_void_p, c_uint64]),
        "shira_read_values_f32": (c_int, [h, c_uint64, c_void_p, c_uint64]),
        "shira_read_values_raw": (c_int, [h, c_uint64, c_void_p, c_uint64]),
        "shira_values_view": (c_int, [h, c_uint64, POINTER(c_void_p), POINTER(c_uint64)]),
        "shira_apply": (c_int, [h, c_uint64, c_void_p, c_int32, POINTER(c_int64), c_int32, c_float, c_void_p, c_uint64, c_uint32]),
        "shira_revert": (c_int, [h, c_uint64, c_void_p, c_int32, POINTER(c_int64), c_int32, c_void_p, c_uint64, c_uint32]),
    }
    for name, (res, args) in sig.items():
        f = getattr(l, name)
        f.restype = res
        f.argtypes = args
    return l


def error_name(number: int) -> str:
    try:
        return (lib().shira_error_name(number) or b"").decode()
    except ImportError:
        return ""


def check(rc: int) -> None:
    """Raises :class:`ShiraError` for a non-zero return code, with the thread's last error message."""
    if rc != 0:
        raise ShiraError(rc, (lib().shira_last_error() or b"").decode("utf-8", "replace"))


def take_string(p: c_void_p) -> str:
    """Decodes a string the library allocated and frees it."""
    if not p.value:
        return ""
    try:
        return ctypes.string_at(p.value).decode("utf-8")
    finally:
        lib().shira_free(p)


def encode_path(path) -> bytes:
    return os.fsencode(os.fspath(path))
