"""Server-side SVG bar charts (no script, no style attribute: the CSP is strict; colours are CSS classes).

Each chart is geometry only; the template draws it inside `<svg role="img">` with a title, and the data
table that follows it carries the same figures for those who do not see the chart (RGAA).
"""
from dataclasses import dataclass

WIDTH = 720
COLUMN_HEIGHT = 220
LABEL_WIDTH = 230
BAR_HEIGHT = 22


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    text_x: float
    text_y: float


def _nice_max(value: int) -> int:
    """A round top for the axis (1, 2, 5 × 10ⁿ) so the gridlines read easily."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def column_chart(points: list[tuple[str, int]]) -> dict:
    """Vertical bars over time: `points` = (label, value) in order."""
    top = _nice_max(max((v for _, v in points), default=0))
    left, bottom, plot_h = 48, 24, COLUMN_HEIGHT - 34
    slot = (WIDTH - left - 8) / max(1, len(points))
    bars = []
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        x = left + i * slot + slot * 0.15
        bars.append(Bar(x=round(x, 1), y=round(10 + plot_h - h, 1), width=round(slot * 0.7, 1), height=round(h, 1),
                        label=label, value=value, text_x=round(x + slot * 0.35, 1), text_y=COLUMN_HEIGHT - 8))
    every = max(1, len(points) // 8)  # at most about 8 labels under the axis
    fractions = (0, 0.5, 1) if top % 2 == 0 else (0, 1)  # a gridline only where its value is whole
    grid = [{"y": round(10 + plot_h - plot_h * f, 1), "value": int(top * f)} for f in fractions]
    return {"width": WIDTH, "height": COLUMN_HEIGHT, "bars": bars, "grid": grid, "label_every": every,
            "axis_x": left, "axis_end": WIDTH - 8, "base_y": 10 + plot_h}


def bar_chart(points: list[tuple[str, int]]) -> dict:
    """Horizontal bars by category (tabs, roles): label on the left, value at the end of the bar."""
    top = _nice_max(max((v for _, v in points), default=0))
    plot_w = WIDTH - LABEL_WIDTH - 60
    bars = []
    for i, (label, value) in enumerate(points):
        y = 8 + i * (BAR_HEIGHT + 8)
        w = plot_w * value / top
        bars.append(Bar(x=LABEL_WIDTH, y=y, width=round(w, 1), height=BAR_HEIGHT, label=label, value=value,
                        text_x=round(LABEL_WIDTH + w + 6, 1), text_y=y + 16))
    return {"width": WIDTH, "height": 16 + len(points) * (BAR_HEIGHT + 8), "bars": bars, "label_x": LABEL_WIDTH - 8}
