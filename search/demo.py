"""Demo content (C6): every regulation text the project ships, imported once."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "regulations"


def shipped_texts():
    return sorted(DATA_DIR.glob("*.zh.txt"))


def load_demo(*, stdout):
    from .importer import import_file

    for path in shipped_texts():
        regulation, created = import_file(path, source=f"search/data/regulations/{path.name}", skip_existing=True)
        count = regulation.articles.filter(number__isnull=False).count()
        stdout.write(f"  {regulation.title}（{regulation.edition}）: {count} 条{'' if created else '（已有）'}")
