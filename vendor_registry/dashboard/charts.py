"""Bar-chart geometry for the start pages, drawn as inline SVG by ``templates/dashboard/_chart.html``.

Server-side SVG needs no JavaScript library and no CDN, prints, and works with scripts off. The
numbers themselves are always also in a data table next to the chart, so the picture is for
people who look and the table for people (and screen readers) who read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 40


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    css: str
    title: str


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    rects: list[Rect] = field(default_factory=list)
    y_ticks: list[tuple[float, int]] = field(default_factory=list)  # (y, value)
    x_labels: list[tuple[float, str]] = field(default_factory=list)  # (x centre, text)
    baseline: float = HEIGHT - BOTTOM
    left: float = LEFT
    right: float = WIDTH - RIGHT


def _nice_step(value: int, ticks: int = 4) -> int:
    """A round whole-number step (1, 2, 5, 10, 20, 50 …) giving at most ``ticks`` steps up to ``value``."""
    base = 1
    while True:
        for factor in (1, 2, 5):
            if base * factor * ticks >= value:
                return base * factor
        base *= 10


def _frame(labels: list[str], top_value: int) -> tuple[Chart, float, float]:
    chart = Chart()
    plot_h = HEIGHT - TOP - BOTTOM
    step = _nice_step(max(top_value, 1))
    top = step * -(-max(top_value, 1) // step)
    scale = plot_h / top
    chart.y_ticks = [(chart.baseline - value * scale, value) for value in range(0, top + 1, step)]
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    chart.x_labels = [(LEFT + slot * (i + 0.5), text) for i, text in enumerate(labels)]
    return chart, scale, slot


def stacked_bars(labels: list[str], series: list[tuple[str, str, list[int]]]) -> Chart:
    """One bar per label, stacked from ``series`` = [(css class, name, values)], bottom first."""
    totals = [sum(values[i] for _, _, values in series) for i in range(len(labels))]
    chart, scale, slot = _frame(labels, max(totals, default=0))
    bar_w = slot * 0.6
    for i, text in enumerate(labels):
        y = chart.baseline
        for css, name, values in series:
            h = values[i] * scale
            if h:
                y -= h
                chart.rects.append(Rect(LEFT + slot * i + (slot - bar_w) / 2, y, bar_w, h, css,
                                        f"{text}: {name} {values[i]}"))
    return chart


def paired_bars(labels: list[str], series: list[tuple[str, str, list[int]]]) -> Chart:
    """Side-by-side bars per label, one per series."""
    chart, scale, slot = _frame(labels, max((v for _, _, values in series for v in values), default=0))
    bar_w = slot * 0.8 / max(len(series), 1)
    for i, text in enumerate(labels):
        for j, (css, name, values) in enumerate(series):
            h = values[i] * scale
            if h:
                chart.rects.append(Rect(LEFT + slot * i + slot * 0.1 + bar_w * j, chart.baseline - h, bar_w, h,
                                        css, f"{text}: {name} {values[i]}"))
    return chart


def legend(series: list[tuple[str, str, Any]]) -> list[tuple[str, str]]:
    return [(css, name) for css, name, _ in series]
