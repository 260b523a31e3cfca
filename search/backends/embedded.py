"""The embedded backend (default, no server): jieba-segmented text in the database's own full-text
search. SQLite: an FTS5 table ranked with bm25(); PostgreSQL: stored to_tsvector('simple', …)
columns with GIN indexes, ranked with ts_rank. Paragraphs are ranked (title = the article's label and headings), then grouped by
article: a long article does not drown the short paragraph that says exactly what was asked."""

from django.db import connection

FTS_TABLE = "regulations_article_fts"
SQLITE_WEIGHTS = (2.0, 1.0)  # title, body

name = "embedded"


def index_regulation(regulation):
    if connection.vendor != "sqlite":
        return  # PostgreSQL reads the segmented columns directly.
    unindex_regulation(regulation)
    from ..models import Paragraph

    rows = Paragraph.objects.filter(article__regulation=regulation).values_list(
        "id", "article__search_title", "search_text"
    )
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)", list(rows))


def unindex_regulation(regulation):
    if connection.vendor != "sqlite":
        return
    from ..models import Paragraph

    ids = Paragraph.objects.filter(article__regulation=regulation).values_list("id", flat=True)
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk in ids])


def rebuild():
    """Index every current regulation afresh (after a restore or a schema change)."""
    from ..models import Regulation

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")
    for regulation in Regulation.objects.filter(is_current=True):
        index_regulation(regulation)


def search(query, *, limit, offset):
    """[(article_id, best_paragraph_id)] for any of query.terms, best first, and the total count."""
    if not query.terms:
        return [], 0
    family_sql, params = "", []
    if query.family:
        family_sql = " AND r.family = %s"
        params.append(query.family)
    if connection.vendor == "sqlite":
        # bm25() is negative, lower is better; a boost > 1 makes it more negative.
        source = (
            f"(SELECT rowid, bm25({FTS_TABLE}, {SQLITE_WEIGHTS[0]}, {SQLITE_WEIGHTS[1]}) AS rank"
            f" FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s) f JOIN regulations_paragraph p ON p.id = f.rowid"
        )
        score, direction = "f.rank * r.search_boost", "ASC"
        params.insert(0, " OR ".join(f'"{term}"' for term in query.terms))
    else:
        # Stored, GIN-indexed vectors (see migration 0001): paragraph text weight A, headings B.
        vector = "(p.search_vector || a.search_vector)"
        source = "regulations_paragraph p CROSS JOIN to_tsquery('simple', %s) q"
        family_sql = " AND (p.search_vector @@ q OR a.search_vector @@ q)" + family_sql
        # Normalisation 1: divide by 1 + log(length), so short paragraphs that match rank higher.
        score, direction = f"ts_rank({vector}, q, 1) * r.search_boost", "DESC"
        params.insert(0, " | ".join(query.terms))
    sql = (
        "WITH scored AS ("
        f" SELECT a.id AS article_id, p.id AS paragraph_id, {score} AS score, r.ordering, a.position,"
        f" ROW_NUMBER() OVER (PARTITION BY a.id ORDER BY {score} {direction}, p.position) AS place"
        f" FROM {source}"
        " JOIN regulations_article a ON a.id = p.article_id"
        " JOIN regulations_regulation r ON r.id = a.regulation_id"
        f" WHERE r.is_current{family_sql})"
        " SELECT article_id, paragraph_id, COUNT(*) OVER () FROM scored WHERE place = 1"
        f" ORDER BY score {direction}, ordering, position LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        rows = cursor.fetchall()
    if not rows and offset:
        return [], search(query, limit=1, offset=0)[1]
    return [(row[0], row[1]) for row in rows], (rows[0][2] if rows else 0)
