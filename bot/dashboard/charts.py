"""Horizontal bar charts as plain data for the SVG template (templates/_chart.html).

Hand-built SVG is enough here: every chart on the dashboard is one series of labelled horizontal bars (an area
or a delivery state, and a count), which is a few rectangles and texts whose widths are computed below. A
charting library would add a dependency (pygal, matplotlib) or a script file (and a CSP exception for it) for
no gain; the SVG is rendered on the server, needs no script, and scales with the phone's width.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 320  # viewBox units; the SVG scales to the screen's width
LABEL_WIDTH = 132
BAR_SPACE = 136  # the longest bar; the value is written after its end
ROW_HEIGHT = 22
LABEL_CHARACTERS = 21


@dataclass(frozen=True)
class Bar:
    key: str  # the area code or state, for links and tests
    label: str
    value: int
    text: str  # the value as shown beside the bar
    y: int
    width: float
    href: str | None
    tone: str  # a CSS class: the bar's colour

    @property
    def short_label(self) -> str:
        return self.label if len(self.label) <= LABEL_CHARACTERS else self.label[: LABEL_CHARACTERS - 1] + "…"

    @property
    def text_x(self) -> float:
        return LABEL_WIDTH + self.width + 4


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    bars: tuple[Bar, ...]

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * ROW_HEIGHT + 4

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def label_width(self) -> int:
        return LABEL_WIDTH


def bar_chart(
    key: str,
    title: str,
    items: Sequence[tuple[str, str, int]],
    number: Callable[[int], str],
    *,
    href: Callable[[str], str | None] = lambda _key: None,
    tone: str | Callable[[str], str] = "tone-0",
) -> BarChart:
    """`items` are (key, label, value); bars are scaled to the largest value."""
    top = max((value for _k, _l, value in items), default=0)
    bars = tuple(
        Bar(
            key=item_key,
            label=label,
            value=value,
            text=number(value),
            y=index * ROW_HEIGHT + 2,
            width=round(BAR_SPACE * value / top, 1) if top else 0.0,
            href=href(item_key),
            tone=tone(item_key) if callable(tone) else tone,
        )
        for index, (item_key, label, value) in enumerate(items)
    )
    return BarChart(key, title, bars)
