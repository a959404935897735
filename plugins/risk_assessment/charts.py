"""Charts of the quarterly report, drawn by the server as SVG: bars of this
quarter beside the previous one for each line of a count. The geometry is
worked out here; ``templates/risk_assessment/_charts.html`` draws it, and the
string goes into the document as a figure block."""
from dataclasses import dataclass, field

from flask import get_template_attribute

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 28, 64
MAX_BARS = 12           # groups shown; the rest are summed into "其他"


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list = field(default_factory=list)      # {x, y, w, h, cls, value}
    labels: list = field(default_factory=list)    # {x, y, text}
    grid: list = field(default_factory=list)      # {y, value}
    legend: list = field(default_factory=list)    # {x, cls, text}
    left: int = LEFT
    right: int = WIDTH - RIGHT


def _nice_top(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if value <= step * 4:
            return step * 4
    return value


def compare(lines, current_name: str, previous_name: str) -> Chart:
    """Paired bars (this quarter, the previous) for each line ``{label, current, previous}``."""
    lines = list(lines)
    if len(lines) > MAX_BARS:
        rest = lines[MAX_BARS - 1:]
        lines = lines[:MAX_BARS - 1] + [{"label": "其他", "current": sum(x["current"] for x in rest),
                                           "previous": sum(x["previous"] for x in rest)}]
    chart = Chart()
    top = _nice_top(max([1] + [max(x["current"], x["previous"]) for x in lines]))
    plot_h = HEIGHT - TOP - BOTTOM
    for n in range(5):
        value = top * n // 4
        chart.grid.append({"y": round(HEIGHT - BOTTOM - plot_h * n / 4, 1), "value": value})
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(lines))
    bar_w = min(28.0, slot * 0.36)
    for i, line in enumerate(lines):
        middle = LEFT + slot * (i + 0.5)
        for offset, key, cls in ((-bar_w, "current", "current"), (0, "previous", "previous")):
            h = plot_h * line[key] / top
            chart.bars.append({"x": round(middle + offset, 1), "y": round(HEIGHT - BOTTOM - h, 1), "w": round(bar_w, 1),
                               "h": round(h, 1), "cls": cls, "value": line[key]})
        chart.labels.append({"x": round(middle, 1), "y": HEIGHT - BOTTOM + 18, "text": str(line["label"])[:8]})
    chart.legend = [{"x": LEFT, "cls": "current", "text": current_name},
                    {"x": LEFT + 180, "cls": "previous", "text": previous_name}]
    return chart


def svg(chart: Chart) -> str:
    return str(get_template_attribute("risk_assessment/_charts.html", "compare")(chart)).strip()
