"""`manage.py load_demo`: the catalog, the four centers and two partner shops, demo people."""

from django.core.management.base import BaseCommand

from printhub.network import demo


class Command(BaseCommand):
    help = "Load the materials catalog, the demo network and a demo person for every role."

    def add_arguments(self, parser):
        parser.add_argument("--catalog-only", action="store_true", help="only the materials")

    def handle(self, *args, catalog_only=False, **options):
        materials = demo.load_catalog()
        self.stdout.write(f"materials: {len(materials)}")
        if catalog_only:
            return
        centers = demo.load_network()
        people = demo.load_people()
        self.stdout.write(f"centers and partner shops: {len(centers)}; people: {len(people)}")
