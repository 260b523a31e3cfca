"""Regulation search (contract C5): one entry point over the embedded and Elasticsearch backends."""

import html
import logging
import re
import time

from django.conf import settings
from django.db.models import Prefetch

from .models import Article, Heading, Paragraph
from .query import understand

log = logging.getLogger(__name__)
SNIPPET_CHARS = 120
BACKENDS = ("embedded", "elasticsearch")


def default_backend():
    return "elasticsearch" if settings.ELASTICSEARCH_URL else "embedded"


def search_regulations(query, *, limit=10, offset=0, backend=None):
    """-> {"hits": [...], "total": int, "backend": "embedded"|"elasticsearch"} (see contracts C5)."""
    started = time.perf_counter()
    limit, offset = max(1, min(int(limit), 100)), max(0, int(offset))
    backend = backend or default_backend()
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}")
    parsed = understand(query)
    if parsed.article:
        ids, total = _article_lookup(parsed, limit, offset)
        used = backend
        if not total and parsed.terms:
            parsed.article = None
    if not parsed.article:
        ids, total, used = _full_text(parsed, limit, offset, backend)
    hits = build_hits(ids, parsed.terms)
    log.debug("search %r on %s: %d hits in %.1f ms", query, used, total, (time.perf_counter() - started) * 1000)
    return {"hits": hits, "total": total, "backend": used}


def _full_text(parsed, limit, offset, backend):
    if backend == "elasticsearch":
        from .backends import elasticsearch

        try:
            ids, total = elasticsearch.search(parsed, limit=limit, offset=offset)
            return ids, total, "elasticsearch"
        except elasticsearch.Unavailable as error:
            log.warning("Elasticsearch unavailable (%s); falling back to the embedded backend", error)
    from .backends import embedded

    ids, total = embedded.search(parsed, limit=limit, offset=offset)
    return ids, total, "embedded"


def _article_lookup(parsed, limit, offset):
    """第N条: that article of the named regulation, or of every current one (党章 first)."""
    articles = Article.objects.filter(number=parsed.article, regulation__is_current=True)
    if parsed.family:
        articles = articles.filter(regulation__family=parsed.family)
    ids = list(articles.order_by("regulation__ordering", "regulation__family").values_list("id", flat=True))
    return [(pk, None) for pk in ids[offset: offset + limit]], len(ids)


def build_hits(pairs, terms):
    """Hits for [(article_id, paragraph_id or None)], in that order."""
    ids = [article_id for article_id, _ in pairs]
    articles = Article.objects.filter(id__in=ids).select_related(
        "regulation", "heading__parent__parent"
    ).prefetch_related(Prefetch("paragraphs", queryset=Paragraph.objects.order_by("position")))
    by_id = {article.id: article for article in articles}
    return [hit(by_id[pk], terms, paragraph_id) for pk, paragraph_id in pairs if pk in by_id]


def hit(article, terms, paragraph_id=None):
    regulation = article.regulation
    trail = article.heading.trail() if article.heading_id else []
    paragraphs = list(article.paragraphs.all())
    chosen = [p for p in paragraphs if p.id == paragraph_id]
    paragraph = chosen[0] if chosen and _contains_any(chosen[0].text, terms) else best_paragraph(paragraphs, terms)
    return {
        "regulation": regulation.title,
        "short_name": regulation.short_name,
        "edition": regulation.edition,
        "article": article.number,
        "label": article.label,
        "chapter": " ".join(f"{heading.label} {heading.title}" for heading in trail) if trail else (
            "总纲" if article.number is None else ""
        ),
        "snippet": highlight(paragraph.text if paragraph else "", terms),
        "url": article.get_absolute_url(),
    }


def _contains_any(text, terms):
    text = text.lower()
    return any(term in text for term in terms)


def best_paragraph(paragraphs, terms):
    """The paragraph with the most distinct query words (then the most occurrences); else the first."""
    if not paragraphs:
        return None
    if not terms:
        return paragraphs[0]

    def score(paragraph):
        text = paragraph.text.lower()
        return (sum(term in text for term in terms), sum(text.count(term) for term in terms))

    best = max(paragraphs, key=score)
    return best if score(best)[0] else paragraphs[0]


def highlight(text, terms, *, size=SNIPPET_CHARS):
    """HTML: the text (cut around the first match when long) with the terms in <mark>, all else escaped."""
    spans = []
    if terms:
        pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.I)
        spans = [match.span() for match in pattern.finditer(text)]
    start, end = 0, len(text)
    if len(text) > size:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - size // 4, len(text) - size))
        end = start + size
    pieces, cursor = [], start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        pieces.append(html.escape(text[cursor:span_start]))
        pieces.append(f"<mark>{html.escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    pieces.append(html.escape(text[cursor:end]))
    return ("…" if start else "") + "".join(pieces) + ("…" if end < len(text) else "")


def regulation_toc(regulation):
    """[(heading, [articles])] in order, for the table of contents; preamble first when present."""
    headings = list(Heading.objects.filter(regulation=regulation))
    articles = list(regulation.articles.only("id", "number", "label", "heading_id", "position", "regulation_id"))
    return headings, articles
