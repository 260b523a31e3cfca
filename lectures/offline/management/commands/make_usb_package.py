"""manage.py make_usb_package PAGE... --output OUT.zip"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lectures.offline import services

from ._common import ProgressBar, resolve_items


class Command(BaseCommand):
    help = ("Make a USB/folder package (ZIP with the small MP4s, audio, subtitles and an "
            "index.html that plays them offline) of course, lesson or playlist pages. "
            "PAGE is a page id or URL path.")

    def add_arguments(self, parser):
        parser.add_argument("pages", nargs="+", metavar="PAGE")
        parser.add_argument("--output", "-o", required=True, help="OUT.zip")
        parser.add_argument("--title", default="", help="package title (default: the first page's)")
        parser.add_argument("--county", default=None, help="organisation name on index.html")

    def handle(self, *args, **options):
        output = Path(options["output"])
        if output.suffix.lower() != ".zip":
            raise CommandError(f"输出文件名应以 .zip 结尾：{output} (--output must end in .zip)")
        if not output.parent.is_dir():
            raise CommandError(f"输出目录不存在：{output.parent} (no such folder)")
        pages, items, articles = resolve_items(options["pages"])
        for article in articles:
            self.stderr.write(f"跳过图文课程：{article.title}")
        bar = ProgressBar(self.stderr._out)
        size = services.make_usb_file(
            items, output, title=options["title"] or pages[0].title,
            county=services.county_name() if options["county"] is None else options["county"],
            on_progress=bar)
        bar.done()
        self.stdout.write(f"{output}\t{size}")
