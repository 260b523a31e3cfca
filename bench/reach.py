"""Bytes on the weakest phones (issue 22): what a member pays per lecture-minute on each rung with
the audio it plays, whether the slides' text survives the low rungs, and how the speech sounds.

Makes the shared bench's lecture (cached under /tmp/mediabench, as bench/transcode.py does), runs
`python -m media_pipeline` on it and PeerTube's default ladder (../shared/bench/media/
peertube_ladder.sh) and prints, beside PeerTube's:

  * bytes per minute of every rung with the Opus speech group (players that play Opus) and with
    the AAC group (players that do not), and of the audio-only renditions;
  * OCR: tesseract (chi_sim) on the middle frame of the bullet slide from the 240p rung and of the
    24 px notice slide from the 480p rung, both scaled to 1920x1080 as a phone enlarges them, the
    slide above its footer band (the body; the 28 px footer is fine print, printed apart): the
    share of the characters (Chinese and digits) read from the source frame that are read from the
    rung's frame (the matching characters in order, difflib, so misread characters do not count);
  * PESQ wide-band (mean over 20 s windows) and STOI of each speech track against the source's
    audio (16 kHz mono);

and the goals, met or not:

  * 240p + the audio it plays with <= 0.40 MB per lecture-minute;
  * OCR ratios >= 0.90 (240p bullet slide, 480p notice slide);
  * audio-only <= 0.10 MB per minute with PESQ-WB and STOI >= "today's" AAC track's: the speech
    track as it was when issue 22 was written (ffmpeg's AAC with its default "twoloop" coder, 32 kb/s,
    mono, 24 kHz), encoded here from the lecture. The shipped AAC track (the "fast" coder since
    2026-12-07, which scores higher) is printed beside it and must not fall below it either.

    .venv/bin/python bench/reach.py [--variant 1] [--seconds 180] [--peertube DIR]

--peertube DIR reuses PeerTube's output in DIR (e.g. WORK/peertube of a bench/transcode.py run)
instead of running its ladder again. Needs tesseract-ocr-chi-sim (make install) and the bench
extras (pip install -e ".[bench]": pesq, pystoi, numpy).
"""

import argparse
import difflib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from pesq import PesqError, pesq
from pystoi import stoi

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench")]

from transcode import CACHE, SHARED, make_lecture  # noqa: E402

GOAL_240P_MB_PER_MIN = 0.40
GOAL_AUDIO_MB_PER_MIN = 0.10
GOAL_OCR_RATIO = 0.90
RATE = 16_000  # PESQ wide-band's rate
TODAYS_AAC = "today's AAC (issue 22, twoloop)"


def slide_middle(seconds, variant, index):
    """Middle of slide `index` in make_lecture.sh's plan (its deterministic slide weights): 1 is the
    first bullet slide, 2 the 24 px notice slide, in 60 s and longer lectures."""
    n = max(1, round(seconds / 20))
    weights = [20 + ((i * 7 + variant * 3) % 5) - 2 for i in range(n)]
    index = min(index, n - 1)
    start = sum(weights[:index]) / sum(weights) * seconds
    return start + weights[index] / sum(weights) * seconds / 2


def playlist_bytes(playlist):
    """Bytes a player fetches for one HLS media playlist: it, its init section and its segments
    (a single-file playlist with byte ranges counts the file once)."""
    folder = playlist.parent
    names = {line.strip() for line in playlist.read_text().splitlines() if line.strip() and not line.startswith("#")}
    for line in playlist.read_text().splitlines():
        if 'URI="' in line:
            names.add(line.split('URI="', 1)[1].split('"', 1)[0])
    return playlist.stat().st_size + sum((folder / name).stat().st_size for name in names)


def duration_of(path):
    answer = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json",
                             f"file:{path}"], capture_output=True, text=True, check=True)
    return float(json.loads(answer.stdout)["format"]["duration"])


BODY = "crop=1920:1030:0:0"  # the slide above its footer band (make_lecture.sh: 50 px, 28 px text)


def frame(source, moment, target, scale_to=None, body=False):
    vf = ",".join(filter(None, [f"scale={scale_to[0]}:{scale_to[1]}:flags=bicubic" if scale_to else "",
                                BODY if body else ""])) or "null"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", f"file:{source}", "-ss", f"{moment:.2f}", "-frames:v", "1",
                    "-vf", vf, f"file:{target}"], check=True)
    return target


def ocr(image):
    """The characters tesseract reads: Chinese characters and digits (punctuation, and the Latin
    letters it makes of bullet squares and the talking head, left out). Page segmentation 4 (one column of
    lines of any size): the default (3) splits the crisp source frame into blocks around the
    talking head and reads less of it than of a blurred rung."""
    answer = subprocess.run(["tesseract", str(image), "-", "-l", "chi_sim", "--psm", "4"],
                            capture_output=True, text=True, check=True)
    return "".join(char for char in answer.stdout if char.isdigit() or "\u4e00" <= char <= "\u9fff")


def ocr_ratio(reference_text, text):
    if not reference_text:
        return None
    matcher = difflib.SequenceMatcher(None, reference_text, text, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(reference_text)


def speech(path):
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", f"file:{path}", "-map", "0:a:0", "-ac", "1", "-ar", str(RATE),
                          "-f", "f32le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype=np.float32).astype(np.float64)


def align(reference, degraded, most=0.3):
    """`degraded` shifted to line up with `reference` (cross-correlation, lags up to `most` s): an
    AAC track in fMP4 segments starts with its encoder's priming samples (42 ms at 24 kHz), which
    PESQ aligns by itself but STOI, frame by frame, takes as a loss."""
    n = min(len(reference), len(degraded), 30 * RATE)
    size = 1 << (2 * n - 1).bit_length()
    correlation = np.fft.irfft(np.fft.rfft(degraded[:n], size) * np.conj(np.fft.rfft(reference[:n], size)), size)
    limit = int(most * RATE)
    lags = np.concatenate([correlation[:limit + 1], correlation[-limit:]])
    lag = int(np.argmax(lags))
    lag = lag if lag <= limit else lag - len(lags)
    return degraded[lag:] if lag >= 0 else np.concatenate([np.zeros(-lag), degraded])


PESQ_WINDOW = 20  # seconds: P.862 is made for short recordings, and its C code fails on minutes


def speech_scores(reference, path):
    """PESQ-WB (mean over 20 s windows with speech) and STOI (whole track) of the track at `path`."""
    degraded = align(reference, speech(path))
    n = min(len(reference), len(degraded))
    window = PESQ_WINDOW * RATE
    scores = [pesq(RATE, reference[at:at + window], degraded[at:at + window], "wb", on_error=PesqError.RETURN_VALUES)
              for at in range(0, n - window // 2, window)]
    scores = [score for score in scores if score > 0]  # a window without speech returns an error value
    return sum(scores) / len(scores), stoi(reference[:n], degraded[:n], RATE, extended=False)


def mb_per_min(size, seconds):
    return size / 1e6 / (seconds / 60)


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def verdict(ok):
    return "met" if ok else "NOT MET"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", type=int, default=1, help="make_lecture.sh variant (default 1)")
    parser.add_argument("--seconds", type=int, default=180, help="length of the lecture (default 180)")
    parser.add_argument("--peertube", metavar="DIR", help="reuse PeerTube's ladder output in DIR")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers to FILE")
    args = parser.parse_args()
    lecture = make_lecture(args.seconds, args.variant)
    work = Path(tempfile.mkdtemp(prefix=f"reach-v{args.variant}-{args.seconds}s-", dir=CACHE))
    ours = work / "ours"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "media_pipeline", str(lecture), str(ours)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    our_wall = time.monotonic() - started
    peertube = Path(args.peertube) if args.peertube else work / "peertube"
    pt_wall = None
    if not args.peertube:
        started = time.monotonic()
        subprocess.run([str(SHARED / "peertube_ladder.sh"), str(lecture), str(peertube)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pt_wall = time.monotonic() - started

    manifest = json.loads((ours / "manifest.json").read_text())
    seconds = manifest["probe"]["duration"]
    audio = {o["codecs"]: o for o in manifest["outputs"] if o.get("role") == "audio"}
    opus_bytes = playlist_bytes(ours / audio["opus"]["path"])
    aac_bytes = playlist_bytes(ours / audio["mp4a.40.2"]["path"])
    rungs = sorted((o for o in manifest["outputs"] if o["kind"] == "hls-rung" and o.get("role") != "audio"),
                   key=lambda o: o["height"])
    result = {"variant": args.variant, "seconds": seconds, "our_wall_s": round(our_wall, 1),
              "peertube_wall_s": pt_wall and round(pt_wall, 1), "rungs": {}, "audio": {}, "ocr": {}, "speech": {}}

    print(f"\n=== Reach: variant {args.variant}, {seconds:.0f} s lecture ({lecture.name}); ours {our_wall:.1f} s"
          + (f", PeerTube's ladder {pt_wall:.1f} s" if pt_wall else f", PeerTube's from {peertube}") + " ===")
    print(f"\n{'rung':>5} {'fps':>5} {'video':>7} {'+Opus':>7} {'+AAC':>7} {'PeerTube':>9} {'Opus/PT':>8} {'AAC/PT':>7}"
          "   (MB per lecture-minute)")
    for rung in rungs:
        video = playlist_bytes(ours / rung["path"])
        pt_playlist = peertube / f"{rung['height']}.m3u8"
        pt = mb_per_min(playlist_bytes(pt_playlist), duration_of(pt_playlist)) if pt_playlist.exists() else None
        row = {"fps": rung.get("fps"), "video": mb_per_min(video, seconds),
               "with_opus": mb_per_min(video + opus_bytes, seconds), "with_aac": mb_per_min(video + aac_bytes, seconds),
               "peertube": pt}
        result["rungs"][rung["height"]] = row
        print(f"{rung['height']:>5} {row['fps'] or 0:>5g} {row['video']:>7.3f} {row['with_opus']:>7.3f} "
              f"{row['with_aac']:>7.3f} {fmt(pt, '.3f'):>9} {fmt(pt and row['with_opus'] / pt, '.3f'):>8} "
              f"{fmt(pt and row['with_aac'] / pt, '.3f'):>7}")

    print(f"\n{'audio-only':<34} {'MB/min':>7} {'PESQ-WB':>8} {'STOI':>7}")
    reference = speech(lecture)
    tracks = [("HLS Opus group (hls/audio-opus)", ours / audio["opus"]["path"], opus_bytes),
              ("HLS AAC group (hls/audio)", ours / audio["mp4a.40.2"]["path"], aac_bytes),
              ("audio-opus.mp4 (listening file)", ours / "audio-opus.mp4", (ours / "audio-opus.mp4").stat().st_size),
              ("audio.m4a (AAC download)", ours / "audio.m4a", (ours / "audio.m4a").stat().st_size)]
    # "Today's" AAC of issue 22, the bar for the Opus track (module doc).
    todays = work / "aac-issue-22.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-i", f"file:{lecture}", "-map", "0:a:0", "-c:a", "aac", "-aac_coder",
                    "twoloop", "-ac", "1", "-ar", "24000", "-b:a", "32000", f"file:{todays}"], check=True)
    tracks.append((TODAYS_AAC, todays, todays.stat().st_size))
    if (peertube / "240.m3u8").exists():
        tracks.append(("PeerTube's audio (in every rung)", peertube / "240.m3u8", None))
    for name, path, size in tracks:
        quality, intelligibility = speech_scores(reference, path)
        rate = size and mb_per_min(size, seconds)
        result["speech"][name] = {"mb_per_min": rate, "pesq_wb": float(quality), "stoi": float(intelligibility)}
        print(f"{name:<34} {'-' if rate is None else format(rate, '.3f'):>7} {quality:>8.3f} {intelligibility:>7.4f}")

    print(f"\n{'OCR (tesseract chi_sim, 1920x1080)':<40} {'source':>7} {'ours':>6} {'ratio':>6} {'PT':>6} {'ratio':>6}")
    frames = work / "frames"
    frames.mkdir()
    for name, slide, height, body in (("bullet slide on 240p", 1, 240, True),
                                      ("bullet slide on 240p, with footer", 1, 240, False),
                                      ("24 px notice slide on 480p", 2, 480, True),
                                      ("24 px notice slide on 240p", 2, 240, True)):
        moment = slide_middle(seconds, args.variant, slide)
        tag = f"{slide}-{height}-{'body' if body else 'whole'}"
        source_text = ocr(frame(lecture, moment, frames / f"source-{tag}.png", body=body))
        ours_text = ocr(frame(ours / f"hls/{height}p/index.m3u8", moment, frames / f"ours-{tag}.png",
                              (1920, 1080), body))
        pt_playlist = peertube / f"{height}.m3u8"
        pt_text = (ocr(frame(pt_playlist, moment, frames / f"pt-{tag}.png", (1920, 1080), body))
                   if pt_playlist.exists() else "")
        row = {"moment": round(moment, 2), "source_chars": len(source_text), "ours_chars": len(ours_text),
               "ratio": ocr_ratio(source_text, ours_text), "peertube_ratio": ocr_ratio(source_text, pt_text)}
        result["ocr"][name] = row
        print(f"{name:<40} {len(source_text):>7} {len(ours_text):>6} {row['ratio'] or 0:>6.3f} {len(pt_text):>6} "
              f"{row['peertube_ratio'] or 0:>6.3f}")

    low = result["rungs"][min(result["rungs"])]
    aac = result["speech"]["HLS AAC group (hls/audio)"]
    todays = result["speech"][TODAYS_AAC]
    opus = result["speech"]["HLS Opus group (hls/audio-opus)"]
    goals = {
        f"240p + Opus audio <= {GOAL_240P_MB_PER_MIN} MB/min ({low['with_opus']:.3f}; "
        f"with the AAC fallback {low['with_aac']:.3f})": low["with_opus"] <= GOAL_240P_MB_PER_MIN,
        f"OCR 240p bullet slide >= {GOAL_OCR_RATIO} ({result['ocr']['bullet slide on 240p']['ratio']:.3f})":
            result["ocr"]["bullet slide on 240p"]["ratio"] >= GOAL_OCR_RATIO,
        f"OCR 480p 24 px notice slide >= {GOAL_OCR_RATIO} ({result['ocr']['24 px notice slide on 480p']['ratio']:.3f})":
            result["ocr"]["24 px notice slide on 480p"]["ratio"] >= GOAL_OCR_RATIO,
        f"audio-only (Opus) <= {GOAL_AUDIO_MB_PER_MIN} MB/min ({opus['mb_per_min']:.3f})":
            opus["mb_per_min"] <= GOAL_AUDIO_MB_PER_MIN,
        f"Opus PESQ-WB >= today's AAC's ({opus['pesq_wb']:.3f} vs {todays['pesq_wb']:.3f})":
            opus["pesq_wb"] >= todays["pesq_wb"],
        f"Opus STOI >= today's AAC's ({opus['stoi']:.4f} vs {todays['stoi']:.4f})": opus["stoi"] >= todays["stoi"],
        f"shipped AAC PESQ-WB and STOI >= today's AAC's ({aac['pesq_wb']:.3f} / {aac['stoi']:.4f})":
            aac["pesq_wb"] >= todays["pesq_wb"] and aac["stoi"] >= todays["stoi"],
    }
    result["goals"] = {goal: bool(ok) for goal, ok in goals.items()}
    print("\ngoals:")
    for goal, ok in goals.items():
        print(f"  {verdict(ok):<8} {goal}")
    print(f"frames: {frames}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if all(goals.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
