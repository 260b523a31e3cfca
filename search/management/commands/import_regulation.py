from django.core.management.base import BaseCommand, CommandError

from search.importer import ImportFailed, import_file


class Command(BaseCommand):
    help = (
        "Import one regulation text (UTF-8, one paragraph a line: title, adoption note, 总纲, 编/章/节, "
        "第N条 …). A `.zh-en.md` beside it adds the English. Re-importing an edition replaces it; a newer "
        "edition of the same regulation becomes the searched one. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--encoding", help="text encoding when not UTF-8, e.g. gb18030")
        parser.add_argument("--source", default="", help="where the text comes from (shown to readers)")

    def handle(self, *args, file, encoding, source, **options):
        try:
            regulation, _ = import_file(file, encoding=encoding, source=source)
        except ImportFailed as error:
            raise CommandError(error.message_zh) from None
        except OSError as error:
            raise CommandError(f"无法读取文件 {file}：{error.strerror}") from None
        articles = regulation.articles.filter(number__isnull=False).count()
        self.stdout.write(self.style.SUCCESS(
            f"{regulation.title}（{regulation.edition}）: {articles} articles, "
            f"{regulation.headings.count()} headings, current={regulation.is_current} → {regulation.get_absolute_url()}"
        ))
