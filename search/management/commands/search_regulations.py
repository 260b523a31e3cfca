import json

from django.core.management.base import BaseCommand

from search.services import BACKENDS, search_regulations


class Command(BaseCommand):
    help = "Search the regulations and print the ranked hits (with --json: one JSON array, best first)."

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument("--json", action="store_true", help="print a JSON array of hits")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--backend", choices=BACKENDS, default=None)

    def handle(self, *args, query, limit, backend, **options):
        result = search_regulations(query, limit=limit, backend=backend)
        if options["json"]:
            self.stdout.write(json.dumps(result["hits"], ensure_ascii=False, indent=1))
            return
        self.stdout.write(f"{result['total']} hits ({result['backend']})")
        for rank, hit in enumerate(result["hits"], start=1):
            self.stdout.write(f"{rank:>2}. {hit['short_name']} {hit['label']}  {hit['url']}\n    {hit['snippet']}")
