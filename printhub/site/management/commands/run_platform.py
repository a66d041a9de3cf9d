"""`manage.py run_platform`: the whole platform on one machine, as `make demo` runs it.

Creates or updates the database, loads the catalog and the demo network (unless
--no-demo) with a virtual printer for every printer, collects static files, then
starts the web server (gunicorn), the background worker (django-tasks' db_worker, or
RQ's worker with PRINTHUB_TASKS_BACKEND=rq) and the fleet monitor (with the demo's
operators and customers: printhub.production.demo), and prints the address and the
demo log-ins. The demo plans as if the centers were always staffed unless
PRINTHUB_ALWAYS_OPEN is set. Ctrl-C (or SIGTERM) stops everything it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from printhub.network import demo
from printhub.production import demo as production_demo


class Command(BaseCommand):
    help = "Run the web server and the worker (with the demo data) until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("PRINTHUB_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PRINTHUB_PORT", 8000)))
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("PRINTHUB_WEB_WORKERS", 3))
        )
        parser.add_argument(
            "--web-threads", type=int, default=int(os.environ.get("PRINTHUB_WEB_THREADS", 4))
        )
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data")
        parser.add_argument(
            "--time-scale",
            type=float,
            default=production_demo.DEFAULT_TIME_SCALE,
            help="print seconds per second on the demo's new virtual printers",
        )

    def handle(self, *args, host, port, web_workers, web_threads, no_demo, time_scale, **options):
        self.stdout.write("printhub: preparing the database …")
        call_command("migrate", interactive=False, verbosity=0)
        env = dict(os.environ)
        if not no_demo:
            demo.load_demo()
            production_demo.seed_floor(time_scale)
            # Staffed day and night, so a newcomer sees prints at any hour.
            env.setdefault("PRINTHUB_ALWAYS_OPEN", "1")
        call_command("collectstatic", interactive=False, verbosity=0)

        python = sys.executable
        web = [
            python, "-m", "gunicorn", "printhub.site.wsgi:application",
            "--bind", f"{host}:{port}",
            "--workers", str(web_workers),
            "--threads", str(web_threads),
            "--timeout", "120",
            # Its own control socket: two platforms on one machine must not share one.
            "--control-socket", str(settings.DATA_DIR / "gunicorn.ctl"),
            "--access-logfile", "-" if settings.DEBUG else "/dev/null",
        ]  # fmt: skip
        if settings.TASKS_BACKEND == "rq":
            worker = [python, "manage.py", "rqworker", "default",
                      "--job-class", "django_tasks_rq.Job"]  # fmt: skip
        elif settings.TASKS_BACKEND == "db":
            worker = [python, "manage.py", "db_worker", "--interval", "0.2"]
        else:
            worker = None
        # PRINTHUB_DEMO_FLOOR=0: the demo's data and printers, without its operators and
        # customers (the benchmarks measure the platform, not the demo's own traffic).
        floor = not no_demo and os.environ.get("PRINTHUB_DEMO_FLOOR", "1") != "0"
        monitor = [python, "manage.py", "run_monitor"] + (["--demo"] if floor else [])
        children = [subprocess.Popen(web, cwd=settings.BASE_DIR, env=env)]
        if worker:
            children.append(subprocess.Popen(worker, cwd=settings.BASE_DIR, env=env))
        children.append(subprocess.Popen(monitor, cwd=settings.BASE_DIR, env=env))

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            url = f"http://{host}:{port}"
            self._wait_until_up(f"{url}/health", children)
            always_open = env.get("PRINTHUB_ALWAYS_OPEN", "").lower() in ("1", "true", "yes", "on")
            self._announce(url, with_people=not no_demo, always_open=always_open)
            while not stopping:
                for child in children:
                    if child.poll() is not None:
                        raise CommandError(f"{child.args[2]} stopped (exit {child.returncode})")
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("printhub: stopped")

    def _wait_until_up(self, url: str, children, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(child.poll() is not None for child in children):
                raise CommandError("a process stopped while starting; see the messages above")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise CommandError(f"the web server did not answer at {url} within {timeout:.0f} s")

    def _announce(self, url: str, with_people: bool, always_open: bool = False) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nprinthub is running at {url}"))
        self.stdout.write(f"API documentation: {url}/api/docs")
        if not with_people:
            self.stdout.write(f"The fleet monitor is running; the board: {url}/production/")
        else:
            self.stdout.write(
                "Virtual printers at the four centers; the fleet monitor is running; "
                f"the board: {url}/production/"
            )
            mail = ""
            if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
                mail = f" (the mail they get: {production_demo.mail_dir()})"
            self.stdout.write(
                "Demo customers order small parts every half minute; the demo operators "
                f"approve them and clear the beds{mail}."
            )
            if always_open:
                self.stdout.write(
                    "The demo treats centers as staffed day and night so you can watch it "
                    "print; PRINTHUB_ALWAYS_OPEN=0 keeps real opening hours."
                )
            self.stdout.write(f"\nDemo log-ins (password: {demo.DEMO_PASSWORD}):")
            for email, name, role, centers, _org in demo.DEMO_PEOPLE:
                where = f" — {', '.join(centers)}" if centers else ""
                self.stdout.write(f"  {role:<9} {email:<36} {name}{where}")
        self.stdout.write("\nCtrl-C stops the web server, the worker and the fleet monitor.")
