"""Member-facing regulation pages: the search page, each regulation's contents and each article."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from .models import Article, Regulation
from .services import search_regulations

PAGE_SIZE = 10


def regulation_list(request):
    regulations = Regulation.objects.all()
    return render(request, "search/regulation_list.html", {"regulations": regulations})


def search(request):
    query = request.GET.get("q", "").strip()[:100]
    page_number = _page_number(request.GET.get("page"))
    current = list(Regulation.objects.filter(is_current=True).values_list("family", "short_name"))
    family = request.GET.get("r", "")
    family = family if family in dict(current) else ""
    result, page = None, None
    if query:
        result = search_regulations(
            query, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE, family=family or None
        )
        # A Paginator over the total, so the template gets the usual page links.
        page = Paginator(range(result["total"]), PAGE_SIZE).get_page(page_number)
    return render(request, "search/search.html", {
        "query": query, "result": result, "page": page, "family": family, "regulations": current,
    })


def _page_number(value):
    try:
        return max(1, min(int(value), 1000))
    except (TypeError, ValueError):
        return 1


def regulation(request, slug):
    regulation = get_object_or_404(Regulation, slug=slug)
    return render(request, "search/regulation.html", {"regulation": regulation, "toc": _toc(regulation)})


def preamble(request, slug):
    regulation = get_object_or_404(Regulation, slug=slug)
    articles = regulation.articles.filter(number__isnull=True).prefetch_related("paragraphs")
    return render(request, "search/preamble.html", {
        "regulation": regulation, "articles": articles, "toc": _toc(regulation),
        "has_english": any(p.text_en for a in articles for p in a.paragraphs.all()),
        "next": regulation.articles.filter(number=1).first(),
    })


def article(request, slug, number):
    article = get_object_or_404(
        Article.objects.select_related("regulation", "heading__parent__parent").prefetch_related("paragraphs"),
        regulation__slug=slug, number=number,
    )
    regulation = article.regulation
    siblings = regulation.articles.filter(number__isnull=False)
    previous = siblings.filter(number=number - 1).first() if number > 1 else None
    if previous is None and number == 1:
        previous = regulation.articles.filter(number__isnull=True).first()
    paragraphs = list(article.paragraphs.all())
    return render(request, "search/article.html", {
        "regulation": regulation, "article": article, "paragraphs": paragraphs,
        "trail": article.heading.trail() if article.heading_id else [],
        "previous": previous, "next": siblings.filter(number=number + 1).first(),
        "has_english": any(p.text_en for p in paragraphs), "toc": _toc(regulation),
        "current": Regulation.objects.filter(family=regulation.family, is_current=True).first(),
    })


def _toc(regulation):
    """Headings and articles in reading order: [{"heading", "depth", "articles"}]."""
    headings = list(regulation.headings.all())
    articles = list(regulation.articles.filter(number__isnull=False).only("id", "number", "label", "heading_id"))
    depth = {}
    for heading in headings:
        depth[heading.id] = depth.get(heading.parent_id, -1) + 1 if heading.parent_id else 0
    by_heading = {}
    for item in articles:
        by_heading.setdefault(item.heading_id, []).append(item)
    entries = [{"heading": None, "depth": 0, "articles": by_heading.get(None, [])}] if None in by_heading else []
    entries += [{"heading": h, "depth": depth[h.id], "articles": by_heading.get(h.id, [])} for h in headings]
    return {
        "has_preamble": regulation.articles.filter(number__isnull=True).exists(),
        "entries": entries,
    }
