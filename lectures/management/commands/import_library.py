"""manage.py import_library FOLDER --manifest courses.csv [--publish]

Creates topics, courses and lessons (Wagtail pages of `lectures`) for a folder of recordings
described by a CSV, queues their transcodes, shows a progress bar on stderr and prints a report.
Safe to stop (Ctrl-C) and run again: nothing is created twice. Exits 1 if any row failed.
CSV columns and an example: docs/media-cms.md, docs/media-cms-example.csv.
"""

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from lectures import library_import, library_pages


class ProgressBar:
    """A one-line bar on a terminal; one line per step otherwise (logs, CI)."""

    def __init__(self, stream, total, width=30):
        self.stream, self.total, self.width = stream, total, width
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def show(self, done, label):
        filled = int(self.width * done / self.total) if self.total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        line = f"[{bar}] {done}/{self.total} {label}"
        if self.tty:
            self.stream.write("\r\x1b[K" + line[:120])
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self):
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = "Import a folder of lecture recordings described by a CSV manifest as courses and lessons."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="folder holding the recordings")
        parser.add_argument("--manifest", type=Path, required=True,
                            help="CSV: topic,course,lesson_order,lesson_title,teacher,file,summary")
        parser.add_argument("--publish", action="store_true",
                            help="publish the pages (default: drafts for editors to review)")
        parser.add_argument("--user", help="username recorded as the uploader")

    def handle(self, *, folder, manifest, publish, user, **options):
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder")
        uploader = None
        if user:
            uploader = get_user_model().objects.filter(username=user).first()
            if uploader is None:
                raise CommandError(f"no user named {user!r}")
        try:
            rows, problems = library_import.read_manifest(manifest)
        except (OSError, library_import.ManifestError) as error:
            raise CommandError(str(error)) from error
        try:
            library = library_pages.library()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        rows = library_import.plan(folder, rows)
        report = library_import.Report()
        for row, reason in problems:
            report.fail(row, reason)

        bar = ProgressBar(self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr, len(rows))
        try:
            for done, row in enumerate(rows, start=1):
                bar.show(done - 1, row.lesson_title)
                try:
                    library_import.import_row(folder, row, report, library=library,
                                              publish=publish, user=uploader, rows=rows)
                except ValidationError as error:
                    report.fail(row, " ".join(error.messages))
                except Exception as error:  # one bad row must not stop the others
                    library_import.logger.exception("Import of row %s failed", row.number)
                    report.fail(row, f"导入出错：{type(error).__name__}: {error}")
                bar.show(done, row.lesson_title)
        except KeyboardInterrupt:
            bar.close()
            self.stderr.write("Stopped. Rows done so far are saved; run the same command again to continue.")
            self.print_report(report)
            sys.exit(130)
        bar.close()
        self.print_report(report)
        if report.failures:
            sys.exit(1)

    def print_report(self, report):
        c, e = report.created, report.existing
        self.stdout.write(
            f"created: {c['topic']} topics, {c['course']} courses, {c['lesson']} lessons, {c['media']} media; "
            f"already there: {e['topic']} topics, {e['course']} courses, {e['lesson']} lessons, {e['media']} media; "
            f"transcodes queued: {report.queued}"
        )
        if report.failures:
            self.stdout.write(f"{len(report.failures)} row(s) failed:")
            for number, name, reason in report.failures:
                self.stdout.write(f"  line {number}: {name or '-'}: {reason}")
        else:
            self.stdout.write("no failures")
