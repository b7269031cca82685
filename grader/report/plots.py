"""Small charts as inline SVG: curves per epoch, grouped bars, a score histogram.

Matplotlib draws them (object API, Agg-free SVG canvas, no pyplot state), with
text kept as ``<text>`` elements that matplotlib escapes. Every chart is then
parsed and checked against an allow-list (element names, no event handlers, no
external references) before it is inlined, so a label taken from a submission
can never become active markup. A chart that cannot be drawn becomes ``None``
and the report says so in words instead of failing.

The data shapes a check kind may put into its ``details``:

``"curves"``: one chart of series over epochs::

    {"student": [0.9, 0.5, 0.3], "reference": [0.8, 0.4, 0.2]}

or one chart per metric::

    {"loss": {"student": [...], "reference": [...]}, "accuracy": {"student": [...]}}

A series is a list of y values (at x = 1, 2, 3...) or ``{"x": [...], "y": [...]}``; a series
of one point is drawn as a dot. ``"curves_lines"`` draws horizontal lines across a panel
(``{"accuracy": [[0.78, "full credit"], [0.7, "50% credit"]]}``), ``"curves_label"`` names
the x axis (default "epoch") and ``"curves_note"`` is a caption under the chart.

``"bars"``: one value per configuration (the student's)::

    {"sigmoid": 0.71, "relu": 0.93}

or grouped bars, one group per configuration, one bar per series::

    {"student": {"sigmoid": 0.71, "relu": 0.93}, "reference": {"sigmoid": 0.74, "relu": 0.95}}
"""

from __future__ import annotations

import io
import math
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grader.report.svgcheck import UnsafeSVG, inline_svg

__all__ = ["MAX_POINTS", "Chart", "Line", "UnsafeSVG", "bar_chart", "bar_groups", "clean_label", "curve_groups", "curve_panels",
           "guide_lines", "histogram", "inline_svg", "line_chart"]

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_SERIES = 8
MAX_POINTS = 2000
MAX_CATEGORIES = 40
MAX_LABEL = 48

# Series a hidden check may show: the student's own numbers, never the reference's.
STUDENT_SERIES = ("student", "got", "yours", "submission")

# Colours that stay distinct for the common colour-vision deficiencies (Okabe-Ito order).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SERIES_COLOURS = {"student": "#0072B2", "got": "#0072B2", "yours": "#0072B2", "submission": "#0072B2",
                  "reference": "#9aa3ad", "expected": "#9aa3ad"}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Line:
    """One series of a line chart: its x and y values (a NaN y is a gap)."""

    xs: list[float]
    ys: list[float]


@dataclass(frozen=True)
class Chart:
    """One inline chart: its SVG markup (already checked) and a text alternative."""

    svg: str
    alt: str


# ---------------------------------------------------------------- data shapes
def clean_label(value: object) -> str:
    """A short, printable label (labels may come from a submission)."""
    text = _CONTROL.sub("", str(value)).strip()
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _series(values: object) -> list[float] | None:
    """A list of numbers (None / NaN / inf become gaps), thinned to at most MAX_POINTS."""
    if not isinstance(values, Sequence) or isinstance(values, (str, bytes)) or not values:
        return None
    numbers = [_number(v) for v in values]
    if all(n is None for n in numbers):
        return None
    if len(numbers) > MAX_POINTS:
        step = math.ceil(len(numbers) / MAX_POINTS)
        numbers = numbers[::step]
    return [math.nan if n is None else n for n in numbers]


def _line(values: object) -> Line | None:
    """A series: a list of numbers (at 1, 2, 3...), or ``{"x": [...], "y": [...]}`` (points without a finite x
    are left out)."""
    if not isinstance(values, Mapping):
        ys = _series(values)
        return None if ys is None else Line([float(i + 1) for i in range(len(ys))], ys)
    raw_x, raw_y = values.get("x"), values.get("y")
    if not isinstance(raw_x, Sequence) or not isinstance(raw_y, Sequence) or isinstance(raw_x, (str, bytes)):
        return None
    pairs = [(x, y) for x, y in zip(map(_number, raw_x), raw_y) if x is not None]
    ys = _series([y for _x, y in pairs])
    if ys is None:
        return None
    xs = [x for x, _y in pairs]
    if len(xs) > len(ys):   # thinned alike
        xs = xs[:: math.ceil(len(xs) / MAX_POINTS)]
    return Line(xs[: len(ys)], ys[: len(xs)])


def _keep(name: str, student_only: bool) -> bool:
    return not student_only or name.lower() in STUDENT_SERIES


def curve_panels(curves: object, *, student_only: bool = False) -> list[tuple[str, dict[str, Line]]]:
    """``details["curves"]`` as ``[(metric, {series: Line})]``; anything malformed is left out."""
    if not isinstance(curves, Mapping) or not curves:
        return []
    if all(isinstance(v, Mapping) and not {"x", "y"} <= set(v) for v in curves.values()):
        groups = [(clean_label(metric), series) for metric, series in curves.items()]
    else:
        groups = [("", curves)]
    out = []
    for metric, series in groups[:MAX_SERIES]:
        kept = {}
        for name, values in list(series.items())[:MAX_SERIES]:
            line = _line(values)
            if line is not None and _keep(str(name), student_only):
                kept[clean_label(name)] = line
        if kept:
            out.append((metric, kept))
    return out


def curve_groups(curves: object, *, student_only: bool = False) -> list[tuple[str, dict[str, list[float]]]]:
    """``details["curves"]`` as ``[(metric, {series: values})]`` (the y values of :func:`curve_panels`)."""
    return [(metric, {name: line.ys for name, line in series.items()})
            for metric, series in curve_panels(curves, student_only=student_only)]


def guide_lines(lines: object) -> dict[str, list[tuple[float, str]]]:
    """``details["curves_lines"]``: ``{metric: [[y, label], ...]}``, horizontal lines drawn on that panel."""
    if not isinstance(lines, Mapping):
        return {}
    out: dict[str, list[tuple[float, str]]] = {}
    for metric, items in list(lines.items())[:MAX_SERIES]:
        if isinstance(items, Sequence) and not isinstance(items, (str, bytes)):
            kept = [(y, clean_label(item[1])) for item in items[:MAX_SERIES]
                    if isinstance(item, Sequence) and len(item) == 2 and (y := _number(item[0])) is not None]
            if kept:
                out[clean_label(metric)] = kept
    return out


def bar_groups(bars: object, *, student_only: bool = False) -> dict[str, dict[str, float]]:
    """``details["bars"]`` as ``{series: {configuration: value}}``; a flat mapping is the student's."""
    if not isinstance(bars, Mapping) or not bars:
        return {}
    nested = all(isinstance(v, Mapping) for v in bars.values())
    raw = bars if nested else {"student": bars}
    out: dict[str, dict[str, float]] = {}
    for name, values in list(raw.items())[:MAX_SERIES]:
        if not _keep(str(name), student_only):
            continue
        kept = {}
        for category, value in list(values.items())[:MAX_CATEGORIES]:
            number = _number(value)
            if number is not None:
                kept[clean_label(category)] = number
        if kept:
            out[clean_label(name)] = kept
    return out


# ------------------------------------------------------------------ drawing
def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=72)
    FigureCanvasSVG(fig)
    return fig


_RC: dict[str, Any] = {
    "svg.fonttype": "none",          # text stays text (escaped by matplotlib, selectable, small)
    "text.parse_math": False,        # "$x$" in a label is just dollars
    "text.usetex": False,
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#6b7480",
    "axes.labelcolor": "#333b47",
    "xtick.color": "#4d5561",
    "ytick.color": "#4d5561",
    "axes.grid": True,
    "grid.color": "#e6e9ee",
    "grid.linewidth": 0.8,
    "legend.frameon": False,
}


def _render(draw: Callable[[Figure], None], key: str, width: float, height: float) -> str:
    import matplotlib

    rc: dict[Any, Any] = {**_RC, "svg.hashsalt": f"grader-{key}"}   # matplotlib types the keys as a Literal of every rc name
    with matplotlib.rc_context(rc):
        fig = _figure(width, height)
        draw(fig)
        fig.tight_layout(pad=0.6)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return inline_svg(buffer.getvalue())


def _colour(name: str, index: int) -> str:
    return SERIES_COLOURS.get(name.lower(), PALETTE[index % len(PALETTE)])


def line_chart(groups: list[tuple[str, dict[str, Line]]], key: str, xlabel: str = "epoch",
               lines: Mapping[str, list[tuple[float, str]]] | None = None) -> Chart | None:
    """Series per epoch, one panel per metric (student solid, reference dashed; a one-point series a dot),
    with ``lines`` drawn across their panel; a panel of positive values spanning three decades is logarithmic."""
    if not groups:
        return None

    def draw(fig: Any) -> None:
        axes = fig.subplots(1, len(groups), squeeze=False)[0]
        for ax, (metric, series) in zip(axes, groups):
            _draw_panel(ax, series, (lines or {}).get(metric, []))
            ax.set_xlabel(xlabel)
            if metric:
                ax.set_title(metric, fontsize=10, loc="left")

    try:
        svg = _render(draw, key, min(4.2 * len(groups) + 0.8, 10.5), 2.9)
    except Exception:  # noqa: BLE001 - a chart must never break a report
        return None
    alt = "; ".join(f"{metric or 'values'} per {xlabel}: " + ", ".join(
        f"{name} {_fmt(_last(line.ys))} after {_fmt(line.xs[-1])}" for name, line in series.items()) for metric, series in groups)
    return Chart(svg, alt)


def _draw_panel(ax: Any, series: dict[str, Line], lines: list[tuple[float, str]]) -> None:
    for index, (name, line) in enumerate(series.items()):
        reference = name.lower() in ("reference", "expected")
        single = len(line.ys) == 1
        ax.plot(line.xs, line.ys, label=name, color=_colour(name, index), linewidth=2.2 if not reference else 1.8,
                linestyle="--" if reference else "-", marker="o" if len(line.ys) <= 30 else None,
                markersize=7 if single else 3, zorder=3 if single else 2)
    for y, label in lines:
        ax.axhline(y, color="#8c959f", linestyle=":", linewidth=1.2, zorder=1)
        ax.annotate(label, (0, y), xycoords=("axes fraction", "data"), xytext=(2, 2), textcoords="offset points",
                    fontsize=8, color="#57606a")
    values = [y for line in series.values() for y in line.ys if not math.isnan(y)]
    if values and min(values) > 0 and max(values) / min(values) > 1e3:
        from matplotlib.ticker import FuncFormatter, NullFormatter

        ax.set_yscale("log")   # tick labels as plain numbers: math text is off, so 10^{-2} would show as TeX
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    xs = sorted({x for line in series.values() for x in line.xs})
    if len(xs) <= 12 and all(float(x).is_integer() for x in xs):
        ax.set_xticks(xs)
    elif all(float(x).is_integer() for x in xs):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8)


def bar_chart(groups: dict[str, dict[str, float]], key: str, ylabel: str = "") -> Chart | None:
    """Grouped bars: one group per configuration, one bar per series."""
    if not groups:
        return None
    categories: list[str] = []
    for values in groups.values():
        categories += [c for c in values if c not in categories]

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        n = len(groups)
        width = 0.8 / n
        for index, (name, values) in enumerate(groups.items()):
            xs = [i + (index - (n - 1) / 2) * width for i in range(len(categories))]
            heights = [values.get(c, math.nan) for c in categories]
            bars = ax.bar(xs, heights, width=width * 0.92, label=name, color=_colour(name, index))
            if len(categories) * n <= 16:
                ax.bar_label(bars, labels=[_fmt(h) if not math.isnan(h) else "" for h in heights], fontsize=8, padding=2)
        ax.set_xticks(list(range(len(categories))))
        ax.set_xticklabels([_wrap(c) for c in categories], rotation=0 if len(categories) <= 6 else 30,
                           ha="center" if len(categories) <= 6 else "right")
        ax.grid(axis="x", visible=False)
        ax.set_axisbelow(True)
        if ylabel:
            ax.set_ylabel(ylabel)
        if n > 1:
            ax.legend(fontsize=9)
        ax.margins(y=0.15)

    try:
        svg = _render(draw, key, min(max(1.2 * len(categories) * max(1, len(groups)) ** 0.5 + 2.2, 4.0), 10.5), 3.0)
    except Exception:  # noqa: BLE001
        return None
    alt = "; ".join(f"{name}: " + ", ".join(f"{c} {_fmt(v)}" for c, v in values.items()) for name, values in groups.items())
    return Chart(svg, alt)


def histogram(scores: list[float], max_score: float, key: str = "histogram", *, xlabel: str = "score",
              percent: bool = False, lines: Sequence[tuple[float, str]] = ()) -> Chart | None:
    """How many submissions reached each band, from 0 to ``max_score`` (``percent``: ticks as percentages),
    with ``lines`` (e.g. a training check's tiers) drawn as vertical lines."""
    if not scores or max_score <= 0:
        return None
    if float(max_score).is_integer() and max_score <= 20 and not percent:
        edges = [float(i) for i in range(int(max_score) + 1)]
    else:
        edges = [max_score * i / 10 for i in range(11)]
    counts = [0] * (len(edges) - 1)
    for score in scores:
        index = min(max(0, sum(score >= e for e in edges[1:])), len(counts) - 1)
        counts[index] += 1
    tick = (lambda e: f"{e:.0%}") if percent else _fmt

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        widths = [b - a for a, b in zip(edges, edges[1:])]
        bars = ax.bar(edges[:-1], counts, width=[w * 0.94 for w in widths], align="edge", color="#0072B2")
        ax.bar_label(bars, labels=[str(c) if c else "" for c in counts], fontsize=8, padding=2)
        for x, label in lines:
            ax.axvline(x, color="#cf222e", linestyle=":", linewidth=1.2)
            ax.annotate(label, (x, 1), xycoords=("data", "axes fraction"), xytext=(-2, -2), textcoords="offset points",
                        fontsize=8, color="#57606a", ha="right", va="top", rotation=90)
        ax.set_xlim(edges[0], edges[-1])
        ax.set_xticks(edges)
        ax.set_xticklabels([tick(e) for e in edges])
        ax.set_xlabel(xlabel)
        ax.set_axisbelow(True)
        ax.set_ylabel("submissions")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="x", visible=False)
        ax.margins(y=0.15)

    try:
        svg = _render(draw, key, 7.5, 2.6)
    except Exception:  # noqa: BLE001
        return None
    alt = f"{xlabel} histogram: " + ", ".join(f"{tick(a)}–{tick(b)}: {c}" for a, b, c in zip(edges, edges[1:], counts))
    return Chart(svg, alt)


def _wrap(label: str, width: int = 14) -> str:
    lines = textwrap.wrap(label, width, break_long_words=True) or [""]
    return "\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")


def _fmt(value: float) -> str:
    return f"{value:.3g}" if isinstance(value, float) and math.isfinite(value) else str(value)


def _last(values: list[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return finite[-1] if finite else math.nan
