"""Run a test body in a forked child, so restrictions never touch the pytest process."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable


def run_in_child(body: Callable[[], None]) -> None:
    """Run ``body`` in a forked child; fail with the child's traceback if it raised.

    The child reports through its exit status (0 = ok, 1 = assertion/exception)
    and sends the traceback text over a pipe for a readable failure message.
    """
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 1
        try:
            os.close(rfd)
            body()
            code = 0
        except BaseException:  # noqa: BLE001 - the forked test body may raise anything
            try:
                os.write(wfd, traceback.format_exc().encode())
            except BaseException:  # noqa: BLE001
                pass
        finally:
            os._exit(code)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as r:
        message = r.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, f"child failed:\n{message}"
