"""Which sandbox processes a test left behind: its own, never another grader's on the machine."""

from __future__ import annotations

import os

from grader.sandbox.uids import UID_BASE, UID_COUNT, held_uids


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, real uid) of every process now."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status", encoding="utf-8", errors="replace") as fh:
                    fields = dict(line.split(":", 1) for line in fh if ":" in line)
                found[int(entry)] = (int(fields["PPid"]), int(fields["Uid"].split()[0]))
            except (OSError, KeyError, ValueError):
                pass
    return found


def sandbox_processes() -> list[int]:
    """Sandbox-uid processes that descend from this test process, and those whose uid no
    running grader holds (orphans, whoever left them); another grader's children are not ours."""
    table, mine, held = _processes(), os.getpid(), held_uids()
    left = []
    for pid, (_, uid) in table.items():
        if not UID_BASE <= uid < UID_BASE + UID_COUNT:
            continue
        ancestor, seen = pid, set()
        while ancestor in table and ancestor not in seen and ancestor != mine:
            seen.add(ancestor)
            ancestor = table[ancestor][0]
        if ancestor == mine or uid not in held:
            left.append(pid)
    return left
