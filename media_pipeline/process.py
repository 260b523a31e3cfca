"""Running ffmpeg and ffprobe: never through a shell, always with time and memory limits."""

import resource
import subprocess

MEMORY_LIMIT_BYTES = 6 * 1024**3  # address space; x264 with four rungs needs well under 1 GB
OUTPUT_LIMIT_BYTES = 32 * 1024**3  # no single output file grows past this


def _limit_resources():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run(args, *, timeout):
    """Run a command to the end; a timeout kills it and reads as a failed run."""
    try:
        return subprocess.run(args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              preexec_fn=_limit_resources)
    except subprocess.TimeoutExpired as expired:
        return subprocess.CompletedProcess(args, -9, expired.stdout or b"", (expired.stderr or b"") + b"\ntimeout")


def run_with_progress(args, *, timeout, duration, on_progress):
    """Run ffmpeg with `-progress pipe:1` in `args`, reporting percent done from its out_time."""
    import threading
    import time

    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               preexec_fn=_limit_resources)
    stderr_chunks = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(process.stderr.read()), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    last = -1.0
    for line in process.stdout:
        if time.monotonic() > deadline:
            process.kill()
            break
        key, _, value = line.decode(errors="replace").strip().partition("=")
        if key == "out_time_us" and value.isdigit() and duration:
            percent = min(99.0, int(value) / 1e6 / duration * 100)
            if percent - last >= 1:
                last = percent
                on_progress(percent)
    try:
        process.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return -9, b"timeout"
    reader.join(timeout=5)
    return process.returncode, b"".join(stderr_chunks)
