"""manage.py make_disc PAGE... --output OUT.iso [--standard pal|ntsc] [--menu|--autoplay]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lectures.offline import services
from media_pipeline.core import disc as disc_maker

from ._common import ProgressBar, resolve_items


class Command(BaseCommand):
    help = ("Make a DVD-Video disc image (and a printable label) of course, lesson or playlist "
            "pages. PAGE is a page id or URL path. A set too long for one DVD-5 is split into "
            "OUT-1.iso, OUT-2.iso, ...")

    def add_arguments(self, parser):
        parser.add_argument("pages", nargs="+", metavar="PAGE")
        parser.add_argument("--output", "-o", required=True, help="OUT.iso")
        parser.add_argument("--standard", choices=["pal", "ntsc"], default="pal",
                            help="PAL (China, default) or NTSC")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--menu", action="store_true", help="open on a menu of the lessons")
        mode.add_argument("--autoplay", action="store_true",
                          help="play every lesson in order at once (default)")
        parser.add_argument("--title", default="", help="disc title (default: the first page's)")
        parser.add_argument("--county", default=None, help="organisation name on the label")
        parser.add_argument("--plan", action="store_true", help="print the disc plan and stop")

    def handle(self, *args, **options):
        output = Path(options["output"])
        if output.suffix.lower() != ".iso":
            raise CommandError(f"输出文件名应以 .iso 结尾：{output} (--output must end in .iso)")
        if not output.parent.is_dir():
            raise CommandError(f"输出目录不存在：{output.parent} (no such folder)")
        try:
            disc_maker.check_tools()
        except disc_maker.DiscToolMissing as error:
            raise CommandError(f"{error.reason_zh} ({error})") from error
        pages, items, articles = resolve_items(options["pages"])
        try:
            plan = services.plan_for(items)
        except disc_maker.DiscPlanError as error:
            raise CommandError(f"{error.reason_zh} ({error.reason_en})") from error
        for article in articles:
            self.stderr.write(f"跳过图文课程（光盘只放视频和音频）：{article.title}")
        for warning in plan.warnings_zh:
            self.stderr.write(self.style.WARNING(f"注意：{warning}"))
        for planned in plan.discs:
            self.stderr.write(
                f"光盘 {planned.number}: {len(planned.lesson_indexes)} 课, "
                f"{disc_maker.format_duration(planned.seconds)}, "
                f"{planned.video_bitrate / 1e6:.1f} Mb/s, 约 {planned.expected_bytes / 1e6:.0f} MB")
        if options["plan"]:
            return
        bar = ProgressBar(self.stderr._out)
        try:
            _plan, results = services.make_disc_files(
                items, output.parent, title=options["title"] or pages[0].title,
                county=services.county_name() if options["county"] is None else options["county"],
                standard=options["standard"], menu=options["menu"], basename=output.stem,
                on_progress=bar)
        except disc_maker.DiscBuildError as error:
            raise CommandError(f"制作光盘失败 (disc build failed): {error}") from error
        bar.done()
        for result in results:
            self.stdout.write(f"{result['iso']}\t{result['iso'].stat().st_size}\t{result['label_pdf']}")
