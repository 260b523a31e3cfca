"""The upload corpus (issue 22, part 2): every kind of file an editor really sends, made with
ffmpeg, through `media_pipeline.core` as an upload goes — probe_media, then transcode — and
whether each is handled right:

  * whole files of every kind are accepted and become renditions: phone MP4s (landscape and
    portrait, index at the front or at the end), an iPhone MOV, HEVC, a WebM screen recording,
    an old camera's AVI and a 4:3 SD MP4, a DVD's VOB and its .mpg copy (MPEG-2, interlaced,
    MP2 audio: deinterlaced, shown 16:9), tiny and odd-sized sources, and audio in AAC, MP3,
    WAV, Ogg/Opus and AMR;
  * no rendition is taller or wider than its source (never upscale);
  * the DVD's renditions are progressive (deinterlaced);
  * files cut short are refused as incomplete — index at the front ("faststart") or at the end,
    video and audio, at several points of the cut — and so are an empty file and files that
    are not media (a text file or a photo named .mp4), each with a Chinese reason.

    .venv/bin/python bench/uploads.py [--keep DIR]

Prints a row per file (expected, got, the reason or the rendition sizes) and the goal: every
file handled right. Kinds an ffmpeg build cannot encode here are skipped and said so.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from media_pipeline.core.pipeline import RejectedInput, probe_media, transcode  # noqa: E402
from media_pipeline.core.probe import ffprobe  # noqa: E402

SECONDS = 8
TESTSRC = "testsrc2=size={size}:rate={rate}"
SINE = "sine=f=220:sample_rate={rate}"


def ffmpeg(*args):
    answer = subprocess.run(["ffmpeg", "-v", "error", "-y", *args], capture_output=True, text=True)
    if answer.returncode:
        raise RuntimeError(answer.stderr.strip().splitlines()[-1] if answer.stderr.strip() else "ffmpeg failed")


def video(path, size="1280x720", rate=25, vcodec=("-c:v", "libx264", "-preset", "ultrafast"),
          acodec=("-c:a", "aac"), audio_rate=48000, extra=(), fmt=()):
    ffmpeg("-f", "lavfi", "-i", TESTSRC.format(size=size, rate=rate), "-f", "lavfi",
           "-i", SINE.format(rate=audio_rate), "-t", str(SECONDS), *vcodec, *acodec, *extra, *fmt, f"file:{path}")
    return path


def audio(path, acodec, rate=44100, extra=()):
    ffmpeg("-f", "lavfi", "-i", SINE.format(rate=rate), "-t", str(SECONDS * 2), *acodec, *extra, f"file:{path}")
    return path


def cut(source, share, name):
    data = source.read_bytes()
    target = source.with_name(name)
    target.write_bytes(data[: int(len(data) * share)])
    return target


# (file name, how to make it in a folder, "accept" or "refuse", check of the accepted renditions)
def corpus():
    def phone(folder):
        return video(folder / "手机横屏.mp4", "1920x1080", 30, extra=("-movflags", "+faststart"))

    def phone_tail(folder):
        return video(folder / "手机录像-索引在尾.mp4", "1280x720", 30)

    def portrait(folder):
        return video(folder / "手机竖屏.mp4", "1080x1920", 30, extra=("-movflags", "+faststart"))

    def iphone(folder):
        return video(folder / "IMG_0001.MOV", "1920x1080", 30, fmt=("-f", "mov"))

    def hevc(folder):
        return video(folder / "HEVC录像.mp4", "1280x720", 30,
                     vcodec=("-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
                             "-tag:v", "hvc1"))

    def webm(folder):
        return video(folder / "录屏.webm", "1280x720", 15,
                     vcodec=("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k"),
                     acodec=("-c:a", "libopus", "-b:a", "48k"))

    def avi(folder):
        return video(folder / "老相机.avi", "640x480", 25, vcodec=("-c:v", "mjpeg", "-q:v", "5"),
                     acodec=("-c:a", "pcm_s16le"), audio_rate=22050)

    def sd(folder):
        return video(folder / "标清4比3.mp4", "720x576", 25)

    def vob(folder):
        return video(folder / "VTS_01_1.VOB", "720x576", 25,
                     vcodec=("-c:v", "mpeg2video", "-b:v", "4M", "-flags", "+ilme+ildct", "-top", "1",
                             "-aspect", "16:9"),
                     acodec=("-c:a", "mp2", "-b:a", "192k"), fmt=("-f", "dvd"))

    def mpg(folder):
        copy = folder / "老摄像机.mpg"
        shutil.copyfile(vob(folder), copy)
        return copy

    def tiny(size):
        def make(folder):
            return video(folder / f"极小-{size}.mp4", size, 25,
                         vcodec=("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p"))
        return make

    def m4a(folder):
        return audio(folder / "录音.m4a", ("-c:a", "aac"), extra=("-movflags", "+faststart"))

    def m4a_tail(folder):
        return audio(folder / "录音-索引在尾.m4a", ("-c:a", "aac"))

    def mp3(folder):
        return audio(folder / "讲座.mp3", ("-c:a", "libmp3lame", "-b:a", "64k"))

    def wav(folder):
        return audio(folder / "录音笔.wav", ("-c:a", "pcm_s16le"), rate=16000)

    def ogg(folder):
        return audio(folder / "语音.ogg", ("-c:a", "libopus", "-b:a", "24k"), rate=48000)

    def amr(folder):
        return audio(folder / "老人机录音.amr", ("-c:a", "libopencore_amrnb", "-b:a", "12.2k", "-ac", "1"), rate=8000)

    def cut_of(make, share):
        def made(folder):
            whole = make(folder)
            return cut(whole, share, f"未传完-{int(share * 100)}%-{whole.name}")
        return made

    def empty(folder):
        path = folder / "空文件.mp4"
        path.write_bytes(b"")
        return path

    def text(folder):
        path = folder / "不是视频.mp4"
        path.write_text("这是一份文字材料，不是视频。\n" * 50, encoding="utf-8")
        return path

    def photo(folder):
        path = folder / "照片.jpg"
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x480", "-frames:v", "1", f"file:{path}")
        renamed = folder / "照片改名.mp4"
        path.rename(renamed)
        return renamed

    rows = [
        ("phone MP4 1080p, index at the front", phone, "accept", None),
        ("phone MP4 720p, index at the end", phone_tail, "accept", None),
        ("phone MP4 portrait 1080x1920", portrait, "accept", None),
        ("iPhone MOV", iphone, "accept", None),
        ("HEVC MP4", hevc, "accept", None),
        ("WebM screen recording (VP9 + Opus)", webm, "accept", None),
        ("old camera AVI (MJPEG + PCM)", avi, "accept", None),
        ("SD MP4 720x576", sd, "accept", None),
        ("DVD VOB (MPEG-2 interlaced, MP2)", vob, "accept", "progressive"),
        ("DVD copy .mpg", mpg, "accept", "progressive"),
    ]
    rows += [(f"tiny source {size}", tiny(size), "accept", None) for size in ("33x17", "90x50", "200x112", "302x170")]
    rows += [
        ("AAC m4a, index at the front", m4a, "accept", None),
        ("AAC m4a, index at the end", m4a_tail, "accept", None),
        ("MP3", mp3, "accept", None),
        ("WAV 16 kHz", wav, "accept", None),
        ("Ogg Opus voice note", ogg, "accept", None),
        ("AMR-NB feature-phone recording", amr, "accept", None),
    ]
    for share in (0.3, 0.6, 0.95):
        rows += [
            (f"phone MP4 (front index) cut at {int(share * 100)} %", cut_of(phone, share), "refuse", None),
            (f"phone MP4 (end index) cut at {int(share * 100)} %", cut_of(phone_tail, share), "refuse", None),
            (f"AAC m4a (front index) cut at {int(share * 100)} %", cut_of(m4a, share), "refuse", None),
        ]
    rows += [
        ("iPhone MOV cut at 80 %", cut_of(iphone, 0.8), "refuse", None),
        ("empty file", empty, "refuse", None),
        ("a text file named .mp4", text, "refuse", None),
        ("a photo named .mp4", photo, "refuse", None),
    ]
    return rows


def check_renditions(source, out, manifest, check):
    """Problems of an accepted file's renditions: anything larger than the source, an interlaced
    rendition where the source was interlaced."""
    problems, sizes = [], set()
    width, height = manifest["probe"].get("width"), manifest["probe"].get("height")
    for output in manifest["outputs"]:
        if output["kind"] in ("hls-rung", "mp4") and output.get("height") and width:
            sizes.add(min(output["width"], output["height"]))  # a portrait rung is named by its width
            if output["width"] > width or output["height"] > height:
                problems.append(f"{output['kind']} {output['width']}x{output['height']} > {width}x{height}")
    if check == "progressive":
        stream = next(s for s in ffprobe(out / "small.mp4")["streams"] if s["codec_type"] == "video")
        if stream.get("field_order") not in (None, "progressive"):
            problems.append(f"small.mp4 field order {stream.get('field_order')}")
        else:
            check = "progressive (deinterlaced)"
    kinds = sorted({o["kind"] for o in manifest["outputs"]})
    shown = f"rungs {'/'.join(str(h) for h in sorted(sizes))}p" if sizes else "+".join(kinds)
    return problems, f"{shown}, {check}" if check else shown


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", metavar="DIR", help="make the files and renditions in DIR and keep them")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="dianke-uploads-"))
    base.mkdir(parents=True, exist_ok=True)
    right = wrong = skipped = 0
    started = time.perf_counter()
    print(f"{'file':44} {'expected':8} {'got':8} what")
    try:
        for index, (label, make, expected, check) in enumerate(corpus()):
            folder = base / f"{index:02d}"
            folder.mkdir(exist_ok=True)
            try:
                source = make(folder)
            except RuntimeError as error:
                skipped += 1
                print(f"{label:44} {expected:8} {'-':8} skipped: this ffmpeg cannot make it ({error})")
                continue
            try:
                probe = probe_media(source)
            except RejectedInput as rejected:
                got, what, problems = "refuse", rejected.reason_zh, []
            else:
                got = "accept"
                out = folder / "out"
                manifest = transcode(source, out, probe=probe)
                problems, what = check_renditions(source, out, manifest, check)
                size = f"{probe['width']}x{probe['height']}" if probe.get("width") else "audio"
                what = f"{size} {probe['duration']:.1f} s → {what}"
            ok = got == expected and not problems
            right += ok
            wrong += not ok
            verdict = "" if ok else "  ← WRONG" + (f": {'; '.join(problems)}" if problems else "")
            print(f"{label:44} {expected:8} {got:8} {what}{verdict}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    total = right + wrong
    print(f"\n{total} files in {time.perf_counter() - started:.0f} s ({skipped} kinds skipped: no encoder here)")
    print(f"handled right: {right} of {total} — goal: all: {'met' if not wrong else 'NOT MET'}")
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
