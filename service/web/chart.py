"""A count's stages for people: the stage-by-stage table and a chart of it, drawn on the server.

Both read the transcript document (``tally.transcript.transcript_to_dict``), the same data the
result sheet and the verifier read. The chart is SVG with one line per candidate across the
stages (a rise is a transfer received, a fall to nothing an exclusion) and the quota as a dashed
line; it names itself and points to the table, which holds the same figures for screen readers
and anyone who prefers numbers. Arithmetic is exact (``Fraction``) down to whole pixels.
See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from html import escape
from typing import Any

from service.web.i18n import N_

__all__ = ["StageRow", "StageTable", "stage_chart_svg", "stage_table"]

Translate = Callable[..., str]

# Dark enough for 3:1 against white (WCAG 1.4.11), told apart by dash pattern as well.
_COLOURS = (
    "#0b5394",
    "#b45309",
    "#047857",
    "#9d174d",
    "#5b21b6",
    "#1f2937",
    "#0e7490",
    "#a21caf",
    "#4d7c0f",
    "#991b1b",
)
_DASHES = ("", "6 3", "2 3", "8 3 2 3")


@dataclass(frozen=True, slots=True)
class StageRow:
    """One row of the table: a candidate (or the non-transferable / rounding rows) with the
    votes at each stage, the change from the stage before, and what happened to them."""

    label: str
    votes: list[str]
    changes: list[str]
    marks: list[str]
    elected: bool = False


@dataclass(frozen=True, slots=True)
class StageTable:
    """The stage-by-stage table: a column per stage, a row per candidate."""

    headings: Sequence[tuple[int, str, Mapping[str, Any]]]
    rows: list[StageRow]
    extra_rows: list[StageRow]
    quota: str
    valid_votes: str


def _change(now: Fraction, before: Fraction | None, decimals: int) -> str:
    if before is None or now == before:
        return ""
    delta = now - before
    sign = "+" if delta > 0 else "−"
    return f"{sign}{_fixed(abs(delta), decimals)}"


def _fixed(value: Fraction, decimals: int) -> str:
    scaled = round(value * 10**decimals)
    whole, part = divmod(scaled, 10**decimals)
    return f"{whole}.{part:0{decimals}d}" if decimals else str(whole)


def _describe(stage: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    action = stage["action"]
    if action == "first count":
        return N_("First preferences"), {}
    if action == "surplus":
        return N_("Surplus of {name} transferred at {value}"), {
            "name": stage["subject"],
            "value": stage["transfer_value"],
        }
    if action == "exclusion":
        return N_("{name} excluded; their votes transferred"), {"name": stage["subject"]}
    if action == "iteration":
        return N_("Iteration {number}"), {"number": stage["number"]}
    return N_("Remaining seats filled"), {}


def stage_table(transcript: Mapping[str, Any]) -> StageTable:
    """The table of a ranked count from its transcript document. Cost: O(stages × candidates)."""
    decimals = int(transcript["decimals"])
    names: list[str] = list(transcript["candidates"])
    stages = transcript["stages"]
    elected = set(transcript["elected"])
    rows: list[StageRow] = []
    for name in names:
        votes, changes, marks = [], [], []
        before: Fraction | None = None
        for stage in stages:
            now = Fraction(stage["votes"][name])
            votes.append(stage["votes"][name])
            changes.append(_change(now, before, decimals))
            mark = ""
            if any(d["candidate"] == name for d in stage["elected"]):
                mark = "elected"
            elif any(
                d["candidate"] == name and d.get("reason") == "remaining" for d in stage["excluded"]
            ):
                mark = "not elected"  # every seat was filled: not an exclusion
            elif any(d["candidate"] == name for d in stage["excluded"]):
                mark = "excluded"
            marks.append(mark)
            before = now
        rows.append(StageRow(name, votes, changes, marks, elected=name in elected))
    extra: list[StageRow] = []
    for key, label in (
        ("non_transferable", N_("Non-transferable")),
        ("rounding_loss", N_("Loss to rounding")),
    ):
        values = [s[key] for s in stages]
        extra.append(StageRow(label, values, [""] * len(values), [""] * len(values)))
    headings = [(int(s["number"]), *_describe(s)) for s in stages]
    return StageTable(
        headings=headings,
        rows=rows,
        extra_rows=extra,
        quota=str(transcript["quota"]),
        valid_votes=str(transcript["valid_votes"]),
    )


def _scale(value: Fraction, top: Fraction, span: int) -> int:
    return 0 if top == 0 else round(value * span / top)


def _spread(positions: list[tuple[int, int]], gap: int, low: int, high: int) -> dict[int, int]:
    """Label positions pushed apart to at least ``gap`` pixels, kept within [low, high]: a
    pass down from ``low`` keeps them apart, a pass up from ``high`` pulls back those pushed
    below it, so none leaves the drawing (there is room: the plot is taller than the labels)."""
    order = [index for index, _ in sorted(positions, key=lambda p: p[1])]
    wanted = dict(positions)
    placed: dict[int, int] = {}
    last = low - gap
    for index in order:
        last = placed[index] = max(wanted[index], last + gap, low)
    following = high + gap
    for index in reversed(order):
        following = placed[index] = min(placed[index], following - gap)
    return placed


def stage_chart_svg(
    transcript: Mapping[str, Any], _: Translate, *, chart_id: str = "stage-chart"
) -> str:
    """The chart as an SVG element (text, escaped): votes per candidate per stage and the
    quota. Cost: O(stages × candidates); a few hundred bytes per candidate."""
    names: Sequence[str] = transcript["candidates"]
    stages = transcript["stages"]
    quota = Fraction(transcript["quota"])
    series = [[Fraction(s["votes"][n]) for s in stages] for n in names]
    top = max([quota, *(v for line in series for v in line)]) or Fraction(1)
    # The names sit right of the lines: leave room for the longest (about 9 px a letter at the
    # chart's type size), so none is drawn outside the picture.
    elected = set(transcript["elected"])
    longest = max((len(n) + (2 if n in elected else 0) for n in names), default=0)
    left, plot_w, upper, lower = 44, 306, 16, 48
    width = left + plot_w + 12 + max(10, longest) * 9
    plot_h = max(200, 30 * len(names))
    height = upper + plot_h + lower
    count = len(stages)

    def x(i: int) -> int:
        return left + (plot_w // 2 if count == 1 else round(Fraction(i * plot_w, count - 1)))

    def y(v: Fraction) -> int:
        return upper + plot_h - _scale(v, top, plot_h)

    title = _("Votes for each candidate at each stage of the count")
    desc = _(
        "One line per candidate; the dashed line is the quota of {quota}. "
        "The table below gives the same figures.",
        quota=transcript["quota"],
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" class="chart" '
        f'id="{chart_id}">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<g class="axis"><line x1="{left}" y1="{upper}" x2="{left}" y2="{upper + plot_h}"/>',
        f'<line x1="{left}" y1="{upper + plot_h}" x2="{left + plot_w}" y2="{upper + plot_h}"/>',
    ]
    for i, stage in enumerate(stages):
        out.append(
            f'<text x="{x(i)}" y="{upper + plot_h + 18}" text-anchor="middle">'
            f"{int(stage['number'])}</text>"
        )
    out.append(
        f'<text x="{left + plot_w // 2}" y="{height - 6}" text-anchor="middle">'
        f"{escape(_('Stage'))}</text>"
    )
    for value in sorted({Fraction(0), quota, top}):
        out.append(
            f'<text x="{left - 6}" y="{y(value) + 4}" text-anchor="end">'
            f"{escape(_fixed(value, 0))}</text>"
        )
    out.append("</g>")
    qy = y(quota)
    out.append(
        f'<line class="quota" x1="{left}" y1="{qy}" x2="{left + plot_w}" y2="{qy}" '
        f'stroke-dasharray="6 4"/>'
    )
    ends = _spread(
        [(i, y(line[-1])) for i, line in enumerate(series)], 18, upper + 12, upper + plot_h
    )
    for i, (name, line) in enumerate(zip(names, series, strict=True)):
        colour = _COLOURS[i % len(_COLOURS)]
        dash = _DASHES[(i // len(_COLOURS)) % len(_DASHES)]
        points = " ".join(f"{x(j)},{y(v)}" for j, v in enumerate(line))
        weight = 3 if name in elected else 2
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="{weight}"{dashes}/>'
        )
        label = name + (" ✓" if name in elected else "")
        out.append(
            f'<text x="{left + plot_w + 8}" y="{ends[i] + 4}" fill="{colour}">'
            f"{escape(label)}</text>"
        )
    out.append("</svg>")
    return "".join(out)
