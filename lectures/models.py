"""The course library's content: the menu (home page), topics, series, courses, lessons, playlists.

A lesson is the learning item that members' records point at (contract C3 in docs/library.md):
it says what kind it is, how long it lasts and what counts as completing it.
"""

import re

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, PageManager
from wagtail.search import index
from wagtailmedia.edit_handlers import MediaChooserPanel

from lectures import menu_cache, posters
from lectures.library import (
    LENGTHS,
    POSTER_SPEC,
    SORTS,
    CourseQuerySet,
    TopicQuerySet,
    continue_learning,
    courses_done,
)
from media_pipeline.panels import MediaStatusPanel
from members import scoping
from members.services import completion_rule_locked, item_states, member_of
from search.text import cut_for_index

# Reading speed used for an article's minimum dwell time: about 400 Chinese characters a minute,
# of which a member must spend at least half before the article counts as read.
READING_CHARS_PER_SECOND = 400 / 60
MIN_DWELL_SHARE = 0.5


class Topic(models.Model):
    """A menu section (学党章党规, 学系列讲话, 做合格党员 …) that editors manage as a snippet."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    slug = models.SlugField(_("地址名"), max_length=60, unique=True, allow_unicode=True)
    description = models.CharField(_("简介"), max_length=255, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("菜单排序"), default=0)

    objects = TopicQuerySet.as_manager()

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]
        # Chinese has one word for one and many; the plural is that word under the msgctxt
        # "plural", so that locale/en can hold "topics" beside "topic" (so in every app).
        verbose_name = _("专题")
        verbose_name_plural = pgettext_lazy("plural", "专题")

    def __str__(self):
        return self.name


class Series(models.Model):
    """A run of courses that belong together (e.g. a lecture series by one teacher)."""

    title = models.CharField(_("标题"), max_length=120, unique=True)
    slug = models.SlugField(_("地址名"), max_length=120, unique=True, allow_unicode=True)
    description = models.TextField(_("简介"), blank=True)

    panels = [FieldPanel("title"), FieldPanel("slug"), FieldPanel("description")]

    class Meta:
        ordering = ["title"]
        verbose_name = _("系列")
        verbose_name_plural = pgettext_lazy("plural", "系列")

    def __str__(self):
        return self.title


class LibraryPage(Page):
    """The course menu (点课): topics, series and courses that members pick from."""

    intro = RichTextField(_("介绍"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["lectures.CoursePage", "lectures.PlaylistPage"]
    template = "lectures/library_page.html"

    class Meta:
        verbose_name = _("课程库")
        verbose_name_plural = pgettext_lazy("plural", "课程库")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        length = request.GET.get("length") if request.GET.get("length") in LENGTHS else None
        sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "menu"
        mine = request.GET.get("mine") == "1" and request.user.is_authenticated
        context.update(length=length, lengths=LENGTHS, sort=sort, mine=mine)
        # The topic chips, cards and pager are the same for every visitor: rendered once per
        # version of the library (lectures.menu_cache). "我没学完的" is the member's own: never cached.
        key = None if mine else menu_cache.key_for(self, request, lengths=LENGTHS, sorts=SORTS)
        grid = menu_cache.get(key)
        if grid is None:
            topics = list(Topic.objects.for_menu())
            topic = next((t for t in topics if t.slug == request.GET.get("topic")), None)
            courses = CoursePage.objects.for_menu(
                self, topic=topic, length=length, sort=sort,
                course_ids=CoursePage.objects.unfinished_ids(request.user) if mine else None,
            )
            grid_context = {
                **context, "topics": topics, "topic": topic, "poster_spec": POSTER_SPEC,
                "courses": Paginator(courses, 30).get_page(request.GET.get("page")),
            }
            # No request, so no context processors: the grid cannot show who asked for it.
            grid = {
                part: render_to_string(f"lectures/includes/menu_{part}.html", grid_context)
                for part in ("topics", "cards")
            }
            menu_cache.put(key, grid)
        context["menu_grid"] = _with_progress(grid, request.user)
        context["continue_learning"] = continue_learning(request.user)
        return context


PROGRESS_MARK = re.compile(r"<!--progress:(\d+):(\d+)-->")


def _with_progress(grid, user):
    """The cached cards carry a mark per course (`<!--progress:id:lessons-->`, the same for every
    visitor); a member's own progress is put in its place on each request, in two queries."""
    cards = grid["cards"]
    marks = PROGRESS_MARK.findall(cards)
    done = courses_done(user, [int(course) for course, _total in marks]) if user.is_authenticated else {}

    def progress(match):
        count, total = done.get(int(match.group(1)), 0), int(match.group(2))
        if not count:
            return ""
        words = (gettext("已学完") if count >= total else
                 gettext("已学 %(done)s/%(total)s") % {"done": count, "total": total})
        return f'<span class="card-progress">{escape(words)}</span>'

    return {**grid, "cards": mark_safe(PROGRESS_MARK.sub(progress, cards))}


class CourseTag(TaggedItemBase):
    content_object = ParentalKey("lectures.CoursePage", related_name="tagged_items", on_delete=models.CASCADE)


class CoursePage(Page):
    """A course: one or more ordered lessons (the order of the child pages in the admin)."""

    summary = models.TextField(_("内容提要"), blank=True)
    teacher = models.CharField(_("主讲人"), max_length=100, blank=True)
    topics = ParentalManyToManyField(Topic, blank=True, related_name="courses", verbose_name=pgettext_lazy("plural", "专题"))
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses",
        verbose_name=_("系列"),
    )
    poster = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("封面图"),
    )
    body = RichTextField(_("介绍"), blank=True)
    members_only = models.BooleanField(
        _("仅限党员"), default=False,
        help_text=_("只有登录的党员才能观看；分享链接会先要求登录。"),
    )
    downloadable = models.BooleanField(
        _("允许下载"), default=True,
        help_text=_("允许有下载权限的党员下载小文件和音频。"),
    )
    tags = ClusterTaggableManager(through=CourseTag, blank=True)
    # Kept by lectures.signals from the live lessons, so that the menu is one plain query.
    lesson_count = models.PositiveIntegerField(default=0, editable=False)
    total_seconds = models.FloatField(default=0, editable=False, db_index=True)
    # The card's picture when the editor chose no poster: the first video lesson's poster frame,
    # made an image once per published renditions (refresh_totals), kept like the totals.
    frame_poster = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, editable=False, on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("teacher"),
        FieldPanel("topics"),
        FieldPanel("series"),
        FieldPanel("poster"),
        FieldPanel("body"),
        FieldPanel("tags"),
        MultiFieldPanel([FieldPanel("members_only"), FieldPanel("downloadable")], heading=_("观看与下载")),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("teacher"),
        index.SearchField("body"),
        index.SearchField("segmented_text"),
        index.FilterField("members_only"),
    ]
    parent_page_types = ["lectures.LibraryPage"]
    subpage_types = ["lectures.LessonPage"]
    template = "lectures/course_page.html"

    objects = PageManager.from_queryset(CourseQuerySet)()

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = pgettext_lazy("plural", "课程")

    def lessons(self):
        """The live lessons in their admin order."""
        return LessonPage.objects.child_of(self).live().order_by("path")

    def with_content_json(self, content):
        """A revision carries the totals of when it was saved; publishing it (now, scheduled or
        after moderation) keeps the current ones, which lectures.signals maintain."""
        page = super().with_content_json(content)
        # From the database: the instance at hand may be older than the lessons added since.
        totals = (CoursePage.objects.filter(pk=self.pk)
                  .values("lesson_count", "total_seconds", "frame_poster_id").first())
        if totals is not None:
            page.lesson_count, page.total_seconds = totals["lesson_count"], totals["total_seconds"]
            page.frame_poster_id = totals["frame_poster_id"]
        return page

    def refresh_totals(self):
        """Recount the live lessons and their length (without a new revision)."""
        totals = self.lessons().aggregate(count=models.Count("pk"), seconds=models.Sum("media__duration"))
        self.lesson_count, self.total_seconds = totals["count"], totals["seconds"] or 0.0
        self.frame_poster = posters.frame_poster(self, self.lessons())
        CoursePage.objects.filter(pk=self.pk).update(
            lesson_count=self.lesson_count, total_seconds=self.total_seconds,
            frame_poster=self.frame_poster,
        )
        menu_cache.bump()

    def serve(self, request, *args, **kwargs):
        return scoping.refusal(request, scoping.page_access(request, self)) or super().serve(
            request, *args, **kwargs
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        lessons = listable(request, self.lessons().select_related("media"))
        states = item_states(request.user, [lesson.pk for lesson in lessons])
        for lesson in lessons:
            lesson.state = states[lesson.pk]
        context.update(
            lessons=lessons,
            done=sum(1 for lesson in lessons if lesson.state["state"] == "completed"),
            share_image=_share_image(self.poster, lessons),
        )
        return context

    def segmented_text(self):
        """Title, summary, teacher and tags cut into words: Chinese has no spaces for the index."""
        tags = " ".join(tag.name for tag in self.tags.all())
        return cut_for_index(" ".join([self.title, self.summary, self.teacher, tags]))

    def can_download(self, user):
        """Downloads are for signed-in members (and staff) of courses that offer them."""
        if not (self.downloadable and user.is_authenticated):
            return False
        return user.is_staff or member_of(user) is not None


class LessonKind(models.TextChoices):
    VIDEO = "video", _("视频")
    AUDIO = "audio", _("音频")
    ARTICLE = "article", _("文章")


class LessonPage(Page):
    """A lesson: a video, an audio recording or an article. It is the learning item."""

    kind = models.CharField(_("类型"), max_length=10, choices=LessonKind.choices, default=LessonKind.VIDEO)
    media = models.ForeignKey(
        "media_pipeline.LectureMedia", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="lessons", verbose_name=_("音视频"),
    )
    summary = models.TextField(_("内容提要"), blank=True)
    teacher = models.CharField(_("主讲人"), max_length=100, blank=True)
    body = RichTextField(_("正文"), blank=True, help_text=_("文章课程的正文，或音视频课程的学习材料。"))
    subtitles = models.ForeignKey(
        "wagtaildocs.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("字幕（.vtt）"),
    )
    completion_threshold = models.FloatField(
        _("需看完的比例"), default=0.9,
        validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text=_("看完（或听完）多少比例算完成学习，默认 0.9。有人完成后不能再改。"),
    )
    read_seconds_override = models.PositiveIntegerField(
        _("最短阅读时间（秒）"), null=True, blank=True,
        help_text=_("文章至少阅读多少秒算完成；留空则按字数计算。有人完成后不能再改。"),
    )

    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        MediaChooserPanel("media"),
        MediaStatusPanel("media"),
        FieldPanel("summary"),
        FieldPanel("teacher"),
        FieldPanel("body"),
        FieldPanel("subtitles"),
        InlinePanel("chapters", label=pgettext_lazy("plural", "章节")),
        InlinePanel("attachments", label=pgettext_lazy("plural", "附件")),
        MultiFieldPanel(
            [FieldPanel("completion_threshold"), FieldPanel("read_seconds_override")],
            heading=_("完成标准"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("teacher"),
        index.SearchField("body"),
        index.SearchField("segmented_text"),
    ]
    parent_page_types = ["lectures.CoursePage"]
    subpage_types = []
    template = "lectures/lesson_page.html"

    class Meta:
        verbose_name = _("课")
        verbose_name_plural = pgettext_lazy("plural", "课")

    # ---- the learning item (contract C3) -------------------------------------------------

    @property
    def learning_kind(self):
        return self.kind

    @property
    def learning_duration(self):
        if self.kind == LessonKind.ARTICLE or self.media is None:
            return None
        return self.media.duration or None

    @cached_property
    def text_length(self):
        return len("".join(strip_tags(self.body or "").split()))

    @property
    def min_read_seconds(self):
        """The editor's minimum reading time, else half the time the text takes to read."""
        if self.read_seconds_override is not None:
            return self.read_seconds_override
        return round(self.text_length / READING_CHARS_PER_SECOND * MIN_DWELL_SHARE)

    def course(self):
        parent = self.get_parent()
        return parent.specific if parent else None

    def segmented_text(self):
        """Title, summary, teacher and the subtitles' words, cut into words for the index."""
        return cut_for_index(" ".join([self.title, self.summary, self.teacher, subtitles_text(self.subtitles)]))

    def serve(self, request, *args, **kwargs):
        return scoping.refusal(request, scoping.page_access(request, self)) or super().serve(
            request, *args, **kwargs
        )

    def start_position(self, requested, state):
        """Where playback starts: a chapter link's ?t=, else where the member stopped (on any
        device), unless that is the very end."""
        try:
            return max(0, int(requested))
        except (TypeError, ValueError):
            pass
        position = int(state.get("position") or 0)
        duration = self.learning_duration or 0
        return position if 5 < position < duration - 10 else 0

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        course = self.course()
        siblings = listable(request, course.lessons().only("pk", "title", "path", "url_path")) if course else []
        index = next((i for i, lesson in enumerate(siblings) if lesson.pk == self.pk), None)
        playback = self.media.playback() if self.media else None
        state = item_states(request.user, [self.pk])[self.pk]
        context.update(
            course=course,
            playback=playback,
            state=state,
            chapters=list(self.chapters.all()),
            attachments=list(self.attachments.select_related("document")),
            can_download=bool(course and course.can_download(request.user)),
            previous_lesson=siblings[index - 1] if index else None,
            next_lesson=siblings[index + 1] if index is not None and index + 1 < len(siblings) else None,
            start=self.start_position(request.GET.get("t"), state),
            hls_rungs=self.hls_rungs() if playback and playback.get("hls") else [],
            share_image=(playback or {}).get("poster"),
        )
        return context

    def hls_rungs(self):
        """The quality picker's choices for browsers that play HLS themselves: a one-rung
        playlist per video rung (lectures.views.hls_one_rung), lowest first."""
        return [{"height": height, "url": reverse("lectures:hls_rung", args=[self.pk, height])}
                for height in self.media.video_heights()]

    def clean(self):
        super().clean()
        if self.kind in (LessonKind.VIDEO, LessonKind.AUDIO) and self.media is None and self.live:
            raise ValidationError({"media": _("音视频课程需要选择一个音视频文件。")})
        if self.pk and self._completion_rule_changed():
            if completion_rule_locked(self):
                raise ValidationError(
                    _("已有党员完成了这节课，完成标准不能再修改，以保证学习记录可比。")
                )

    def _completion_rule_changed(self):
        saved = LessonPage.objects.filter(pk=self.pk).values(
            "kind", "completion_threshold", "read_seconds_override"
        ).first()
        if saved is None:
            return False
        return saved != {
            "kind": self.kind,
            "completion_threshold": self.completion_threshold,
            "read_seconds_override": self.read_seconds_override,
        }


def subtitles_text(document):
    """The spoken text of a WebVTT file: cue lines without the header, timings and numbers."""
    if document is None:
        return ""
    try:
        with document.file.open("rb") as handle:
            raw = handle.read(1_000_000).decode("utf-8-sig", errors="replace")
    except (OSError, ValueError):
        return ""
    lines = []
    for line in raw.splitlines():
        line = line.strip()
        if not line or line.startswith(("WEBVTT", "NOTE")) or "-->" in line or line.isdigit():
            continue
        lines.append(line)
    return " ".join(lines)


def listable(request, pages):
    """The pages a request may see in a list: public ones, and those behind Wagtail's page privacy
    that it passes (members.scoping.page_access). A members-only course's lessons stay listed:
    they ask visitors to sign in."""
    pages = list(pages)
    restricted = set(
        Page.objects.filter(pk__in=[page.pk for page in pages]).not_public().values_list("pk", flat=True)
    )
    return [page for page in pages
            if page.pk not in restricted or scoping.page_access(request, page) is scoping.Access.ALLOW]


class LessonDownload(models.Model):
    """One download of a lesson's file, counted for the editors."""

    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="downloads")
    kind = models.CharField(max_length=10)
    user = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("下载记录")
        verbose_name_plural = pgettext_lazy("plural", "下载记录")

    def __str__(self):
        return f"{self.lesson_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


def _share_image(poster, lessons):
    """The course poster for link cards, else the first ready lesson's video poster."""
    if poster is not None:
        return poster.get_rendition("fill-600x315|format-jpeg").url
    for lesson in lessons:
        if lesson.media is not None and lesson.media.is_ready:
            return lesson.media.playback().get("poster")
    return None


class LessonChapter(Orderable):
    lesson = ParentalKey(LessonPage, related_name="chapters", on_delete=models.CASCADE)
    start_seconds = models.PositiveIntegerField(_("开始时间（秒）"))
    title = models.CharField(_("标题"), max_length=120)

    panels = [FieldPanel("start_seconds"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("章节")
        verbose_name_plural = pgettext_lazy("plural", "章节")


class LessonAttachment(Orderable):
    lesson = ParentalKey(LessonPage, related_name="attachments", on_delete=models.CASCADE)
    document = models.ForeignKey(
        "wagtaildocs.Document", on_delete=models.CASCADE, related_name="+", verbose_name=_("文档")
    )
    title = models.CharField(_("标题"), max_length=120, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("附件")
        verbose_name_plural = pgettext_lazy("plural", "附件")


class PlaylistPage(Page):
    """A list of lessons across courses, e.g. this month's 主题党日 list."""

    summary = models.TextField(_("内容提要"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        InlinePanel("items", label=pgettext_lazy("plural", "课")),
    ]
    parent_page_types = ["lectures.LibraryPage"]
    subpage_types = []
    template = "lectures/playlist_page.html"

    class Meta:
        verbose_name = _("学习清单")
        verbose_name_plural = pgettext_lazy("plural", "学习清单")

    def lessons(self):
        """The live lessons in the playlist's order."""
        lesson_ids = list(self.items.order_by("sort_order").values_list("lesson_id", flat=True))
        by_id = LessonPage.objects.live().select_related("media").in_bulk(lesson_ids)
        return [by_id[pk] for pk in lesson_ids if pk in by_id]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        lessons = listable(request, self.lessons())
        states = item_states(request.user, [lesson.pk for lesson in lessons])
        for lesson in lessons:
            lesson.state = states[lesson.pk]
        context.update(
            lessons=lessons,
            done=sum(1 for lesson in lessons if lesson.state["state"] == "completed"),
        )
        return context


class PlaylistItem(Orderable):
    playlist = ParentalKey(PlaylistPage, related_name="items", on_delete=models.CASCADE)
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="+", verbose_name=_("课"))

    panels = [FieldPanel("lesson")]

    class Meta(Orderable.Meta):
        verbose_name = _("清单中的课")
        verbose_name_plural = pgettext_lazy("plural", "清单中的课")
