"""python -m media_pipeline INPUT OUTDIR [--profile phone] [--title TITLE]

Probe and validate INPUT, then write its phone renditions into OUTDIR: an HLS ladder
(master.m3u8 and hls/<rung>/, 240p-720p, never above the source), a small download MP4
(small.mp4), a mono speech audio file in AAC (audio.m4a, the download) and in Opus
(audio-opus.mp4, a third of its bytes), a poster (poster.jpg) and a small seek-bar
sprite (sprite.jpg). An audio-only INPUT gives audio.m4a and a title card (poster.jpg).
Prints the manifest as JSON on stdout and saves it as OUTDIR/manifest.json, last, as the mark
of a finished job.

Exit codes: 0 done; 2 the input was rejected (one line on stderr says why, in Chinese and English);
1 an internal failure. On failure nothing in OUTDIR looks finished (no manifest.json is written).
"""

import argparse
import json
import logging
import sys

from media_pipeline.core.pipeline import PROFILES, PipelineError, RejectedInput, transcode


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m media_pipeline", description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", metavar="INPUT", help="the uploaded lecture (video or audio); any file name")
    parser.add_argument("outdir", metavar="OUTDIR", help="where the renditions go (created if missing)")
    parser.add_argument("--profile", default="phone", choices=sorted(PROFILES),
                        help="encoding profile (default: phone: 240p/360p/480p/720p, mono speech audio)")
    parser.add_argument("--title", help="title drawn on the poster card of an audio-only lecture")
    parser.add_argument("--progress", action="store_true", help="print percent done on stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    def report(percent):
        if args.progress:
            print(f"{percent:5.1f}%", file=sys.stderr, flush=True)

    try:
        manifest = transcode(args.input, args.outdir, profile=args.profile, on_progress=report,
                             title=args.title)
    except RejectedInput as error:
        print(f"rejected: {error.reason_zh} ({error.reason_en})", file=sys.stderr)
        return 2
    except (PipelineError, OSError) as error:
        print(f"failed: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # still one line, not a traceback: the caller reads stderr
        print(f"failed: internal error {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    json.dump(manifest, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
