"""Shared bits of make_disc and make_usb_package: page arguments and a progress bar on stderr."""

import sys

from django.core.management.base import CommandError

from lectures.offline import services


def resolve_items(page_specs):
    """PAGE arguments (ids or URL paths) -> (pages, OfflineLesson items); CommandError on bad input."""
    try:
        pages = [services.find_page(spec) for spec in page_specs]
        items, articles = services.offline_lessons(services.lessons_for(pages))
    except services.OfflineError as error:
        raise CommandError(f"{error.reason_zh} ({error.reason_en})") from error
    if not items:
        raise CommandError("所选页面中没有视频或音频课程。 (no video or audio lessons)")
    return pages, items, articles


class ProgressBar:
    """`[#########...........]  45%` redrawn in place on stderr (a new line when not a TTY)."""

    def __init__(self, stream=None, width=30):
        self.stream = stream or sys.stderr
        self.width = width
        self.last = -1

    def __call__(self, percent):
        percent = int(max(0, min(100, percent)))
        if percent == self.last:
            return
        self.last = percent
        filled = self.width * percent // 100
        bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}%"
        if getattr(self.stream, "isatty", lambda: False)():
            self.stream.write("\r" + bar)
        else:
            self.stream.write(bar + "\n")
        self.stream.flush()

    def done(self):
        self(100)
        if getattr(self.stream, "isatty", lambda: False)():
            self.stream.write("\n")
