"""The real regulation texts, imported once for this test folder (the tests only read them, or
change them inside their own rolled-back transaction)."""

import os

import pytest

from search.demo import DATA_DIR


@pytest.fixture(scope="package")
def regulations(django_db_setup, django_db_blocker):
    """All four shipped texts imported into the test database, removed after this folder's tests."""
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


@pytest.fixture(params=["embedded", "elasticsearch"])
def backend(request, regulations, db, settings):
    """Each contract test runs on both backends; Elasticsearch only when a server is configured."""
    if request.param == "elasticsearch":
        url = os.environ.get("ELASTICSEARCH_URL")
        if not url:
            pytest.skip("ELASTICSEARCH_URL is not set: no Elasticsearch server to run the contract against")
        from search.backends import elasticsearch

        settings.ELASTICSEARCH_URL = url
        settings.ELASTICSEARCH_INDEX_PREFIX = "dianke-test"
        elasticsearch.rebuild()
    return request.param


@pytest.fixture(autouse=True)
def _fresh_elasticsearch_state():
    """Each test starts without a remembered Elasticsearch failure."""
    from search.backends import elasticsearch

    elasticsearch._state.update(down_until=0.0, analyzer=None, url=None)
