"""The transcoding pipeline: plain Python over the system ffmpeg, callable without Django.

    manifest = transcode("lecture.mp4", "out/", on_progress=print)

One ffmpeg process decodes the upload's video once and encodes the whole ladder (240p/360p/480p/720p,
never above the source) as HLS rungs; a second one beside it decodes its audio once and encodes the
speech track in two codecs: Opus (the HLS audio group players pick when they can play it, and
the small listening file) and AAC (the alternative group for players without Opus, and the audio
download old phones play). The small download MP4 and the audio files are then remuxed from what
was encoded (no second encode), and a poster is taken from a frame that is not black. Everything is written to a temporary folder and
moved into `out_dir` at the end, `manifest.json` last: its presence marks a finished job.
"""

import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from .probe import (
    UNTRUSTED_INPUT_OPTIONS,
    Limits,
    PipelineError,
    RejectedInput,
    ffprobe,
    probe_media,
)
from .process import run, run_with_progress

__all__ = ["PROFILES", "Limits", "PipelineError", "RejectedInput", "probe_media", "transcode"]

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


@dataclass(frozen=True)
class Rung:
    size: int  # the short side: the height of a landscape video, the width of a portrait one
    maxrate: int  # bits/s: a 3G phone must not stall on a slide change; 0: uncapped (see PROFILES)
    crf: float  # x264 takes fractional CRFs
    preset: str  # x264 preset
    x264_params: str = ""  # after the profile's x264_params (a later key wins)
    max_fps: float = 0  # 0: the profile's; else the frame rate is divided down to at most this


@dataclass(frozen=True)
class Profile:
    rungs: tuple
    tune: str  # x264 tuning, "" for none
    x264_params: str  # on top of the rung's preset
    segment_seconds: int
    max_fps: float
    audio_bitrate: int  # the AAC speech track (players without Opus, the audio download)
    audio_rate: int
    download_size: int  # which rung becomes the small download MP4
    opus_bitrate: int = 0  # the Opus speech track; 0: none


# Lectures are mostly still slides with small text, a talking head and speech (measured choices in
# docs/media-pipeline.md). A still slide costs almost nothing between keyframes, so keyframes are
# few (10 s segments) and B-frames many; mbtree with a long lookahead gives the keyframe of a still
# slide the quality that the frames after it inherit; no psy tuning (it spends bits on texture, not
# on sharp text). Capped CRF: maxrate/bufsize bound the burst at a slide change so that a 3G phone
# keeps playing (240p-480p; 720p is uncapped, below). The two small rungs use the cheaper preset:
# their bytes are cheap, their CPU is not free. qcomp 0.4 (x264's default 0.6) strengthens mbtree: a still slide keeps a better keyframe for
# fewer bits (at 720p 2 % fewer bytes and +0.0001 SSIM; at 360p +0.0004 SSIM). With it, 480p/720p
# afford veryfast with superfast's motion search (me=dia, subme=1: about 15 % less CPU for the
# ladder, 4-5 % more bytes, paid back by qcomp and CRF 24.5 at 720p), and 240p a 20-frame lookahead.
# No B-frame decision (b-adapt=0: always the most B-frames): x264's fast decision searched, for every
# frame, a P-frame at each distance up to 12 on the half-size picture, only to choose all B-frames on
# a still slide; it was a quarter of the ladder's CPU. 240p keeps it (a fixed run lost SSIM there
# with its short lookahead; it is cheap at that size). Up to 12 B-frames, not 16: the same bytes and
# SSIM on every rung (to 0.001 and 0.00001), but x264 keeps, for every frame in its lookahead, a cost
# table per pair of B-frame distances (14x14, not 18x18); the ladder then touches (and the kernel
# zeroes) 640 MB of memory rather than 845 MB. qcomp 0.3 (not 0.4) on every rung: about 1 % fewer
# bytes at 720p for +0.00005 SSIM. No weighted bi-prediction (weightb=0): x264's implicit weights
# for B-frames by their distance from the two references gain nothing on slides that do not fade
# (its bytes and SSIM within 1 % and 0.0001 either way), yet every B-frame's lookahead estimate and
# bi-predicted block paid for a weighted average: without them a 720p encode takes a fifth less CPU
# and the ladder about a tenth; CRF 23.1 / 24.6 (from 23 / 24.5) at 360p / 720p take the bytes back.
# 480p stays at CRF 23: at 23.1 the 24 px notice slide's keyframe crossed a quantiser step and
# tesseract read 0.899 of its characters on the third lecture (the goal is 0.90; 0.976 at 23).
# No scene-cut detection (scenecut=0): it estimated, for every frame, a P-frame against the frame
# before it (a motion search over the whole half-size picture) to find cuts that a lecture's slides
# never make: the shared lectures' nine slide changes gave no scene-cut keyframe on any rung, and the
# keyframes every segment_seconds are forced anyway. 4 % of the ladder's CPU; a camera cut is coded
# as a P- or B-frame of intra blocks, at most a segment away from the next keyframe.
# The 240p rung is the one a member on a pay-per-megabyte plan watches (issue 22: 240p with its
# audio <= 0.40 MB per lecture-minute): half the frame rate (12.5 fps from 25; slides do not move,
# the talking head moves a little less smoothly), x264's slow preset (its CPU is a ninth of 720p's
# at a ninth of the pixels), 16 B-frames with the fast decision over a 2.4 s lookahead and qcomp 0.3;
# CRF 24. On the 60 s lectures against the shipped 240p before (superfast, CRF 21, 25 fps): 30 %
# fewer bytes (0.28-0.29 against 0.39-0.42 MB/min) at the same SSIM (0.9960-0.9965). Only when a
# taller rung is there to switch to: a source's only rung keeps its frame rate.
# 720p has no cap (no VBV): a 3G link (about 1 Mb/s) cannot carry it in any case, so the cap, at
# 1.3 Mb/s, never served the 3G phone it is there for, while x264 paid for it on every frame (its
# lookahead prices the coming frames for the buffer, rows are re-checked against it): 3-4 % of the
# ladder's CPU (paired runs of bench/ladder_variants.py, shipped against vbv-720), for output
# that differed by 68 bytes in 4 MB on the 180 s lecture (the cap never bound on slides). A player
# still picks the rung by its real peak, which the master playlist's BANDWIDTH carries.
# Speech needs no stereo. Opus at 13.5 kb/s held to wide band (speech up to 8 kHz, "HD voice") in
# 60 ms frames (the container's per-packet overhead a third of 20 ms frames'): 0.096 MB/min, under
# the 0.10 goal, and above issue 22's 32 kb/s AAC track (ffmpeg's default twoloop coder; the shipped
# AAC, below, scores higher) on PESQ-WB and STOI on all three shared lectures (bench/reach.py). Above 12 kb/s libopus by itself widens the band to 12 kHz: the same bits spread
# over more spectrum and both scores fell (13 kb/s: PESQ-WB 2.73 against 2.90 on variant 2) while
# its VBR overshot to 0.11 MB/min; held to wide band they rise with the rate (12 / 13 / 13.5 / 14
# kb/s on variant 2: 2.82 / 2.92 / 2.96 / 3.02). 120 ms frames save 2 % of bytes and lose more than
# that in score. The AAC track stays for players without Opus and the download.
PROFILES = {
    "phone": Profile(
        rungs=(Rung(240, 300_000, 24, "slow", "bframes=16:qcomp=0.3:rc-lookahead=30:b-adapt=1", max_fps=15),
               Rung(360, 500_000, 23.1, "superfast"),
               Rung(480, 800_000, 23, "veryfast", "me=dia:subme=1"),
               Rung(720, 0, 24.6, "veryfast", "me=dia:subme=1")),
        tune="ssim",
        x264_params="mbtree=1:rc-lookahead=40:bframes=12:b-adapt=0:qcomp=0.3:weightb=0:scenecut=0",
        segment_seconds=10,
        max_fps=30,
        audio_bitrate=32_000,
        audio_rate=24_000,
        download_size=360,
        opus_bitrate=13_500,
    ),
}
# zimg's bicubic (B=0, C=0.6, centred chroma: the same kernel as ffmpeg's default bicubic scaler)
# at about half swscale's CPU when the picture shrinks 3-4x; ffmpeg 5.1 runs the filter graph in its
# main thread (slice threads aside, see the ladder), so the scalers bound the whole ladder's speed.
# Only the top rung is scaled from the source; the lower ones from the top rung's frame (1.5-3x
# smaller than the source, so a shorter kernel over fewer pixels: the ladder 7-11 % less CPU), which
# cost 0.0001 SSIM at most.
SCALER = "filter=bicubic:param_a=0:param_b=0.6:chromalin=center:chromal=center"
AUDIO_ONLY_BITRATE = 48_000  # a recorded lecture without video: the audio is the whole lecture


def _even(value):
    return max(2, int(round(value / 2)) * 2)


def _even_within(value, limit):
    """The nearest even number to `value` (H.264 in 4:2:0 wants even sides), but never above
    `limit`: rounding an odd-sized source's side up would make its rung larger than itself."""
    return max(2, min(_even(value), int(limit // 2) * 2))


def plan_rungs(width, height, profile):
    """(rung, width, height) for each rung at or below the source's short side; a source smaller
    than the lowest rung gives one rung at its own size. Portrait stays portrait."""
    short, long_ = min(width, height), max(width, height)
    chosen = [rung for rung in profile.rungs if rung.size <= short] or [
        replace(profile.rungs[0], size=_even(short))
    ]
    chosen[-1] = replace(chosen[-1], max_fps=0)  # the top rung keeps the source's frame rate
    plan = []
    for rung in chosen:
        other = _even_within(long_ * rung.size / short, long_)
        size = _even_within(rung.size, short)
        plan.append((rung, other, size) if width >= height else (rung, size, other))
    return plan


def _frame_rate(probe, profile):
    fps = probe.get("fps") or 25
    return min(profile.max_fps, max(1, round(fps)))


def rung_frame_rate(rung, fps):
    """The rung's frame rate: the ladder's `fps` divided by the smallest whole number that brings it
    to the rung's max_fps or below (every 2nd frame of 25 fps: 12.5), so frames drop evenly."""
    if not rung.max_fps or fps <= rung.max_fps:
        return fps
    divisor = -(-fps // rung.max_fps)  # ceiling
    return fps / divisor


def _rate_text(rate):
    return f"{rate:g}"


def _video_filters(probe, fps):
    filters = []
    if probe.get("interlaced"):
        filters.append("bwdif=mode=send_frame:parity=auto:deint=all")
    filters.append(f"fps={fps}")  # variable frame rate made constant
    filters.append("format=yuv420p")  # a no-op for most uploads; the scalers then only resize
    return ",".join(filters)


def _cores():
    """The cores this process may run on (a container's cpuset, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _ffmpeg_ladder_args(source, work, probe, plan, profile, fps):
    """One decode, scaled to the top rung and from there to every lower rung; each rung and the
    audio an HLS playlist of fMP4 segments."""
    top = len(plan) - 1
    _, top_width, top_height = plan[top]
    # The lowest rung's frames also feed the sprite (a few frames kept, in the same run).
    lowest = ",split=2[v0][sprite]"
    graph = [f"[0:v:0]{_video_filters(probe, fps)},zscale=w={top_width}:h={top_height}:{SCALER},setsar=1"
             + (f",split={len(plan)}[v{top}]" + "".join(f"[s{i}]" for i in range(top)) if top else lowest)]
    for i, (rung, width, height) in enumerate(plan[:top]):
        rate = rung_frame_rate(rung, fps)  # the top rung keeps `fps` (plan_rungs)
        # A rung at a lower frame rate drops its frames before they are scaled, not after: the
        # scaler then works on the frames the encoder gets and no others.
        drop = f"fps={_rate_text(rate)}," if rate != fps else ""
        graph.append(f"[s{i}]{drop}zscale=w={width}:h={height}:{SCALER},setsar=1"
                     + (f",split=2[v{i}][sprite]" if i == 0 else f"[v{i}]"))
    interval, tile_height = _sprite_geometry(plan, probe["duration"])
    graph.append(f"[sprite]fps=1/{interval:.3f},scale={SPRITE_TILE_WIDTH}:{tile_height}[sheet]")
    # x264 in one frame thread per core: its default, 1.5 per core for each encoder, gave the four
    # encoders twelve frame threads on 2 cores, each holding frames in memory and waiting on the
    # others' rows; with two, the ladder took 2-4 % less wall in seven of eight alternating runs
    # (the 180 s lecture, bench/ladder_variants.py --variants shipped,x264-threads-auto on 2 cores).
    # -filter_complex_threads 1: zscale is slice-threaded by default (one thread per core), and
    # handing every frame's slices out and waiting for them, with the four x264 encoders already
    # filling both cores, cost 11-16 % of the ladder's wall time (and ~5 % CPU) on 2 cores.
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-progress", "pipe:1", "-nostats",
            "-filter_complex_threads", "1",
            *UNTRUSTED_INPUT_OPTIONS, "-i", f"file:{source}", "-filter_complex", ";".join(graph)]
    keyframes = f"expr:gte(t,n_forced*{profile.segment_seconds})"
    threads = f"threads={_cores()}"
    for i, (rung, width, height) in enumerate(plan):
        folder = work / "hls" / f"{height if width >= height else width}p"
        folder.mkdir(parents=True)
        rate = rung_frame_rate(rung, fps)
        args += [
            "-map", f"[v{i}]", "-an", "-c:v", "libx264", "-preset", rung.preset,
            *(["-tune", profile.tune] if profile.tune else []),
            "-x264-params", ":".join(filter(None, [threads, profile.x264_params, rung.x264_params])),
            "-profile:v", "high",
            "-crf", str(rung.crf),
            *(["-maxrate", str(rung.maxrate), "-bufsize", str(rung.maxrate * 2)] if rung.maxrate else []),
            "-g", str(round(rate * profile.segment_seconds * 2)), "-force_key_frames", keyframes,
            "-r", _rate_text(rate), *_hls_args(folder, profile),
        ]
    # The sprite's frames come out one by one, tiled after the run (_tile_sprite): ffmpeg 5.1
    # prints no -progress report before every output has its first frame, and a sheet tiled in
    # the run has its first only when its last tile is in, near the end: the job then sat at 0 %
    # for 90 % of its time.
    args += ["-map", "[sheet]", "-frames:v", str(SPRITE_COLUMNS * SPRITE_ROWS), "-c:v", "png",
             "-f", "image2", f"file:{work / SPRITE_FRAMES}"]
    return args


def _ffmpeg_speech_args(source, work, profile):
    """The speech track every rung shares, as HLS playlists of its own: AAC in hls/audio/ and, when
    the profile has an Opus rate, Opus in hls/audio-opus/ (one decode, two encodes). It is encoded by a second
    ffmpeg beside the ladder's: in ffmpeg 5.1 the audio encoder runs in the ladder's main thread,
    the one thread that also scales every frame and feeds every video encoder (the whole ladder's
    serial path); in a process of its own it takes nothing from that thread. That process decodes
    only the audio; the ladder's decodes only the video."""
    folder = work / "hls" / "audio"
    folder.mkdir(parents=True)
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", *UNTRUSTED_INPUT_OPTIONS, "-i", f"file:{source}",
            "-map", "0:a:0", "-vn", *_speech_audio_args(profile.audio_bitrate, profile.audio_rate),
            *_hls_args(folder, profile)]
    if profile.opus_bitrate:
        folder = work / "hls" / "audio-opus"
        folder.mkdir(parents=True)
        args += ["-map", "0:a:0", "-vn", *_opus_speech_args(profile.opus_bitrate), *_hls_args(folder, profile)]
    return args


def _hls_args(folder, profile):
    return ["-f", "hls", "-hls_time", str(profile.segment_seconds), "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
            "-hls_flags", "independent_segments",
            "-hls_segment_filename", str(folder / "seg_%04d.m4s"), str(folder / "index.m3u8")]


def _speech_audio_args(bitrate, rate):
    # ffmpeg's "fast" AAC coder, not its default "twoloop": on the three shared lectures' speech at
    # 32 kb/s it scored higher (PESQ-WB 3.20-3.25 against 2.89-2.91, STOI 0.976-0.980 against
    # 0.959-0.964; at 48 kb/s 3.59 against 3.15) in 3 % fewer bytes, for a fifth of the CPU (1.0 s
    # against 4.9 s for the 180 s lecture; bench/reach.py prints both measures for every track).
    return ["-c:a", "aac", "-aac_coder", "fast", "-ac", "1", "-ar", str(rate), "-b:a", str(bitrate)]


def _opus_speech_args(bitrate):
    # 60 ms frames: a third of the packets (and of the container's bytes per packet) of 20 ms ones;
    # libopus's "audio" mode scored higher than its "voip" mode at 12 kb/s on the lecture's speech
    # (2.95 / 2.82 / 2.99 against 2.80 / 2.65 / 2.79); -cutoff 8000 keeps it in wide band (above).
    return ["-c:a", "libopus", "-ac", "1", "-ar", "48000", "-b:a", str(bitrate), "-frame_duration", "60",
            "-application", "audio", "-cutoff", "8000"]


def _playlist_stats(playlist):
    """Duration, total bytes (playlist, init and segments), peak bits/s and media bytes
    (segments only) of one HLS media playlist."""
    folder = playlist.parent
    total_bytes = playlist.stat().st_size + (folder / "init.mp4").stat().st_size
    media_bytes = 0
    duration, peak, pending = 0.0, 0, None
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            pending = float(line[8:].split(",")[0])
        elif line and not line.startswith("#"):
            segment = folder / line
            if not segment.is_file():
                raise PipelineError(f"{playlist} names a missing segment {line}")
            size = segment.stat().st_size
            total_bytes += size
            media_bytes += size
            if pending:
                duration += pending
                peak = max(peak, int(size * 8 / pending))
            pending = None
    return duration, total_bytes, peak, media_bytes


def _codec_string(playlist):
    """RFC 6381 `avc1.PPCCLL` of a rung: profile, constraint flags and level as the init segment's
    avcC box carries them (no process to start); ffprobe of the playlist if that cannot be read."""
    try:
        init = (playlist.parent / "init.mp4").read_bytes()
        at = init.index(b"avcC") + 4
        if init[at] == 1:  # configurationVersion
            return f"avc1.{init[at + 1]:02x}{init[at + 2]:02x}{init[at + 3]:02x}"
    except (OSError, ValueError, IndexError):
        pass
    info = ffprobe(playlist) or {}  # the init segment alone does not say the level
    stream = next((s for s in info.get("streams", []) if s.get("codec_type") == "video"), None)
    if stream is None:
        return None
    profile_idc = {"High": 0x64, "Main": 0x4D, "Baseline": 0x42, "Constrained Baseline": 0x42}.get(
        stream.get("profile"), 0x64)
    constraints = 0xE0 if stream.get("profile") == "Constrained Baseline" else 0
    return f"avc1.{profile_idc:02x}{constraints:02x}{int(stream.get('level') or 31):02x}"


MASTERS = (  # (speech track, file, GROUP-ID, audio CODECS); the first is what every player can play
    ("aac", "master.m3u8", "speech", "mp4a.40.2"),
    ("opus", "master-opus.m3u8", "speech-opus", "opus"),
)


def _write_master(work, rungs, *, name, group, codec, track):
    """One master playlist: every rung with one speech track (`track`: {"path", "stats"}; None for a
    silent video). The Opus and AAC tracks get a master each rather than one master listing every
    rung twice (once per audio group, as RFC 8216 allows): Chromium's own HLS player switched
    between the two groups' variants while playing and stopped at the change of audio codec."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    audio_peak = audio_average = 0
    if track:
        audio_duration, _, audio_peak, audio_media = track["stats"]
        audio_average = int(audio_media * 8 / audio_duration) if audio_duration else 0
        lines.append(f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{group}",NAME="普通话",LANGUAGE="zh",'
                     f'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="{track["path"]}"')
    averages = []
    for rung in rungs:
        duration, _, peak, media_bytes = rung["stats"]
        averages.append(int(media_bytes * 8 / duration) + audio_average if duration else 0)
        codecs = ",".join(filter(None, [rung["codecs"], codec if track else None]))
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={peak + audio_peak},AVERAGE-BANDWIDTH={averages[-1]},"
            f"RESOLUTION={rung['width']}x{rung['height']},FRAME-RATE={rung['fps']:.3f},CODECS=\"{codecs}\""
            + (f',AUDIO="{group}"' if track else "")
        )
        lines.append(rung["path"])
    (work / name).write_text("\n".join(lines) + "\n")
    return averages


def _remux(inputs, output, *, timeout):
    """Stream-copies the first stream of each input into one faststart MP4 (an .m4a, or an .mp4
    that holds Opus); returns its duration."""
    args = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y"]
    for item in inputs:
        args += ["-i", f"file:{item}"]
    for index in range(len(inputs)):
        args += ["-map", f"{index}:0"]
    args += ["-c", "copy", "-movflags", "+faststart", f"file:{output}"]
    result = run(args, timeout=timeout)
    if result.returncode != 0:
        raise PipelineError(f"remux to {output.name} failed: {result.stderr.decode(errors='replace')[-400:]}")
    return _duration_of(output)


def _duration_of(path):
    info = ffprobe(path) or {}
    try:
        return round(float(info["format"]["duration"]), 3)
    except (KeyError, ValueError):
        return None


def _poster(source, work, probe, width, height, *, timeout):
    """A frame that is not black: try a few moments and keep the first bright enough one."""
    duration = probe["duration"]
    moments = [min(max(1.0, duration * share), duration * 0.9) for share in (0.1, 0.3, 0.5, 0.05)]
    poster = work / "poster.jpg"
    for moment in moments:
        result = run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", "-ss", f"{moment:.2f}",
                      *UNTRUSTED_INPUT_OPTIONS, "-i", f"file:{source}", "-frames:v", "1",
                      "-vf", f"scale={width}:{height},signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=-",
                      "-q:v", "4", f"file:{poster}"], timeout=timeout)
        text = result.stdout.decode(errors="replace")
        brightness = next((float(line.split("=")[1]) for line in text.splitlines() if "YAVG=" in line), 0)
        if result.returncode == 0 and brightness >= 24:
            return poster
    if poster.exists():
        return poster  # every moment was dark: a dark lecture is still its own poster
    # No seek worked: the first frame, plainly, before giving up.
    result = run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", "-i", f"file:{source}",
                  "-frames:v", "1", "-vf", f"scale={width}:{height}", "-q:v", "4", f"file:{poster}"],
                 timeout=timeout)
    if result.returncode == 0 and poster.exists():
        return poster
    raise PipelineError(f"could not take a poster frame ({result.returncode}): "
                        f"{result.stderr.decode(errors='replace').strip()[-300:]}")


SPRITE_COLUMNS, SPRITE_ROWS, SPRITE_TILE_WIDTH = 5, 2, 160


def _sprite_geometry(plan, duration):
    """A small contact sheet (5x2 frames spread over the lecture) from the lowest rung's frames, made
    in the ladder's run; a seek-bar preview for players that want one: (interval, tile height)."""
    _, width, height = plan[0]
    return max(duration / (SPRITE_COLUMNS * SPRITE_ROWS), 0.04), _even(SPRITE_TILE_WIDTH * height / width)


SPRITE_FRAMES = "sprite-frame-%02d.png"  # the ladder's frames for the sheet, removed once tiled


def _tile_sprite(work, *, timeout):
    """The sheet from the frames the ladder wrote (a fraction of a second); the frames go, so they
    are never published. A sheet that cannot be made is left out (the sprite is optional)."""
    frames = sorted(work.glob(SPRITE_FRAMES.replace("%02d", "[0-9][0-9]")))
    if frames:
        run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", "-f", "image2",
             "-i", f"file:{work / SPRITE_FRAMES}", "-vf", f"tile={SPRITE_COLUMNS}x{SPRITE_ROWS}",
             "-frames:v", "1", "-q:v", "5", f"file:{work / 'sprite.jpg'}"], timeout=timeout)
    for frame in frames:
        frame.unlink()


def _sprite_output(work, plan, duration):
    """The sprite's manifest entry; None if the ladder left no sprite (it is optional)."""
    interval, tile_height = _sprite_geometry(plan, duration)
    if not (work / "sprite.jpg").is_file():
        return None
    return _output("poster", work, "sprite.jpg", width=SPRITE_TILE_WIDTH * SPRITE_COLUMNS,
                   height=tile_height * SPRITE_ROWS, role="sprite", columns=SPRITE_COLUMNS, rows=SPRITE_ROWS,
                   interval=round(interval, 3))


def _title_card(work, title, *, timeout):
    """The poster of an audio-only lecture: its title on a red card."""
    text = (title or "党课录音").replace("\\", "").replace(":", "：").replace("'", "’").replace("%", "％")[:24]
    poster = work / "poster.jpg"
    result = run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", "-f", "lavfi",
                  "-i", "color=c=0xb71c1c:s=640x360:d=1",
                  "-vf", f"drawtext=fontfile={FONT}:text='{text}':fontcolor=white:fontsize=40:"
                         f"x=(w-text_w)/2:y=(h-text_h)/2,drawtext=fontfile={FONT}:text='点课 · 音频':"
                         "fontcolor=white@0.8:fontsize=22:x=(w-text_w)/2:y=h-60",
                  "-frames:v", "1", "-q:v", "3", f"file:{poster}"], timeout=timeout)
    if result.returncode != 0:
        raise PipelineError(f"title card failed: {result.stderr.decode(errors='replace')[-300:]}")
    return poster


# The poster a phone's lesson page shows before the tap: 640 px wide is sharp at 360 CSS px on a
# 2x screen, and about 15 KB where the full-size poster is 57 KB (a 40 KB page on Slow 3G).
SMALL_POSTER_WIDTH = 640


def _small_poster(poster, work, width, height, *, timeout):
    if width <= SMALL_POSTER_WIDTH:
        return None
    small_height = max(2, round(height * SMALL_POSTER_WIDTH / width / 2) * 2)
    small = work / "poster-small.jpg"
    result = run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", "-i", f"file:{poster}",
                  "-vf", f"scale={SMALL_POSTER_WIDTH}:{small_height}:flags=lanczos", "-q:v", "7",
                  f"file:{small}"], timeout=timeout)
    if result.returncode != 0 or not small.exists():
        return None
    return _output("poster", work, small.name, width=SMALL_POSTER_WIDTH, height=small_height, role="small")


def _output(kind, work, path, *, width=None, height=None, duration=None, total_bytes=None, **extra):
    size = total_bytes if total_bytes is not None else (work / path).stat().st_size
    return {"kind": kind, "path": path, "width": width, "height": height,
            "bitrate": int(size * 8 / duration) if duration else None, "bytes": size,
            "duration": round(duration, 3) if duration else None, **extra}


def transcode(input_path, out_dir, *, profile="phone", on_progress=None, title=None, limits=None, probe=None):
    """Make the renditions of `input_path` in `out_dir` and return the manifest (see module doc).

    `probe`: what probe_media() already said of this same file (a caller that validated first),
    so that it is not probed and tail-decoded twice."""
    settings = PROFILES.get(profile)
    if settings is None:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    source = Path(input_path).resolve()
    out_dir = Path(out_dir)
    progress = on_progress or (lambda percent: None)
    probe = probe or probe_media(source, limits=limits)
    timeout = int(600 + probe["duration"] * 4)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        if probe["has_video"]:
            outputs = _video_renditions(source, work, probe, settings, progress, timeout)
        else:
            outputs = _audio_renditions(source, work, probe, progress, timeout, title)
        manifest = {"probe": probe, "profile": profile, "outputs": outputs}
        _publish(work, out_dir, manifest)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    progress(100.0)
    return manifest


def _video_renditions(source, work, probe, profile, progress, timeout):
    fps = _frame_rate(probe, profile)
    plan = plan_rungs(probe["width"], probe["height"], profile)
    _, top_width, top_height = plan[-1]
    # Everything after the ladder is wall time on top of it. The posters need only the source and
    # the speech files only the speech track, so both are made while the ladder runs (in its idle
    # moments); after it, only what needs its rungs: the download MP4 and the sprite, side by side.
    with ThreadPoolExecutor(max_workers=3) as pool:  # the posters, the speech track and its files, the sprite
        poster_job = pool.submit(_posters, source, work, probe, top_width, top_height)
        speech_job = pool.submit(_speech_track, source, work, profile, timeout) if probe["has_audio"] else None
        try:
            outputs, sprite = _ladder_outputs(source, work, probe, profile, progress, timeout, fps, plan, pool,
                                              speech_job)
        finally:
            for job in filter(None, (poster_job, speech_job)):
                job.exception()  # never leave a process writing into `work`
        outputs += poster_job.result()
    if sprite:  # optional
        outputs.append(sprite)
    # hls-audio is an extra kind beside the five the manifest promises; keep the promise.
    return [o for o in outputs if o["kind"] != "hls-audio"] + [
        dict(o, kind="hls-rung", role="audio") for o in outputs if o["kind"] == "hls-audio"
    ]


def _posters(source, work, probe, width, height):
    """The poster and, from it, the small one a phone's lesson page shows (optional, like the sprite)."""
    poster = _poster(source, work, probe, width, height, timeout=120)
    small = _small_poster(poster, work, width, height, timeout=60)
    return [_output("poster", work, poster.name, width=width, height=height)] + ([small] if small else [])


def _speech_track(source, work, profile, timeout):
    """The speech track's HLS playlists (beside the ladder: _ffmpeg_speech_args), then its two files
    remuxed from them: audio.m4a (AAC, which every phone plays: the download) and audio-opus.mp4 (the
    small file for listening where Opus plays). Returns ({"aac"/"opus": {"path", "stats"}},
    [(file name, codecs, duration)])."""
    speech = run(_ffmpeg_speech_args(source, work, profile), timeout=timeout)
    _check_encode("speech track", speech.returncode, speech.stderr)
    tracks = {}
    for key, folder in (("aac", "hls/audio"), ("opus", "hls/audio-opus")):
        if (work / folder / "index.m3u8").is_file():
            tracks[key] = {"path": f"{folder}/index.m3u8", "stats": _playlist_stats(work / folder / "index.m3u8")}
    files = [(name, codec, _remux([work / tracks[key]["path"]], work / name, timeout=timeout))
             for key, name, codec in (("aac", "audio.m4a", "mp4a.40.2"), ("opus", "audio-opus.mp4", "opus"))
             if key in tracks]
    return tracks, files


def _check_encode(what, code, stderr):
    """A failed encode: the upload's fault (it cannot be decoded to its end) or ours."""
    if code == 0:
        return
    message = stderr.decode(errors="replace").strip()[-600:]
    if "Invalid data" in message or "partial file" in message or "corrupt" in message.lower():
        raise RejectedInput("文件在转码中途读不下去，可能已损坏，请重新导出后上传。", f"decode failed: {message}")
    raise PipelineError(f"ffmpeg {what} failed ({code}): {message}")


def _ladder_outputs(source, work, probe, profile, progress, timeout, fps, plan, pool, speech_job):
    code, stderr = run_with_progress(_ffmpeg_ladder_args(source, work, probe, plan, profile, fps),
                                     timeout=timeout, duration=probe["duration"], favour_main_thread=True,
                                     on_progress=lambda percent: progress(percent * 0.9))
    _check_encode("ladder", code, stderr)

    audio, audio_files = speech_job.result() if speech_job else ({}, [])
    rungs, outputs = [], []
    for rung, width, height in plan:
        folder = f"hls/{height if width >= height else width}p"
        stats = _playlist_stats(work / folder / "index.m3u8")
        rungs.append({"path": f"{folder}/index.m3u8", "width": width, "height": height, "stats": stats,
                      "codecs": _codec_string(work / folder / "index.m3u8"), "size": rung.size,
                      "fps": rung_frame_rate(rung, fps)})
    top = rungs[-1]
    for track, name, group, codec in MASTERS:
        if track not in audio and name != "master.m3u8":  # master.m3u8 always, a silent video's too
            continue
        averages = _write_master(work, rungs, name=name, group=group, codec=codec, track=audio.get(track))
        master = _output("hls-master", work, name, width=top["width"], height=top["height"], duration=top["stats"][0],
                         **({"codecs": codec} if track in audio else {}))
        master["bitrate"] = averages[-1]  # what the best variant needs, not the text file
        outputs.append(master)
    for rung in rungs:
        duration, total_bytes, peak, _ = rung["stats"]
        outputs.append(_output("hls-rung", work, rung["path"], width=rung["width"], height=rung["height"],
                               duration=duration, total_bytes=total_bytes, peak_bitrate=peak,
                               codecs=rung["codecs"], fps=round(rung["fps"], 3)))
    for key, _, _, codec in MASTERS:  # AAC first: what every player can play
        if key in audio:
            duration, total_bytes, _, _ = audio[key]["stats"]
            outputs.append(_output("hls-audio", work, audio[key]["path"], duration=duration,
                                   total_bytes=total_bytes, codecs=codec))
    progress(92)

    # The download MP4 reuses what was just encoded, with the AAC track, which every phone plays.
    download = max((r for r in rungs if r["size"] <= profile.download_size), key=lambda r: r["size"],
                   default=rungs[0])
    inputs = [work / download["path"]] + ([work / audio["aac"]["path"]] if "aac" in audio else [])
    sprite_job = pool.submit(_tile_sprite, work, timeout=60)
    try:
        small_duration = _remux(inputs, work / "small.mp4", timeout=timeout)
    finally:
        sprite_job.exception()
    outputs.append(_output("mp4", work, "small.mp4", width=download["width"], height=download["height"],
                           duration=small_duration))
    for name, codec, duration in audio_files:
        outputs.append(_output("audio", work, name, duration=duration, codecs=codec))
    sprite_job.result()
    progress(96)
    return outputs, _sprite_output(work, plan, probe["duration"])


def _audio_renditions(source, work, probe, progress, timeout, title):
    audio = work / "audio.m4a"
    code, stderr = run_with_progress(
        ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-progress", "pipe:1", "-nostats",
         *UNTRUSTED_INPUT_OPTIONS, "-i", f"file:{source}", "-map", "0:a:0", "-vn",
         *_speech_audio_args(AUDIO_ONLY_BITRATE, 44_100),
         "-movflags", "+faststart", f"file:{audio}"],
        timeout=timeout, duration=probe["duration"], on_progress=lambda percent: progress(percent * 0.95))
    if code != 0:
        raise PipelineError(f"audio encode failed ({code}): {stderr.decode(errors='replace')[-400:]}")
    card = _title_card(work, title or Path(source).stem, timeout=60)
    return [
        _output("audio", work, "audio.m4a", duration=_duration_of(audio)),
        _output("poster", work, card.name, width=640, height=360),
    ]


def _publish(work, out_dir, manifest):
    """Move the finished files into out_dir; manifest.json goes last, as the mark of a finished job."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stale = out_dir / "manifest.json"
    if stale.exists():
        stale.unlink()
    for entry in sorted(work.iterdir()):
        target = out_dir / entry.name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        os.replace(entry, target)
    partial = out_dir / ".manifest.json.partial"
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    os.replace(partial, out_dir / "manifest.json")

