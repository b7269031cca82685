"""Running a job inside the sandboxed child: import the submission, evaluate each task.

Every outcome goes to the result stream (:mod:`grader.wire`), never anything the grader
would execute or unpickle. :func:`warm_up` runs the same code paths once in the warm
worker, so each child inherits them warm.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import random
import sys
import time
from typing import Any, BinaryIO

import numpy as np

from grader import calls, datasets, training, wire
from grader.sandbox import cpu_fallback, curves, fastdata, handover, landlock, roles, seccomp
from grader.sandbox.autograd_guard import no_autograd
from grader.sandbox.handover import Channels
from grader.sandbox.plots import quiet_plots
from grader.sandbox.scriptrun import describe, place, run_main, run_script, set_names, shown


def warm_up() -> None:
    """Run, once in the worker, the code paths every child takes, so children inherit them warm.

    First calls are slow (shared libraries loaded through ctypes, NumPy's ufunc
    and dtype caches, json's encoder); done before the fork they cost nothing per
    child. No torch op runs here: a thread pool started in the worker would be
    inherited broken by every child.
    """
    landlock.abi_version()
    seccomp.available()
    _seed(0)  # imports numpy.random, which NumPy 2 loads lazily
    x = np.linspace(-1.0, 1.0, 8)
    y = 1.0 / (1.0 + np.exp(-x))
    _ = (x * y - y ** 2).sum(), np.array([1.0, 2.0]) @ np.array([3.0, 4.0]), float(x[0]), np.zeros(3), x.tolist()
    buffers: list[bytes] = []
    described = wire.encode([x, (y, 1.0, 2, True, None, "text"), {"k": np.float64(1.0)}], buffers)

    class _Sink:
        def write(self, _: bytes) -> None: ...
        def flush(self) -> None: ...

    wire.write_frame(_Sink(), {"type": "result", "value": described}, buffers)  # type: ignore[arg-type]
    calls.evaluate(calls.parse("f(a, b=1)[0]"), lambda name: lambda v, b: [v], {"a": x})
    try:
        raise ValueError("warm-up")
    except ValueError as exc:
        describe(exc, "/nonexistent")


def load_inputs(path: str) -> dict[str, np.ndarray]:
    """Every input array of a batch, read once by the worker and inherited by each child."""
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def run_job(job: dict[str, Any], data: BinaryIO, channels: Channels, inputs: dict[str, np.ndarray],
            parsed: dict[str, Any]) -> None:
    """Import the submission's modules, then evaluate each task from ``job['start']``: the public
    tasks of ``job``, then the hidden ones, received only once the public ones are done (see
    :mod:`grader.sandbox.handover`).

    ``inputs`` and ``parsed`` (call expressions) were prepared by the worker
    before the fork, so every child starts with them for free.
    """
    _line_buffered()
    box = job["box"]
    set_names(job.get("names"))
    quiet_plots()
    curves.install()     # d2l's Animator records its points (a script may train when it runs)
    sys.path.insert(0, box)
    if job.get("cuda"):
        _cpu_fallback(box)
    sys.argv = [os.path.join(box, job["modules"][0] + ".py") if job["modules"] else box]
    fastdata.install()   # Fashion-MNIST a script loads itself: torchvision's batches, built at once
    if any(r.get("kind") == "optimizer" for r in (job.get("roles") or {}).values()):
        roles.capture_optimizers(box)
    modules = _load(job, data, channels.control)
    if modules is None:
        return
    resolve = _resolver(job, modules)
    forms = job["forms"]
    start = int(job.get("start", 0))
    tasks: list[tuple[int, dict[str, Any]]] = [(i, t) for i, t in enumerate(job["tasks"]) if i >= start]
    if job.get("hidden_tasks") and channels.hidden is not None:
        tasks.append((-1, {}))   # the handshake, then the hidden tasks
    while tasks:
        index, task = tasks.pop(0)
        if index < 0:
            _write_cuda(data)
            hidden = _hidden_part(data, channels, parsed)
            forms = {**forms, **hidden["forms"]}
            inputs = {**inputs, **hidden["inputs"]}
            first = int(hidden["first"])
            tasks = [(first + i, t) for i, t in enumerate(hidden["tasks"]) if first + i >= start]
            continue
        _announce(channels.control, str(index))
        _run_task(index, task, data, inputs, forms, parsed, resolve, box)
    if not (job.get("hidden_tasks") and channels.hidden is not None):
        _write_cuda(data)
    _announce(channels.control, "done")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass


def _cpu_fallback(box: str) -> None:
    """CUDA mapped to the CPU where there is none (the submission mentions cuda)."""
    try:
        cpu_fallback.install(box, place)
    except ImportError:   # no torch here: the code's own `import torch` will say so
        pass


def _line_buffered() -> None:
    """Line by line: a run killed at its time limit keeps what it printed."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def _load(job: dict[str, Any], data: BinaryIO, control_fd: int) -> dict[str, Any] | None:
    """Import the submission's modules, reporting the import when the run starts at the first task;
    None when nothing can run (the import raised, and ``keep_going`` kept nothing)."""
    start = int(job.get("start", 0))
    if start == 0:
        _announce(control_fd, "load")
    modules: dict[str, Any] = {}
    _seed(job["seed"])
    if job.get("main"):   # run: main: the checks read what the one run defined, however it stopped
        modules[job["modules"][0]], problem = run_main(job, job["box"])
        if start == 0:
            wire.write_frame(data, {"type": "load", "ok": problem is None, "partial": True, **(problem or {}),
                                    **fastdata.record(), **_cuda_record()})
        return modules
    try:
        for name in job["modules"]:
            modules[name] = _import(name, modules) if job.get("keep_going") else importlib.import_module(name)
    except BaseException as exc:  # noqa: BLE001 - anything the student raises, SystemExit included
        partial = bool(job.get("keep_going")) and bool(modules)
        if start == 0:
            wire.write_frame(data, {"type": "load", "ok": False, "partial": partial, **describe(exc, job["box"]),
                                    **fastdata.record(), **_cuda_record()})
        if not partial:
            return None
    else:
        if start == 0:
            wire.write_frame(data, {"type": "load", "ok": True, **fastdata.record(), **_cuda_record()})
    return modules


def _write_cuda(data: BinaryIO) -> None:
    """At the end of the public phase: where the code first asked for CUDA and ran on the CPU, if it did."""
    record = _cuda_record()
    if record:
        wire.write_frame(data, {"type": "cuda", **record})


def _cuda_record() -> dict[str, str]:
    """Where the code first asked for CUDA and ran on the CPU instead, for the load frame (empty: never)."""
    first = cpu_fallback.first_request()
    return {"cuda_at": first["at"], "cuda_code": first["code"]} if first else {}


def _resolver(job: dict[str, Any], modules: dict[str, Any]) -> roles.Resolver:
    """How a call's names are looked up: the first module's own names, then the modules themselves."""
    main = modules[job["modules"][0]] if modules else None

    def resolve(name: str) -> Any:
        # The module's own names first: a function may share its module's name (probe.probe).
        if main is not None and hasattr(main, name):
            return getattr(main, name)
        if name in modules:
            return modules[name]
        raise NameError(f"name {name!r} is not defined in {shown(job['modules'][0] + '.py')}")

    finder = roles.Finder(job["roles"], lambda: vars(main) if main is not None else {}, job["box"]) \
        if job.get("roles") else None
    return roles.Resolver(finder, resolve)


def _run_task(index: int, task: dict[str, Any], data: BinaryIO, inputs: dict[str, np.ndarray],
              forms: dict[str, dict[str, str]], parsed: dict[str, Any], resolve: roles.Resolver, box: str) -> None:
    """Evaluate one task and write its result frame (a value, or what it raised)."""
    _seed(task["seed"])
    values = {name: _materialise(inputs[f"{task['inputs']}/{name}"], forms[task["inputs"]][name])
              for name in forms[task["inputs"]]}
    began = time.perf_counter()
    try:
        with no_autograd(bool(task.get("no_autograd"))):   # a source rule's run-time half
            if task.get("oracle"):
                result = _run_oracle(task["oracle"], values)
            elif task.get("harness"):
                result = _run_harness(task["harness"], task["seed"], values, parsed, resolve, box)
            else:
                result = calls.evaluate(parsed[task["expr"]], resolve, values)
        buffers: list[bytes] = []
        described = wire.encode(result, buffers)
        header = {"type": "result", "task": index, "ok": True, "value": described,
                  "seconds": time.perf_counter() - began, "found": resolve.take_found()}
        wire.write_frame(data, header, buffers)
    except BaseException as exc:  # noqa: BLE001
        wire.write_frame(data, {"type": "result", "task": index, "ok": False, "found": resolve.take_found(),
                                "seconds": time.perf_counter() - began, **describe(exc, box)})


def _import(name: str, modules: dict[str, Any]) -> Any:
    """Import a submission module, keeping what it defined (in ``modules``) when its top level raises.

    For script-style work with ``import_errors: continue``: a script that stops at its last
    line (d2l's ``train_ch3`` asserting on the trained model) still has its ``net`` to grade.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    modules[name] = module
    spec.loader.exec_module(module)
    return module


def _hidden_part(data: BinaryIO, channels: Channels, parsed: dict[str, Any]) -> dict[str, Any]:
    """The handshake: public output and results are complete; from here on prints go to the
    hidden output files, and the hidden tasks and inputs arrive as descriptors."""
    for stream in (data, sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    for fd, target in ((channels.hidden_stdout, 1), (channels.hidden_stderr, 2)):
        if fd is not None:
            os.dup2(fd, target)
    job_fd, inputs_fd = handover.receive(channels)
    with os.fdopen(job_fd, "rb") as fh:
        hidden = json.loads(fh.read())
    with os.fdopen(inputs_fd, "rb") as fh:
        hidden["inputs"] = handover.unpack_arrays(fh)
    for task in hidden["tasks"]:
        for expr in task_expressions(task):
            if expr not in parsed:
                parsed[expr] = calls.parse(expr)
    return hidden


def task_expressions(task: dict[str, Any]) -> list[str]:
    """The call expressions a task evaluates: its own, and its harness's train and predict calls
    (an ``output`` check runs a script, not a call)."""
    harness = task.get("harness") or {}
    return [expr for expr in (task["expr"], harness.get("train"), harness.get("predict")) if expr]


def _seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        # The CPU generator only: torch.manual_seed() also queues a lazy CUDA seeding,
        # which records a stack trace each time and costs a millisecond.
        torch.random.default_generator.manual_seed(seed)
        if torch.cuda.is_initialized():
            torch.cuda.manual_seed_all(seed)


def _announce(fd: int, what: str) -> None:
    try:
        os.write(fd, f"B {what}\n".encode())
    except OSError:
        pass


def _materialise(array: np.ndarray, form: str) -> Any:
    if form == "scalar":
        return array.item()
    if form == "list":
        return array.tolist()
    if form == "tensor":
        import torch  # heavy, and preloaded by the worker where tensors are asked for
        return torch.from_numpy(np.array(array))
    return np.array(array)


def _run_oracle(oracle: dict[str, Any], values: dict[str, Any]) -> Any:
    """Gradients of a trusted (reference-side) torch function, by autograd."""
    import torch  # heavy: only the reference run of a gradient check needs it

    module = importlib.import_module(oracle["module"])
    function = getattr(module, oracle["function"])
    args = []
    for name in oracle["args"]:
        tensor = torch.as_tensor(np.array(values[name], dtype=np.float64))
        if name in oracle["wrt"]:
            tensor.requires_grad_(True)
        args.append(tensor)
    out = function(*args)
    wrt = [args[oracle["args"].index(n)] for n in oracle["wrt"]]
    grads = torch.autograd.grad(out, wrt)
    return grads[0] if len(grads) == 1 else tuple(grads)


def _run_harness(harness: dict[str, Any], seed: int, values: dict[str, Any], parsed: dict[str, Any],
                 resolve: Any, box: str) -> Any:
    """A check that wraps its call (``train``: the worker's dataset in, predictions out; ``output``: a script run)."""
    if harness.get("skip"):
        return None
    if "script" in harness:
        return run_script(harness, box)
    wanted = harness.get("child_data", True)   # already in memory (inherited) when wanted
    data = datasets.load_in_worker(harness["dataset"], harness["root"]) if wanted else None
    before = curves.mark()
    rows = len(data.train_images) if data is not None else 60_000   # an epoch: one pass over the training images
    with curves.recording(rows) as recorder:   # per-epoch curves, for the report only
        value = training.train_and_predict(data, harness, seed, values,
                                           lambda expr, names: calls.evaluate(parsed[expr], resolve, names))
    if isinstance(value, dict):
        value["curves"] = curves.result(recorder, before)
    return value
