"""The Dask executor grades a small batch identically to the local one (a LocalCluster on loopback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from grader import api

distributed = pytest.importorskip("distributed", reason="the optional 'dask' extra is not installed")

EXAMPLES = ["correct", "hardcoded", "update-sign-error", "crash-at-import"]


def test_dask_executor_matches_local(tmp_path: Path, bp_manual) -> None:
    from grader.executors import DaskExecutor

    paths = [ROOT / "submissions" / "bp-manual" / name for name in EXAMPLES]
    local = api.grade(bp_manual, paths, tmp_path / "local", jobs=2, secret="dask-test", cache_dir=tmp_path / "cache")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = api.grade(bp_manual, paths, tmp_path / "dask", secret="dask-test", cache_dir=tmp_path / "cache",
                           executor=DaskExecutor(client))

    def verdicts(results):
        return {r.submission: (r.score, [(c.id, c.status, c.message) for c in r.checks]) for r in results}

    assert verdicts(remote) == verdicts(local)
    assert sorted(p.parent.name for p in (tmp_path / "dask").glob("*/result.json")) == sorted(EXAMPLES)
    assert (tmp_path / "dask" / "gradebook.csv").is_file()
