"""A course's speech as plain MP3 files in one ZIP, for the players elderly members really use:
cheap 老人机 and 听戏机 that read MP3 from a TF card and play the files in the order they were
written. Plain Python (no Django): ffmpeg encodes, zipfile stores.

Each lesson becomes `01-<lesson title>.mp3` (numbered so any player's order is the course's):
mono, 22.05 kHz, 40 kb/s constant bitrate (speech; CBR because cheap decoders show a wrong length
and seek badly in VBR files), ID3v2.3 tags (title, album = course, track n/N) that such players
read. The ZIP stores the files uncompressed (MP3 does not compress), in lesson order, at its root:
unzipped onto the card they play in order. About 0.3 MB a minute.
"""

import logging
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .process import child_setup
from .usb import lesson_basename

logger = logging.getLogger(__name__)

SAMPLE_RATE = 22050
BITRATE = "40k"


@dataclass(frozen=True)
class Mp3Lesson:
    title: str
    path: Path  # a local audio or video file with a speech track
    course: str = ""


class Mp3PackError(RuntimeError):
    def __init__(self, reason_zh, reason_en):
        super().__init__(reason_en)
        self.reason_zh = reason_zh


def mp3_names(lessons):
    """The file names in the ZIP, in lesson order: 01-标题.mp3 …"""
    return [lesson_basename(number, lesson.title, len(lessons)) + ".mp3"
            for number, lesson in enumerate(lessons, start=1)]


def encode_mp3(lesson, output, *, track, total):
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(lesson.path),
            "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE),
            "-c:a", "libmp3lame", "-b:a", BITRATE, "-id3v2_version", "3", "-write_xing", "0",
            "-map_metadata", "-1",
            "-metadata", f"title={lesson.title}", "-metadata", f"album={lesson.course}",
            "-metadata", f"track={track}/{total}", str(output)]
    result = subprocess.run(args, capture_output=True, preexec_fn=child_setup())
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()[-300:]
        raise Mp3PackError(f"第 {track} 课“{lesson.title}”的音频无法转成 MP3。", message)


def write_mp3_zip(lessons, path, *, on_progress=None):
    """Write the ZIP to `path` (whole or not at all). on_progress(percent) after each lesson."""
    if not lessons:
        raise Mp3PackError("没有可以制作 MP3 的课程。", "no lessons")
    path = Path(path)
    names = mp3_names(lessons)
    with tempfile.TemporaryDirectory(prefix="dianke-mp3-") as work:
        partial = Path(work) / "pack.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            for number, (lesson, name) in enumerate(zip(lessons, names, strict=True), start=1):
                mp3 = Path(work) / f"{number}.mp3"
                encode_mp3(lesson, mp3, track=number, total=len(lessons))
                archive.write(mp3, arcname=name)
                mp3.unlink()
                if on_progress:
                    on_progress(100.0 * number / len(lessons))
        shutil.move(partial, path)
    return path
