"""Regulations (党章, 准则, 条例 …) article by article.

A Regulation is one edition of a family (e.g. the Constitution, edition 2017). Only the current
edition of each family is searched; older editions stay readable at their own address.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Regulation(models.Model):
    family = models.SlugField(_("法规系列"), max_length=80, help_text=_("同一法规的各个版本共用，如 cpc-constitution"))
    edition = models.CharField(_("版本"), max_length=40, help_text=_("如 2017"))
    slug = models.SlugField(_("地址名"), max_length=130, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    aliases = models.CharField(_("别名"), max_length=300, blank=True, help_text=_("以逗号分隔，如 党章"))
    adoption_note = models.CharField(_("题注"), max_length=500, blank=True)
    effective_date = models.DateField(_("施行日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    ordering = models.PositiveSmallIntegerField(_("排序"), default=100, help_text=_("数字小的排在前面"))
    search_boost = models.FloatField(_("检索权重"), default=1.0, help_text=_("大于 1 时排得更靠前，如党章"))
    is_current = models.BooleanField(_("现行版本"), default=True)
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        ordering = ["ordering", "family", "-effective_date"]
        verbose_name = _("党内法规")
        verbose_name_plural = pgettext_lazy("plural", "党内法规")

    def __str__(self):
        return f"{self.title}（{self.edition}）"

    def get_absolute_url(self):
        return reverse("regulations:regulation", args=[self.slug])

    def alias_list(self):
        names = [self.title, self.short_name, *self.aliases.replace("，", ",").split(",")]
        return [name.strip() for name in names if name and name.strip()]


class Heading(models.Model):
    """A 编, 章 or 节 heading; articles hang under the deepest one."""

    KINDS = [("part", _("编")), ("chapter", _("章")), ("section", _("节"))]
    regulation = models.ForeignKey(Regulation, on_delete=models.CASCADE, related_name="headings")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    kind = models.CharField(max_length=10, choices=KINDS)
    number = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=20)  # 第一章
    title = models.CharField(max_length=200)  # 党员
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["regulation_id", "position"]

    def __str__(self):
        return f"{self.label}　{self.title}"

    def trail(self):
        """Outermost first: [第一编 总则, 第一章 …]."""
        chain, heading = [], self
        while heading is not None:
            chain.append(heading)
            heading = heading.parent
        return chain[::-1]


class Article(models.Model):
    """An article (条), or one paragraph of the preamble (总纲, number None): the unit of search."""

    regulation = models.ForeignKey(Regulation, on_delete=models.CASCADE, related_name="articles")
    heading = models.ForeignKey(Heading, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles")
    number = models.PositiveIntegerField(null=True, blank=True)
    label = models.CharField(max_length=20)  # 第四十一条 / 总纲
    position = models.PositiveIntegerField()
    # Label and headings cut into words (joined by spaces) for full-text search: Chinese has no spaces.
    search_title = models.TextField(blank=True)

    class Meta:
        ordering = ["regulation_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["regulation", "number"], name="regulations_article_unique_number"),
        ]
        indexes = [models.Index(fields=["regulation", "number"])]

    def __str__(self):
        return f"{self.regulation.short_name or self.regulation.title} {self.label}"

    def get_absolute_url(self):
        if self.number is None:
            return reverse("regulations:preamble", args=[self.regulation.slug]) + f"#p{self.position}"
        return reverse("regulations:article", args=[self.regulation.slug, self.number])

    @property
    def is_preamble(self):
        return self.number is None

    def text(self):
        return "\n".join(paragraph.text for paragraph in self.paragraphs.all())


class Paragraph(models.Model):
    """A paragraph (款) of an article, or an item (项, `（一）`) inside the paragraph before it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="paragraphs")
    position = models.PositiveIntegerField()
    item = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField()
    text_en = models.TextField(blank=True)
    # The text cut into words: paragraphs are what is ranked (a long article does not drown a short
    # paragraph that says exactly what was asked), then grouped by article.
    search_text = models.TextField(blank=True)

    class Meta:
        ordering = ["article_id", "position"]

    def __str__(self):
        return self.text[:40]
