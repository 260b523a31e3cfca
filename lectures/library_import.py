"""Bulk import of a lecture library: a folder of recordings plus a CSV (see docs/media-cms.md).

Each CSV row is one lesson. The row's file becomes a LectureMedia keyed by a stable source key
(its path relative to the folder + its size), so a re-run finds what an earlier (possibly
interrupted) run made and creates nothing twice. Topics, courses and lessons (library_pages.py)
are found again by title (topic, course under the library) and by media (lesson). Each row is
imported in its own transaction; its transcode is queued (media_pipeline.services) when it commits.
"""

import csv
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from lectures import library_pages
from media_pipeline.models import LectureMedia, ProcessingState, validate_upload_name_and_size
from media_pipeline.services import create_media, queue_processing

logger = logging.getLogger(__name__)

COLUMNS = ("topic", "course", "lesson_order", "lesson_title", "teacher", "file", "summary")
REQUIRED = ("course", "lesson_title", "file")


class ManifestError(ValueError):
    """The CSV as a whole cannot be used (missing columns, unreadable encoding)."""


@dataclass
class Row:
    number: int  # line number in the CSV (the header is line 1)
    topic: str
    course: str
    lesson_order: int | None
    lesson_title: str
    teacher: str
    file: str
    summary: str
    source_key: str = ""


KINDS = ("topic", "course", "lesson", "media")


@dataclass
class Report:
    """What a run did: distinct objects created / found already there, jobs queued, failed rows."""

    created_ids: dict = field(default_factory=lambda: {kind: set() for kind in KINDS})
    existing_ids: dict = field(default_factory=lambda: {kind: set() for kind in KINDS})
    queued: int = 0
    failures: list = field(default_factory=list)  # (row number, file, reason in Chinese)

    def note(self, kind, obj, *, created):
        if created:
            self.created_ids[kind].add(obj.pk)
        elif obj.pk not in self.created_ids[kind]:
            self.existing_ids[kind].add(obj.pk)
        return obj

    @property
    def created(self):
        return {kind: len(ids) for kind, ids in self.created_ids.items()}

    @property
    def existing(self):
        return {kind: len(ids) for kind, ids in self.existing_ids.items()}

    def fail(self, row, reason):
        self.failures.append((row.number if row else 0, row.file if row else "", str(reason)))


def read_manifest(path):
    """Rows of the CSV; UTF-8 (with or without Excel's BOM) or GB18030 (Chinese Excel's CSV)."""
    raw = Path(path).read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ManifestError("清单文件的编码无法识别，请另存为 UTF-8 编码的 CSV。")
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ManifestError(f"清单缺少这些列：{', '.join(missing)}（需要的列：{', '.join(COLUMNS)}）")
    reader.fieldnames = header
    rows, problems = [], []
    for number, record in enumerate(reader, start=2):
        values = {name: (record.get(name) or "").strip() for name in COLUMNS}
        if not any(values.values()):
            continue  # blank line
        empty = [name for name in REQUIRED if not values[name]]
        order = None
        if values["lesson_order"]:
            try:
                order = int(values["lesson_order"])
            except ValueError:
                empty.append("lesson_order（须为整数）")
        row = Row(number=number, **{**values, "lesson_order": order})
        if empty:
            problems.append((row, f"第 {number} 行缺少或填错：{', '.join(empty)}"))
        else:
            rows.append(row)
    return rows, problems


def source_key(folder, path):
    """Stable key of a source file: its path relative to the import folder and its size."""
    return f"{path.relative_to(folder).as_posix()}:{path.stat().st_size}"


def resolve_file(folder, name):
    """The row's file inside `folder`, or ValidationError with a Chinese reason. The name is data:
    absolute paths and `..` that leave the folder are refused."""
    folder = Path(folder).resolve()
    candidate = (folder / name).resolve()
    if folder not in candidate.parents:
        raise ValidationError(f"文件“{name}”不在导入文件夹内。")
    if not candidate.is_file():
        raise ValidationError(f"找不到文件“{name}”。")
    validate_upload_name_and_size(candidate.name, candidate.stat().st_size)
    return candidate


def import_media(folder, row, report, *, user=None):
    """The row's LectureMedia: found by source key, else created from the file (which queues it)."""
    path = resolve_file(folder, row.file)
    key = source_key(Path(folder).resolve(), path)
    media = LectureMedia.objects.filter(source_key=key).first()
    if media is not None:
        report.note("media", media, created=False)
        # A failed earlier attempt is retried; queued, processing and ready media are left alone.
        if media.processing_state == ProcessingState.FAILED and queue_processing(media):
            report.queued += 1
        return media
    with path.open("rb") as handle:
        media = create_media(title=row.lesson_title, upload=File(handle, name=path.name),
                             user=user, source_key=key)
    report.queued += 1
    return report.note("media", media, created=True)


def plan(folder, rows):
    """Rows in import order (courses in order of first appearance, lessons by lesson_order, then
    CSV order), each with its source key when its file is there (problems surface per row later)."""
    first_seen = {}
    for row in rows:
        first_seen.setdefault(row.course, len(first_seen))
        try:
            path = resolve_file(folder, row.file)
        except ValidationError:
            continue
        row.source_key = source_key(Path(folder).resolve(), path)
    return sorted(rows, key=lambda r: (first_seen[r.course], r.lesson_order is None,
                                       r.lesson_order or 0, r.number))


def import_row(folder, row, report, *, library, publish, user=None, rows=()):
    """Import one row in one transaction (media, topic, course, lesson)."""
    with transaction.atomic():
        media = import_media(folder, row, report, user=user)
        topic = library_pages.topic(row.topic, report) if row.topic else None
        course = library_pages.course(library, row.course, topic, row.teacher, report, publish=publish)
        library_pages.lesson(course, row, media, report, publish=publish, rows=rows)
