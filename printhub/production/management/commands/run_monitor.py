"""`manage.py run_monitor`: the fleet monitor, until Ctrl-C (run_platform starts it)."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from printhub.production.monitor import Monitor


class Command(BaseCommand):
    help = "Watch every printer of the network, reconcile jobs, plan and dispatch."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between reads")
        parser.add_argument(
            "--demo", action="store_true", help="also play the demo's operators and customers"
        )

    def handle(self, *args, interval, demo, **options):
        stop = threading.Event()
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        monitor = Monitor(interval_s=interval)
        self.stdout.write(f"printhub: fleet monitor reading printers every {interval:g} s")
        if demo:
            from printhub.production.demo import DemoFloor, quiet_mail

            quiet_mail()
            floor = DemoFloor()
            threading.Thread(target=floor.run, args=(stop,), daemon=True).start()
        monitor.run(stop)
        self.stdout.write("printhub: fleet monitor stopped")
