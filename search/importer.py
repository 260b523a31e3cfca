"""Import a regulation text into the database, all or nothing, and index it."""

import logging
from pathlib import Path

from django.db import transaction

from . import catalogue, parser
from .models import Article, Heading, Paragraph, Regulation
from .text import cut_for_index

log = logging.getLogger(__name__)


class ImportFailed(Exception):
    """Raised with a Chinese message for people; the English one goes to the log."""

    def __init__(self, message_zh, message_en):
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(message_zh)


def import_file(path, *, encoding=None, source="", skip_existing=False):
    """Import FILE (and the `.zh-en.md` beside it, when there is one). Returns (regulation, created)."""
    path = Path(path)
    translation = None
    sibling = path.with_name(path.name.replace(".zh.txt", ".zh-en.md"))
    if sibling != path and sibling.exists():
        translation = sibling.read_text(encoding="utf-8")
    return import_text(
        path.read_bytes(), filename=path.name, encoding=encoding, source=source or path.name,
        translation=translation, skip_existing=skip_existing,
    )


def import_text(data, *, filename="", encoding=None, source="", translation=None, skip_existing=False):
    try:
        parsed = parser.parse(data, encoding=encoding)
    except parser.ParseError as error:
        log.warning("Regulation import of %s rejected: %s", filename or "upload", error.message_en)
        raise ImportFailed(error.message_zh, error.message_en) from None

    info = catalogue.describe(parsed.title, filename=filename)
    last_text = "".join(p.text for p in parsed.articles[-1].paragraphs)
    date = catalogue.effective_date(parsed.adoption_note, last_text)
    edition = catalogue.edition_from(filename, date)
    slug = f"{info['family']}-{edition}"
    existing = Regulation.objects.filter(slug=slug).first()
    if existing and skip_existing:
        return existing, False
    pairs = parser.parse_translation(translation) if translation else {}

    with transaction.atomic():
        if existing:
            existing.delete()  # re-importing an edition replaces it
        regulation = Regulation.objects.create(
            family=info["family"], edition=edition, slug=slug, title=info["title"],
            short_name=info["short_name"], aliases=info["aliases"], ordering=info["ordering"],
            search_boost=info["search_boost"],
            adoption_note=parsed.adoption_note, effective_date=date, source=source or filename,
        )
        _store(regulation, parsed, pairs)
        refresh_current(regulation.family)
    log.info("Imported %s: %d articles", slug, len(parsed.articles))
    return regulation, True


def _store(regulation, parsed, pairs):
    headings = {}
    for position, heading in enumerate(parsed.headings, start=1):
        headings[id(heading)] = Heading.objects.create(
            regulation=regulation, parent=headings.get(id(heading.parent)) if heading.parent else None,
            kind=heading.kind, number=heading.number, label=heading.label, title=heading.title, position=position,
        )
    articles, paragraphs = [], []
    for position, parsed_article in enumerate([*parsed.preamble, *parsed.articles], start=1):
        heading = headings.get(id(parsed_article.heading)) if parsed_article.heading else None
        trail = " ".join(f"{h.label} {h.title}" for h in heading.trail()) if heading else "总纲"
        article = Article(
            regulation=regulation, heading=heading, number=parsed_article.number, label=parsed_article.label,
            position=position,
            search_title=cut_for_index(f"{parsed_article.label} {trail}"),
        )
        articles.append(article)
        for index, paragraph in enumerate(parsed_article.paragraphs, start=1):
            english = pairs.get(paragraph.text)
            if english is None and index == 1 and parsed_article.number is not None:
                english = pairs.get(f"{parsed_article.label}\u3000{paragraph.text}")
            paragraphs.append((article, Paragraph(
                position=index, item=paragraph.item, text=paragraph.text, text_en=english or "",
                search_text=cut_for_index(paragraph.text),
            )))
    Article.objects.bulk_create(articles)
    for article, paragraph in paragraphs:
        paragraph.article = article
    Paragraph.objects.bulk_create([paragraph for _, paragraph in paragraphs])


def refresh_current(family):
    """The newest edition of a family is the one searched; the others stay readable."""
    from .indexing import index_regulation, unindex_regulation

    editions = list(Regulation.objects.filter(family=family).order_by("-effective_date", "-edition", "-id"))
    # Undated editions sort last in PostgreSQL and first in SQLite: put them last everywhere.
    editions.sort(key=lambda reg: reg.effective_date is None)
    for position, regulation in enumerate(editions):
        current = position == 0
        if regulation.is_current != current:
            Regulation.objects.filter(pk=regulation.pk).update(is_current=current)
            regulation.is_current = current
        if current:
            index_regulation(regulation)
        else:
            unindex_regulation(regulation)
