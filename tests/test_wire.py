"""The wire format between grader and worker (autograder/sandbox/wire.py), without a box:
values survive a trip through a real frame, and malformed frames and values are refused."""
import json
import math
import struct

import numpy as np
import pytest

from autograder.sandbox.wire import (MAX_DEPTH, MAX_MESSAGE, Opaque, WireError, body_length, decode, encode,
                                     frame, parse)


def no_callables(fn):
    raise AssertionError(f"no callable expected, got {fn!r}")


def no_handles(handle):
    raise AssertionError(f"no handle expected, got {handle!r}")


def trip(x, on_callable=no_callables, on_handle=no_handles, strict=False):
    """x -> encode -> one frame -> parse -> decode, as grader and worker do."""
    data = frame({"op": "call", "value": encode(x, on_callable, strict)})
    assert body_length(data[:4]) == len(data) - 4
    return decode(parse(data[4:])["value"], on_handle)


def same(a, b):
    """Equal values of the same types all the way down (nan equals nan, arrays keep dtype and shape)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            same(a[key], b[key])
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    elif isinstance(a, np.generic) and a.dtype.kind in "fc":
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    else:
        assert a == b


PLAIN = [None, True, False, 0, -7, 2 ** 70, 1.5, -0.0, float("nan"), float("inf"), -float("inf"),
         "", "softmax", "交叉熵 / cross-entropy \u0000 \n", [], [1, "a", None, [2.5, []]], (), (1, (2, [3])),
         {}, {"W1": (1, 2), "b1": [None, {"x": 0.5}]}]


@pytest.mark.parametrize("value", PLAIN, ids=repr)
def test_plain_values_and_containers_come_back_as_they_were(value):
    same(trip(value), value)


SCALARS = [np.float64(0.1), np.float32(1.5), np.float16(-2), np.int8(-128), np.int64(2 ** 62), np.uint8(255),
           np.uint64(2 ** 64 - 1), np.bool_(True), np.complex128(1 - 2j), np.float64("nan")]


@pytest.mark.parametrize("value", SCALARS, ids=lambda v: f"{v.dtype}:{v!r}")
def test_numpy_scalars_keep_their_dtype(value):
    same(trip(value), value)


ARRAYS = [np.arange(6, dtype=np.float64).reshape(2, 3) / 7,
          np.array([[np.nan, np.inf], [-np.inf, -0.0]], dtype=np.float32),
          np.arange(24, dtype=np.int32).reshape(2, 3, 4),
          np.array([1, 2, 3], dtype=">i4"),                  # big-endian stays big-endian
          np.array([0, 65535], dtype=np.uint16),
          np.array([True, False, True]),
          np.array([1 + 2j, -3j], dtype=np.complex64),
          np.array(3.25),                                    # 0-d
          np.zeros((0,)), np.zeros((2, 0, 4), dtype=np.int8), np.ones((1, 1, 1, 1, 1)),
          np.random.RandomState(0).randn(784, 50)]           # a W1 of the real size


@pytest.mark.parametrize("value", ARRAYS, ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_arrays_keep_dtype_shape_and_values_and_come_back_writable(value):
    back = trip(value)
    same(back, value)
    assert back.flags.writeable and back.flags.c_contiguous and not np.shares_memory(back, value)


def test_views_are_sent_as_their_values():
    base = np.arange(12.0).reshape(3, 4)
    for view in (base.T, base[:, ::2], base[::-1]):
        same(trip(view), np.ascontiguousarray(view))


def test_tuples_lists_and_dicts_stay_distinct_inside_each_other():
    value = {"args": [(1, 2), [1, 2]], "kw": ({"a": np.int64(1)},)}
    back = trip(value)
    same(back, value)
    assert type(back["args"][0]) is tuple and type(back["args"][1]) is list


def test_a_numpy_string_becomes_a_plain_string():
    back = trip(np.str_("W1"))
    assert back == "W1" and type(back) is str


def test_callables_travel_as_handles_through_both_callbacks():
    registry = {}

    def on_callable(fn):
        registry[len(registry)] = fn
        return {"$": "fn", "side": "g", "id": len(registry) - 1, "name": fn.__name__}

    def on_handle(handle):
        assert handle["side"] == "g" and set(handle) == {"$", "side", "id", "name"}
        return registry[handle["id"]]

    def square(v):
        return v * v

    back = trip({"f": square, "more": [len, (square,)]}, on_callable, on_handle, strict=True)
    assert back["f"] is square and back["more"][0] is len and back["more"][1][0] is square
    assert len(registry) == 3                              # one handle per occurrence


def test_a_callable_without_a_handle_is_opaque():
    back = trip([lambda v: v], on_callable=lambda fn: None)
    assert isinstance(back[0], Opaque) and back[0].type_name == "function" and "lambda" in back[0].repr_snippet


class Thing:
    def __repr__(self):
        return "Thing()" * 100


class Hostile:
    def __repr__(self):
        raise SystemExit("no repr for you")


@pytest.mark.parametrize("value, type_name", [
    (Thing(), f"{__name__}.Thing"),
    ((i for i in range(3)), "generator"),
    ({1, 2}, "set"),
    ({1: "int key"}, "dict"),
    (np.array([None, 1], dtype=object), "numpy.ndarray"),
    (np.array(["a"]), "numpy.ndarray"),
    (np.zeros(2, dtype=[("a", "<f8")]), "numpy.ndarray"),
    (np.array(["2024-01-01"], dtype="datetime64[D]"), "numpy.ndarray"),
    (b"bytes", "bytes"),
])
def test_anything_else_becomes_opaque_and_strict_mode_refuses_it(value, type_name):
    back = trip([value])[0]
    assert isinstance(back, Opaque) and back.type_name == type_name
    assert len(back.repr_snippet) <= 203
    with pytest.raises(TypeError, match="cannot send"):
        encode([value], no_callables, strict=True)


def test_opaque_describes_without_running_a_hostile_repr_and_comes_back_equal():
    back = trip([Hostile(), Opaque("gen", "<generator>")])
    assert back[0] == Opaque(f"{__name__}.Hostile", f"<{__name__}.Hostile object>")
    assert back[1] == Opaque("gen", "<generator>") and back[1] != Opaque("gen", "other")
    assert len({back[1], Opaque("gen", "<generator>")}) == 1                   # hashable, by value
    assert trip([Thing()])[0].repr_snippet.endswith("...")


def nested(depth):
    value = 0
    for _ in range(depth):
        value = [value]
    return value


def test_nesting_deeper_than_max_depth_is_cut_to_opaque_or_refused_when_strict():
    same(trip(nested(MAX_DEPTH)), nested(MAX_DEPTH))
    back = trip(nested(MAX_DEPTH + 5))
    for _ in range(MAX_DEPTH + 1):
        back = back[0]
    assert isinstance(back, Opaque) and back.type_name == "list"
    with pytest.raises(TypeError, match="nested too deeply"):
        encode(nested(MAX_DEPTH + 5), no_callables, strict=True)
    with pytest.raises(WireError, match="nested too deeply"):
        decode(nested(MAX_DEPTH + 10), no_handles)


# ---------------------------------------------------------------- framing

def test_a_frame_is_a_big_endian_length_then_json():
    data = frame({"op": "ready", "import_error": None})
    (n,) = struct.unpack(">I", data[:4])
    assert n == len(data) - 4 and json.loads(data[4:]) == {"op": "ready", "import_error": None}
    assert parse(data[4:]) == {"op": "ready", "import_error": None}


def test_frames_over_max_message_are_refused_both_ways():
    assert body_length(struct.pack(">I", MAX_MESSAGE)) == MAX_MESSAGE
    for n in (MAX_MESSAGE + 1, 2 ** 32 - 1):
        with pytest.raises(WireError, match="exceeds the limit"):
            body_length(struct.pack(">I", n))
    with pytest.raises(WireError, match="exceeds"):
        frame({"s": "x" * MAX_MESSAGE})
    assert len(frame({"s": "x" * (MAX_MESSAGE - 100)})) <= MAX_MESSAGE + 4


def test_a_short_header_is_an_error_not_a_length():
    with pytest.raises((WireError, struct.error)):
        body_length(b"\x00\x01")


@pytest.mark.parametrize("body", [b"", b"{", b"\xff\xfe", b"[1, 2]", b'"op"', b"null", b"{'op': 1}",
                                  b"[" * 100_000 + b"]" * 100_000])
def test_malformed_frame_bodies_are_refused(body):
    with pytest.raises(WireError, match="malformed message"):
        parse(body)


# ---------------------------------------------------------------- malformed values

def nd(**fields):
    return {"$": "nd", "dtype": "<f8", "shape": [2], "data": "AAAAAAAA8D8AAAAAAAAAQA==", **fields}


def test_the_hand_written_array_frame_used_below_is_valid():
    same(decode(nd(), no_handles), np.array([1.0, 2.0]))


@pytest.mark.parametrize("value, message", [
    ({"$": "pickle", "v": "gASV"}, "unknown value tag 'pickle'"),
    ({"v": [1]}, "malformed value"),                              # no tag at all
    ({"$": "tuple", "v": {"a": 1}}, "expected list"),
    ({"$": "dict", "v": [1]}, "expected dict"),
    ({"$": "tuple"}, "malformed value"),
    (nd(shape=[3]), "does not match its shape"),
    (nd(shape=[-2]), "bad array shape"),
    (nd(shape=[2.0]), "bad array shape"),
    (nd(shape=[1] * 33), "bad array shape"),
    (nd(shape="2"), "expected list"),
    (nd(data="not base64!"), "malformed value"),
    (nd(data="AAAAAAAA8D8AAAAA*AAAAQA=="), "malformed value"),   # a stray character is not skipped
    (nd(data=3), "expected str"),
    (nd(dtype="|O"), "refused dtype"),
    (nd(dtype="<U4"), "refused dtype"),
    (nd(dtype="<M8"), "refused dtype"),
    (nd(dtype="float64"), "refused dtype"),
    (nd(dtype=["<f8"]), "refused dtype"),
    ({"$": "np", "dtype": "<f8", "data": "AAAA"}, "bad numpy scalar"),
    ({"$": "opaque", "type": 1, "repr": ""}, "expected str"),
    ({"$": "opaque", "type": "x"}, "malformed value"),
])
def test_malformed_values_are_refused(value, message):
    with pytest.raises(WireError, match=message):
        decode({"$": "tuple", "v": [1, value]}, no_handles)


def test_a_handle_is_only_passed_to_on_handle():
    handle = {"$": "fn", "side": "w", "id": 3, "name": "softmax"}
    seen = []
    assert decode([handle], lambda h: seen.append(h) or "made") == ["made"] and seen == [handle]
