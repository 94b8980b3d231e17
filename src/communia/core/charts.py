"""What the server-drawn SVG charts share: round values for an axis and which points get a
date label. The charts themselves are drawn by their module (no JavaScript, no CDN)."""

from __future__ import annotations

import math

from communia.core.formatting import fr_date, fr_number

__all__ = ["axis_ticks", "tick_label", "date_labels", "y_axis_svg", "date_axis_svg"]


def axis_ticks(lo: float, hi: float, count: int = 5) -> tuple[list[float], int]:
    """About ``count`` round values (steps of 1, 2 or 5 × 10ⁿ) from at most ``lo`` to at least
    ``hi``, and the number of decimals they need; the first and last bound the axis."""
    if not hi > lo:
        hi = lo + 1.0
    rough = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough * (1 - 1e-9))
    first = math.floor(lo / step + 1e-9) * step
    ticks = [first]
    while ticks[-1] < hi - step * 1e-9:
        ticks.append(first + len(ticks) * step)
    return ticks, max(0, -math.floor(math.log10(step) + 1e-9))


def tick_label(value: float, decimals: int) -> str:
    """« 1 500 », « 2,5 », « 0 » (never « -0 »)."""
    return fr_number(round(value, decimals) + 0.0, decimals)


def y_axis_svg(
    ticks: list[float], decimals: int, y, *, left: float, right: float, size: int, unit: str
) -> str:
    """Horizontal grid lines at ``ticks`` (``y`` maps a value to its height), their values
    left of ``left`` and the ``unit`` above them; the lowest line is the axis."""
    from html import escape

    return (
        f'<text x="{left - 6}" y="{size + 1}" font-size="{size}" text-anchor="end">'
        f"{escape(unit)}</text>"
    ) + "".join(
        f'<line x1="{left}" x2="{right}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
        f'stroke="{"#555" if k == 0 else "#e3e7ec"}"/>'
        f'<text x="{left - 6}" y="{y(t) + size * 0.35:.1f}" font-size="{size}" '
        f'text-anchor="end">{tick_label(t, decimals)}</text>'
        for k, t in enumerate(ticks)
    )


def label_positions(n: int, most: int) -> list[int]:
    """Indices of at most ``most`` labels among ``n`` points, one every so many points, the
    first and the last included (the last replaces a label too close to it)."""
    if n <= most:
        return list(range(n))
    step = math.ceil((n - 1) / (most - 1))
    indices = list(range(0, n, step))
    if indices[-1] != n - 1:
        if n - 1 - indices[-1] < step:
            indices[-1] = n - 1
        else:
            indices.append(n - 1)
    return indices


def date_labels(days: list, most: int) -> list[tuple[int, str]]:
    """``(index, « 4 sept. »)`` for at most ``most`` evenly spread days (dates, datetimes or
    ISO strings), the year written on the first label and wherever it changes."""
    out, year = [], None
    for i in label_positions(len(days), most):
        text = fr_date(days[i], year=False, short=True)
        this_year = str(days[i])[:4]
        if this_year != year:
            text, year = fr_date(days[i], short=True), this_year
        out.append((i, text))
    return out


def date_axis_svg(days: list, x, *, axis_y: float, size: int, most: int = 7) -> str:
    """Ticks under the x-axis (at height ``axis_y``) and their days (``x`` maps an index to its
    position); the first label starts at its tick and the last ends at its own."""
    from html import escape

    last = len(days) - 1
    return "".join(
        f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{axis_y}" y2="{axis_y + 4}" stroke="#555"/>'
        f'<text x="{x(i):.1f}" y="{axis_y + size + 6}" font-size="{size}" '
        f'text-anchor="{"start" if i == 0 else "end" if i == last else "middle"}">'
        f"{escape(text)}</text>"
        for i, text in date_labels(days, most)
    )
