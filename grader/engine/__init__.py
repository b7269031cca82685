"""The engine: (assignment, submission) -> result, with the reference computed once per batch.

Data flows one way through its rooms: :mod:`~grader.engine.prepare` draws the spec's inputs
(NumPy only) and computes the reference's evaluations; :mod:`grader.sandbox.session` runs the
submission in a sandboxed child of a warm worker from :mod:`~grader.engine.pool`, and what it
returned comes back as validated plain data; :mod:`~grader.engine.judge` has each check kind
judge it against the reference and assembles the :class:`~grader.results.Result`.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from grader import spec as spec_module
from grader.engine import judge
from grader.engine.pool import Pool
from grader.engine.prepare import Prepared, prepare, prepare_inputs
from grader.errors import GraderError
from grader.redaction import Graded
from grader.results import Result
from grader.sandbox import selftest, session
from grader.sandbox.session import Run
from grader.secret import default_secret
from grader.spec import ALL_LAYERS
from grader.submission import Submission, read

__all__ = ["Engine", "Prepared", "Run"]


class Engine:
    """Grades submissions in sandboxes; holds ``workers`` slots of warm sandbox workers until closed."""

    def __init__(self, workers: int = 1, *, insecure: bool = False, secret: str | None = None,
                 cache_dir: Path | None = None, require: Sequence[str] | None = None,
                 preload: Sequence[str] | None = None, namespaces: bool = True, stand_in: bool = False,
                 data_dir: Path | None = None) -> None:
        """``stand_in`` is for ``grader demo`` only: a training check whose dataset is missing trains
        on the offline stand-in (see :meth:`grader.checks.train.Train.stand_in`) instead of reporting an error."""
        self.insecure = insecure
        self.secret = secret or default_secret()
        self.cache_dir = cache_dir
        self.pool = Pool(workers, preload=list(preload if preload is not None else ["numpy", "torch"]),
                         namespaces=namespaces, required=list(require if require is not None else ALL_LAYERS),
                         insecure=insecure, stand_in=stand_in, data_dir=data_dir)
        try:
            if self.pool.required and not insecure:
                self.pool.verify_layers(self.self_test())
        except BaseException:
            self.close()
            raise

    @property
    def layers(self) -> dict[str, str | None]:
        """Each sandbox layer's mechanism on this machine, None where it is missing or did not hold."""
        return self.pool.layers

    def close(self, kill: bool = False) -> None:
        """Stop the workers (at once with ``kill``: their children die with them) and remove scratch files."""
        self.pool.close(kill=kill)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(kill=exc_type is not None)

    def self_test(self) -> dict[str, bool]:
        """Run the sandbox probe through the normal path; layer -> whether its guarantee held."""
        # Beside the boxes, where a child can name it: only the sandbox may stop it being read
        # (not a private /dev/shm hiding the grader's own folder).
        probe = selftest.Probe.create(self.pool.boxes / f"selftest-{self.pool.unique()}")
        try:
            assignment = spec_module.load(probe.folder)
            prepared = prepare_inputs(self.pool, assignment, self.secret)
            run, _ = session.run(self.pool, prepared, read(assignment.reference_dir, assignment.spec.files), {},
                                 reference_run=True)
            evaluation = run.evaluations[0]
            if not evaluation.ok or not isinstance(evaluation.value, dict):
                raise GraderError(f"the sandbox self-test could not run ({evaluation.error}); run `grader doctor`")
            probed = {k: bool(getattr(v, "value", False)) for k, v in evaluation.value.items()}
            return selftest.verdicts(probed, probe, os.geteuid() == 0)
        finally:
            probe.close()
            shutil.rmtree(probe.folder, ignore_errors=True)

    def prepare(self, assignment: spec_module.Assignment) -> Prepared:
        """Draw every check's inputs and compute the reference's evaluations (cached by content hash)."""
        return prepare(self.pool, assignment, self.secret, self.cache_dir)

    def grade(self, prepared: Prepared, path_or_submission: Path | Submission) -> Result:
        """Grade one submission against a prepared assignment. Never raises for a bad submission."""
        return self.graded(prepared, path_or_submission).result

    def graded(self, prepared: Prepared, path_or_submission: Path | Submission) -> Graded:
        """:meth:`grade`'s result with the instructors' record of what redaction cut from its hidden checks."""
        started = time.perf_counter()
        assignment = prepared.assignment
        try:
            submission = path_or_submission if isinstance(path_or_submission, Submission) else \
                read(Path(path_or_submission), assignment.spec.files)
        except GraderError as exc:
            sub_id = Path(path_or_submission).stem if not isinstance(path_or_submission, Submission) else path_or_submission.id
            return Graded.of(judge.error_result(assignment, sub_id, "", str(exc), started, self.insecure))
        missing = submission.missing(assignment.spec.files)
        if missing:
            found = ", ".join(sorted(submission.files)[:10]) or "nothing"
            return Graded.of(judge.error_result(assignment, submission.id, submission.hash,
                                                f"the submission has no {', '.join(missing)} (found: {found})",
                                                started, self.insecure))
        try:
            run, _ = session.run(self.pool, prepared, submission, {}, reference_run=False)
        except GraderError as exc:
            return Graded.of(judge.error_result(assignment, submission.id, submission.hash,
                                                f"the grader could not run this submission ({exc}); grade it again",
                                                started, self.insecure))
        checks, instructor = judge.judge(prepared, submission, run)
        sandbox = judge.sandbox_record(child_layers=run.layers, box=run.box, limits=assignment.spec.sandbox,
                                       mechanisms=self.pool.layers, namespaces=self.pool.namespaces,
                                       private_shm=self.pool.private_shm, insecure=self.insecure)
        return Graded.of(judge.graded_result(prepared, submission, run, checks, sandbox, started), instructor)
