"""One unprivileged uid per running child, never shared with another child on the machine.

A child that drops privileges runs as a uid leased from ``UID_BASE`` .. ``UID_BASE +
UID_COUNT - 1`` for its whole run: the worker holds an exclusive ``flock`` on that uid's
file under :func:`lock_dir` (one folder for every grader on the machine) from before the
fork until every process of the run is gone. Per-uid budgets such as ``RLIMIT_NPROC`` are
then the child's alone: a submission that takes every process it may have cannot starve
one graded beside it, in this batch or in another grader's.
"""

from __future__ import annotations

import fcntl
import os
import stat
import tempfile

# Above 4,000,000 + a worker's index, the fixed uids of graders before leases: an older grader
# running beside this one (an upgrade under way) never shares a uid with it either.
UID_BASE = 4_100_000
UID_COUNT = 4096


def lock_dir() -> str:
    """The machine-wide folder of uid locks: ``/run/grader-uids`` where root may write ``/run``, else under the temp folder."""
    if os.path.isdir("/run") and os.access("/run", os.W_OK):
        return "/run/grader-uids"
    return os.path.join(tempfile.gettempdir(), "grader-uids")


class UidLease:
    """A uid this process holds the lock of; :meth:`release` once the uid's processes are gone."""

    _last = 0   # the offset leased last: a worker keeps its uid from run to run while nobody else takes it

    def __init__(self, uid: int, fd: int) -> None:
        self.uid, self.fd = uid, fd

    @classmethod
    def take(cls) -> UidLease:
        """The first free uid from the one this process had last; raises OSError when all are taken."""
        folder = _folder()
        for step in range(UID_COUNT):
            offset = (cls._last + step) % UID_COUNT
            fd = os.open(os.path.join(folder, str(UID_BASE + offset)),
                         os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            cls._last = offset
            return cls(UID_BASE + offset, fd)
        raise OSError(f"all {UID_COUNT} sandbox uids from {UID_BASE} are in use")

    def release(self) -> None:
        os.close(self.fd)


def _folder() -> str:
    """The lock folder, made if missing; refused unless it is a real folder of this uid that no one else may write."""
    folder = lock_dir()
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise OSError(f"{folder} is not a folder only this user may write; remove it")
    return folder


def held_uids() -> set[int]:
    """The uids some process on this machine holds the lock of now (from ``/proc/locks``)."""
    folder = lock_dir()
    try:
        names = os.listdir(folder)
    except OSError:
        return set()
    by_inode: dict[int, int] = {}
    for name in names:
        if name.isdigit():
            try:
                by_inode[os.stat(os.path.join(folder, name)).st_ino] = int(name)
            except OSError:
                pass
    held = set()
    with open("/proc/locks", encoding="ascii", errors="replace") as fh:
        for line in fh:
            fields = line.split()
            if len(fields) >= 6 and fields[1] == "FLOCK":
                inode = int(fields[5].rsplit(":", 1)[-1])
                if inode in by_inode:
                    held.add(by_inode[inode])
    return held
