"""The real regulation texts, imported once per test session (the tests only read them)."""

import pytest

from search.demo import DATA_DIR


@pytest.fixture(scope="session")
def regulations(django_db_setup, django_db_blocker):
    """All four shipped texts imported into the test database, kept for the whole session."""
    from search.importer import import_file
    from search.models import Regulation

    with django_db_blocker.unblock():
        imported = {}
        for path in sorted(DATA_DIR.glob("*.zh.txt")):
            regulation, _ = import_file(path, skip_existing=True)
            imported[regulation.family] = regulation
        yield imported
        Regulation.objects.filter(pk__in=[r.pk for r in imported.values()]).delete()
        from search.backends import embedded

        embedded.rebuild()


@pytest.fixture
def constitution(regulations, db):
    return regulations["cpc-constitution"]
