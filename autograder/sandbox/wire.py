"""Wire format between the grader (``autograder.sandbox``) and the worker (``worker.py``).

This module is mounted into the sandbox next to ``worker.py``, so it must use
only the standard library and numpy, import nothing from the project, and hold
no reference code or expected values.

Plain data only, never pickle. A message is one JSON object, framed by a
4-byte big-endian length. Values inside messages go through ``encode`` /
``decode``: JSON scalars (None, bool, int, float incl. nan/inf, str) and lists
stay as they are; everything else is a tagged object ``{"$": tag, ...}``:

=========  =============================================================
``tuple``  ``{"$": "tuple", "v": [...]}``
``dict``   ``{"$": "dict", "v": {...}}`` (str keys only)
``nd``     ndarray: ``dtype`` (e.g. ``"<f8"``), ``shape``, ``data`` (base64)
``np``     numpy scalar: ``dtype``, ``data`` (base64)
``fn``     callable handle: ``side`` (``"g"`` grader, ``"w"`` worker), ``id``, ``name``
``opaque`` anything else: ``type`` and a short ``repr``
=========  =============================================================

Only numeric and bool dtypes cross the wire; object arrays and other exotic
values become :class:`Opaque`, which the grader can report but never executes.
"""
from __future__ import annotations

import base64
import json
import re
import struct

import numpy as np

TYPE_CHECKING = False   # no `typing` import at run time: this file runs in the box (python -S)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

MAX_MESSAGE = 16 * 2**20    # bytes; bigger frames are refused in both directions (a check sends ~5 MB at most)
MAX_DEPTH = 64              # nesting deeper than this is sent as Opaque
_HEADER = struct.Struct(">I")
_DTYPE_RE = re.compile(r"^[<>|=][biufc][0-9]{1,2}$")   # numeric/bool dtypes only


class WireError(ValueError):
    """A message or value that cannot be framed, sent or decoded."""


class Opaque:
    """Stands for a value that is not plain data (a generator, a custom object...)."""

    __slots__ = ("type_name", "repr_snippet")

    def __init__(self, type_name: object, repr_snippet: object = "") -> None:
        self.type_name = str(type_name)
        self.repr_snippet = str(repr_snippet)

    def __repr__(self):
        return f"Opaque({self.type_name!r}, {self.repr_snippet!r})"

    def __eq__(self, other):
        return (isinstance(other, Opaque) and other.type_name == self.type_name
                and other.repr_snippet == self.repr_snippet)

    def __hash__(self):
        return hash((self.type_name, self.repr_snippet))


def opaque_of(x: object) -> Opaque:
    """Describe an arbitrary object without ever failing."""
    t = type(x)
    name = t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
    try:
        snippet = repr(x)
    except BaseException:  # a hostile __repr__
        snippet = f"<{name} object>"
    if len(snippet) > 200:
        snippet = snippet[:200] + "..."
    return Opaque(name, snippet)


# ---------------------------------------------------------------- framing

def frame(msg: dict[str, Any]) -> bytes:
    """Serialize a message dict into length-prefixed bytes."""
    data = json.dumps(msg, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_MESSAGE:
        raise WireError(f"message of {len(data) / 2**20:.0f} MB exceeds the "
                        f"{MAX_MESSAGE // 2**20} MB limit")
    return _HEADER.pack(len(data)) + data


def body_length(header: bytes) -> int:
    """Length announced by a 4-byte frame header (checked against the limit)."""
    (n,) = _HEADER.unpack(header)
    if n > MAX_MESSAGE:
        raise WireError(f"incoming message of {n} bytes exceeds the limit")
    return n


def parse(body: bytes) -> dict[str, Any]:
    """Bytes of one frame body -> message dict."""
    try:
        msg = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise WireError(f"malformed message: {e}") from None
    if not isinstance(msg, dict):
        raise WireError("malformed message: not an object")
    return msg


# ---------------------------------------------------------------- values

def _b64(buf):
    return base64.b64encode(buf).decode("ascii")


def encode(x: object, on_callable: Callable[[Any], dict[str, Any] | None], strict: bool = False,
           _depth: int = 0) -> Any:
    """Turn ``x`` into JSON-able data.

    ``on_callable(x)`` is asked for the handle of a callable (it returns the
    ``{"$": "fn", ...}`` dict, or None to treat ``x`` as opaque). With
    ``strict`` (grader side) unsupported values raise TypeError instead of
    becoming Opaque.
    """
    if x is None or x is True or x is False:
        return x
    if _depth > MAX_DEPTH:
        if strict:
            raise TypeError("value nested too deeply to send")
        return _enc_opaque(opaque_of(x))
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "biufc" and x.dtype.fields is None:
            a = np.asarray(x, order="C")
            return {"$": "nd", "dtype": a.dtype.str, "shape": list(a.shape), "data": _b64(a)}
    elif isinstance(x, np.generic):
        if x.dtype.kind in "biufc":
            return {"$": "np", "dtype": x.dtype.str, "data": _b64(x.tobytes())}
        if isinstance(x, np.str_):
            return str(x)
    elif isinstance(x, bool):
        return bool(x)
    elif isinstance(x, int):
        return int(x)
    elif isinstance(x, float):
        return float(x)
    elif isinstance(x, str):
        return str(x)
    elif isinstance(x, list):
        return [encode(v, on_callable, strict, _depth + 1) for v in x]
    elif isinstance(x, tuple):
        return {"$": "tuple", "v": [encode(v, on_callable, strict, _depth + 1) for v in x]}
    elif isinstance(x, dict) and all(type(k) is str for k in x):
        return {"$": "dict", "v": {k: encode(v, on_callable, strict, _depth + 1) for k, v in x.items()}}
    elif isinstance(x, Opaque):
        return _enc_opaque(x)
    elif callable(x):
        handle = on_callable(x)
        if handle is not None:
            return handle
    if strict:
        raise TypeError(f"cannot send a {type(x).__name__} to the sandbox (plain data only)")
    return _enc_opaque(opaque_of(x))


def _enc_opaque(o):
    return {"$": "opaque", "type": o.type_name, "repr": o.repr_snippet}


def decode(o: Any, on_handle: Callable[[dict[str, Any]], Any], _depth: int = 0) -> Any:
    """Inverse of :func:`encode`. ``on_handle(d)`` turns a handle dict into a callable.

    Raises WireError on anything malformed; it never executes data.
    """
    if o is None or isinstance(o, (bool, int, float, str)):
        return o
    if _depth > MAX_DEPTH + 2:
        raise WireError("value nested too deeply")
    if isinstance(o, list):
        return [decode(v, on_handle, _depth + 1) for v in o]
    if not isinstance(o, dict):
        raise WireError(f"unexpected {type(o).__name__} in message")
    try:
        tag = o["$"]
        if tag == "tuple":
            return tuple(decode(v, on_handle, _depth + 1) for v in _typed(o["v"], list))
        if tag == "dict":
            return {str(k): decode(v, on_handle, _depth + 1) for k, v in _typed(o["v"], dict).items()}
        if tag == "nd":
            shape = _typed(o["shape"], list)
            if len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
                raise WireError("bad array shape")
            dt, buf = _dtype(o["dtype"]), base64.b64decode(_typed(o["data"], str), validate=True)
            count = 1
            for n in shape:
                count *= n
            if count * dt.itemsize != len(buf):
                raise WireError("array data does not match its shape")
            return np.frombuffer(buf, dtype=dt, count=count).reshape(shape).copy()
        if tag == "np":
            dt, buf = _dtype(o["dtype"]), base64.b64decode(_typed(o["data"], str), validate=True)
            if len(buf) != dt.itemsize:
                raise WireError("bad numpy scalar")
            return np.frombuffer(buf, dtype=dt)[0]
        if tag == "fn":
            return on_handle(o)
        if tag == "opaque":
            return Opaque(_typed(o["type"], str), _typed(o["repr"], str))
    except (KeyError, TypeError, ValueError) as e:  # ValueError covers binascii.Error
        raise WireError(f"malformed value: {e}") from None
    raise WireError(f"unknown value tag {o.get('$')!r}")


def _typed(v, t):
    if not isinstance(v, t):
        raise WireError(f"expected {t.__name__}, got {type(v).__name__}")
    return v


def _dtype(s):
    if not isinstance(s, str) or not _DTYPE_RE.match(s):
        raise WireError(f"refused dtype {s!r}")
    return np.dtype(s)
