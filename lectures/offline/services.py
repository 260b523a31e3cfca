"""Offline copies, the Django side: from pages to lessons to files in storage.

Views, the task and the management commands all call these functions; the making itself is
plain Python in media_pipeline.core.disc / usb / disc_label.
"""

import contextlib
import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from lectures.models import LessonPage
from media_pipeline.core import disc as disc_maker
from media_pipeline.core import mp3pack
from media_pipeline.core import usb as usb_maker
from media_pipeline.core.disc_label import LabelLesson, draw_label, save_label
from media_pipeline.storage import local_source
from members import services as member_services

from .models import DiscDelivery, OfflineCopy, OfflineFile

logger = logging.getLogger(__name__)

OFFLINE_PAGE_TYPES = ("coursepage", "lessonpage", "playlistpage")


class OfflineError(Exception):
    """A request that cannot be done as asked; reason_zh is shown to users, reason_en logged."""

    def __init__(self, reason_zh, reason_en=None):
        super().__init__(reason_en or reason_zh)
        self.reason_zh = reason_zh
        self.reason_en = reason_en or reason_zh


class MediaNotReady(OfflineError):
    def __init__(self, lessons):
        self.lessons = list(lessons)
        titles = "、".join(f"《{lesson.title}》" for lesson in self.lessons)
        super().__init__(
            f"以下课程的视频还没有处理好，暂时不能制作：{titles}。请等处理完成后再试。",
            "Media not ready for lessons: " + ", ".join(str(lesson.pk) for lesson in self.lessons),
        )


def county_name():
    return getattr(settings, "DIANKE_COUNTY_NAME", "") or ""


# ---- pages -> lessons ---------------------------------------------------------------------------

def find_page(spec):
    """A page from an id ("42") or a URL path ("/党史/第一讲/" or a full URL), as its specific
    class. Raises OfflineError with a Chinese message when there is no such page."""
    spec = str(spec).strip()
    if spec.isdigit():
        page = Page.objects.filter(pk=int(spec)).first()
    else:
        path = unquote(urlsplit(spec).path if "://" in spec else spec)
        path = "/" + path.strip("/") + "/" if path.strip("/") else "/"
        page = None
        sites = Site.objects.select_related("root_page").order_by("-is_default_site")
        for site in sites:
            url_path = site.root_page.url_path + path.lstrip("/")
            page = Page.objects.filter(url_path=url_path).first()
            if page:
                break
    if page is None:
        raise OfflineError(f"找不到页面“{spec}”。请给出页面编号或网址路径。", f"No page {spec!r}")
    page = page.specific
    if page._meta.model_name not in OFFLINE_PAGE_TYPES:
        raise OfflineError(f"“{page.title}”不是课程、课或专题，不能制作离线拷贝。",
                           f"Page {page.pk} is a {page._meta.model_name}, not a course/lesson/playlist")
    return page


def lessons_for(pages):
    """The lessons of courses, playlists and single lessons, in the given order, each once."""
    seen, lessons = set(), []
    for page in pages:
        page = page.specific
        items = [page] if page._meta.model_name == "lessonpage" else list(page.lessons())
        for lesson in items:
            lesson = lesson.specific
            if lesson.pk not in seen:
                seen.add(lesson.pk)
                lessons.append(lesson)
    return lessons


@dataclass
class OfflineLesson:
    """A lesson with the rendition an offline copy uses."""

    page: object
    title: str
    course: str
    duration: float
    media: object  # LectureMedia
    kind: str  # "mp4" or "audio"
    output: dict  # the manifest entry

    @property
    def is_audio(self):
        return self.kind == "audio"

    @property
    def duration_text(self):
        return disc_maker.format_duration(self.duration)


def _course_title(lesson):
    parent = lesson.get_parent()
    return parent.title if parent is not None and parent.specific_class.__name__ == "CoursePage" else ""


def offline_lessons(lessons):
    """Lessons with their renditions. Articles have no media and are left out (returned apart);
    a video or audio lesson whose media is not ready raises MediaNotReady listing them all."""
    usable, articles, not_ready = [], [], []
    for lesson in lessons:
        if lesson.learning_kind == "article":
            articles.append(lesson)
            continue
        media = lesson.media
        if media is None or not media.is_ready:
            not_ready.append(lesson)
            continue
        kind = "audio" if lesson.learning_kind == "audio" else "mp4"
        outputs = media.outputs(kind) or media.outputs("audio" if kind == "mp4" else "mp4")
        if not outputs:
            not_ready.append(lesson)
            continue
        output = outputs[0]
        kind = output["kind"]
        duration = float(lesson.learning_duration or output.get("duration") or 0)
        usable.append(OfflineLesson(lesson, lesson.title, _course_title(lesson), duration, media,
                                    kind, output))
    if not_ready:
        raise MediaNotReady(not_ready)
    return usable, articles


def subtitles_opener(item):
    """A callable opening the lesson's WebVTT subtitles (the editor's .vtt document), or None."""
    document = getattr(item.page, "subtitles", None)
    if document is None or not document.file or not document.file.name.lower().endswith(".vtt"):
        return None
    name, storage = document.file.name, document.file.storage
    return lambda: storage.open(name, "rb")


# ---- making files -------------------------------------------------------------------------------

def plan_for(items):
    # Each lesson's small MP4 tells how hard its picture is to compress: the expected disc size
    # follows it (an audio lesson is a still picture: no MP4 rate).
    return disc_maker.plan_discs([item.duration for item in items],
                                 mp4_bitrates=[item.output.get("bitrate") if item.kind == "mp4" else None
                                               for item in items])


@contextlib.contextmanager
def _local_files(items, workdir):
    """Local paths of the renditions (storage paths on disk, temporary copies from S3)."""
    with contextlib.ExitStack() as stack:
        paths = [stack.enter_context(local_source(item.media.output_name(item.output), directory=workdir))
                 for item in items]
        yield paths


def make_disc_files(items, out_dir, *, title, county="", standard="pal", menu=False,
                    basename="disc", on_progress=None):
    """Build the ISO(s) and a label for each disc into out_dir. Returns
    (plan, [{"disc", "iso", "label_pdf", "label_png", "lessons": [OfflineLesson]}])."""
    disc_maker.check_tools()
    plan = plan_for(items)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = on_progress or (lambda percent: None)
    total = sum(disc.seconds for disc in plan.discs) or 1.0
    done, results = 0.0, []
    for planned in plan.discs:
        on_disc = [items[i] for i in planned.lesson_indexes]
        suffix = "" if plan.count == 1 else f"-{planned.number}"
        iso = out_dir / f"{basename}{suffix}.iso"
        with tempfile.TemporaryDirectory(prefix="dianke-offline-", dir=out_dir) as workdir, \
                _local_files(on_disc, workdir) as paths:
            lessons = [disc_maker.DiscLesson(item.title, path, item.duration, item.course,
                                             is_audio=item.is_audio)
                       for item, path in zip(on_disc, paths, strict=True)]
            base = done
            disc_maker.build_disc(
                lessons, iso, standard=standard, menu=menu, title=title,
                disc_number=planned.number, disc_count=plan.count,
                video_bitrate=max(disc_maker.MIN_VIDEO_BITRATE, planned.video_bitrate),
                workdir=Path(workdir) / "build",
                on_progress=lambda p, base=base, span=planned.seconds: progress(
                    100.0 * (base + span * p / 100.0) / total),
            )
        done += planned.seconds
        label = draw_label(title, [LabelLesson(item.title, item.duration) for item in on_disc],
                           county=county, disc_number=planned.number, disc_count=plan.count,
                           footer=timezone.localdate().strftime("%Y年%m月%d日制作"))
        label_pdf, label_png = out_dir / f"{basename}{suffix}-封面.pdf", out_dir / f"{basename}{suffix}-封面.png"
        save_label(label, label_png, label_pdf)
        results.append({"disc": planned.number, "iso": iso, "label_pdf": label_pdf,
                        "label_png": label_png, "lessons": on_disc})
    return plan, results


def package_lessons(items):
    """usb.PackageLesson for each item, reading renditions straight from storage."""
    result = []
    for item in items:
        result.append(usb_maker.PackageLesson(
            title=item.title, course=item.course, duration=item.duration,
            media=lambda item=item: default_storage.open(item.media.output_name(item.output), "rb"),
            media_suffix=".m4a" if item.is_audio else ".mp4",
            media_size=item.output.get("bytes"),
            subtitles=subtitles_opener(item),
        ))
    return result


def make_usb_file(items, path, *, title, county="", on_progress=None):
    """Write the USB package ZIP to `path` (streamed; no partial file on failure)."""
    def report(done, total):
        if on_progress and total:
            on_progress(100.0 * done / total)

    return usb_maker.write_package_file(package_lessons(items), path, title=title, county=county,
                                        on_progress=report)


def make_mp3_file(items, path, *, on_progress=None):
    """The course's speech as numbered MP3 files in a ZIP (media_pipeline.core.mp3pack), made from
    each lesson's speech track (its audio rendition, else its MP4)."""
    with tempfile.TemporaryDirectory(prefix="dianke-mp3src-") as workdir, contextlib.ExitStack() as stack:
        lessons = []
        for item in items:
            output = (item.media.outputs("audio") or [item.output])[0]
            local = stack.enter_context(local_source(item.media.output_name(output), directory=workdir))
            lessons.append(mp3pack.Mp3Lesson(title=item.title, path=Path(local), course=item.course))
        return mp3pack.write_mp3_zip(lessons, path, on_progress=on_progress)


# ---- copies in the database ---------------------------------------------------------------------

def preview(pages, kind=OfflineCopy.Kind.DISC):
    """What a copy of `pages` would hold: {"lessons", "articles", "plan" | None, "error_zh"};
    the disc plan only for discs (a USB stick has no length limit worth planning)."""
    lessons = lessons_for(pages)
    result = {"lessons": [], "articles": [], "plan": None, "error_zh": "", "not_ready": []}
    try:
        items, articles = offline_lessons(lessons)
    except MediaNotReady as error:
        result["error_zh"] = error.reason_zh
        result["not_ready"] = error.lessons
        return result
    result["lessons"], result["articles"] = items, articles
    if not items:
        result["error_zh"] = "所选页面中没有视频或音频课程。"
        return result
    if kind != OfflineCopy.Kind.DISC:
        return result
    try:
        result["plan"] = plan_for(items)
    except disc_maker.DiscPlanError as error:
        result["error_zh"] = error.reason_zh
    else:
        result["discs"] = [{"number": disc.number, "lessons": len(disc.lesson_indexes),
                            "length": disc_maker.format_duration(disc.seconds),
                            "bytes": disc.expected_bytes} for disc in result["plan"].discs]
    return result


def create_copy(*, kind, pages, user=None, title="", county="", standard="pal", menu=False):
    """Record a copy of `pages` to build (`tasks.queue_build` queues it). Refuses (OfflineError)
    when a lesson's media is not ready or nothing can be copied."""
    pages = [page.specific for page in pages]
    if not pages:
        raise OfflineError("请选择课程、课或专题。", "No pages selected")
    items, _articles = offline_lessons(lessons_for(pages))
    if not items:
        raise OfflineError("所选页面中没有视频或音频课程。", "No video or audio lessons")
    warnings = []
    if kind == OfflineCopy.Kind.DISC:
        try:
            warnings = list(plan_for(items).warnings_zh)
        except disc_maker.DiscPlanError as error:
            raise OfflineError(error.reason_zh, error.reason_en) from error
    copy = OfflineCopy.objects.create(
        kind=kind, title=title or pages[0].title, county=county or county_name(),
        page_ids=[page.pk for page in pages], standard=standard, menu=menu, warnings=warnings,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    return copy


class _Progress:
    """Writes the percent to the copy at most every `interval` seconds."""

    def __init__(self, copy_id, interval=2.0):
        self.copy_id, self.interval, self.last = copy_id, interval, 0.0

    def __call__(self, percent):
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            OfflineCopy.objects.filter(pk=self.copy_id).update(
                percent=int(max(0, min(99, percent))), updated_at=timezone.now())


def _store(copy, role, path, download_name, disc_number=1):
    with open(path, "rb") as handle:
        extension = Path(path).suffix.lower()
        name = default_storage.save(f"offline/{copy.pk}/{role}-{disc_number}{extension}", File(handle))
    return OfflineFile.objects.create(copy=copy, role=role, disc_number=disc_number, file=name,
                                      download_name=download_name, bytes=Path(path).stat().st_size)


def _download_base(copy):
    return usb_maker.safe_name(copy.title, max_chars=40)


def _listing(items, *, disc=None, files=None):
    """What a copy (or one of its discs) holds, as OfflineCopy.contents keeps it; `files`: the
    name each lesson has in the copy, where that is worth keeping (the MP3 pack)."""
    lessons = [{"id": item.page.pk, "title": item.title, "duration": item.duration} for item in items]
    for lesson, name in zip(lessons, files or (), strict=False):
        lesson["file"] = name
    return {"disc": disc, "lessons": lessons}


def build_copy(copy_id):
    """Build a copy's files and store them; the copy ends READY or FAILED (with a reason)."""
    copy = OfflineCopy.objects.get(pk=copy_id)
    if copy.state == OfflineCopy.State.READY:
        return copy.state
    OfflineCopy.objects.filter(pk=copy.pk).update(state=OfflineCopy.State.BUILDING, percent=0,
                                                  error="", updated_at=timezone.now())
    progress = _Progress(copy.pk)
    try:
        pages = [Page.objects.get(pk=pk).specific for pk in copy.page_ids
                 if Page.objects.filter(pk=pk).exists()]
        items, _articles = offline_lessons(lessons_for(pages))
        if not items:
            raise OfflineError("所选页面中没有视频或音频课程。", "No video or audio lessons")
        base = _download_base(copy)
        with tempfile.TemporaryDirectory(prefix="dianke-offline-") as out_dir:
            if copy.kind == OfflineCopy.Kind.DISC:
                plan, discs = make_disc_files(items, out_dir, title=copy.title, county=copy.county,
                                              standard=copy.standard, menu=copy.menu,
                                              on_progress=progress)
                contents = []
                with transaction.atomic():
                    copy.files.all().delete()
                    for result in discs:
                        number = result["disc"]
                        suffix = "" if plan.count == 1 else f"-第{number}张"
                        _store(copy, OfflineFile.Role.ISO, result["iso"], f"{base}{suffix}.iso", number)
                        _store(copy, OfflineFile.Role.LABEL_PDF, result["label_pdf"],
                               f"{base}{suffix}-封面.pdf", number)
                        _store(copy, OfflineFile.Role.LABEL_PNG, result["label_png"],
                               f"{base}{suffix}-封面.png", number)
                        contents.append(_listing(result["lessons"], disc=number))
                    warnings = list(plan.warnings_zh)
            elif copy.kind == OfflineCopy.Kind.MP3:
                zip_path = Path(out_dir) / "mp3.zip"
                make_mp3_file(items, zip_path, on_progress=progress)
                with transaction.atomic():
                    copy.files.all().delete()
                    _store(copy, OfflineFile.Role.MP3_ZIP, zip_path, f"{base}-MP3音频.zip")
                    contents = [_listing(items, files=mp3pack.mp3_names(items))]
                    warnings = []
            else:
                zip_path = Path(out_dir) / "package.zip"
                make_usb_file(items, zip_path, title=copy.title, county=copy.county,
                              on_progress=progress)
                with transaction.atomic():
                    copy.files.all().delete()
                    _store(copy, OfflineFile.Role.ZIP, zip_path, f"{base}-U盘包.zip")
                    contents = [_listing(items)]
                    warnings = []
        OfflineCopy.objects.filter(pk=copy.pk).update(
            state=OfflineCopy.State.READY, percent=100, contents=contents, warnings=warnings,
            finished_at=timezone.now(), error="")
        return OfflineCopy.State.READY
    except (OfflineError, disc_maker.DiscPlanError, disc_maker.DiscToolMissing, mp3pack.Mp3PackError) as error:
        reason = getattr(error, "reason_zh", str(error))
        logger.warning("offline copy %s refused: %s", copy.pk, error)
    except Exception as error:  # a tool or the storage failed: record it, keep the worker alive
        logger.exception("offline copy %s failed", copy.pk)
        reason = f"制作失败：{type(error).__name__}。请联系管理员查看日志。"
    OfflineCopy.objects.filter(pk=copy.pk).update(state=OfflineCopy.State.FAILED, error=reason,
                                                  finished_at=timezone.now())
    return OfflineCopy.State.FAILED


# ---- deliveries --------------------------------------------------------------------------------

def record_delivery(*, copy, disc_number, members, date, recorded_by, place="", note=""):
    """Record that `members` received disc `disc_number` of `copy` on `date`, and record each
    lesson on that disc as completed ("recorded" by the secretary). A member who already has a
    record for that disc is skipped. Returns the new DiscDelivery rows."""
    if copy.kind != OfflineCopy.Kind.DISC or not copy.is_ready:
        raise OfflineError("只能登记已制作完成的光盘。", f"Copy {copy.pk} is not a ready disc")
    lessons = copy.lessons_on_disc(int(disc_number))
    if not lessons:
        raise OfflineError(f"这套光盘没有第 {disc_number} 张。", f"Copy {copy.pk} has no disc {disc_number}")
    members = list(members)
    if not members:
        raise OfflineError("请选择领取光盘的党员。", "No members selected")
    created = []
    with transaction.atomic():
        already = set(DiscDelivery.objects.filter(copy=copy, disc_number=disc_number,
                                                  member__in=members).values_list("member_id", flat=True))
        new_members = [member for member in members if member.pk not in already]
        if not new_members:
            return []
        total = 0
        for lesson in lessons:
            page = LessonPage.objects.filter(pk=lesson["id"]).first()
            if page is None:  # the lesson was deleted since the disc was made
                continue
            total += member_services.record_completions(
                page=page, members=new_members, how="recorded", set_by=recorded_by, date=date,
                place=place, note=note or f"领取光盘：{copy.title}",
            )
        for member in new_members:
            created.append(DiscDelivery.objects.create(
                copy=copy, disc_number=disc_number, member=member, delivered_on=date, place=place,
                note=note, recorded_by=recorded_by, completions=total // max(1, len(new_members)),
            ))
    return created
