"""The trend of an enterprise's health checks as a small SVG line chart, drawn
on the server (for the trend page and the report's figure)."""
from xml.sax.saxutils import escape

WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 480, 200, 36, 16, 14, 30


def trend_svg(points: list[tuple[str, int]]) -> str:
    """``points``: (label, overall score 0–100), oldest first."""
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def xy(n, score):
        return LEFT + (n * step if len(points) > 1 else inner_w / 2), TOP + inner_h * (1 - score / 100)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
             f'height="{HEIGHT}" role="img">']
    for level in (0, 60, 100):
        y = TOP + inner_h * (1 - level / 100)
        dash = ' stroke-dasharray="4 3"' if level == 60 else ""
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#999"{dash}/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{level}</text>')
    coords = [xy(n, score) for n, (_label, score) in enumerate(points)]
    if len(coords) > 1:
        parts.append('<polyline fill="none" stroke="#b22222" stroke-width="2" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
    for (label, score), (x, y) in zip(points, coords):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#b22222"/>')
        parts.append(f'<text x="{x:.1f}" y="{y - 7:.1f}" font-size="11" text-anchor="middle">{score}</text>')
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - 10}" font-size="11" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
