"""The ladder's ffmpeg as shipped beside variants of it, run alternately on one lecture.

Runs the phone ladder of one lecture (the HLS rungs and the sprite, with the speech track's ffmpeg
beside it: the runs that are most of `python -m media_pipeline`'s time) REPEATS times for each
variant, in rotating order, and prints wall time, CPU time and how busy the cores were (CPU / (wall x cores)) for every
run and their medians; then, unless --no-quality, bytes and SSIM per rung of each variant's last
output (the shared bench's metrics.py against the input, every --every'th frame). This machine's
speed drifts by up to 1.6x within minutes, so compare variants within one run of this script.

    .venv/bin/python bench/ladder_variants.py [INPUT] [--seconds 60] [--repeats 3]
        [--variants shipped,equal-priority] [--every 5] [--no-quality]

INPUT defaults to the first SECONDS of the shared bench's 180 s lecture (made once, as
bench/transcode.py makes it, and cached in /tmp/mediabench/); the cut is a stream copy.

Variants (docs/media-pipeline.md has what each one measured and why it is not shipped):
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from transcode import SHARED, make_lecture  # noqa: E402

from media_pipeline.core import pipeline  # noqa: E402
from media_pipeline.core.probe import probe_media  # noqa: E402
from media_pipeline.core.process import run_with_progress  # noqa: E402

BILINEAR = "filter=bilinear:chromalin=center:chromal=center"


def with_x264(extra, sizes=None):
    """The profile with `extra` x264 parameters on the rungs of `sizes` (all rungs by default)."""
    def change(profile):
        return replace(profile, rungs=tuple(
            replace(rung, x264_params=":".join(filter(None, [rung.x264_params, extra])))
            if sizes is None or rung.size in sizes else rung
            for rung in profile.rungs))
    return change


def with_rungs(sizes, **fields):
    """The profile with `fields` (crf=…, max_fps=…) set on the rungs of `sizes`."""
    def change(profile):
        return replace(profile, rungs=tuple(replace(rung, **fields) if rung.size in sizes else rung
                                            for rung in profile.rungs))
    return change


def before_input(*options):
    def change(args):
        at = args.index("-i")
        return args[:at] + list(options) + args[at:]
    return change


def lower_rungs_scaled_with(scaler):
    def change(args):
        at = args.index("-filter_complex") + 1
        top, *lower = args[at].split(";")
        return args[:at] + [";".join([top] + [part.replace(pipeline.SCALER, scaler) for part in lower])] + args[at + 1:]
    return change


def with_environment(**variables):
    """Runs the ladder's ffmpeg under `env` with `variables` set (env execs it: the same process,
    so the main thread is still favoured)."""
    def change(args):
        return ["env", *(f"{name}={value}" for name, value in variables.items()), *args]
    return change


def cascade(args):
    """Each lower rung scaled from the rung above it (720p -> 480p -> 360p -> 240p), not all from 720p."""
    at = args.index("-filter_complex") + 1
    top, *lower = args[at].split(";")
    sprite = lower.pop()  # the sprite's own chain stays last
    count = len(lower)  # lower[i] is "[s{i}]...[v{i}]" (i = 0: the lowest rung, which also feeds the sprite)
    head, _, _ = top.rpartition(",split=")
    chains = [f"{head},split=2[v{count}][s{count - 1}]"]
    for i in reversed(range(count)):
        body = lower[i][len(f"[s{i}]"):]
        if i > 0:
            body = body[:-len(f"[v{i}]")] + f",split=2[v{i}][s{i - 1}]"
        chains.append(f"[s{i}]{body}")
    return args[:at] + [";".join(chains + [sprite])] + args[at + 1:]


def keep(value):
    return value


def speech_in_ladder(args):
    """Marks the variant whose speech track is an output of the ladder's own ffmpeg (as it was before
    it got a process of its own); ladder_run moves it there."""
    return args


def before_issue_22(profile):
    """The profile before issue 22: 240p at full frame rate with superfast/CRF 21, qcomp 0.4, AAC only."""
    return replace(profile, x264_params=profile.x264_params.replace("qcomp=0.3", "qcomp=0.4"), opus_bitrate=0,
                   rungs=(pipeline.Rung(240, 300_000, 21, "superfast", "rc-lookahead=20:b-adapt=1"),
                          *profile.rungs[1:]))


def before_weightb_off(profile):
    """The profile before weighted bi-prediction was turned off: weightb=1 and the CRFs it had."""
    return with_x264("weightb=1")(with_rungs({360}, crf=23)(with_rungs({720}, crf=24.5)(profile)))


# name: (what it is, profile change, ffmpeg arguments change, main thread first)
VARIANTS = {
    "shipped": ("the pipeline as it is", keep, keep, True),
    "equal-priority": ("every ffmpeg thread at one priority", keep, keep, False),
    "bilinear-lower": ("bilinear zscale for the rungs below the top one", keep, lower_rungs_scaled_with(BILINEAR), True),
    "lookahead30-720": ("rc-lookahead=30 at 720p", with_x264("rc-lookahead=30", {720}), keep, True),
    "decoder-1-thread": ("the decoder single-threaded", keep, before_input("-threads", "1"), True),
    "no-deblock": ("x264's deblocking off on every rung", with_x264("no-deblock=1"), keep, True),
    "speech-in-ladder": ("the speech track encoded by the ladder's ffmpeg, not beside it", keep, speech_in_ladder, True),
    "b-adapt1": ("x264's fast B-frame decision (b-adapt=1) on every rung, as before", with_x264("b-adapt=1"), keep, True),
    "b-adapt0-all": ("b-adapt=0 on every rung (240p too)", with_x264("b-adapt=0"), keep, True),
    "subme2": ("veryfast's own subme=2 at 480p and 720p, 720p at CRF 24",
               lambda profile: with_x264("subme=2", {480, 720})(with_rungs({720}, crf=24)(profile)), keep, True),
    "scenecut-on": ("x264's scene-cut detection on (scenecut=40, as before the speed work of 2026-12-07)",
                    with_x264("scenecut=40"), keep, True),
    "weightb-on": ("x264's weighted bi-prediction on (weightb=1) and the CRFs before it (23 at 360p, 24.5 at 720p)",
                   before_weightb_off, keep, True),
    "before-issue-22": ("240p at 25 fps, superfast, CRF 21; qcomp 0.4; no Opus track (the rest as shipped)", before_issue_22, keep, True),
    "weightp0": ("x264's weighted P-frame prediction off (weightp=0) on every rung", with_x264("weightp=0"), keep, True),
    "aq1": ("x264's variance AQ (aq-mode=1) instead of tune ssim's auto-variance (2)", with_x264("aq-mode=1"), keep, True),
    "x264-threads1": ("every x264 encoder in one thread (the four rungs are the parallelism)",
                      with_x264("threads=1"), keep, True),
    "x264-threads-auto": ("x264's own thread count (1.5 frame threads per core for each encoder), as before 2026-12-07",
                          with_x264("threads=0"), keep, True),
    "x264-threads4": ("every x264 encoder in four frame threads", with_x264("threads=4"), keep, True),
    "x264-threads2-decoder2": ("x264 in two frame threads, the decoder in two", with_x264("threads=2"),
                               before_input("-threads", "2"), True),
    "x264-threads2": ("every x264 encoder in two frame threads", with_x264("threads=2"), keep, True),
    "360p-half-fps": ("the 360p rung at 12.5 fps, as 240p", with_rungs({360}, max_fps=15), keep, True),
    "360p-half-fps-crf23.6": ("the 360p rung at 12.5 fps and CRF 23.6", with_rungs({360}, max_fps=15, crf=23.6), keep, True),
    "360p-half-fps-crf24": ("the 360p rung at 12.5 fps and CRF 24", with_rungs({360}, max_fps=15, crf=24), keep, True),
    "vbv-720": ("720p capped at 1.3 Mb/s (VBV, bufsize 2.6 Mb), the cap it had before",
                with_rungs({720}, maxrate=1_300_000), keep, True),
    "cascade": ("each lower rung scaled from the rung above it, not from 720p", keep, cascade, True),
    "malloc-hugepages": ("glibc's malloc asks for transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1)",
                         keep, with_environment(GLIBC_TUNABLES="glibc.malloc.hugetlb=1"), True),
    "no-deblock-lower": ("deblocking off on 240-480p, rc-lookahead=20 at 360p",
                         lambda profile: with_x264("rc-lookahead=20", {360})(
                             with_x264("no-deblock=1", {240, 360, 480})(profile)), keep, True),
}
__doc__ += "".join(f"  {name:<18} {what}\n" for name, (what, *_) in VARIANTS.items())


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ladder_run(source, probe, variant, work):
    _, change_profile, change_args, favour_main_thread = VARIANTS[variant]
    profile = change_profile(pipeline.PROFILES["phone"])
    fps = pipeline._frame_rate(probe, profile)
    plan = pipeline.plan_rungs(probe["width"], probe["height"], profile)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    speech = pipeline._ffmpeg_speech_args(source, work, profile) if probe["has_audio"] else []
    args = change_args(pipeline._ffmpeg_ladder_args(source, work, probe, plan, profile, fps))
    if speech and change_args is speech_in_ladder:
        args, speech = args + speech[speech.index("-map"):], []
    cpu, start = children_cpu(), time.monotonic()
    beside = subprocess.Popen(speech) if speech else None
    code, stderr = run_with_progress(args, timeout=3600, duration=probe["duration"],
                                     on_progress=lambda percent: None, favour_main_thread=favour_main_thread)
    if beside and beside.wait() != 0:
        raise SystemExit(f"the speech track ({variant}) failed")
    wall, cpu = time.monotonic() - start, children_cpu() - cpu
    if code != 0:
        raise SystemExit(f"the ladder ({variant}) failed ({code}): {stderr.decode(errors='replace')[-300:]}")
    return wall, cpu


def quality(source, work, every):
    """(height, bytes, SSIM) of each HLS rung in `work`, from the shared bench's metrics.py."""
    answer = subprocess.run([sys.executable, str(SHARED / "metrics.py"), "--ref", str(source), "--dir", str(work),
                             "--json", "--every", str(every), "--jobs", str(os.cpu_count() or 1)],
                            capture_output=True, text=True, check=True)
    renditions = json.loads(answer.stdout)["renditions"]
    return sorted((r["height"], r["bytes"], r["ssim"]) for r in renditions if r.get("ssim") is not None)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", nargs="?", help="a lecture (default: a cut of the shared 180 s lecture)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the default cut (default 60)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each variant (default 3)")
    parser.add_argument("--variants", default="shipped,equal-priority",
                        help=f"comma-separated, from: {', '.join(VARIANTS)} (default shipped,equal-priority)")
    parser.add_argument("--every", type=int, default=5, help="score every Nth frame for SSIM (default 5)")
    parser.add_argument("--no-quality", action="store_true", help="times only, no bytes and SSIM")
    args = parser.parse_args()
    variants = args.variants.split(",")
    unknown = [name for name in variants if name not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
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
        runs = {name: [] for name in variants}
        for repeat in range(args.repeats):
            shift = repeat % len(variants)
            for name in variants[shift:] + variants[:shift]:
                wall, cpu = ladder_run(source, probe, name, Path(folder) / name)
                runs[name].append((wall, cpu, cpu / wall / cores))
                print(f"  {repeat + 1}  {name:<18} wall {wall:6.2f} s  CPU {cpu:6.2f} s  cores busy {cpu / wall / cores:5.1%}",
                      flush=True)
        print("\nmedians:")
        for name, rows in runs.items():
            wall, cpu, busy = (statistics.median(column) for column in zip(*rows, strict=True))
            print(f"  {name:<18} wall {wall:6.2f} s  CPU {cpu:6.2f} s  cores busy {busy:5.1%}")
        print(f"load average after {os.getloadavg()[0]:.2f}")
        if not args.no_quality:
            print(f"\nbytes and SSIM per rung of each variant's last run (every {args.every}. frame):")
            for name in variants:
                rungs = quality(source, Path(folder) / name, args.every)
                print(f"  {name:<18} " + "  ".join(f"{height}p {size:>9} B {ssim:.5f}" for height, size, ssim in rungs))


if __name__ == "__main__":
    main()
