"""The course secret, and the seeds drawn from it: hidden inputs come from here, never from a file students receive."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def derive_seed(*parts: object) -> int:
    digest = hashlib.sha256("\0".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def secret_id(secret: str) -> str:
    """A short fingerprint of the course secret, recorded in results: which secret drew the hidden
    inputs, so a regrade can use the same one, without revealing it."""
    return f"{derive_seed(secret, 'secret-id') & 0xFFFFFFFFFFFF:012x}"


def default_secret() -> str:
    """The course secret for hidden inputs: $GRADER_SECRET, else a per-user random one kept on disk."""
    env = os.environ.get("GRADER_SECRET")
    if env:
        return env
    home = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "grader"
    path = home / "secret"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    secret = os.urandom(16).hex()
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secret + "\n")
    except OSError:
        pass  # unwritable home: a random secret for this run only
    return secret
