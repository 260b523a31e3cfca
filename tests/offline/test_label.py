"""Printable disc labels (PNG and PDF) and the still shown for audio lessons."""

from PIL import Image, ImageChops

from media_pipeline.core.disc_label import (
    DPI,
    LABEL_MM,
    LabelLesson,
    draw_label,
    save_label,
    title_card,
)


def ink(image, box):
    """How many non-white pixels `image` has inside `box`."""
    return sum(image.crop(box).convert("L").histogram()[:200])


def test_label_lists_lessons_with_durations_and_saves_png_and_pdf(tmp_path):
    lessons = [LabelLesson(f"第{i}讲 党的纪律建设", 1800 + i) for i in range(1, 6)]
    image = draw_label("学党章 守党纪", lessons, county="某某县委组织部", disc_number=2, disc_count=3)
    side = round(LABEL_MM / 25.4 * DPI)
    assert image.size == (side, side)
    empty = draw_label("学党章 守党纪", [], county="某某县委组织部", disc_number=2, disc_count=3)
    list_area = (0, side // 3, side, side)
    # Five lessons put ink where an empty list has none; the header is drawn identically.
    assert ink(image, list_area) > ink(empty, list_area) + 5000
    assert ImageChops.difference(image.crop((0, 0, side, side // 5)),
                                 empty.crop((0, 0, side, side // 5))).getbbox() is None
    png, pdf = save_label(image, tmp_path / "label.png", tmp_path / "label.pdf")
    assert Image.open(png).size == (side, side)
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_label_with_many_lessons_notes_the_rest(tmp_path):
    lessons = [LabelLesson("很长的课程名称" * 5, 3600) for _ in range(80)]
    image = draw_label("很多课", lessons)  # shrinks the font, then lists what fits
    assert image.size[0] == image.size[1]


def test_title_card_for_audio_lessons(tmp_path):
    path = title_card(tmp_path / "card.png", "第三讲 录音辅导", subtitle="学党章")
    card = Image.open(path)
    assert card.size == (1024, 576)
    assert card.getpixel((5, 5)) == (183, 28, 28)
    white_text = sum(card.convert("L").histogram()[240:])
    assert white_text > 2000
