"""shira: read, validate and apply ``.shira`` sparse adapters from Python.

A thin ctypes layer over libshira (the C interface of ShiraFormat, compiled from the same code as the ``shira``
command). NumPy is required; torch is optional (CPU tensors, bf16 included, are patched in place)::

    import shira
    adapter = shira.open("style.shira")
    adapter.apply_(state_dict, scale=0.8)     # in place, bit for bit as `shira apply`
    adapter.revert_(state_dict)               # the original weights again, exactly

Errors are :class:`ShiraError` with the stable ``SHIRA-Ennnn`` code (``err.code``).
"""

from __future__ import annotations

import ctypes
import json
from ctypes import c_void_p
from dataclasses import dataclass
from typing import Mapping, MutableMapping

from . import _native
from ._adapter import Adapter, Tensor
from ._native import ShiraError, library_path

__all__ = [
    "Adapter",
    "Tensor",
    "ShiraError",
    "ValidationIssue",
    "ValidationReport",
    "open",
    "validate",
    "apply_to_state_dict",
    "merge_state_dict",
    "load_state_dict",
    "library_path",
    "library_version",
]

__version__ = "0.1.0"


def open(path) -> Adapter:  # noqa: A001 - mirrors the built-in on purpose (shira.open)
    """Opens (memory-maps) a ``.shira`` file; header, trailer and manifest are checked. Raises ShiraError."""
    return Adapter(path)


@dataclass(frozen=True)
class ValidationIssue:
    """One problem found by :func:`validate`."""

    code: str
    name: str
    tensor: str | None
    offset: int | None
    message: str


@dataclass(frozen=True)
class ValidationReport:
    """The result of :func:`validate`: ``valid`` and every issue found (empty when valid)."""

    path: str
    issues: tuple

    @property
    def valid(self) -> bool:
        return not self.issues

    def __bool__(self) -> bool:
        return self.valid

    def raise_if_invalid(self) -> None:
        """Raises ShiraError for the first issue, if any."""
        if self.issues:
            first = self.issues[0]
            raise ShiraError(int(first.code[7:]), f"{first.code} [{self.path}]: {first.message}", first.name)


def validate(path) -> ValidationReport:
    """Validates a file fully (layout, manifest, every checksum, every index), as ``shira validate`` does. Format
    errors are reported in the result, not raised; a file that cannot be read is reported as SHIRA-E9001."""
    lib = _native.lib()
    js = c_void_p()
    rc = lib.shira_validate(_native.encode_path(path), None, ctypes.byref(js))
    if not js.value:
        _native.check(rc)  # a bad argument: nothing was validated
    items = json.loads(_native.take_string(js))
    issues = tuple(ValidationIssue(i["code"], i["name"], i["tensor"], i["offset"], i["message"]) for i in items)
    return ValidationReport(str(path), issues)


def library_version() -> str:
    """The version of the loaded libshira."""
    return _native.lib().shira_version().decode()


def apply_to_state_dict(state_dict: MutableMapping, path, scale: float = 1.0, **options) -> Adapter:
    """Opens the adapter at ``path`` and applies it to a PyTorch ``state_dict`` (or any name -> array mapping) in
    place. Returns the adapter; ``adapter.revert_(state_dict)`` undoes it exactly. Note that ``module.state_dict()``
    shares storage with the module's parameters, so this patches the module itself."""
    adapter = Adapter(path)
    try:
        adapter.apply_(state_dict, scale, **options)
    except BaseException:
        adapter.close()
        raise
    return adapter


def merge_state_dict(state_dict: Mapping, path, scale: float = 1.0, **options) -> dict:
    """Returns a new state dict with the adapter merged into copies of the targeted tensors (others are shared,
    not copied); ``state_dict`` itself is untouched."""
    out = dict(state_dict)
    with Adapter(path) as adapter:
        for name in adapter:
            if name in out:
                v = out[name]
                out[name] = v.clone() if hasattr(v, "clone") else v.copy()
        adapter.apply_(out, scale, **options)
        adapter._applied.clear()  # the copies are the result; nothing to revert
    return out


def load_state_dict(module, path, scale: float = 1.0, **options) -> Adapter:
    """Applies the adapter at ``path`` to a ``torch.nn.Module``'s weights in place (through its ``state_dict()``,
    which shares their storage). Returns the adapter; ``adapter.revert_()`` restores the module exactly."""
    return apply_to_state_dict(module.state_dict(keep_vars=True), path, scale, **options)
