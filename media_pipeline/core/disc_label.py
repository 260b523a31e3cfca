"""Printable disc labels and covers, and title cards, drawn with Pillow and Noto Sans CJK.

A label is one square page, 120 x 120 mm (a DVD case insert or a printable disc face) at 300 dpi:
the title, the county's name, "disc 1 of 2", and the lesson list with durations. Saved as PNG
and PDF (Pillow writes both; the PDF keeps the physical size).
"""

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)
BOLD_FONT_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",) + FONT_FILES
# Index 2 in the Noto Sans CJK collection is Simplified Chinese (SC).
SC_INDEX = 2
PARTY_RED = (183, 28, 28)
DPI = 300
LABEL_MM = 120


class LabelFontMissing(RuntimeError):
    pass


def _font(size, *, bold=False):
    for candidate in BOLD_FONT_FILES if bold else FONT_FILES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size=size, index=SC_INDEX)
    raise LabelFontMissing("Noto Sans CJK is missing: apt-get install fonts-noto-cjk")


def _fit_text(draw, text, max_width, size, *, bold=False, min_size=10):
    """The largest font (down to min_size) that fits `text` on one line; then ellipsis."""
    while size > min_size:
        font = _font(size, bold=bold)
        if draw.textlength(text, font=font) <= max_width:
            return text, font
        size -= 2
    font = _font(min_size, bold=bold)
    if draw.textlength(text, font=font) <= max_width:
        return text, font
    while text and draw.textlength(text + "…", font=font) > max_width:
        text = text[:-1]
    return text + "…", font


def _wrap(draw, text, font, max_width):
    """Wrap Chinese text character by character (no spaces between words)."""
    lines, current = [], ""
    for char in text:
        if draw.textlength(current + char, font=font) > max_width and current:
            lines.append(current)
            current = char
        else:
            current += char
    if current:
        lines.append(current)
    return lines


@dataclass(frozen=True)
class LabelLesson:
    title: str
    duration: float | None


def _format_duration(seconds):
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def draw_label(title, lessons, *, county="", disc_number=1, disc_count=1, kind_text="党课光盘",
               footer=""):
    """Return a Pillow image of the label (square, LABEL_MM at DPI)."""
    side = round(LABEL_MM / 25.4 * DPI)
    margin = round(side * 0.06)
    image = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(image)
    band = round(side * 0.2)
    draw.rectangle([0, 0, side, band], fill=PARTY_RED)
    width = side - 2 * margin
    top_text, top_font = _fit_text(draw, county or kind_text, width, round(band * 0.22))
    draw.text((margin, round(band * 0.12)), top_text, font=top_font, fill="white")
    title_font = _font(round(band * 0.3), bold=True)
    title_lines = _wrap(draw, title, title_font, width)[:2]
    y = round(band * 0.42)
    for line in title_lines:
        draw.text((margin, y), line, font=title_font, fill="white")
        y += round(band * 0.3)
    y = band + margin // 2
    disc_line = kind_text + (f"  第 {disc_number} 张 / 共 {disc_count} 张" if disc_count > 1 else "")
    total = sum(lesson.duration or 0 for lesson in lessons)
    if total:
        disc_line += f"  总时长 {_format_duration(total)}"
    info_font = _font(round(side * 0.032))
    draw.text((margin, y), disc_line, font=info_font, fill=PARTY_RED)
    y += round(side * 0.055)
    # The lesson list: shrink the font until every lesson fits on the page.
    bottom = side - margin - (round(side * 0.04) if footer else 0)
    size = round(side * 0.034)
    while True:
        font = _font(size)
        line_height = round(size * 1.45)
        if y + line_height * len(lessons) <= bottom or size <= 14:
            break
        size -= 2
    shown = lessons[: max(1, (bottom - y) // line_height)]
    for number, lesson in enumerate(shown, start=1):
        duration = _format_duration(lesson.duration)
        duration_width = draw.textlength(duration, font=font)
        prefix = f"{number:>2}. "
        text, _ = _fit_text(draw, prefix + lesson.title, width - duration_width - size, size,
                            min_size=size)
        draw.text((margin, y), text, font=font, fill="black")
        draw.text((side - margin - duration_width, y), duration, font=font, fill=(90, 90, 90))
        y += line_height
    if len(shown) < len(lessons):
        draw.text((margin, y), f"……另有 {len(lessons) - len(shown)} 课", font=font, fill="black")
    if footer:
        footer_text, footer_font = _fit_text(draw, footer, width, round(side * 0.026))
        draw.text((margin, side - margin - round(side * 0.03)), footer_text, font=footer_font,
                  fill=(90, 90, 90))
    return image


def save_label(image, png_path=None, pdf_path=None):
    """Save the label as PNG and/or PDF (the PDF at the label's physical size)."""
    written = []
    if png_path:
        image.save(png_path, "PNG", dpi=(DPI, DPI))
        written.append(Path(png_path))
    if pdf_path:
        image.save(pdf_path, "PDF", resolution=DPI)
        written.append(Path(pdf_path))
    return written


def title_card(path, title, *, subtitle="", size=(1024, 576)):
    """A plain still (red band, white title) shown on screen while an audio-only lesson plays."""
    width, height = size
    image = Image.new("RGB", size, PARTY_RED)
    draw = ImageDraw.Draw(image)
    margin = width // 10
    font = _font(height // 10, bold=True)
    lines = _wrap(draw, title, font, width - 2 * margin)[:3]
    y = height // 2 - len(lines) * height // 18
    for line in lines:
        draw.text(((width - draw.textlength(line, font=font)) / 2, y), line, font=font, fill="white")
        y += height // 8
    if subtitle:
        small = _font(height // 18)
        text, small = _fit_text(draw, subtitle, width - 2 * margin, height // 18)
        draw.text(((width - draw.textlength(text, font=small)) / 2, y + height // 30), text,
                  font=small, fill=(255, 230, 230))
    image.save(path, "PNG")
    return Path(path)
