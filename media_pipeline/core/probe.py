"""Probe and validate an upload with ffprobe before anything else is done with it.

Every rejection carries a reason in Chinese for the editor and one in English for the logs.
"""

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from .process import run


class RejectedInput(Exception):
    """The upload cannot become a lecture: say why, in the user's language and in the log's."""

    def __init__(self, reason_zh, reason_en):
        super().__init__(reason_en)
        self.reason_zh = reason_zh
        self.reason_en = reason_en


class PipelineError(Exception):
    """Something went wrong on our side (not the upload's fault)."""


@dataclass(frozen=True)
class Limits:
    max_seconds: float = 4 * 3600  # the longest lecture we accept
    max_pixels: int = 4096 * 2304  # a 4K frame; more is a decompression bomb for our purpose
    max_side: int = 8192
    max_fps: float = 120
    max_frames: int = 4 * 3600 * 60


# Extensions and the ffprobe format names that may stand behind them.
FORMATS_BY_EXTENSION = {
    "mp4": {"mov,mp4,m4a,3gp,3g2,mj2"}, "m4v": {"mov,mp4,m4a,3gp,3g2,mj2"},
    "mov": {"mov,mp4,m4a,3gp,3g2,mj2"}, "3gp": {"mov,mp4,m4a,3gp,3g2,mj2"},
    "m4a": {"mov,mp4,m4a,3gp,3g2,mj2"}, "aac": {"aac"},
    "mkv": {"matroska,webm"}, "webm": {"matroska,webm"},
    "avi": {"avi"}, "flv": {"flv"}, "wmv": {"asf"}, "wma": {"asf"},
    "mpg": {"mpeg", "mpegvideo"}, "mpeg": {"mpeg", "mpegvideo"}, "ts": {"mpegts"},
    "mp3": {"mp3"}, "wav": {"wav"}, "flac": {"flac"}, "ogg": {"ogg"}, "oga": {"ogg"},
    "opus": {"ogg"}, "amr": {"amr"},
    # Camera and old download formats still common in county libraries (AVCHD, DVD, RealMedia).
    "mts": {"mpegts"}, "m2ts": {"mpegts"}, "vob": {"mpeg"}, "rm": {"rm"}, "rmvb": {"rm"},
}
INTERLACED = {"tt", "bb", "tb", "bt"}
# Uploads are opened only with these demuxers and only as local files. Playlists (hls, concat),
# text (tty) and images would let a crafted upload make ffmpeg read other files or URLs (the
# well-known HLS playlist exfiltration), so they are never even probed.
ACCEPTED_FORMATS = sorted({name for names in FORMATS_BY_EXTENSION.values() for name in names})
UNTRUSTED_INPUT_OPTIONS = ["-protocol_whitelist", "file", "-format_whitelist", ",".join(ACCEPTED_FORMATS)]


def _fps(stream):
    for key in ("avg_frame_rate", "r_frame_rate"):
        value = stream.get(key) or "0/0"
        try:
            rate = Fraction(value)
        except (ValueError, ZeroDivisionError):
            continue
        if rate > 0:
            return float(rate)
    return None


def _sample_aspect(stream):
    """The pixels' aspect ratio (1 for square pixels, also when absent or nonsense)."""
    try:
        sar = Fraction((stream.get("sample_aspect_ratio") or "1:1").replace(":", "/"))
    except (ValueError, ZeroDivisionError):
        return Fraction(1)
    return sar if Fraction(1, 4) <= sar <= 4 else Fraction(1)


def _even_at_most(value):
    return int(value // 2) * 2


def _rotation(stream):
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(round(float(side["rotation"]))) % 360
    try:
        return int(stream.get("tags", {}).get("rotate", 0)) % 360
    except ValueError:
        return 0


def ffprobe(path, *, timeout=60, untrusted=False):
    """ffprobe's JSON for `path` (absolute or our own output), None if unreadable; `untrusted`
    (an upload) restricts it to local files and the accepted media formats."""
    options = UNTRUSTED_INPUT_OPTIONS if untrusted else []
    result = run(["ffprobe", "-v", "error", *options, "-show_format", "-show_streams", "-of", "json",
                  f"file:{Path(path).resolve()}"], timeout=timeout)
    if result.returncode != 0:
        return None
    try:
        return json.loads(result.stdout or b"{}")
    except json.JSONDecodeError:
        return None


def probe_media(path, *, limits=None):
    """A validated summary of the media at `path`; raises RejectedInput with the reason."""
    limits = limits or Limits()
    path = Path(path).resolve()
    if not path.is_file():
        raise RejectedInput("找不到这个文件，请重新上传。", "no such file")
    if path.stat().st_size == 0:
        raise RejectedInput("文件是空的，请重新上传。", "empty file")
    data = ffprobe(path, untrusted=True)
    if not data or not data.get("format"):
        if _looks_like_a_container(path):
            # A camera MP4 keeps its index (moov) at the end: cut short, it starts right but cannot be read.
            raise RejectedInput("文件不完整或已损坏（可能没有上传完），请重新导出后上传。",
                                "starts like a media container but ffprobe cannot read it: truncated")
        raise RejectedInput("这不是可以识别的音视频文件，请上传 MP4 等常见格式。",
                            "ffprobe cannot read it: not a media file")
    fmt = data["format"]
    streams = data.get("streams", [])
    videos = [s for s in streams if s.get("codec_type") == "video"
              and (s.get("disposition") or {}).get("attached_pic") != 1]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos and not audios:
        raise RejectedInput("文件里没有可用的视频或音频。", "no usable video or audio stream")

    extension = path.suffix.lower().lstrip(".")
    expected = FORMATS_BY_EXTENSION.get(extension)
    if expected is not None and fmt.get("format_name") not in expected:
        raise RejectedInput(
            f"文件扩展名是 .{extension}，但内容是 {fmt.get('format_name')} 格式，文件名与内容不符。",
            f"extension .{extension} but the content is {fmt.get('format_name')}",
        )

    try:
        duration = float(fmt.get("duration") or 0)
    except ValueError:
        duration = 0
    if duration <= 0:
        raise RejectedInput("无法确定时长：文件可能不完整或已损坏。", "no duration: truncated or broken")
    if duration > limits.max_seconds:
        raise RejectedInput(
            f"时长 {duration / 3600:.1f} 小时，超过了上限 {limits.max_seconds / 3600:.0f} 小时。",
            f"duration {duration:.0f}s over the limit {limits.max_seconds:.0f}s",
        )

    summary = {
        "format": fmt.get("format_name"),
        "duration": round(duration, 3),
        "size": int(fmt.get("size") or path.stat().st_size),
        "bit_rate": int(fmt["bit_rate"]) if str(fmt.get("bit_rate", "")).isdigit() else None,
        "has_video": bool(videos),
        "has_audio": bool(audios),
        "width": None, "height": None, "rotation": 0, "fps": None, "vfr": False, "interlaced": False,
        "video_codec": None, "audio_codec": audios[0].get("codec_name") if audios else None,
    }
    if videos:
        video = videos[0]
        coded_w, coded_h = int(video.get("width") or 0), int(video.get("height") or 0)
        if coded_w <= 0 or coded_h <= 0:
            raise RejectedInput("视频画面尺寸无法读取，文件可能已损坏。", "video stream without dimensions")
        if coded_w * coded_h > limits.max_pixels or max(coded_w, coded_h) > limits.max_side:
            raise RejectedInput(
                f"视频画面 {coded_w}×{coded_h} 过大（最大 4K），无法处理。",
                f"dimensions {coded_w}x{coded_h} over the limit (decompression bomb?)",
            )
        fps = _fps(video)
        if fps is None or fps > limits.max_fps:
            raise RejectedInput("视频帧率异常，无法处理。", f"frame rate {fps!r} out of range")
        frames = int(video.get("nb_frames") or 0) or int(duration * fps)
        if frames > limits.max_frames:
            raise RejectedInput("视频帧数异常，无法处理。", f"{frames} frames over the limit")
        rotation = _rotation(video)
        # Anamorphic pixels (a DVD's 720x576 at 16:9, a camcorder's 1440x1080): the picture as
        # shown is wider than it is coded, and every rung is planned from the picture as shown.
        shown_w = _even_at_most(coded_w * _sample_aspect(video)) or coded_w
        width, height = (coded_h, shown_w) if rotation in (90, 270) else (shown_w, coded_h)
        r_rate, avg_rate = video.get("r_frame_rate"), video.get("avg_frame_rate")
        summary.update(
            width=width, height=height, rotation=rotation, fps=round(fps, 3),
            vfr=bool(r_rate and avg_rate and r_rate != avg_rate),
            interlaced=video.get("field_order") in INTERLACED,
            video_codec=video.get("codec_name"),
        )
    # The tail of the stream the lecture is made from: the video, else the first audio.
    _check_tail(path, duration, stream=f"v:{videos.index(videos[0])}" if videos else "a:0")
    return summary


# Signatures of the containers we accept: ISO BMFF (MP4/MOV/3GP/M4A) `ftyp` at offset 4, Matroska/WebM,
# RIFF (AVI/WAV), ASF (WMV/WMA), RealMedia, MPEG-PS, FLV.
_CONTAINER_SIGNATURES = ((4, b"ftyp"), (0, b"\x1a\x45\xdf\xa3"), (0, b"RIFF"),
                         (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"), (0, b".RMF"), (0, b"\x00\x00\x01\xba"),
                         (0, b"FLV"))


def _looks_like_a_container(path):
    with open(path, "rb") as upload:
        head = upload.read(16)
    return any(head[offset:offset + len(magic)] == magic for offset, magic in _CONTAINER_SIGNATURES)


TRUNCATED = ("文件不完整或已损坏（可能没有上传完），请重新导出后上传。",)
TAIL_SECONDS = 3.0
# How far short of the end the decoded tail may stop (a last frame's or audio packet's length,
# containers whose duration is an estimate).
TAIL_SLACK_SECONDS = 1.0


def _check_tail(path, duration, *, stream):
    """A truncated file can probe fine: an MP4 written "faststart" keeps its whole index at the
    front, so its duration says nothing of how much of the file arrived. Two checks:

    1. ISO BMFF (MP4/MOV/3GP/M4A): every top-level box must end inside the file (a cut file's
       `mdat` claims more bytes than there are);
    2. any container: the last seconds must decode to the end. Decoding starts a little before
       them, so that a seek landing mid-packet (an MPEG program stream's MP2 audio, "Header
       missing") is not taken for damage; what counts is how far the decoded stream reaches."""
    if _is_iso_bmff(path):
        _check_boxes(path)
    start = max(0.0, duration - TAIL_SECONDS)
    result = run(["ffmpeg", "-nostdin", "-v", "error", *UNTRUSTED_INPUT_OPTIONS, "-ss", f"{start:.3f}",
                  "-i", f"file:{path}", "-map", f"0:{stream}", "-progress", "pipe:1", "-nostats",
                  "-f", "null", "-"], timeout=120)
    errors = (result.stderr or b"").decode(errors="replace").strip()
    reached = _progress_seconds(result.stdout)
    if result.returncode != 0 or "partial file" in errors:
        raise RejectedInput(*TRUNCATED, f"cannot decode the end of the file: {errors[-300:]}")
    if start + reached < duration - TAIL_SLACK_SECONDS:
        raise RejectedInput(*TRUNCATED, f"decoding stops at {start + reached:.1f}s of {duration:.1f}s: "
                                        f"truncated ({errors[-200:]})")


def _progress_seconds(output):
    """The last out_time of ffmpeg's -progress report, in seconds (0 when nothing was decoded)."""
    seconds = 0.0
    for line in (output or b"").decode(errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key == "out_time_us" and value.strip().lstrip("-").isdigit():
            seconds = max(seconds, int(value) / 1e6)
    return seconds


def _is_iso_bmff(path):
    with open(path, "rb") as upload:
        return upload.read(8)[4:8] == b"ftyp"


def _check_boxes(path):
    size = path.stat().st_size
    offset = 0
    with open(path, "rb") as upload:
        while offset + 8 <= size:
            upload.seek(offset)
            header = upload.read(16)
            box_size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if box_size == 1 and len(header) >= 16:  # a 64-bit size follows the type
                box_size = int.from_bytes(header[8:16], "big")
            elif box_size == 0:  # "to the end of the file": nothing to check against
                return
            if box_size < 8 or offset + box_size > size:
                raise RejectedInput(*TRUNCATED, f"box {kind!r} at {offset} claims {box_size} bytes, "
                                                f"the file ends {size - offset} bytes later: truncated")
            offset += box_size
