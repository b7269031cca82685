"""The only format in which data leaves the sandbox.

A stream of frames: a 4-byte big-endian header length, a JSON header, then the
raw bytes of any arrays the header describes. No pickle, no ``.npy`` parsing:
the grader rebuilds arrays with ``np.frombuffer`` from an allow-listed dtype
after checking that shape and byte count agree, and caps every size first.

``encode`` runs in the child (on whatever the student returned); ``read`` and
``decode`` run in the grader and trust nothing.
"""

from __future__ import annotations

import json
import math
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from grader.values import ArrayValue, OpaqueValue, ScalarValue

ALLOWED_DTYPES = frozenset({
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128",
})
MAX_HEADER = 1 << 20
MAX_HEADERS_TOTAL = 8 << 20      # all headers of one stream together: each decodes to up to ~25x its size
MAX_DEPTH = 32
MAX_ELEMENTS = 1 << 31           # an array's elements, zero-length axes counted as one
MAX_NODES = 200_000
MAX_TEXT = 4000


class WireError(ValueError):
    """The stream from the sandbox is malformed or over a limit."""


@dataclass
class Frame:
    header: dict[str, Any]
    buffers: list[bytes]


# ---------------------------------------------------------------- child side

def write_frame(out: BinaryIO, header: dict[str, Any], buffers: list[bytes] = ()) -> None:  # type: ignore[assignment]
    header = {**header, "buffers": [len(b) for b in buffers]}
    raw = json.dumps(header, allow_nan=False).encode()
    out.write(struct.pack(">I", len(raw)) + raw)
    for buf in buffers:
        out.write(buf)
    out.flush()


def encode(value: Any, buffers: list[bytes], depth: int = 0) -> Any:
    """Describe ``value`` as JSON-able data; array bytes are appended to ``buffers``."""
    if depth > MAX_DEPTH:
        return {"t": "opaque", "origin": type(value).__name__, "text": "nested too deeply"}
    torch = _torch()
    if torch is not None and isinstance(value, torch.Tensor):
        tensor = value.detach()
        device = str(tensor.device)
        requires_grad = bool(value.requires_grad)
        if tensor.dtype == torch.bfloat16:
            tensor = tensor.float()
        array = tensor.cpu().contiguous().numpy()
        return _array(array, "torch.Tensor", buffers, requires_grad=requires_grad, device=device)
    if torch is not None and isinstance(value, torch.nn.Module):   # a network: its parameters, in module order
        return {"t": "list", "items": [encode(p, buffers, depth + 1) for p in list(value.parameters())[:10_000]]}
    if isinstance(value, np.ndarray):
        return _array(value, "numpy.ndarray", buffers)
    data = _variable_data(value)
    if data is not None:   # a student framework's Variable (DeZero, Chainer): its array
        return _array(data, f"{type(value).__module__}.{type(value).__qualname__}", buffers)
    if isinstance(value, (bool, np.bool_)):
        return {"t": "scalar", "origin": type(value).__module__.replace("builtins", "") + type(value).__name__ if isinstance(value, np.bool_) else "bool", "v": bool(value)}
    if isinstance(value, (int, np.integer)):
        v = int(value)
        origin = "int" if isinstance(value, int) else f"numpy.{type(value).__name__}"
        if abs(v) >= 2**63:
            return {"t": "opaque", "origin": origin, "text": "integer too large"}
        return {"t": "scalar", "origin": origin, "v": v}
    if isinstance(value, (float, np.floating)):
        origin = "float" if isinstance(value, float) else f"numpy.{type(value).__name__}"
        return {"t": "scalar", "origin": origin, "v": _float(float(value))}
    if isinstance(value, (complex, np.complexfloating)):
        c = complex(value)
        return {"t": "scalar", "origin": "complex", "v": [_float(c.real), _float(c.imag)], "complex": True}
    if value is None:
        return {"t": "none"}
    if isinstance(value, str):
        return {"t": "str", "v": value[:MAX_TEXT]}
    if isinstance(value, (list, tuple)):
        return {"t": "list" if isinstance(value, list) else "tuple",
                "items": [encode(v, buffers, depth + 1) for v in list(value)[:100_000]]}
    if isinstance(value, dict) and all(isinstance(k, (str, int)) for k in value):
        return {"t": "dict", "items": [[k, encode(v, buffers, depth + 1)] for k, v in list(value.items())[:100_000]]}
    try:
        text = repr(value)[:200]
    except Exception:  # noqa: BLE001 - a student's __repr__ may raise anything
        text = "<unprintable>"
    return {"t": "opaque", "origin": f"{type(value).__module__}.{type(value).__qualname__}", "text": text}


def _variable_data(value: Any) -> np.ndarray | None:
    """The ndarray a framework's variable object holds in ``.data``, else None (no other object's
    attributes are read)."""
    if isinstance(value, (str, bytes, list, tuple, dict, int, float, complex)) or value is None:
        return None
    try:
        data = getattr(value, "data", None)
    except Exception:  # noqa: BLE001 - a student's property may raise anything
        return None
    return data if isinstance(data, np.ndarray) else None


def _array(array: np.ndarray, origin: str, buffers: list[bytes], **extra: Any) -> dict[str, Any]:
    dtype = str(array.dtype)
    if dtype not in ALLOWED_DTYPES:
        return {"t": "opaque", "origin": f"{origin}[{dtype}]", "text": f"array of dtype {dtype}"}
    buffers.append(np.ascontiguousarray(array).tobytes())
    return {"t": "array", "origin": origin, "dtype": dtype, "shape": list(array.shape), "buf": len(buffers) - 1, **extra}


def _float(v: float) -> float | str:
    return v if np.isfinite(v) else repr(v)


def _torch() -> Any:
    return sys.modules.get("torch")


# --------------------------------------------------------------- grader side

def read(path: str, max_bytes: int) -> Iterator[Frame]:
    """Frames from a stream file the sandbox wrote; stops quietly at a torn last frame."""
    return parse(read_bytes(path, max_bytes))


def read_bytes(path: str, max_bytes: int) -> bytes:
    """A stream file's bytes, refused when over ``max_bytes``."""
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise WireError(f"the submission's results exceed {max_bytes // (1 << 20)} MiB")
    return data


def parse(data: bytes | memoryview) -> Iterator[Frame]:
    """Frames from a stream's bytes (or a slice of them), one at a time; stops quietly at a torn
    last frame. Every malformed or oversized header is a :class:`WireError`, never another error."""
    view = memoryview(data)
    pos = total = 0
    while pos + 4 <= len(view):
        (size,) = struct.unpack(">I", view[pos:pos + 4])
        if size > MAX_HEADER:
            raise WireError("a result header is larger than 1 MiB")
        total += size
        if total > MAX_HEADERS_TOTAL:
            raise WireError(f"the result headers exceed {MAX_HEADERS_TOTAL >> 20} MiB in all")
        if pos + 4 + size > len(view):
            return
        header = _header(bytes(view[pos + 4:pos + 4 + size]))
        sizes = header.get("buffers", [])
        if not isinstance(sizes, list) or not all(isinstance(s, int) and s >= 0 for s in sizes):
            raise WireError("a result header has malformed buffer sizes")
        pos += 4 + size
        if pos + sum(sizes) > len(view):
            return
        buffers = []
        for s in sizes:
            buffers.append(bytes(view[pos:pos + s]))
            pos += s
        yield Frame(header, buffers)


def _header(raw: bytes) -> dict[str, Any]:
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:   # RecursionError: nesting too deep
        raise WireError(f"a result header is not valid JSON ({str(exc)[:200]})") from None
    if not isinstance(header, dict):
        raise WireError("a result header is not a JSON object")
    return header


def decode(tree: Any, buffers: list[bytes]) -> Any:
    """Rebuild a value from its description, validating every part; any failure is a :class:`WireError`."""
    counter = [0]
    try:
        return _decode(tree, buffers, 0, counter)
    except WireError:
        raise
    except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
        raise WireError(f"a returned value could not be decoded ({type(exc).__name__})") from None


def _decode(node: Any, buffers: list[bytes], depth: int, counter: list[int]) -> Any:
    counter[0] += 1
    if counter[0] > MAX_NODES or depth > MAX_DEPTH + 1:
        raise WireError("the returned value is nested too deeply or has too many parts")
    if not isinstance(node, dict) or not isinstance(node.get("t"), str):
        raise WireError("malformed value description")
    kind = node["t"]
    if kind == "array":
        return _decode_array(node, buffers)
    if kind == "scalar":
        return _decode_scalar(node)
    if kind == "none":
        return None
    if kind == "str":
        return str(node.get("v", ""))[:MAX_TEXT]
    if kind in ("list", "tuple"):
        items = node.get("items")
        if not isinstance(items, list):
            raise WireError("malformed list")
        out = [_decode(i, buffers, depth + 1, counter) for i in items]
        return out if kind == "list" else tuple(out)
    if kind == "dict":
        items = node.get("items")
        if not isinstance(items, list) or not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], (str, int)) for p in items):
            raise WireError("malformed dict")
        return {k: _decode(v, buffers, depth + 1, counter) for k, v in items}
    if kind == "opaque":
        return OpaqueValue(str(node.get("origin", "object"))[:200], str(node.get("text", ""))[:200])
    raise WireError(f"unknown value kind {kind[:40]!r}")


def _decode_array(node: dict[str, Any], buffers: list[bytes]) -> ArrayValue:
    dtype, shape, index = node.get("dtype"), node.get("shape"), node.get("buf")
    if dtype not in ALLOWED_DTYPES:
        raise WireError("array of a dtype that is not allowed")
    if not isinstance(shape, list) or len(shape) > 32 or not all(
            isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_ELEMENTS for n in shape):
        raise WireError("array with a malformed shape")
    if math.prod(max(n, 1) for n in shape) > MAX_ELEMENTS:
        raise WireError("array with too many elements")
    if not isinstance(index, int) or not 0 <= index < len(buffers):
        raise WireError("array refers to a missing buffer")
    itemsize = np.dtype(dtype).itemsize
    count = 1
    for n in shape:
        count *= n
    if count * itemsize != len(buffers[index]):
        raise WireError("array shape and byte count disagree")
    array = np.frombuffer(buffers[index], dtype=dtype).reshape(shape)
    origin = str(node.get("origin")) if node.get("origin") in ("torch.Tensor", "numpy.ndarray") else "numpy.ndarray"
    device = node.get("device")
    return ArrayValue(array, origin, bool(node.get("requires_grad", False)), str(device)[:40] if device else None)


def _decode_scalar(node: dict[str, Any]) -> ScalarValue:
    origin = str(node.get("origin", "float"))[:60]
    v = node.get("v")
    if node.get("complex"):
        if not (isinstance(v, list) and len(v) == 2):
            raise WireError("malformed complex number")
        return ScalarValue(complex(_parse_float(v[0]), _parse_float(v[1])), origin)
    if isinstance(v, bool):
        return ScalarValue(v, origin)
    if isinstance(v, int):
        return ScalarValue(v, origin)
    return ScalarValue(_parse_float(v), origin)


def _parse_float(v: Any) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if v in ("nan", "inf", "-inf"):
        return float(v)
    raise WireError("malformed number")
