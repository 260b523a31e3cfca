"""Query understanding shared by both backends: Traditional -> Simplified, regulation aliases
(党章 = 中国共产党章程), article numbers (第四十一条, 第41条, 党章第四十一条) and stop words."""

import re
from dataclasses import dataclass, field

from .numerals import NUMERAL_CHARS, cn_to_int
from .text import query_terms, to_simplified

ARTICLE_REF_RE = re.compile(rf"第\s*([{NUMERAL_CHARS}0-9]+)\s*条|(?<![{NUMERAL_CHARS}0-9])([0-9]+)\s*条")
MAX_QUERY_LENGTH = 100


@dataclass
class ParsedQuery:
    raw: str
    text: str = ""  # simplified, without the alias and article reference
    terms: list = field(default_factory=list)
    family: str | None = None  # a regulation named in the query
    alias: str | None = None
    article: int | None = None  # an article number asked for


def aliases():
    """{alias: family} for the current editions, longest alias first."""
    from django.db import connection

    found = {}
    with connection.cursor() as cursor:  # plain SQL: this runs on every search
        cursor.execute(
            "SELECT title, short_name, aliases, family FROM regulations_regulation"
            " WHERE is_current ORDER BY ordering, family"
        )
        for title, short_name, names, family in cursor.fetchall():
            for name in [title, short_name, *names.replace("，", ",").split(",")]:
                if name.strip():
                    found.setdefault(name.strip(), family)
    return dict(sorted(found.items(), key=lambda pair: -len(pair[0])))


def understand(raw):
    text = to_simplified((raw or "").strip())[:MAX_QUERY_LENGTH]
    query = ParsedQuery(raw=raw or "", text=text)
    for alias, family in aliases().items():
        if alias in text:
            query.family, query.alias = family, alias
            text = text.replace(alias, " ", 1)
            break
    match = ARTICLE_REF_RE.search(text)
    if match:
        try:
            query.article = cn_to_int(match.group(1) or match.group(2))
        except ValueError:
            query.article = None
        if query.article:
            text = text[: match.start()] + " " + text[match.end():]
    query.text = text.strip()
    query.terms = query_terms(query.text)
    if query.alias and not query.terms and not query.article:
        # Only a regulation's name: look for the name itself (党章 is also a word in the texts).
        query.family = None
        query.terms = query_terms(query.alias)
    return query
