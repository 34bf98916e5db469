"""Charts drawn on the server as inline SVG: no script, no CDN, readable with the page's CSP. Only
numbers and dates computed here reach the SVG; every label is escaped by the template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 12, 28


@dataclass(frozen=True)
class Line:
    series: str
    points: str  # the polyline's "x,y x,y …"
    last: int  # the series' latest value (the legend says it)


@dataclass(frozen=True)
class TrendChart:
    lines: list[Line]
    top: int  # the value at the top of the y axis
    first: str  # the dates at both ends of the x axis
    last: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM
    right_x: int = WIDTH - RIGHT


def trend_chart(trends: dict[str, Any]) -> TrendChart | None:
    """Step lines, one per series, over the trend's points; None when there is nothing to draw."""
    points = trends["points"]
    if not points:
        return None
    times = [datetime.fromisoformat(p["at"]).timestamp() for p in points]
    span = (times[-1] - times[0]) or 1.0
    top: int = max(1, *(int(p[name]) for p in points for name in trends["series"]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + plot_w * (t - times[0]) / span

    def y(value: int) -> float:
        return float(TOP + plot_h * (1 - value / top))

    lines = []
    for name in trends["series"]:
        corners = [(x(times[0]), y(points[0][name]))]
        for i in range(1, len(points)):  # a step: across at the old value, then up or down
            corners += [(x(times[i]), y(points[i - 1][name])), (x(times[i]), y(points[i][name]))]
        if len(points) == 1:
            corners.append((LEFT + plot_w, corners[0][1]))
        text = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in _simplified(corners))
        lines.append(Line(name, text, points[-1][name]))
    # dates at the ends, to the minute when the whole span is shorter than two days
    width = 10 if times[-1] - times[0] >= 2 * 86400 else 16
    first, last = (points[i]["at"][:width].replace("T", " ") for i in (0, -1))
    return TrendChart(lines, top, first, last)


def _simplified(corners: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The same line with fewer corners: no repeated point, and no point in the middle of a straight run
    (a flat series is two points, whatever the number of samples)."""
    kept: list[tuple[float, float]] = []
    for corner in corners:
        if kept and kept[-1] == corner:
            continue
        if len(kept) >= 2 and _straight(kept[-2], kept[-1], corner):
            kept[-1] = corner
        else:
            kept.append(corner)
    return kept


def _straight(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> bool:
    return (a[0] == b[0] == c[0]) or (a[1] == b[1] == c[1])
