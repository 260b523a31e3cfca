"""DVD-Video images built from short generated lessons and read back with real DVD readers:
isoinfo (the ISO 9660 tree), the UDF bridge's descriptors, and lsdvd (libdvdread, the library
players on Linux use) for titles, chapters, durations, video format, aspect flag and audio."""

import ast
import subprocess

import pytest

from media_pipeline.core import disc
from media_pipeline.core.disc import DiscBuildError, DiscLesson, DiscToolMissing, build_disc
from media_pipeline.core.dvd import MenuSpec

pytestmark = pytest.mark.slow


def lsdvd(iso):
    """lsdvd's Python output (-Oy prints `lsdvd = {...}`; -x adds chapters, audio and video)."""
    result = subprocess.run(["lsdvd", "-x", "-Oy", str(iso)], capture_output=True, check=True)
    text = result.stdout.decode()
    return ast.literal_eval(text[text.index("{"):])


def iso_listing(iso):
    result = subprocess.run(["isoinfo", "-f", "-i", str(iso)], capture_output=True, check=True)
    return result.stdout.decode().split()


def lessons_from(clips):
    return [
        DiscLesson("第一讲 党章总纲", clips["wide"], 3.0, course="学党章"),
        DiscLesson("第二讲 党的纪律", clips["narrow"], 4.0, course="学党章"),
        DiscLesson("第三讲 录音辅导", clips["audio"], 3.0, course="学党章", is_audio=True),
    ]


def test_pal_autoplay_disc_has_one_chapter_per_lesson_in_order(offline_clips, tmp_path):
    lessons = lessons_from(offline_clips)
    seen = []
    result = build_disc(lessons, tmp_path / "学党章.iso", title="xuedangzhang",
                        on_progress=seen.append)
    assert result.iso.exists() and result.bytes == result.iso.stat().st_size
    assert seen[-1] == 100.0 and seen == sorted(seen)
    names = iso_listing(result.iso)
    for name in ("/VIDEO_TS/VIDEO_TS.IFO;1", "/VIDEO_TS/VTS_01_0.IFO;1", "/VIDEO_TS/VTS_01_1.VOB;1"):
        assert name in names
    # DVD-Video needs the UDF bridge: its volume recognition sequence follows the ISO descriptors.
    head = result.iso.read_bytes()[32768:32768 + 40 * 2048]
    assert b"BEA01" in head and b"NSR02" in head and b"TEA01" in head

    info = lsdvd(result.iso)
    assert len(info["track"]) == 1
    title = info["track"][0]
    assert title["format"] == "PAL" and (title["width"], title["height"]) == (720, 576)
    assert title["fps"] == pytest.approx(25.0)
    assert title["aspect"] == "16/9"  # two of three sources are wide (audio counts as neither)
    chapters = title["chapter"]
    assert len(chapters) == len(lessons)
    for chapter, lesson in zip(chapters, lessons, strict=True):
        assert chapter["length"] == pytest.approx(lesson.duration, abs=0.2)
    assert title["length"] == pytest.approx(sum(lesson.duration for lesson in lessons), abs=0.5)
    assert [audio["format"] for audio in title["audio"]] == ["ac3"]
    assert title["audio"][0]["channels"] == 2 and title["audio"][0]["frequency"] == 48000
    # No menu: the first-play command starts the title, so VIDEO_TS.VOB (a menu) is absent.
    assert "/VIDEO_TS/VIDEO_TS.VOB;1" not in names


def test_ntsc_4_3_disc_with_menu(offline_clips, tmp_path):
    lessons = [
        DiscLesson("第二讲 党的纪律", offline_clips["narrow"], 4.0),
        DiscLesson("第三讲 录音辅导", offline_clips["audio"], 3.0, is_audio=True),
    ]
    result = build_disc(lessons, tmp_path / "menu.iso", standard="ntsc", menu=True, title="学党章")
    names = iso_listing(result.iso)
    assert "/VIDEO_TS/VIDEO_TS.VOB;1" in names  # the VMGM menu
    title = lsdvd(result.iso)["track"][0]
    assert title["format"] == "NTSC" and (title["width"], title["height"]) == (720, 480)
    assert title["fps"] == pytest.approx(29.97)
    assert title["aspect"] == "4/3"
    assert [round(c["length"]) for c in title["chapter"]] == [4, 3]
    # The menu has a "play all" button plus one per lesson, each jumping to its chapter.
    xml = disc.dvdauthor_xml(["a.mpg", "b.mpg"], dest="d", menu=MenuSpec("m.mpg", 3))
    assert "jump title 1;" in xml and "jump title 1 chapter 2;" in xml


def test_missing_tools_are_reported_before_any_work(offline_clips, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH
    with pytest.raises(DiscToolMissing) as error:
        build_disc(lessons_from(offline_clips), tmp_path / "x.iso")
    assert "apt-get install" in error.value.reason_zh and "dvdauthor" in error.value.reason_zh
    assert not (tmp_path / "x.iso").exists()


def test_a_broken_lesson_fails_clearly_and_leaves_no_iso(offline_clips, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all" * 100)
    lessons = [DiscLesson("好的一课", offline_clips["wide"], 3.0),
               DiscLesson("坏的一课", broken, 3.0, display_aspect=16 / 9)]
    with pytest.raises(DiscBuildError):
        build_disc(lessons, tmp_path / "x.iso")
    assert list(tmp_path.glob("*.iso*")) == []


def test_aspect_choice_and_picture_filter():
    assert disc.choose_aspect([16 / 9, 4 / 3, 16 / 9]) == "16:9"
    assert disc.choose_aspect([4 / 3, 4 / 3, 16 / 9]) == "4:3"
    assert disc.choose_aspect([None]) == "16:9"
    # A 4:3 source on a 16:9 disc is pillarboxed: 540 of 720 columns, full height.
    assert disc.picture_filter(4 / 3, standard="pal", aspect="16:9").startswith("scale=540:576:")
    # A 16:9 source on a 4:3 NTSC disc is letterboxed: full width, 3/4 of the height.
    assert disc.picture_filter(16 / 9, standard="ntsc", aspect="4:3").startswith("scale=720:360:")
    assert disc.volume_id("学党章", 2) == "DIANKE_2"
    assert disc.volume_id("Party history 2024", 1) == "PARTYHISTORY2024_1"
