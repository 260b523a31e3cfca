"""USB-stick / folder packages: a ZIP with the lessons' small MP4s (or audio), subtitles and an
`index.html` that plays them from the file system with no server and no network.

Plain Python (no Django). The ZIP is streamed: `iter_package()` yields it chunk by chunk while
reading each media file in chunks, so neither the archive nor a lesson is ever held in memory;
`write_package()` writes those chunks to any writable stream, seekable or not (a pipe, a socket,
an HTTP response). Media are stored uncompressed (they are already compressed); names are UTF-8
(zipfile sets the language-encoding flag, bit 11, for non-ASCII names, which Windows 10+,
macOS and Linux honour) and numbered so that a file list sorts in lesson order.
"""

import html
import io
import json
import re
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

CHUNK_SIZE = 1024 * 1024
# Characters Windows forbids in file names, and control characters.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


@dataclass(frozen=True)
class PackageLesson:
    """One lesson in a package. `media` and `subtitles` are local paths or callables returning a
    readable binary file object (e.g. a storage file), so that nothing is copied beforehand."""

    title: str
    media: object  # Path | str | callable -> binary file
    media_suffix: str = ".mp4"  # ".mp4" for video, ".m4a" for audio-only lessons
    course: str = ""
    duration: float | None = None
    subtitles: object = None  # WebVTT: Path | str | callable | None
    media_size: int | None = None  # bytes, when known without opening (for zip64 and progress)

    @property
    def is_audio(self):
        return self.media_suffix.lower() in {".m4a", ".mp3", ".aac", ".ogg", ".opus"}


def safe_name(text, *, max_chars=60):
    """A file name readable in Chinese on Windows: forbidden characters replaced, no trailing
    dots or spaces, not too long for old file systems' path limits."""
    name = _FORBIDDEN.sub("_", text or "").strip().rstrip(".")
    name = re.sub(r"\s+", " ", name)
    return (name[:max_chars].rstrip(" .") or "课程")


def lesson_basename(number, title, count):
    width = max(2, len(str(count)))
    return f"{number:0{width}d}-{safe_name(title)}"


def format_duration(seconds):
    if not seconds:
        return ""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _open(source):
    if callable(source):
        return source()
    return open(source, "rb")


def _size(source, known=None):
    if known is not None:
        return known
    if isinstance(source, str | Path):
        return Path(source).stat().st_size
    return None


def vtt_to_srt(vtt_text):
    """WebVTT to SubRip for TV boxes and players that read only .srt (cues kept, styling dropped)."""
    blocks = re.split(r"\n\s*\n", vtt_text.replace("\r\n", "\n").strip())
    cues = []
    for block in blocks:
        lines = block.strip().split("\n")
        for i, line in enumerate(lines):
            if "-->" in line:
                start, _, end = line.partition("-->")
                end = end.strip().split(" ")[0]

                def srt_time(value):
                    value = value.strip()
                    if value.count(":") == 1:
                        value = "00:" + value
                    return value.replace(".", ",")

                cues.append(f"{len(cues) + 1}\n{srt_time(start)} --> {srt_time(end)}\n"
                            + "\n".join(lines[i + 1:]))
                break
    return "\n\n".join(cues) + ("\n" if cues else "")


@dataclass(frozen=True)
class PackageEntry:
    """What index.html needs to know about a lesson in the package."""

    number: int
    title: str
    course: str
    duration: float | None
    media_name: str
    subtitles_name: str | None
    is_audio: bool


def plan_entries(lessons):
    entries = []
    for number, lesson in enumerate(lessons, start=1):
        base = lesson_basename(number, lesson.title, len(lessons))
        entries.append(PackageEntry(
            number=number, title=lesson.title, course=lesson.course, duration=lesson.duration,
            media_name=base + lesson.media_suffix,
            subtitles_name=(base + ".vtt") if lesson.subtitles else None,
            is_audio=lesson.is_audio,
        ))
    return entries


INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 0; font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
  background: #fff8f0; color: #222; font-size: 20px; }}
header {{ background: #b71c1c; color: #fff; padding: 16px 20px; }}
header h1 {{ margin: 0; font-size: 28px; }}
header p {{ margin: 4px 0 0; font-size: 18px; }}
main {{ max-width: 960px; margin: 0 auto; padding: 12px; }}
video {{ width: 100%; max-height: 70vh; background: #000; display: block; }}
#now {{ font-size: 24px; font-weight: bold; margin: 10px 0; min-height: 1.4em; }}
ol {{ list-style: none; padding: 0; margin: 0; }}
li {{ margin: 0 0 12px; }}
a.lesson {{ display: flex; align-items: center; min-height: 72px; padding: 12px 18px; border-radius: 12px;
  background: #fff; border: 3px solid #b71c1c; color: #b71c1c; text-decoration: none; font-size: 24px; }}
a.lesson:focus, a.lesson:hover, a.lesson.playing {{ background: #b71c1c; color: #fff; outline: 4px solid #ffc107; }}
a.lesson .n {{ font-size: 30px; font-weight: bold; min-width: 2.2em; }}
a.lesson .t {{ flex: 1; }}
a.lesson .d {{ font-size: 18px; margin-left: 12px; white-space: nowrap; }}
a.lesson small {{ display: block; font-size: 16px; opacity: .8; }}
p.help {{ font-size: 18px; color: #555; }}
</style>
</head>
<body>
<header><h1>{title}</h1>{subtitle}</header>
<main>
<video id="player" controls preload="metadata" playsinline src="{first_src}">{first_track}
<p>这个浏览器不能直接播放，请点击下面的课程名称打开视频文件。</p>
</video>
<p id="now">{first_title}</p>
<ol id="lessons">
{items}
</ol>
<p class="help">点击课程名称开始播放，一课播完自动播放下一课。不用联网。
若无法播放，可直接打开同一文件夹中的视频文件（文件名前的数字即课程顺序）。</p>
</main>
<script>
var lessons = {lessons_json};
(function () {{
  var player = document.getElementById("player");
  var now = document.getElementById("now");
  var links = document.querySelectorAll("a.lesson");
  var current = 0;
  function show(i, play) {{
    current = i;
    var lesson = lessons[i];
    while (player.firstChild && player.firstChild.tagName === "TRACK") {{ player.removeChild(player.firstChild); }}
    player.src = lesson.src;
    if (lesson.vtt) {{
      var track = document.createElement("track");
      track.kind = "subtitles"; track.srclang = "zh"; track.label = "中文"; track["default"] = true;
      track.src = lesson.vtt;
      player.insertBefore(track, player.firstChild);
    }}
    now.textContent = (play ? "正在播放：" : "第 " + (i + 1) + " 课：") + lesson.title;
    for (var j = 0; j < links.length; j++) {{ links[j].className = j === i ? "lesson playing" : "lesson"; }}
    if (play) {{ var p = player.play(); if (p && p["catch"]) {{ p["catch"](function () {{}}); }} }}
  }}
  for (var k = 0; k < links.length; k++) {{
    links[k].onclick = (function (i) {{
      return function (event) {{ event.preventDefault(); show(i, true); window.scrollTo(0, 0); }};
    }})(k);
  }}
  player.addEventListener("ended", function () {{ if (current + 1 < lessons.length) {{ show(current + 1, true); }} }});
  show(0, false);
}})();
</script>
</body>
</html>
"""


def render_index(entries, *, title, county="", note=""):
    """The package's index.html: large buttons, Chinese titles, one <video> for every lesson."""
    def href(name):
        return quote(name)

    items = []
    for entry in entries:
        course = f"<small>{html.escape(entry.course)}</small>" if entry.course else ""
        kind = "（录音）" if entry.is_audio else ""
        items.append(
            f'<li><a class="lesson" href="{href(entry.media_name)}">'
            f'<span class="n">{entry.number}</span>'
            f'<span class="t">{html.escape(entry.title)}{kind}{course}</span>'
            f'<span class="d">{format_duration(entry.duration)}</span></a></li>'
        )
    subtitle_parts = [part for part in (county, note, f"共 {len(entries)} 课") if part]
    first = entries[0] if entries else None
    first_track = ""
    if first and first.subtitles_name:
        first_track = (f'\n<track kind="subtitles" srclang="zh" label="中文" default '
                       f'src="{href(first.subtitles_name)}">')
    data = [{"title": e.title, "src": href(e.media_name),
             "vtt": href(e.subtitles_name) if e.subtitles_name else None} for e in entries]
    return INDEX_TEMPLATE.format(
        title=html.escape(title),
        subtitle=f"<p>{html.escape(' · '.join(subtitle_parts))}</p>",
        first_src=href(first.media_name) if first else "",
        first_track=first_track,
        first_title=html.escape(first.title) if first else "",
        items="\n".join(items),
        # </script> cannot appear inside JSON produced from titles: escape "<".
        lessons_json=json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"),
    )


class _Sink(io.RawIOBase):
    """A write-only, non-seekable buffer that the generator empties after each write."""

    def __init__(self):
        self._chunks = []

    def writable(self):
        return True

    def write(self, data):
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self):
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _zipinfo(name, *, size=None, compress=zipfile.ZIP_STORED):
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    if size is not None:
        info.file_size = size  # lets zipfile pick zip64 for lessons over 4 GB
    return info


def iter_package(lessons, *, title, county="", note="", chunk_size=CHUNK_SIZE, on_progress=None):
    """Yield the ZIP's bytes. on_progress(done_bytes, total_bytes or None) after each chunk."""
    lessons = list(lessons)
    entries = plan_entries(lessons)
    sizes = [_size(lesson.media, lesson.media_size) for lesson in lessons]
    total = sum(sizes) if all(s is not None for s in sizes) else None
    done = 0
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:
        for lesson, entry, size in zip(lessons, entries, sizes, strict=True):
            with _open(lesson.media) as source, archive.open(
                _zipinfo(entry.media_name, size=size), "w", force_zip64=size is None
            ) as target:
                while True:
                    block = source.read(chunk_size)
                    if not block:
                        break
                    target.write(block)
                    done += len(block)
                    yield sink.drain()
                    if on_progress:
                        on_progress(done, total)
            if lesson.subtitles:
                with _open(lesson.subtitles) as source:
                    vtt = source.read().decode("utf-8-sig")
                archive.writestr(_zipinfo(entry.subtitles_name, compress=zipfile.ZIP_DEFLATED), vtt)
                srt_name = entry.subtitles_name[:-4] + ".srt"
                archive.writestr(_zipinfo(srt_name, compress=zipfile.ZIP_DEFLATED), vtt_to_srt(vtt))
                yield sink.drain()
        archive.writestr(_zipinfo("index.html", compress=zipfile.ZIP_DEFLATED),
                         render_index(entries, title=title, county=county, note=note))
        yield sink.drain()
    yield sink.drain()  # the central directory, written on close


def write_package(lessons, stream, *, title, county="", note="", chunk_size=CHUNK_SIZE,
                  on_progress=None):
    """Write the ZIP to `stream` (any object with write(); need not be seekable). Returns bytes."""
    written = 0
    for chunk in iter_package(lessons, title=title, county=county, note=note,
                              chunk_size=chunk_size, on_progress=on_progress):
        if chunk:
            stream.write(chunk)
            written += len(chunk)
    return written


def write_package_file(lessons, path, **kwargs):
    """Write the ZIP to `path` via a temporary name, so no half-written file is left behind."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "wb") as stream:
            size = write_package(lessons, stream, **kwargs)
        shutil.move(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return size
