"""Server-rendered SVG line charts (percentages over months): readable without JavaScript, in the
page as inline SVG (no scripts, no external files, nothing the CSP has to allow), with the
numbers also in each point's <title> and in the table the page prints beside the chart."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 12, 28
COLOURS = ("#b71c1c", "#1565c0", "#2e7d32", "#6a1b9a")


def _n(value):
    return f"{value:.1f}"


def _x(i, n):
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span * i / (n - 1) if n > 1 else span / 2)


def _y(value):
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / 100)


def line_chart(months, series, *, title):
    """An SVG of `series` [(label, [percent or None per month])] over `months` (first days).
    Gaps (None) break the line."""
    n = len(months)
    parts = [format_html('<title>{}</title>', title)]
    for level in (0, 50, 100):
        y = _y(level)
        parts.append(format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/>'
            '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#555">{}%</text>',
            LEFT, _n(y), WIDTH - RIGHT, _n(y), LEFT - 4, _n(y + 4), level))
    for i, month in enumerate(months):
        parts.append(format_html(
            '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#555">{}</text>',
            _n(_x(i, n)), HEIGHT - 8, _("%(m)s月") % {"m": month.month}))
    for index, (label, values) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        runs, run = [], []
        for i, value in enumerate(values):
            if value is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((i, value))
        if run:
            runs.append(run)
        for run in runs:
            points = " ".join(f"{_x(i, n):.1f},{_y(v):.1f}" for i, v in run)
            parts.append(format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', points, colour))
        parts.append(format_html_join("", (
            '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{} {}: {}%</title></circle>'),
            ((_n(_x(i, n)), _n(_y(v)), colour, f"{months[i]:%Y-%m}", label, v)
             for i, v in enumerate(values) if v is not None)))
        parts.append(format_html(
            '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
            '<text x="{}" y="{}" font-size="12" fill="#222">{}</text>',
            LEFT + 8 + 130 * index, TOP, colour, LEFT + 22 + 130 * index, TOP + 9, label))
    return format_html(
        '<svg class="sv-chart" role="img" viewBox="0 0 {} {}" width="100%" '
        'xmlns="http://www.w3.org/2000/svg" aria-label="{}">{}</svg>',
        WIDTH, HEIGHT, title, mark_safe("".join(parts)))


def history_chart(points, *, title):
    """The chart of glance.history's points: completion and attendance."""
    months = [p["month"] for p in points]
    return line_chart(months, [
        (_("学习完成率"), [p["completion"] for p in points]),
        (_("参加率"), [p["attendance"] for p in points]),
    ], title=title)
