"""The course library's content: the menu (home page), topics, series, courses, lessons, playlists.

A lesson is the learning item that members' records point at (contract C3 in docs/library.md):
it says what kind it is, how long it lasts and what counts as completing it.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtailmedia.edit_handlers import MediaChooserPanel

# Reading speed used for an article's minimum dwell time: about 400 Chinese characters a minute,
# of which a member must spend at least half before the article counts as read.
READING_CHARS_PER_SECOND = 400 / 60
MIN_DWELL_SHARE = 0.5


class Topic(models.Model):
    """A menu section (学党章党规, 学系列讲话, 做合格党员 …) that editors manage as a snippet."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True, allow_unicode=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order in the menu"), default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description"), FieldPanel("sort_order")]

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name


class Series(models.Model):
    """A run of courses that belong together (e.g. a lecture series by one teacher)."""

    title = models.CharField(_("title"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, allow_unicode=True)
    description = models.TextField(_("description"), blank=True)

    panels = [FieldPanel("title"), FieldPanel("slug"), FieldPanel("description")]

    class Meta:
        ordering = ["title"]
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self):
        return self.title


class LibraryPage(Page):
    """The course menu (点课): topics, series and courses that members pick from."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["lectures.CoursePage", "lectures.PlaylistPage"]
    template = "lectures/library_page.html"

    class Meta:
        verbose_name = _("course library")


class CourseTag(TaggedItemBase):
    content_object = ParentalKey("lectures.CoursePage", related_name="tagged_items", on_delete=models.CASCADE)


class CoursePage(Page):
    """A course: one or more ordered lessons (the order of the child pages in the admin)."""

    summary = models.TextField(_("summary"), blank=True)
    teacher = models.CharField(_("teacher"), max_length=100, blank=True)
    topics = ParentalManyToManyField(Topic, blank=True, related_name="courses", verbose_name=_("topics"))
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="courses",
        verbose_name=_("series"),
    )
    poster = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("poster"),
    )
    body = RichTextField(_("introduction"), blank=True)
    members_only = models.BooleanField(
        _("members only"), default=False,
        help_text=_("只有登录的党员才能观看；分享链接会先要求登录。"),
    )
    downloadable = models.BooleanField(
        _("offer downloads"), default=True,
        help_text=_("允许有下载权限的党员下载小文件和音频。"),
    )
    tags = ClusterTaggableManager(through=CourseTag, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("teacher"),
        FieldPanel("topics"),
        FieldPanel("series"),
        FieldPanel("poster"),
        FieldPanel("body"),
        FieldPanel("tags"),
        MultiFieldPanel([FieldPanel("members_only"), FieldPanel("downloadable")], heading=_("access")),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("teacher"),
        index.SearchField("body"),
        index.FilterField("members_only"),
    ]
    parent_page_types = ["lectures.LibraryPage"]
    subpage_types = ["lectures.LessonPage"]
    template = "lectures/course_page.html"

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def lessons(self):
        """The live lessons in their admin order."""
        return LessonPage.objects.child_of(self).live().order_by("path")


class LessonKind(models.TextChoices):
    VIDEO = "video", _("视频")
    AUDIO = "audio", _("音频")
    ARTICLE = "article", _("文章")


class LessonPage(Page):
    """A lesson: a video, an audio recording or an article. It is the learning item."""

    kind = models.CharField(_("kind"), max_length=10, choices=LessonKind.choices, default=LessonKind.VIDEO)
    media = models.ForeignKey(
        "media_pipeline.LectureMedia", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="lessons", verbose_name=_("video or audio"),
    )
    summary = models.TextField(_("summary"), blank=True)
    teacher = models.CharField(_("teacher"), max_length=100, blank=True)
    body = RichTextField(_("text"), blank=True, help_text=_("文章课程的正文，或音视频课程的学习材料。"))
    subtitles = models.ForeignKey(
        "wagtaildocs.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("subtitles (.vtt)"),
    )
    completion_threshold = models.FloatField(
        _("share to watch"), default=0.9,
        validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text=_("看完（或听完）多少比例算完成学习，默认 0.9。有人完成后不能再改。"),
    )
    read_seconds_override = models.PositiveIntegerField(
        _("minimum reading time (s)"), null=True, blank=True,
        help_text=_("文章至少阅读多少秒算完成；留空则按字数计算。有人完成后不能再改。"),
    )

    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        MediaChooserPanel("media"),
        FieldPanel("summary"),
        FieldPanel("teacher"),
        FieldPanel("body"),
        FieldPanel("subtitles"),
        InlinePanel("chapters", label=_("chapters")),
        InlinePanel("attachments", label=_("attachments")),
        MultiFieldPanel(
            [FieldPanel("completion_threshold"), FieldPanel("read_seconds_override")],
            heading=_("what counts as completed"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("teacher"),
        index.SearchField("body"),
    ]
    parent_page_types = ["lectures.CoursePage"]
    subpage_types = []
    template = "lectures/lesson_page.html"

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

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

    def clean(self):
        super().clean()
        if self.kind in (LessonKind.VIDEO, LessonKind.AUDIO) and self.media is None and self.live:
            raise ValidationError({"media": _("音视频课程需要选择一个音视频文件。")})
        if self.pk and self._completion_rule_changed():
            from members.services import completion_rule_locked

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


class LessonChapter(Orderable):
    lesson = ParentalKey(LessonPage, related_name="chapters", on_delete=models.CASCADE)
    start_seconds = models.PositiveIntegerField(_("starts at (s)"))
    title = models.CharField(_("title"), max_length=120)

    panels = [FieldPanel("start_seconds"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("chapter")


class LessonAttachment(Orderable):
    lesson = ParentalKey(LessonPage, related_name="attachments", on_delete=models.CASCADE)
    document = models.ForeignKey("wagtaildocs.Document", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=120, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")


class PlaylistPage(Page):
    """A list of lessons across courses, e.g. this month's 主题党日 list."""

    summary = models.TextField(_("summary"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        InlinePanel("items", label=_("lessons")),
    ]
    parent_page_types = ["lectures.LibraryPage"]
    subpage_types = []
    template = "lectures/playlist_page.html"

    class Meta:
        verbose_name = _("playlist")
        verbose_name_plural = _("playlists")

    def lessons(self):
        """The live lessons in the playlist's order."""
        lesson_ids = list(self.items.order_by("sort_order").values_list("lesson_id", flat=True))
        by_id = LessonPage.objects.live().in_bulk(lesson_ids)
        return [by_id[pk] for pk in lesson_ids if pk in by_id]


class PlaylistItem(Orderable):
    playlist = ParentalKey(PlaylistPage, related_name="items", on_delete=models.CASCADE)
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="+", verbose_name=_("lesson"))

    panels = [FieldPanel("lesson")]

    class Meta(Orderable.Meta):
        verbose_name = _("playlist lesson")
