"""What the importer knows about regulation families by title: short name, aliases, order."""

import re

KNOWN = {
    "中国共产党章程": {"family": "cpc-constitution", "short_name": "党章", "aliases": "党的章程,章程", "ordering": 0,
                  "search_boost": 1.3},
    "中国共产党纪律处分条例": {
        "family": "cpc-discipline-regulations", "short_name": "纪律处分条例", "aliases": "纪律条例,处分条例", "ordering": 10,
    },
    "中国共产党党员教育管理工作条例": {
        "family": "cpc-member-education-regulations", "short_name": "党员教育管理条例",
        "aliases": "党员教育管理工作条例,教育管理条例", "ordering": 20,
    },
    "中国共产党发展党员工作细则": {
        "family": "cpc-member-recruitment-rules", "short_name": "发展党员细则",
        "aliases": "发展党员工作细则,入党细则", "ordering": 30,
    },
}

DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def describe(title, *, filename=""):
    """Family, short name, aliases and order for a title; unknown titles get sensible defaults."""
    clean = title.strip("《》")
    known = KNOWN.get(clean)
    if known:
        return {"title": clean, "search_boost": 1.0, **known}
    stem = filename.split("/")[-1].split(".")[0]
    family = re.sub(r"-\d{4}$", "", stem) or "regulation"
    short = clean.removeprefix("中国共产党")
    return {"title": clean, "family": family, "short_name": short[:40], "aliases": "", "ordering": 100,
            "search_boost": 1.0}


def effective_date(adoption_note, last_article_text):
    """自X起施行 in the note, else the note's last date, else 自X起施行 in the last article."""
    import datetime

    for text, pattern in (
        (adoption_note, r"自(\d{4}年\d{1,2}月\d{1,2}日)起施行"),
        (adoption_note, None),
        (last_article_text, r"自(\d{4}年\d{1,2}月\d{1,2}日)起施行"),
    ):
        if not text:
            continue
        found = re.findall(pattern, text) if pattern else [m.group(0) for m in DATE_RE.finditer(text)]
        if found:
            year, month, day = DATE_RE.search(found[-1]).groups()
            return datetime.date(int(year), int(month), int(day))
    return None


def edition_from(filename, date):
    match = re.search(r"-(\d{4})(?:\.|$)", filename.split("/")[-1])
    if match:
        return match.group(1)
    return str(date.year) if date else "1"
