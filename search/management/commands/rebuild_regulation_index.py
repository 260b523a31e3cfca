from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from search.backends import elasticsearch, embedded


class Command(BaseCommand):
    help = (
        "(Re)build the regulation search index: the embedded one, and Elasticsearch when "
        "ELASTICSEARCH_URL is set (new index, alias swapped atomically, old index dropped)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=["embedded", "elasticsearch", "all"], default="all")

    def handle(self, *args, backend, **options):
        if backend in ("embedded", "all"):
            embedded.rebuild()
            self.stdout.write("embedded index rebuilt")
        if backend == "elasticsearch" or (backend == "all" and settings.ELASTICSEARCH_URL):
            try:
                index = elasticsearch.rebuild()
            except elasticsearch.Unavailable as error:
                raise CommandError(f"Elasticsearch 不可用：{error}") from None
            self.stdout.write(f"elasticsearch: {elasticsearch.alias_name()} -> {index} ({elasticsearch.analyzer()})")
