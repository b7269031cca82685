"""The sandbox's only output format: decoded without pickle, every size checked."""

import io
import json
import struct

import numpy as np
import pytest
import torch

from grader import wire
from grader.values import ArrayValue, OpaqueValue, ScalarValue


def roundtrip(value):
    out = io.BytesIO()
    buffers: list[bytes] = []
    wire.write_frame(out, {"type": "result", "value": wire.encode(value, buffers)}, buffers)
    path_bytes = out.getvalue()
    frames = list(_read_bytes(path_bytes))
    assert len(frames) == 1
    return wire.decode(frames[0].header["value"], frames[0].buffers)


def _read_bytes(data: bytes, tmp=None):
    import tempfile
    with tempfile.NamedTemporaryFile() as fh:
        fh.write(data)
        fh.flush()
        yield from wire.read(fh.name, 1 << 20)


def test_roundtrips_plain_data() -> None:
    value = roundtrip((np.arange(6.0).reshape(2, 3), [1, 2.5, True, None, "s"], {"k": np.float32(1.5)}))
    array, items, mapping = value
    assert isinstance(array, ArrayValue) and array.array.shape == (2, 3) and array.origin == "numpy.ndarray"
    assert [type(v) for v in items] == [ScalarValue, ScalarValue, ScalarValue, type(None), str]
    assert mapping["k"].value == 1.5 and mapping["k"].origin == "numpy.float32"


def test_tensors_keep_their_origin_and_dtype() -> None:
    value = roundtrip(torch.ones(3, dtype=torch.float32, requires_grad=True))
    assert value.is_tensor and value.requires_grad and value.array.dtype == np.float32


def test_a_network_comes_back_as_its_parameters_in_module_order() -> None:
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    value = roundtrip(net)
    assert [v.array.shape for v in value] == [(3, 4), (3,), (2, 3), (2,)]
    assert np.array_equal(value[0].array, net[1].weight.detach().numpy()) and value[0].requires_grad


def test_object_arrays_and_arbitrary_objects_become_opaque() -> None:
    assert isinstance(roundtrip(np.array([object()], dtype=object)), OpaqueValue)

    class AlwaysEqual:
        def __eq__(self, other):
            return True

    decoded = roundtrip(AlwaysEqual())
    assert isinstance(decoded, OpaqueValue) and "AlwaysEqual" in decoded.origin


def test_a_framework_variable_is_its_data_array() -> None:
    class Variable:   # DeZero's (and Chainer's) shape: the array lives in .data
        def __init__(self, data):
            self.data = data

    value = roundtrip([Variable(np.array([[1.5, -2.0]])), Variable(np.float64(3.0)), Variable("text")])
    assert isinstance(value[0], ArrayValue) and value[0].array.tolist() == [[1.5, -2.0]]
    assert isinstance(value[1], OpaqueValue) and isinstance(value[2], OpaqueValue)   # only an ndarray counts


def test_a_data_property_that_raises_leaves_the_object_opaque() -> None:
    class Broken:
        @property
        def data(self):
            raise RuntimeError("no")

    assert isinstance(roundtrip(Broken()), OpaqueValue)


def test_nonfinite_floats_survive() -> None:
    value = roundtrip([float("nan"), float("inf")])
    assert np.isnan(value[0].value) and value[1].value == float("inf")


def _frame(header: dict, payload: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack(">I", len(raw)) + raw + payload


def test_rejects_shape_and_byte_count_mismatch() -> None:
    data = _frame({"type": "result", "buffers": [8], "value": {"t": "array", "dtype": "float64", "shape": [2], "buf": 0}}, b"\0" * 8)
    frame = next(_read_bytes(data))
    with pytest.raises(wire.WireError, match="disagree"):
        wire.decode(frame.header["value"], frame.buffers)


def test_rejects_dtypes_outside_the_allow_list() -> None:
    data = _frame({"type": "result", "buffers": [8], "value": {"t": "array", "dtype": "object", "shape": [1], "buf": 0}}, b"\0" * 8)
    frame = next(_read_bytes(data))
    with pytest.raises(wire.WireError, match="not allowed"):
        wire.decode(frame.header["value"], frame.buffers)


def test_rejects_oversized_headers_and_streams(tmp_path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(struct.pack(">I", 5 << 20) + b"x" * 10)
    with pytest.raises(wire.WireError, match="larger than 1 MiB"):
        list(wire.read(str(path), 64 << 20))
    path.write_bytes(b"\0" * 100)
    with pytest.raises(wire.WireError, match="exceed"):
        list(wire.read(str(path), 50))


def test_a_torn_last_frame_is_ignored(tmp_path) -> None:
    path = tmp_path / "data.bin"
    whole = _frame({"type": "load", "ok": True, "buffers": []})
    path.write_bytes(whole + whole[:7])
    assert len(list(wire.read(str(path), 1 << 20))) == 1


def test_pickle_bytes_are_never_unpickled(tmp_path) -> None:
    import pickle

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "data.bin"
    path.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(wire.WireError):
        list(wire.read(str(path), 1 << 20))
    assert not marker.exists()


def _raw_frame(header: bytes) -> bytes:
    return struct.pack(">I", len(header)) + header


def test_a_deeply_nested_header_is_a_wire_error_not_a_recursion_error() -> None:
    with pytest.raises(wire.WireError, match="not valid JSON"):
        list(wire.parse(_raw_frame(b"[" * 200_000)))
    deep = {"t": "list", "items": []}
    for _ in range(500):
        deep = {"t": "list", "items": [deep]}
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.decode(deep, [])


@pytest.mark.parametrize("shape", [[0, 2**70], [0, 2**40, 2**40], [2**62], [True, 0]])
def test_an_absurd_shape_is_a_wire_error_not_a_numpy_error(shape) -> None:
    node = {"t": "array", "dtype": "float64", "shape": shape, "buf": 0}
    with pytest.raises(wire.WireError):
        wire.decode(node, [b""])


def test_a_frame_the_child_forged_is_read_as_data_or_refused_never_raised_through() -> None:
    from grader.sandbox import protocol

    nested: list = []
    for _ in range(900):
        nested = [nested]
    frames = [wire.Frame({"type": "result", "task": 0, "ok": False, "error": nested, "origin": {"x": 1}}, []),
              wire.Frame({"type": "result", "task": 1, "ok": True, "value": {"t": "scalar", "v": [1]}}, [])]
    evaluations: list = [None, None]
    with pytest.raises(wire.WireError):
        protocol.collect(frames, evaluations, range(2), take_load=False)
    assert evaluations[0].error == "unknown error" and evaluations[0].origin is None


def test_padding_frames_are_bounded_and_never_held_together() -> None:
    """63 frames of 1 MiB of ``{}`` once made the grader hold ~1.1 GB of parsed JSON."""
    import tracemalloc

    pad = _raw_frame(b'{"type": "pad", "x": [' + b"{}," * 349_000 + b"{}]}")
    tracemalloc.start()
    try:
        with pytest.raises(wire.WireError, match="exceed 8 MiB in all"):
            for _ in wire.parse(pad * 63):
                pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 << 20, f"{peak >> 20} MiB"
