"""Running ffmpeg, ffprobe and the disc tools: never through a shell, and never outliving the
process that started them; ffmpeg and ffprobe also with time and memory limits."""

import ctypes
import ctypes.util
import os
import resource
import signal
import subprocess
import sys
import threading
import time

MEMORY_LIMIT_BYTES = 6 * 1024**3  # address space; x264 with four rungs needs well under 1 GB
OUTPUT_LIMIT_BYTES = 32 * 1024**3  # no single output file grows past this
# A run with progress reports at least this often, even when the percent has not moved: a caller
# keeps its own sign of life (a job's heartbeat) from these reports.
REPORT_EVERY_SECONDS = 10

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _linux_libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


_LIBC = _linux_libc()


def _limit_resources():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def child_setup(*, limits=False):
    """A `preexec_fn` for every tool the pipeline starts: the child is SIGKILLed when the thread
    that started it ends, so a worker killed mid-job (OOM killer, `docker kill`, SIGKILL) takes its
    ffmpeg with it instead of leaving it writing into the temporary folder for another minute.
    `limits`: also the memory, file size and core dump limits of ffmpeg/ffprobe runs.

    Linux only (prctl); elsewhere the child is left as before. The starting thread must wait for
    the child (subprocess.run, or Popen then wait), as every caller here does: the signal follows
    the thread, not the process."""
    parent = os.getpid()

    def setup():
        if _LIBC is not None:
            _LIBC.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
            if os.getppid() != parent:
                os._exit(1)  # the parent died between fork and prctl: no signal would ever come
        if limits:
            _limit_resources()

    return setup


def run(args, *, timeout):
    """Run a command to the end; a timeout kills it and reads as a failed run."""
    try:
        return subprocess.run(args, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
                              preexec_fn=child_setup(limits=True))
    except subprocess.TimeoutExpired as expired:
        return subprocess.CompletedProcess(args, -9, expired.stdout or b"", (expired.stderr or b"") + b"\ntimeout")


# The niceness of every thread of a ladder's ffmpeg but its main one (see _favour_main_thread).
HELPER_THREAD_NICENESS = 19


def _favour_main_thread(process, niceness, *, poll_seconds=0.1):
    """Lower the priority of each thread of `process` except its main one, as the threads appear.

    ffmpeg 5.1's main thread alone demuxes, runs the filter graph and hands every frame to every
    encoder; the decoder's and x264's threads only work on what it has handed out. On a busy core
    the main thread, woken from a wait, queued behind a dozen encoder threads and every encoder
    starved meanwhile: both cores were busy only ~85 % of the ladder's run. With the helpers at a
    lower priority the main thread runs as soon as it can and the cores stay busy (~93 %). Threads
    are created as the decoder and encoders open, in the first second or so; new ones are looked
    for until the process ends."""
    seen = {process.pid}
    while process.poll() is None:
        try:
            threads = {int(name) for name in os.listdir(f"/proc/{process.pid}/task")}
        except (OSError, ValueError):
            return  # gone, or no /proc: nothing to do
        for thread in threads - seen:
            try:
                os.setpriority(os.PRIO_PROCESS, thread, niceness)
            except OSError:
                pass  # it ended meanwhile
        seen |= threads
        time.sleep(poll_seconds)


def run_with_progress(args, *, timeout, duration, on_progress, favour_main_thread=False):
    """Run ffmpeg with `-progress pipe:1` in `args`, reporting percent done from its out_time:
    on each whole percent, and at least every REPORT_EVERY_SECONDS while ffmpeg reports.

    `favour_main_thread`: give ffmpeg's main thread priority over its codec threads (for a run
    that feeds several encoders; see _favour_main_thread)."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               preexec_fn=child_setup(limits=True))
    if favour_main_thread:
        threading.Thread(target=_favour_main_thread, args=(process, HELPER_THREAD_NICENESS), daemon=True).start()
    stderr_chunks = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(process.stderr.read()), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    last, last_report = -1.0, time.monotonic()
    for line in process.stdout:
        now = time.monotonic()
        if now > deadline:
            process.kill()
            break
        key, _, value = line.decode(errors="replace").strip().partition("=")
        if key == "out_time_us" and value.isdigit() and duration:
            percent = max(last, min(99.0, int(value) / 1e6 / duration * 100))
            if percent - last >= 1 or now - last_report >= REPORT_EVERY_SECONDS:
                last, last_report = percent, now
                on_progress(percent)
    try:
        process.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return -9, b"timeout"
    reader.join(timeout=5)
    return process.returncode, b"".join(stderr_chunks)
