"""Submissions that attack the batch itself rather than one check: each must end as its own
result (an error result where it cannot be graded) and the batch must go on.

The forged-stream attacks write frames of the grader's result stream themselves, at import,
through the writer the child uses (found on the call stack or through ``gc``), so the first
frames the grader reads are the student's.
"""

from __future__ import annotations

from adversarial.attacks import ARENA_SPEC, body

# The arena plus a check whose expected values are small: 1.7e308 / 0.2 overflows to inf.
BATCH_SPEC = ARENA_SPEC + """\
  - id: small
    kind: compare
    visibility: public
    inputs: {x: [0.1, 0.2, 0.3]}
    call: work(x)
"""

FIND_STREAM = '''\
import gc, io, struct, sys


def _stream():
    frame = sys._getframe()
    while frame is not None:
        data = frame.f_locals.get("data")
        if hasattr(data, "write") and hasattr(data, "flush") and not isinstance(data, (bytes, str)):
            return data
        frame = frame.f_back
    for o in gc.get_objects():
        if isinstance(o, io.BufferedWriter) and isinstance(getattr(o, "name", None), int) and o.name > 2:
            return o
    raise SystemExit("no results stream found")


def _frame(header: bytes) -> None:
    out = _stream()
    out.write(struct.pack(">I", len(header)) + header)
    out.flush()


'''

HONEST_BODY = body("return 2 * np.asarray(x)")

BATCH_ATTACKS: dict[str, str] = {
    # item 3: errors overflow to inf in a check's details
    "overflowing-errors": body("return np.full(np.shape(x), 1.7e308)"),
    # item 4: a forged result stream
    "forged-deep-nesting": FIND_STREAM + "_frame(b'[' * 200_000)\n" + HONEST_BODY,
    "forged-huge-shape": FIND_STREAM + (
        "_frame(b'{\"type\": \"result\", \"task\": 0, \"ok\": true, \"buffers\": [0], '\n"
        "       b'\"value\": {\"t\": \"array\", \"dtype\": \"float64\", \"shape\": [0, 1180591620717411303424], \"buf\": 0}}')\n"
    ) + HONEST_BODY,
    "forged-padding-frames": FIND_STREAM + (
        "for _ in range(12):\n"
        "    _frame(b'{\"type\": \"pad\", \"x\": [' + b'{},' * 349_000 + b'{}]}')\n"
    ) + HONEST_BODY,
}
