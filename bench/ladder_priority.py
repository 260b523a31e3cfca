"""The ladder's ffmpeg with and without its codec threads beneath its main thread, side by side.

Runs the phone ladder of one lecture (the HLS rungs, the audio track and the sprite: the ffmpeg
run that is most of `python -m media_pipeline`'s time) REPEATS times each way, alternating, and
prints wall time, CPU time and how busy the cores were (CPU / (wall x cores)) for every run and
their medians. This machine's speed drifts by up to 1.6x within minutes, so compare the two ways
within one run of this script, and trust the busy share (a ratio of the same run) over the seconds.

    .venv/bin/python bench/ladder_priority.py [INPUT] [--seconds 60] [--repeats 4]

INPUT defaults to the first SECONDS of the shared bench's 180 s lecture (made once, as
bench/transcode.py makes it, and cached in /tmp/mediabench/); the cut is a stream copy.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from transcode import SHARED, make_lecture  # noqa: E402

from media_pipeline import pipeline  # noqa: E402
from media_pipeline.probe import probe_media  # noqa: E402
from media_pipeline.process import run_with_progress  # noqa: E402


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ladder_run(source, probe, favour_main_thread):
    profile = pipeline.PROFILES["phone"]
    fps = pipeline._frame_rate(probe, profile)
    plan = pipeline.plan_rungs(probe["width"], probe["height"], profile)
    work = Path(tempfile.mkdtemp(prefix="ladder-priority-"))
    try:
        args = pipeline._ffmpeg_ladder_args(source, work, probe, plan, profile, fps)
        cpu, start = children_cpu(), time.monotonic()
        code, stderr = run_with_progress(args, timeout=3600, duration=probe["duration"],
                                         on_progress=lambda percent: None, favour_main_thread=favour_main_thread)
        wall, cpu = time.monotonic() - start, children_cpu() - cpu
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if code != 0:
        raise SystemExit(f"the ladder failed ({code}): {stderr.decode(errors='replace')[-300:]}")
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", help="a lecture (default: a cut of the shared 180 s lecture)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the default cut (default 60)")
    parser.add_argument("--repeats", type=int, default=4, help="runs of each way (default 4)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as folder:
        if args.input:
            source = Path(args.input).resolve()
        else:
            if not (SHARED / "make_lecture.sh").exists():
                raise SystemExit(f"{SHARED} is missing: give an INPUT, or check out the shared media bench "
                                 "beside the repository (../shared/bench/media/)")
            source = Path(folder) / "cut.mp4"
            subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(make_lecture()), "-t", str(args.seconds),
                            "-c", "copy", str(source)], check=True)
        probe = probe_media(source)
        print(f"{source.name}: {probe['duration']:.0f} s {probe['width']}x{probe['height']}, {cores} cores, "
              f"load average before {os.getloadavg()[0]:.2f}")
        ways = {"main thread first": True, "all threads equal": False}
        runs = {name: [] for name in ways}
        for repeat in range(args.repeats):
            order = list(ways) if repeat % 2 == 0 else list(reversed(ways))
            for name in order:
                wall, cpu = ladder_run(source, probe, ways[name])
                runs[name].append((wall, cpu, cpu / wall / cores))
                print(f"  {repeat + 1}  {name:<18} wall {wall:6.2f} s  CPU {cpu:6.2f} s  cores busy {cpu / wall / cores:5.1%}",
                      flush=True)
    print("\nmedians:")
    for name, rows in runs.items():
        wall, cpu, busy = (statistics.median(column) for column in zip(*rows, strict=True))
        print(f"  {name:<18} wall {wall:6.2f} s  CPU {cpu:6.2f} s  cores busy {busy:5.1%}")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
