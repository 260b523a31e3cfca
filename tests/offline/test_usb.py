"""USB packages: a streamed ZIP (non-seekable output, bounded writes), UTF-8 names in lesson order,
and an index.html that plays the lessons from file:// in headless chromium with no server."""

import os
import threading
import zipfile

import pytest

from media_pipeline.core.usb import (
    PackageLesson,
    iter_package,
    safe_name,
    vtt_to_srt,
    write_package,
    write_package_file,
)

VTT = "WEBVTT\n\n00:00.000 --> 00:01.500\n同志们好\n\n00:01.500 --> 00:03.000\n今天学习党章\n"
UTF8_FLAG = 0x800


@pytest.fixture
def package_lessons(offline_clips, tmp_path):
    subtitles = tmp_path / "第一讲.vtt"
    subtitles.write_text(VTT, encoding="utf-8")
    return [
        PackageLesson("第一讲：党章总纲", offline_clips["wide"], course="学党章", duration=3.0,
                      subtitles=subtitles),
        PackageLesson("第二讲 党的纪律", offline_clips["narrow"], course="学党章", duration=4.0),
        PackageLesson("第三讲 录音辅导", offline_clips["audio"], ".m4a", course="学党章", duration=3.0),
    ]


class NonSeekableSink:
    """Records every write; has no seek/tell, like a pipe or an HTTP response."""

    def __init__(self):
        self.sizes = []
        self.data = bytearray()

    def write(self, data):
        self.sizes.append(len(data))
        self.data += data
        return len(data)


def test_zip_is_streamed_in_bounded_chunks(tmp_path):
    big = tmp_path / "big.mp4"
    big.write_bytes(os.urandom(3 * 1024 * 1024 + 123))
    sink = NonSeekableSink()
    progress = []
    written = write_package([PackageLesson("长课", big, duration=60.0)], sink, title="测试",
                            chunk_size=256 * 1024, on_progress=lambda done, total: progress.append((done, total)))
    assert written == len(sink.data)
    # The 3 MB lesson went out in pieces no larger than a chunk plus a header: nothing buffered whole.
    assert max(sink.sizes) <= 256 * 1024 + 1024
    assert len(sink.sizes) >= 12
    assert progress[-1] == (big.stat().st_size, big.stat().st_size)
    archive_path = tmp_path / "out.zip"
    archive_path.write_bytes(sink.data)
    with zipfile.ZipFile(archive_path) as archive:
        assert archive.testzip() is None
        assert archive.read("01-长课.mp4") == big.read_bytes()


def test_zip_through_a_pipe_has_utf8_names_in_lesson_order(package_lessons, tmp_path):
    read_end, write_end = os.pipe()
    received = []

    def reader():
        with open(read_end, "rb") as pipe:
            while block := pipe.read(65536):
                received.append(block)

    thread = threading.Thread(target=reader)
    thread.start()
    with open(write_end, "wb") as pipe:
        assert not pipe.seekable()
        write_package(package_lessons, pipe, title="学党章", county="某某县")
    thread.join()
    archive_path = tmp_path / "学党章.zip"
    archive_path.write_bytes(b"".join(received))
    with zipfile.ZipFile(archive_path) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert names == [
            "01-第一讲：党章总纲.mp4", "01-第一讲：党章总纲.vtt", "01-第一讲：党章总纲.srt",
            "02-第二讲 党的纪律.mp4", "03-第三讲 录音辅导.m4a", "index.html",
        ]
        for info in archive.infolist():
            if not info.filename.isascii():
                assert info.flag_bits & UTF8_FLAG, info.filename
        media = [n for n in names if n.endswith((".mp4", ".m4a"))]
        assert media == sorted(media)
        assert archive.read("02-第二讲 党的纪律.mp4") == package_lessons[1].media.read_bytes()
        assert "今天学习党章" in archive.read("01-第一讲：党章总纲.srt").decode()
        index = archive.read("index.html").decode()
        assert "学党章" in index and "某某县" in index and "第三讲 录音辅导" in index
        assert "http://" not in index and "https://" not in index  # nothing from the network


def test_names_and_subtitles_helpers():
    assert safe_name('a/b\\c:d*e?f"g<h>i|j') == "a_b_c_d_e_f_g_h_i_j"
    assert safe_name("  结尾的点. ") == "结尾的点"
    assert safe_name("") == "课程"
    assert len(safe_name("长" * 200)) == 60
    srt = vtt_to_srt(VTT)
    assert srt.startswith("1\n00:00:00,000 --> 00:00:01,500\n同志们好")
    assert "2\n00:00:01,500 --> 00:00:03,000\n今天学习党章" in srt


def test_write_package_file_leaves_nothing_half_written(tmp_path):
    def exploding():
        raise OSError("storage went away")

    target = tmp_path / "p.zip"
    with pytest.raises(OSError):
        write_package_file([PackageLesson("一课", exploding, media_size=10)], target, title="x")
    assert list(tmp_path.iterdir()) == []


def test_iter_package_is_lazy(package_lessons):
    chunks = iter_package(package_lessons, title="学党章")
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04")  # a local file header, before any lesson was read whole
    chunks.close()


@pytest.mark.browser
def test_index_html_plays_from_file_url_without_network(package_lessons, output_dir, browser_page):
    folder = output_dir / "package"
    folder.mkdir(exist_ok=True)
    archive_path = output_dir / "学党章.zip"
    write_package_file(package_lessons, archive_path, title="学党章", county="某某县")
    with zipfile.ZipFile(archive_path) as archive:
        archive.extractall(folder)
    page = browser_page
    # Any request that is not a local file fails the test: the package must work offline.
    outside = []
    page.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
               if not route.request.url.startswith("file://") else route.continue_())
    page.goto((folder / "index.html").as_uri())
    assert page.title() == "学党章"
    buttons = page.locator("a.lesson")
    assert buttons.count() == 3
    box = buttons.first.bounding_box()
    assert box["height"] >= 64  # large buttons, easy to hit
    assert "第一讲：党章总纲" in buttons.first.inner_text()
    buttons.first.click()
    page.wait_for_function("document.getElementById('player').currentTime > 0.5")
    assert "第一讲" in page.locator("#now").inner_text()
    # The second button switches the player to the second lesson, which plays too.
    buttons.nth(1).click()
    page.wait_for_function(
        "decodeURIComponent(document.getElementById('player').currentSrc).endsWith('02-第二讲 党的纪律.mp4')"
        " && document.getElementById('player').currentTime > 0.5")
    assert outside == []
