"""Regulation search (contract C5): one entry point over the embedded and Elasticsearch backends."""

import copy
import html
import logging
import re
import time

from django.conf import settings
from django.db import connection
from django.urls import reverse

from .models import Article
from .query import understand
from .text import STOP_WORDS, cut_query, query_terms

log = logging.getLogger(__name__)
SNIPPET_CHARS = 120
BACKENDS = ("embedded", "elasticsearch")


def default_backend():
    return "elasticsearch" if settings.ELASTICSEARCH_URL else "embedded"


def search_regulations(query, *, limit=10, offset=0, backend=None, family=None):
    """-> {"hits": [...], "total": int, "backend": "embedded"|"elasticsearch"} (see contracts C5).
    `family` (optional, beyond C5) keeps to one regulation, e.g. "cpc-constitution"."""
    started = time.perf_counter()
    limit, offset = max(1, min(int(limit), 100)), max(0, int(offset))
    backend = backend or default_backend()
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}")
    parsed = understand(query)
    if family:
        parsed.family = family
    if parsed.article:
        ids, total = _article_lookup(parsed, limit, offset)
        used = backend
        if not total and parsed.terms:
            parsed.article = None
    if not parsed.article:
        if parsed.family:  # the query names a regulation: that one, ranked by the backend
            ids, total, used = _full_text(parsed, limit, offset, backend)
        else:
            # The lifted articles are the same whatever the page, so every page is a slice of one
            # order as long as the pool reaches past the page by as many as can be lifted.
            size = max(TITLED_POOL, offset + limit + max(TITLED_POOL, CONSTITUTION_POOL))
            pool, total, used = _full_text(parsed, size, 0, backend)
            ids = _constitution_first(parsed, pool, used)[offset: offset + limit]
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


# How many of the Constitution's best articles may answer; how many of the backend's best are
# looked at for a chapter named for the query.
CONSTITUTION_POOL = 5
TITLED_POOL = 10
# A word found in more than this share of the articles in force tells nothing about which one
# answers (党员, 组织 …); a word found in none is a question word (多长时间, 哪几种 …).
COMMON_SHARE = 0.4


def _constitution_first(parsed, pool, backend):
    """The backend's ranking with the Constitution's answering articles first: the 根本大法.

    The same provision is often restated in a subordinate rule (the discipline regulations, the
    rules on recruiting members), whose longer, more specific text then outscores the
    Constitution's article that states it. When a query names no regulation:

    1. articles whose chapter or section is named for the query (第七章 流动党员管理) come first:
       that chapter is the answer, even where the Constitution mentions the words in passing;
    2. else the articles of the highest regulation in force (the lowest `Regulation.ordering`:
       the Constitution) that contain every telling word of the query come first;
    3. the rest follow in the backend's order (which breaks ties by authority and edition).

    Both backends are re-ranked here, the same way (the contract tests hold them to it)."""
    family = _highest_family()
    words = _telling_words(parsed.text)
    if family is None or not words:
        return pool
    parsed_top = copy.copy(parsed)
    parsed_top.family = family
    candidates, _total, _used = _full_text(parsed_top, CONSTITUTION_POOL, 0, backend)
    titles, texts = _titles_and_texts([pk for pk, _ in pool[:TITLED_POOL] + candidates])
    titled = [pair for pair in pool[:TITLED_POOL] if _has_all(titles.get(pair[0], ""), words, parts=False)]
    answering = [pair for pair in candidates if _has_all(texts.get(pair[0], ""), words)]
    first = titled or answering
    chosen = {pk for pk, _ in first}
    return first + [pair for pair in pool if pair[0] not in chosen]


def _highest_family():
    with connection.cursor() as cursor:
        cursor.execute("SELECT family FROM regulations_regulation WHERE is_current"
                       " ORDER BY ordering, effective_date DESC LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row else None


def _telling_words(text):
    """The query's words (as cut, each with the sub-words a long word brings) that some but not
    most articles in force contain: [(word, [sub-words])]."""
    words = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM regulations_article a JOIN regulations_regulation r"
                       " ON r.id = a.regulation_id WHERE r.is_current")
        articles = cursor.fetchone()[0] or 1
        for word in dict.fromkeys(cut_query(text).split()):
            word = word.lower()
            if len(word) < 2 or word in STOP_WORDS:
                continue
            cursor.execute(
                "SELECT COUNT(DISTINCT p.article_id) FROM regulations_paragraph p"
                " JOIN regulations_article a ON a.id = p.article_id"
                " JOIN regulations_regulation r ON r.id = a.regulation_id"
                " WHERE r.is_current AND p.text LIKE %s", [f"%{word}%"],
            )
            found = cursor.fetchone()[0]
            if 0 < found <= articles * COMMON_SHARE:
                words.append((word, [w for w in query_terms(word) if w != word]))
    return words


def _titles_and_texts(article_ids):
    """{id: headings without spaces}, {id: the article's text}, lower-cased, in one query."""
    titles, texts = {}, {}
    if not article_ids:
        return titles, texts
    marks = ", ".join(["%s"] * len(article_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.search_title, p.text FROM regulations_article a"
            f" JOIN regulations_paragraph p ON p.article_id = a.id WHERE a.id IN ({marks})", article_ids,
        )
        for pk, title, text in cursor.fetchall():
            titles[pk] = "".join((title or "").split()).lower()
            texts[pk] = texts.get(pk, "") + " " + text.lower()
    return titles, texts


def _has_all(text, words, *, parts=True):
    """Every telling word is in the text: itself, or (with `parts`) all of the sub-words it
    brings (the text may say 作介绍人 where the query says 入党介绍人)."""
    return all(word in text or (parts and sub and all(w in text for w in sub)) for word, sub in words)


def _article_lookup(parsed, limit, offset):
    """第N条: that article of the named regulation, or of every current one (党章 first)."""
    articles = Article.objects.filter(number=parsed.article, regulation__is_current=True)
    if parsed.family:
        articles = articles.filter(regulation__family=parsed.family)
    ids = list(articles.order_by("regulation__ordering", "regulation__family").values_list("id", flat=True))
    return [(pk, None) for pk in ids[offset: offset + limit]], len(ids)


def build_hits(pairs, terms):
    """Hits for [(article_id, paragraph_id or None)], in that order. Three flat SQL queries: this
    runs on every search and must stay in the low milliseconds (the ORM alone took ~10 ms)."""
    ids = [article_id for article_id, _ in pairs]
    if not ids:
        return []
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.number, a.label, a.position, a.heading_id, a.regulation_id, r.title, r.short_name,"
            " r.edition, r.slug FROM regulations_article a JOIN regulations_regulation r ON r.id = a.regulation_id"
            f" WHERE a.id IN ({marks})", ids,
        )
        columns = ("id", "number", "label", "position", "heading_id", "regulation_id", "title", "short_name",
                   "edition", "slug")
        articles = {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
        cursor.execute(
            f"SELECT id, article_id, text FROM regulations_paragraph WHERE article_id IN ({marks}) ORDER BY position",
            ids,
        )
        paragraphs = {}
        for pk, article_id, text in cursor.fetchall():
            paragraphs.setdefault(article_id, []).append({"id": pk, "text": text})
        regulation_ids = sorted({row["regulation_id"] for row in articles.values()})
        cursor.execute(
            "SELECT id, parent_id, label, title FROM regulations_heading WHERE regulation_id IN"
            f" ({', '.join(['%s'] * len(regulation_ids))})", regulation_ids,
        )
        headings = {row[0]: {"parent_id": row[1], "label": row[2], "title": row[3]} for row in cursor.fetchall()}
    base = reverse("regulations:list")
    return [
        _hit(articles[pk], paragraphs.get(pk, []), headings, terms, paragraph_id, base)
        for pk, paragraph_id in pairs if pk in articles
    ]


def _hit(article, paragraphs, headings, terms, paragraph_id, base):
    trail, heading_id = [], article["heading_id"]
    while heading_id:
        heading = headings[heading_id]
        trail.insert(0, f"{heading['label']} {heading['title']}")
        heading_id = heading["parent_id"]
    chosen = [p for p in paragraphs if p["id"] == paragraph_id]
    if chosen and _contains_any(chosen[0]["text"], terms):
        paragraph = chosen[0]
    else:
        paragraph = best_paragraph(paragraphs, terms)
    slug, number = article["slug"], article["number"]
    # The same paths as Article.get_absolute_url(), without a reverse() per hit.
    url = f"{base}{slug}/preamble/#p{article['position']}" if number is None else f"{base}{slug}/{number}/"
    return {
        "regulation": article["title"],
        "short_name": article["short_name"],
        "edition": article["edition"],
        "article": number,
        "label": article["label"],
        "chapter": " ".join(trail) if trail else ("总纲" if number is None else ""),
        "snippet": highlight(paragraph["text"] if paragraph else "", terms),
        "url": url,
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
        text = paragraph["text"].lower()
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
