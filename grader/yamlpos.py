"""YAML loading that remembers where every value came from.

Spec errors must name the file, the line and the key path
(``assignment.yaml:14: checks[2].rtol: expected a number``); PyYAML's plain
loader forgets positions, so we compose the node tree and build plain data
while recording the line of each key path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]


def format_path(path: KeyPath) -> str:
    """``("checks", 2, "rtol")`` -> ``checks[2].rtol``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


class PositionedYaml:
    """Plain data plus the 1-based line of every key path in it.

    Data merged from several files (a spec that ``include:``s another) also
    records, in ``files``, the file of every key path that did not come from
    ``filename`` itself.
    """

    def __init__(self, data: Any, lines: dict[KeyPath, int], filename: str,
                 files: dict[KeyPath, str] | None = None) -> None:
        self.data = data
        self.lines = lines
        self.filename = filename
        self.files = files or {}

    def source_of(self, path: KeyPath) -> tuple[str, int]:
        """The file and line of the longest prefix of ``path`` that the data came with."""
        for end in range(len(path), -1, -1):
            key = tuple(path[:end])
            line = self.lines.get(key)
            if line is not None:
                return self.files.get(key, self.filename), line
        return self.filename, 1

    def line_of(self, path: KeyPath) -> int:
        """The line of the longest prefix of ``path`` that the file contains."""
        return self.source_of(path)[1]

    def file_of(self, path: KeyPath) -> str:
        return self.source_of(path)[0]

    def where(self, path: KeyPath) -> str:
        filename, line = self.source_of(path)
        return f"{filename}:{line}: {format_path(path)}"


def load(path: Path, display_name: str | None = None) -> PositionedYaml:
    """Parse ``path``; raises ``yaml.YAMLError`` (with its own position) on bad syntax."""
    text = path.read_text(encoding="utf-8")
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    lines: dict[KeyPath, int] = {}
    constructor = yaml.SafeLoader(text)
    data = _build(node, (), lines, constructor) if node is not None else None
    return PositionedYaml(data, lines, display_name or str(path))


def _build(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], loader: yaml.SafeLoader) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                key = str(key)
            child = (*path, key)
            lines[child] = key_node.start_mark.line + 1
            out[key] = _build(value_node, child, lines, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
