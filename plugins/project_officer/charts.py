"""Charts drawn on the server as self-contained SVG for the documents'
``figure`` blocks (the renderer draws their text in the document's font)."""
from xml.sax.saxutils import escape

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 440, 210, 24, 36, 16
COLOURS = ("#b3261e", "#7a7a7a")


def month_bars(rows: list[tuple[str, int, int]], legend: tuple[str, str]) -> str:
    """Paired bars per month: ``rows`` are ("2026-03", first, second)."""
    most = max([1] + [max(a, b) for _m, a, b in rows])
    slot = (WIDTH - 2 * LEFT) / max(1, len(rows))
    bar = slot * 0.32
    scale = (HEIGHT - TOP - BOTTOM) / most
    base = HEIGHT - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
             f'viewBox="0 0 {WIDTH} {HEIGHT}" font-size="11">',
             f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - LEFT}" y2="{base}" stroke="#000" stroke-width="0.6"/>']
    for n, (month, first, second) in enumerate(rows):
        x = LEFT + n * slot + slot * 0.16
        for k, value in enumerate((first, second)):
            height = value * scale
            left = x + k * bar
            parts.append(f'<rect x="{left:.1f}" y="{base - height:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                         f'fill="{COLOURS[k]}"/>')
            parts.append(f'<text x="{left + bar / 2:.1f}" y="{base - height - 3:.1f}" text-anchor="middle">{value}</text>')
        label = f"{int(month[5:])}月"
        parts.append(f'<text x="{x + bar:.1f}" y="{base + 15}" text-anchor="middle">{escape(label)}</text>')
    for k, word in enumerate(legend):
        x = LEFT + k * 90
        parts.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[k]}"/>')
        parts.append(f'<text x="{x + 14}" y="13">{escape(word)}</text>')
    parts.append("</svg>")
    return "".join(parts)
