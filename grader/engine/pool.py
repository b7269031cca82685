"""The warm worker pool: sandbox workers (a light and a full image per slot), the scratch
folders their runs use, the read-only data mirror for script-style code, and the check that
every required sandbox layer is present and holds."""

from __future__ import annotations

import itertools
import os
import queue
import re
import shutil
import tempfile
import threading
from pathlib import Path

from grader import datasets, script_data
from grader.checks.base import Harness
from grader.paths import boxes_root, remove_stale_workdirs, scratch_root
from grader.sandbox import runner
from grader.submission import Submission

_MENTIONS_TORCH = re.compile(rb"\btorch\b")
_TORCH_ROOTS = ("torch", "torchvision", "d2l")   # what imports torch (d2l.torch and torchvision do)


class Pool:
    """``workers`` slots of warm sandbox workers, and this engine's scratch folders, until closed."""

    def __init__(self, workers: int, *, preload: list[str], namespaces: bool, required: list[str],
                 insecure: bool, stand_in: bool, data_dir: Path | None = None) -> None:
        self.insecure = insecure
        self.stand_in = stand_in
        self.data_dir = data_dir   # the datasets' folder; None: datasets.data_dir()'s default
        self.required = required
        self.layers = runner.require(required, insecure)
        remove_stale_workdirs()
        self.workdir = Path(tempfile.mkdtemp(prefix=f"grader-{os.getpid()}-", dir=scratch_root()))
        os.chmod(self.workdir, 0o711)
        for sub, mode in (("boxes", 0o711), ("staged", 0o700), ("runs", 0o700), ("inputs", 0o711)):
            (self.workdir / sub).mkdir(mode=mode)
            os.chmod(self.workdir / sub, mode)
        # Two warm images per slot when torch is preloaded: forking a process that has
        # imported torch costs ~25 ms, one with NumPy alone ~3 ms, so submissions that
        # never mention torch run in the light one.
        self._kinds = {"full": preload}
        if "torch" in preload:
            self._kinds["light"] = [m for m in preload if m.split(".")[0] not in _TORCH_ROOTS]
        self._idle: dict[str, queue.Queue[runner.Worker]] = {kind: queue.Queue() for kind in self._kinds}
        self.workers: list[runner.Worker] = []
        self._namespaces = namespaces
        self._counter = itertools.count(1)
        self.data_lock = threading.Lock()
        self._script_data_by_folder: dict[str, tuple[Path | None, list[str], str | None]] = {}
        self._boxes: Path | None = None
        self.private_shm = False
        self._slots = max(1, workers)
        self._started: set[str] = set()
        self._start_lock = threading.Lock()
        try:
            self._start("full")
        except BaseException:
            self.close()
            raise

    def _start(self, kind: str) -> None:
        """Start this kind's workers without waiting: they import their preloads while the engine
        prepares (a worker is waited for when first used). The light kind starts when first taken:
        a `grader check` of a training script never needs it (issue 19)."""
        with self._start_lock:
            if kind in self._started:
                return
            for index in range(self._slots):
                worker = runner.Worker(index, self._kinds[kind], namespaces=self._namespaces, log_dir=self.workdir)
                self.workers.append(worker)
                self._idle[kind].put(worker)
            self._started.add(kind)

    @property
    def boxes(self) -> Path:
        """Where the boxes go (:meth:`_boxes_dir`), decided once the first workers are ready."""
        with self._start_lock:
            if self._boxes is None:
                for worker in list(self.workers):
                    _ready(worker)
                self._boxes = self._boxes_dir()
        return self._boxes

    @property
    def namespaces(self) -> list[str]:
        """The namespaces the workers' children get (the same for every worker)."""
        return _ready(self.workers[0]).namespaces if self.workers else []

    def kind_for(self, submission: Submission, reference_run: bool, harness: dict[str, Harness]) -> str:
        """The lightest warm image that can run this submission without importing anything late."""
        if reference_run or "light" not in self._kinds or any(h.dataset is not None for h in harness.values()):
            return "full"   # the reference may use anything; training needs torch
        for name, data in submission.files.items():
            if name.endswith(".py") and _MENTIONS_TORCH.search(data):
                return "full"
        return "light"

    def take(self, kind: str) -> runner.Worker:
        """An idle worker of ``kind`` (waits for one); hand it, or its replacement, back with :meth:`put_back`."""
        self._start(kind)
        return self._idle[kind].get()

    def put_back(self, kind: str, worker: runner.Worker) -> None:
        self._idle[kind].put(worker)

    def respawn(self, dead: runner.Worker) -> runner.Worker:
        """A fresh worker in a dead one's place (killed from outside, out of memory)."""
        dead.close(kill=True)
        fresh = runner.Worker(dead.index, dead.preload, namespaces=self._namespaces, log_dir=self.workdir).wait_ready()
        self.workers[self.workers.index(dead)] = fresh
        return fresh

    def close(self, kill: bool = False) -> None:
        """Stop the workers (at once with ``kill``: their children die with them) and remove scratch files."""
        for worker in self.workers:
            worker.close(kill=kill or not worker._ready)   # one still importing has started nothing
        self.workers.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self._boxes is not None:
            shutil.rmtree(self._boxes, ignore_errors=True)

    def verify_layers(self, held: dict[str, bool]) -> None:
        """Fail closed: a required layer that is present but did not hold in the self-test is as bad as a missing one."""
        broken = [name for name in self.required if self.layers.get(name) and not held.get(name, False)]
        if broken:
            self.layers = {**self.layers, **{name: None for name in broken}}
            runner.require(self.required, self.insecure, self.layers)

    # ------------------------------------------------------------ scratch folders
    def _boxes_dir(self) -> Path:
        """Where the boxes go. With mount namespaces each child gets a private, empty ``/dev/shm``
        (what ``multiprocessing`` and DataLoader workers need), so its box must lie elsewhere:
        a box is a tmpfs of its own anyway, wherever its mount point is."""
        root = boxes_root()
        if root is None or not all("mount-namespace" in w.namespaces for w in self.workers):
            return self.workdir / "boxes"
        boxes = Path(tempfile.mkdtemp(prefix=f"grader-{os.getpid()}-boxes-", dir=root))
        os.chmod(boxes, 0o711)
        self.private_shm = True
        return boxes

    def new_dir(self, kind: str, mode: int) -> Path:
        """A fresh scratch folder: ``boxes``, ``staged``, ``runs`` or ``inputs``."""
        path = (self.boxes if kind == "boxes" else self.workdir / kind) / str(next(self._counter))
        path.mkdir(mode=mode)
        os.chmod(path, mode)
        return path

    def unique(self) -> int:
        """A number no other scratch name of this pool uses."""
        return next(self._counter)

    # ------------------------------------------------------------ script-style data
    def stage_data(self, submission: Submission, staged: Path) -> tuple[list[str], str | None]:
        """Script-style code that opens Fashion-MNIST itself finds it read-only in ``./data`` and ``../data``
        (see :mod:`grader.script_data`): the files the sandbox may read for it, and a note when there is none."""
        if not script_data.mentions_dataset(submission.files):
            return [], None
        mirror, readable, note = self._script_data()
        if mirror is not None:
            script_data.link_into(staged / "data", mirror)
        return readable, note

    def _script_data(self) -> tuple[Path | None, list[str], str | None]:
        """(mirror, files the sandbox may read, note), worked out once per data folder, not per submission.

        Never a download from here; ``grader demo`` stages its offline stand-in when the data
        folder holds no Fashion-MNIST.
        """
        key = str(datasets.data_dir(self.data_dir))
        with self.data_lock:
            if key not in self._script_data_by_folder:
                self._script_data_by_folder[key] = self._build_script_data()
            return self._script_data_by_folder[key]

    def _build_script_data(self) -> tuple[Path | None, list[str], str | None]:
        try:
            root = datasets.locate(datasets.FASHION_MNIST, root=self.data_dir, download=False)
        except datasets.DataMissing as exc:
            if not self.stand_in:
                return None, [], (f"This code loads Fashion-MNIST itself, but the grader has no copy to give it ({exc}); "
                                  "the sandbox has no network, so torchvision's download=True fails.")
            root, _ = datasets.stand_in(datasets.FASHION_MNIST, self.workdir / "stand-in")
        mirror = self.boxes / "data"   # ../data of every box
        readable = script_data.mirror(root, mirror)
        if os.geteuid() == 0 and not runner.reachable_by_sandbox_uid(readable):
            return None, [], (f"This code loads Fashion-MNIST itself, but the sandbox cannot reach {root} "
                              "(a folder only root may enter); put the data where every user can read it.")
        if datasets._present(root):
            return mirror, readable, None
        return mirror, readable, ("This code loaded the demo's offline stand-in for Fashion-MNIST (scikit-learn's "
                                  "handwritten digits at 28×28) where it asked for Fashion-MNIST: a demonstration, not a grade.")


def _ready(worker: runner.Worker) -> runner.Worker:
    """``worker`` once it has imported its preloads; under its own lock, as its runs read its pipe."""
    with worker._lock:
        return worker.wait_ready()
