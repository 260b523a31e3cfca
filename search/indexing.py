"""Keeping the search indexes in step with the database: the embedded one always, Elasticsearch
when it is configured (failures there are logged, never raised: the database is the truth)."""

import logging

from django.conf import settings
from django.db import transaction

from .backends import embedded

log = logging.getLogger(__name__)


def index_regulation(regulation):
    embedded.index_regulation(regulation)
    _after_commit_es()


def unindex_regulation(regulation):
    embedded.unindex_regulation(regulation)
    _after_commit_es()


def _after_commit_es():
    if settings.ELASTICSEARCH_URL:
        transaction.on_commit(_rebuild_es, robust=True)


def _rebuild_es():
    from .backends import elasticsearch

    try:
        elasticsearch.rebuild()
    except Exception as error:  # noqa: BLE001 - ES is optional; the embedded index is complete
        log.warning("Elasticsearch index not updated (%s); the embedded index is up to date", error)
