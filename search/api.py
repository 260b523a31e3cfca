"""Regulation search API, mounted at /api/v1/regulations (public: the texts are public)."""

from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field

from .models import Article, Regulation
from .services import search_regulations

router = Router(tags=["regulations"])


class HitOut(Schema):
    regulation: str = Field(description="法规标题，如 中国共产党章程")
    short_name: str = Field(description="简称，如 党章")
    edition: str
    article: int | None = Field(description="条号（整数）；总纲段落为 null")
    label: str = Field(description="第四十一条 / 总纲")
    chapter: str
    snippet: str = Field(description="命中的段落，HTML，检索词用 <mark> 标出，其余已转义")
    url: str = Field(description="条文页面的路径")


class SearchOut(Schema):
    hits: list[HitOut]
    total: int
    backend: Literal["embedded", "elasticsearch"]


class SearchIn(Schema):
    q: str = Field(min_length=1, max_length=100, description="关键词、第N条、党章第四十一条、繁体字均可")
    limit: int = Field(10, ge=1, le=50)
    offset: int = Field(0, ge=0, le=10000)
    backend: Literal["embedded", "elasticsearch"] | None = None


class RegulationOut(Schema):
    slug: str
    title: str
    short_name: str
    edition: str
    is_current: bool
    effective_date: str | None
    url: str


class ParagraphOut(Schema):
    text: str
    text_en: str
    item: int | None


class ArticleOut(Schema):
    regulation: str
    article: int
    label: str
    chapter: str
    paragraphs: list[ParagraphOut]
    url: str


@router.get("/search", response=SearchOut, summary="检索党章党规条文")
def search(request, params: Query[SearchIn]):
    """Ranked articles, best first; 第N条 queries return that article."""
    return search_regulations(params.q, limit=params.limit, offset=params.offset, backend=params.backend)


@router.get("/", response=list[RegulationOut], summary="全部法规（含旧版）")
def regulations(request):
    return [_regulation(regulation) for regulation in Regulation.objects.all()]


@router.get("/{slug}/articles/{number}", response=ArticleOut, summary="一条条文")
def article(request, slug: str, number: int):
    article = get_object_or_404(
        Article.objects.select_related("regulation", "heading__parent__parent"), regulation__slug=slug, number=number
    )
    trail = article.heading.trail() if article.heading_id else []
    return {
        "regulation": article.regulation.title, "article": article.number, "label": article.label,
        "chapter": " ".join(f"{h.label} {h.title}" for h in trail),
        "paragraphs": [{"text": p.text, "text_en": p.text_en, "item": p.item} for p in article.paragraphs.all()],
        "url": article.get_absolute_url(),
    }


def _regulation(regulation):
    return {
        "slug": regulation.slug, "title": regulation.title, "short_name": regulation.short_name,
        "edition": regulation.edition, "is_current": regulation.is_current,
        "effective_date": regulation.effective_date.isoformat() if regulation.effective_date else None,
        "url": regulation.get_absolute_url(),
    }
