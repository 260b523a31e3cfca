"""DVD-Video disc images from a list of lessons, for home DVD players on a television.

Plain Python (no Django): ffmpeg encodes each lesson to DVD MPEG-2 (PAL by default, NTSC as an
option) with AC-3 audio, dvdauthor writes VIDEO_TS, xorriso writes the ISO.

Layout of a disc: one title holding every lesson in order, one chapter per lesson. The player
starts it by itself (first-play command), and the remote's "next" button goes to the next lesson;
that is what an elderly viewer needs. With `menu=True` the disc opens on a simple menu listing the
lessons ("play all" first) whose buttons jump to the lesson's chapter.

Disc fit: `plan_discs()` is a pure function from lesson durations to discs and video bitrates; a
set too long for one DVD-5 at an acceptable bitrate is split, in lesson order, into numbered discs.

The menu is drawn by disc_menu.py, an audio lesson's still by disc_label.py; dvd.py holds what this
module and the menu share (the two standards, MenuSpec, DiscBuildError, the tool runner).
"""

import json
import logging
import math
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .disc_label import title_card
from .disc_menu import make_menu
from .dvd import STANDARDS, DiscBuildError, run_tool
from .process import child_setup

logger = logging.getLogger(__name__)

# ---- Disc fit -------------------------------------------------------------------------------

DVD5_BYTES = 4_700_000_000
# IFO/BUP files, a menu and the ISO file system: a generous fixed allowance.
FIXED_OVERHEAD_BYTES = 40_000_000
# MPEG program-stream packing (pack headers, padding) costs about 2-3 % on top of the streams.
MUX_OVERHEAD = 0.03
# Keep a margin: ffmpeg's rate control overshoots a little on some material.
SAFETY_MARGIN = 0.04
AUDIO_BITRATE = 192_000  # AC-3 stereo: plenty for a speaker's voice
# DVD-Video's limit for the video stream is 9.8 Mb/s (10.08 Mb/s for the whole mux). The average
# is kept lower so that the peaks of a variable bitrate stay under ffmpeg's DVD maxrate (9 Mb/s).
DVD_MAX_VIDEO_BITRATE = 9_800_000
MAX_AVERAGE_VIDEO_BITRATE = 8_000_000
# Below this MPEG-2 at 720x576 turns blocky even on slides; split onto more discs instead.
MIN_VIDEO_BITRATE = 2_000_000
# Below this the picture is still acceptable for a lecture, but worth telling the editor.
GOOD_VIDEO_BITRATE = 3_500_000

# What a disc will really weigh (shown to the editor) is not what the fit above allows for. The
# target bitrate is a ceiling MPEG-2's rate control rarely reaches on a lecture: slides stand still,
# so a 60 s lecture built to 14.8 MB where the target allowed 63 MB, and the 40 MB allowance is for
# a full disc (an editor saw "98.5 MB" for a 12.9 MB image). How hard a lesson's picture is to
# compress is already measured by its small H.264 MP4: the DVD stream (MPEG-2 + AC-3) was 16.7x and
# 16.0x the pipeline's MP4 of the shared lecture's variants 1 and 3 (60 s each), and 10.8x the
# 170 kb/s 640x360 clip of bench/disc.py (10 min). The middle keeps each within 0.8-1.25x.
MPEG2_PER_MP4 = 13.5
# An audio lesson's still picture plus its AC-3: 8.8 MB for 60 s over a photo, less over a title card.
STILL_STREAM_BITRATE = 1_200_000
# IFO/BUP files and the ISO/UDF file system of a small image (a menu adds its own few MB).
IMAGE_OVERHEAD_BYTES = 1_000_000


class DiscPlanError(ValueError):
    """The lessons cannot be put on discs (nothing to burn, a lesson longer than a disc)."""

    def __init__(self, reason_zh, reason_en):
        super().__init__(reason_en)
        self.reason_zh = reason_zh
        self.reason_en = reason_en


@dataclass(frozen=True)
class PlannedDisc:
    number: int  # 1-based
    lesson_indexes: tuple  # indexes into the durations given to plan_discs, in order
    seconds: float
    video_bitrate: int  # bits per second
    estimated_bytes: int  # the most it can weigh: the fit's allowance at the target bitrate
    expected_bytes: int = 0  # what it will about weigh (expected_bytes()); 0 when not known


@dataclass(frozen=True)
class DiscPlan:
    discs: tuple
    warnings_zh: tuple = ()

    @property
    def count(self):
        return len(self.discs)


def usable_bytes(capacity=DVD5_BYTES):
    return int(capacity * (1 - SAFETY_MARGIN)) - FIXED_OVERHEAD_BYTES


def video_bitrate_for(seconds, *, capacity=DVD5_BYTES, audio_bitrate=AUDIO_BITRATE):
    """The average video bitrate that fills a disc with `seconds` of video, capped at the DVD
    maximum. May be below MIN_VIDEO_BITRATE (or even negative): the caller decides to split."""
    if seconds <= 0:
        return MAX_AVERAGE_VIDEO_BITRATE
    total = usable_bytes(capacity) * 8 / seconds / (1 + MUX_OVERHEAD)
    return int(min(MAX_AVERAGE_VIDEO_BITRATE, total - audio_bitrate))


def estimated_bytes(seconds, video_bitrate, *, audio_bitrate=AUDIO_BITRATE):
    return int(seconds * (video_bitrate + audio_bitrate) * (1 + MUX_OVERHEAD) / 8) + FIXED_OVERHEAD_BYTES


def expected_bytes(lessons, video_bitrate, *, audio_bitrate=AUDIO_BITRATE):
    """About what a disc of `lessons` will weigh: pairs (seconds, mp4_bitrate) where mp4_bitrate is
    the lesson's small H.264 MP4's bits per second, or None for an audio lesson over a still. Each
    lesson's stream is MPEG2_PER_MP4 times its MP4, never more than the disc's target allows."""
    ceiling = (video_bitrate + audio_bitrate) * (1 + MUX_OVERHEAD)
    total = IMAGE_OVERHEAD_BYTES
    for seconds, mp4_bitrate in lessons:
        stream = STILL_STREAM_BITRATE if not mp4_bitrate else MPEG2_PER_MP4 * mp4_bitrate
        total += seconds * min(ceiling, stream) / 8
    return int(total)


def max_seconds_per_disc(*, capacity=DVD5_BYTES, audio_bitrate=AUDIO_BITRATE,
                         min_video_bitrate=MIN_VIDEO_BITRATE):
    """The longest content one disc holds at the minimum acceptable bitrate."""
    return usable_bytes(capacity) * 8 / (1 + MUX_OVERHEAD) / (min_video_bitrate + audio_bitrate)


def _greedy_groups(durations, limit):
    """Split `durations`, in order, into groups each summing to at most `limit`."""
    groups, current, total = [], [], 0.0
    for index, seconds in enumerate(durations):
        if current and total + seconds > limit:
            groups.append(current)
            current, total = [], 0.0
        current.append(index)
        total += seconds
    if current:
        groups.append(current)
    return groups


def plan_discs(durations, *, capacity=DVD5_BYTES, audio_bitrate=AUDIO_BITRATE,
               min_video_bitrate=MIN_VIDEO_BITRATE, mp4_bitrates=None):
    """Put lessons (their durations in seconds, in order) on as few discs as fit at an acceptable
    bitrate, never cutting a lesson, keeping the order, and balancing the discs' lengths so that
    every disc gets about the same picture quality. Pure: no files, no tools.

    `mp4_bitrates` (per lesson, None for audio lessons), when given, fills each disc's
    `expected_bytes`."""
    durations = [float(seconds or 0) for seconds in durations]
    if not durations:
        raise DiscPlanError("没有可以刻录的课程。", "No lessons to put on a disc.")
    if any(seconds < 0 or math.isnan(seconds) or math.isinf(seconds) for seconds in durations):
        raise DiscPlanError("课程时长无效。", f"Invalid lesson durations: {durations!r}")
    limit = max_seconds_per_disc(capacity=capacity, audio_bitrate=audio_bitrate,
                                 min_video_bitrate=min_video_bitrate)
    for index, seconds in enumerate(durations):
        if seconds > limit:
            raise DiscPlanError(
                f"第 {index + 1} 课的时长 {format_duration(seconds)}，超过一张光盘能容纳的 "
                f"{format_duration(limit)}，无法刻录。",
                f"Lesson {index + 1} lasts {seconds:.0f} s, more than one disc holds ({limit:.0f} s).",
            )
    count = len(_greedy_groups(durations, limit))
    # Balance: the smallest per-disc length that still needs only `count` discs (binary search
    # on the limit; greedy packing is optimal for a fixed order).
    low, high = max(durations), limit
    for _ in range(60):
        middle = (low + high) / 2
        if len(_greedy_groups(durations, middle)) <= count:
            high = middle
        else:
            low = middle
    groups = _greedy_groups(durations, high)
    discs = []
    for number, group in enumerate(groups, start=1):
        seconds = sum(durations[i] for i in group)
        bitrate = video_bitrate_for(seconds, capacity=capacity, audio_bitrate=audio_bitrate)
        expected = 0
        if mp4_bitrates is not None:
            expected = expected_bytes([(durations[i], mp4_bitrates[i]) for i in group], bitrate,
                                      audio_bitrate=audio_bitrate)
        discs.append(PlannedDisc(number, tuple(group), seconds, bitrate,
                                 estimated_bytes(seconds, bitrate, audio_bitrate=audio_bitrate), expected))
    warnings = []
    total = sum(durations)
    if len(discs) > 1:
        warnings.append(
            f"内容共 {format_duration(total)}，一张光盘放不下，将分成 {len(discs)} 张光盘（按课程顺序编号）。"
        )
    if any(disc.video_bitrate < GOOD_VIDEO_BITRATE for disc in discs):
        warnings.append("内容较长，为放进光盘，画质会有所降低。")
    return DiscPlan(tuple(discs), tuple(warnings))


def format_duration(seconds):
    seconds = int(round(seconds or 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


# ---- Tools ------------------------------------------------------------------------------------

REQUIRED_TOOLS = {
    "ffmpeg": "ffmpeg",
    "ffprobe": "ffmpeg",
    "dvdauthor": "dvdauthor",
    "spumux": "dvdauthor",
    "genisoimage": "genisoimage",
}


class DiscToolMissing(RuntimeError):
    def __init__(self, missing):
        packages = sorted({REQUIRED_TOOLS.get(tool, tool) for tool in missing})
        self.reason_zh = (f"服务器缺少制作光盘所需的程序：{'、'.join(missing)}。"
                          f"请管理员安装：apt-get install {' '.join(packages)}")
        super().__init__(f"Missing disc tools: {', '.join(missing)} "
                         f"(apt-get install {' '.join(packages)})")


def check_tools(tools=tuple(REQUIRED_TOOLS)):
    """Raise DiscToolMissing (with the apt-get line) before any work when a tool is absent."""
    missing = [tool for tool in tools if not shutil.which(tool)]
    if not (shutil.which("genisoimage") or shutil.which("xorriso")):
        missing.append("genisoimage")
    if missing:
        raise DiscToolMissing(missing)


# ---- Encoding -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DiscLesson:
    """One lesson to burn: a local media file (a video, or an audio file shown over a still)."""

    title: str
    path: Path
    duration: float
    course: str = ""
    is_audio: bool = False
    # Display aspect ratio of the source (width/height after rotation and SAR); None: probe it.
    display_aspect: float | None = None


def probe_display_aspect(path):
    """Width/height as displayed (SAR and rotation applied), or None for audio-only files."""
    result = run_tool(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                      "stream=width,height,sample_aspect_ratio:stream_side_data=rotation:stream_tags=rotate",
                      "-of", "json", path])
    streams = json.loads(result.stdout or b"{}").get("streams") or []
    if not streams or not streams[0].get("width"):
        return None
    stream = streams[0]
    width, height = stream["width"], stream["height"]
    sar = stream.get("sample_aspect_ratio") or "1:1"
    try:
        num, den = (int(x) for x in sar.split(":"))
        ratio = num / den if num and den else 1.0
    except ValueError:
        ratio = 1.0
    rotation = 0
    for side in stream.get("side_data_list") or []:
        rotation = int(side.get("rotation") or rotation)
    rotation = int((stream.get("tags") or {}).get("rotate") or rotation)
    aspect = width * ratio / height
    return 1 / aspect if abs(rotation) % 180 == 90 else aspect


def choose_aspect(aspects):
    """The disc's aspect flag: 16:9 unless most lessons are narrower (old 4:3 recordings)."""
    known = [a for a in aspects if a]
    if not known:
        return "16:9"
    narrow = sum(1 for a in known if a < (4 / 3 + 16 / 9) / 2)
    return "4:3" if narrow > len(known) / 2 else "16:9"


def picture_filter(source_aspect, *, standard, aspect):
    """Scale into the DVD frame keeping the picture's shape: letterbox or pillarbox as needed,
    then flag the frame's sample aspect ratio so the player shows it as `aspect`."""
    width, height = STANDARDS[standard]["size"]
    target = 16 / 9 if aspect == "16:9" else 4 / 3
    source = source_aspect or target
    if source > target:  # wider than the disc: bars above and below
        w, h = width, height * target / source
    else:  # narrower: bars left and right
        w, h = width * source / target, height
    w, h = max(2, int(round(w / 2)) * 2), max(2, int(round(h / 2)) * 2)
    sar = STANDARDS[standard]["sar"][aspect]
    return (f"scale={w}:{h}:flags=bicubic,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:black,"
            f"setsar={sar},format=yuv420p")


def encode_lesson(lesson, output, *, standard="pal", aspect="16:9", video_bitrate,
                  still_image=None, on_progress=None):
    """Encode one lesson to a DVD-compliant MPEG program stream at `output`.

    on_progress(seconds_done) is called as ffmpeg reports its position."""
    if standard not in STANDARDS:
        raise ValueError(f"standard must be 'pal' or 'ntsc', not {standard!r}")
    spec = STANDARDS[standard]
    video_bitrate = int(max(500_000, min(video_bitrate, MAX_AVERAGE_VIDEO_BITRATE)))
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    if lesson.is_audio:
        if still_image is None:
            raise ValueError("an audio lesson needs a still image to show")
        # The still at a low input rate: the encoder repeats it at the DVD frame rate.
        args += ["-loop", "1", "-framerate", "5", "-i", str(still_image), "-i", str(lesson.path),
                 "-map", "0:v:0", "-map", "1:a:0"]
        # The looped still never ends: stop at the audio's end.
        args += ["-t", f"{lesson.duration:.3f}"] if lesson.duration > 0 else ["-shortest"]
        source_aspect = None
    else:
        args += ["-i", str(lesson.path)]
        if has_audio(lesson.path):
            args += ["-map", "0:v:0", "-map", "0:a:0"]
        else:
            # A silent track: DVD players expect audio in every title.
            args += ["-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000",
                     "-map", "0:v:0", "-map", "1:a:0", "-shortest"]
        source_aspect = lesson.display_aspect or probe_display_aspect(lesson.path)
    args += ["-vf", picture_filter(source_aspect, standard=standard, aspect=aspect),
             "-target", spec["target"], "-aspect", aspect,
             "-b:v", str(video_bitrate), "-maxrate", "9000000", "-bufsize", "1835008",
             "-c:a", "ac3", "-b:a", str(AUDIO_BITRATE), "-ac", "2", "-ar", "48000",
             # ffmpeg's MPEG-2 encoder uses one thread unless told: slice threads on every core.
             "-threads", "0",
             "-progress", "pipe:1", "-nostats", str(output)]
    _run_with_progress(args, on_progress)
    return Path(output)


def has_audio(path):
    result = run_tool(["ffprobe", "-v", "error", "-select_streams", "a", "-show_entries",
                      "stream=index", "-of", "csv=p=0", path])
    return bool(result.stdout.strip())


def _run_with_progress(args, on_progress):
    logger.debug("running %s", " ".join(args))
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=child_setup())
    try:
        for raw in process.stdout:
            line = raw.decode(errors="replace").strip()
            if line.startswith("out_time_us=") and on_progress:
                try:
                    on_progress(max(0, int(line.split("=", 1)[1])) / 1_000_000)
                except ValueError:
                    pass
        stderr = process.stderr.read().decode(errors="replace")
        code = process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    if code != 0:
        raise DiscBuildError(f"ffmpeg failed ({code}): {stderr[-1500:]}")


# ---- Authoring --------------------------------------------------------------------------------

def dvdauthor_xml(mpg_paths, *, dest, standard="pal", aspect="16:9", menu=None):
    """dvdauthor's XML: one title, a chapter at the start of each lesson, played at once (no menu)
    or from the menu's buttons. Pure: returns the XML text."""
    video = f'<video format="{standard}" aspect="{aspect}"' + (
        ' widescreen="nopanscan"' if aspect == "16:9" else "") + "/>"
    vobs = "\n".join(f'        <vob file={quoteattr(str(p))} chapters="0"/>' for p in mpg_paths)
    if menu is None:
        vmgm = "  <vmgm><fpc>jump title 1;</fpc></vmgm>"
        post = ""
    else:
        buttons = ['          <button name="b1">jump title 1;</button>']
        for n in range(2, menu.button_count + 1):
            buttons.append(f'          <button name="b{n}">jump title 1 chapter {n - 1};</button>')
        vmgm = (
            "  <vmgm>\n    <fpc>jump menu 1;</fpc>\n    <menus>\n"
            f"      {video}\n"
            '      <pgc entry="title">\n'
            + "\n".join(buttons) + "\n"
            f'        <vob file={quoteattr(str(menu.mpg))} pause="inf"/>\n'
            "      </pgc>\n    </menus>\n  </vmgm>"
        )
        post = "        <post>call vmgm menu 1;</post>\n"
    return (
        f"<dvdauthor dest={quoteattr(str(dest))} jumppad=\"yes\">\n{vmgm}\n"
        "  <titleset>\n    <titles>\n"
        f"      {video}\n"
        '      <audio format="ac3" lang="zh"/>\n'
        "      <pgc>\n"
        f"{vobs}\n{post}"
        "      </pgc>\n    </titles>\n  </titleset>\n</dvdauthor>\n"
    )


def author_dvd(mpg_paths, dvd_dir, *, standard="pal", aspect="16:9", menu=None, workdir):
    dvd_dir = Path(dvd_dir)
    if dvd_dir.exists():
        shutil.rmtree(dvd_dir)
    xml = Path(workdir) / "dvdauthor.xml"
    xml.write_text(dvdauthor_xml(mpg_paths, dest=dvd_dir, standard=standard, aspect=aspect,
                                 menu=menu), encoding="utf-8")
    # dvdauthor reads VIDEO_FORMAT for defaults it cannot infer; set it to match.
    env_cmd = ["env", f"VIDEO_FORMAT={standard.upper()}", "dvdauthor", "-x", str(xml)]
    run_tool(env_cmd, cwd=workdir)
    (dvd_dir / "AUDIO_TS").mkdir(exist_ok=True)  # some old players look for it
    return dvd_dir


def volume_id(title, number=1):
    """ISO 9660 volume ids are short upper-case ASCII; Chinese titles become DIANKE_<n>."""
    ascii_part = "".join(c for c in (title or "").upper() if c.isascii() and (c.isalnum() or c == "_"))
    base = (ascii_part or "DIANKE")[:24]
    return f"{base}_{number}"[:32]


def iso_tool():
    """genisoimage writes the UDF bridge that DVD-Video requires (`-dvd-video`); xorriso only
    writes ISO 9660, which many but not all players read, so it is the fallback."""
    if shutil.which("genisoimage"):
        return "genisoimage"
    if shutil.which("xorriso"):
        return "xorriso"
    raise DiscToolMissing(["genisoimage"])


def make_iso(dvd_dir, iso_path, *, volume="DIANKE_1"):
    """Write a DVD-Video ISO (VIDEO_TS files in DVD order) from a folder holding VIDEO_TS."""
    iso_path = Path(iso_path)
    tmp = iso_path.with_name(iso_path.name + ".part")
    tool = iso_tool()
    if tool == "genisoimage":
        args = ["genisoimage", "-quiet", "-dvd-video", "-udf", "-V", volume, "-o", tmp, dvd_dir]
    else:
        logger.warning("genisoimage is missing: writing an ISO 9660 image without UDF with xorriso; "
                       "some DVD players need UDF (apt-get install genisoimage)")
        args = ["xorriso", "-as", "mkisofs", "-iso-level", "1", "-V", volume, "-o", tmp, dvd_dir]
    try:
        run_tool(args)
        tmp.replace(iso_path)  # nothing half-written under the final name
    finally:
        tmp.unlink(missing_ok=True)
    return iso_path


# ---- The whole disc -----------------------------------------------------------------------------

@dataclass
class DiscResult:
    iso: Path
    bytes: int
    lessons: list
    video_bitrate: int
    standard: str
    aspect: str
    menu: bool
    seconds: float = 0.0
    chapters: list = field(default_factory=list)  # [(title, start_seconds, duration)]


def build_disc(lessons, iso_path, *, standard="pal", menu=False, title="", disc_number=1,
               disc_count=1, video_bitrate=None, still_image_for=None, workdir=None,
               on_progress=None):
    """Make one DVD-Video ISO holding `lessons` (DiscLesson list) in order.

    still_image_for(lesson) -> PNG path for audio-only lessons (default: a plain title card).
    on_progress(percent 0..100). Raises DiscToolMissing before doing anything when a tool is
    missing, DiscBuildError when one fails; never leaves a partial ISO under `iso_path`."""
    check_tools()
    if not lessons:
        raise DiscPlanError("没有可以刻录的课程。", "No lessons to put on a disc.")
    if standard not in STANDARDS:
        raise ValueError(f"standard must be 'pal' or 'ntsc', not {standard!r}")
    total = sum(max(0.0, lesson.duration) for lesson in lessons) or 1.0
    if video_bitrate is None:
        video_bitrate = max(MIN_VIDEO_BITRATE, video_bitrate_for(total))
    progress = on_progress or (lambda percent: None)
    aspects = [None if lesson.is_audio else (lesson.display_aspect or probe_display_aspect(lesson.path))
               for lesson in lessons]
    aspect = choose_aspect(aspects)
    own_tmp = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="dianke-disc-")) if own_tmp else Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        mpgs, done = [], 0.0
        for index, (lesson, lesson_aspect) in enumerate(zip(lessons, aspects, strict=True), start=1):
            mpg = workdir / f"lesson{index:03d}.mpg"
            still = None
            if lesson.is_audio:
                still = (still_image_for(lesson) if still_image_for else
                         _default_still(lesson, workdir / f"still{index:03d}.png", standard, aspect))
            frozen_done = done
            encode_lesson(
                DiscLesson(lesson.title, lesson.path, lesson.duration, lesson.course,
                           lesson.is_audio, lesson_aspect),
                mpg, standard=standard, aspect=aspect, video_bitrate=video_bitrate,
                still_image=still,
                on_progress=lambda s, base=frozen_done, span=lesson.duration: progress(
                    min(90.0, 90.0 * (base + min(s, span)) / total)),
            )
            done += max(0.0, lesson.duration)
            progress(90.0 * done / total)
            mpgs.append(mpg)
        menu_spec = None
        if menu:
            menu_spec = make_menu([lesson.title for lesson in lessons], workdir, standard=standard,
                                  aspect=aspect, heading=title, disc_number=disc_number,
                                  disc_count=disc_count)
        dvd_dir = author_dvd(mpgs, workdir / "dvd", standard=standard, aspect=aspect,
                             menu=menu_spec, workdir=workdir)
        progress(95.0)
        for mpg in mpgs:  # halve the peak disk use before the ISO is written
            mpg.unlink(missing_ok=True)
        iso = make_iso(dvd_dir, iso_path, volume=volume_id(title, disc_number))
        progress(100.0)
        chapters, start = [], 0.0
        for lesson in lessons:
            chapters.append((lesson.title, start, lesson.duration))
            start += lesson.duration
        return DiscResult(iso=iso, bytes=iso.stat().st_size, lessons=list(lessons),
                          video_bitrate=int(video_bitrate), standard=standard, aspect=aspect,
                          menu=bool(menu), seconds=total, chapters=chapters)
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)


def _default_still(lesson, path, standard, aspect):
    return title_card(path, lesson.title, subtitle=lesson.course, size=(1024, 576) if aspect == "16:9"
                      else (768, 576))
