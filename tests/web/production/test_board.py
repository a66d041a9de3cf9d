"""The operator screens: the centers overview, a center's board (live printer cards, the
queue, the planned timeline) and the buttons of the floor, end to end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from printhub.network.models import Center, Printer
from printhub.orders import services as orders
from printhub.production.models import Command, Job, PlanRun, Station
from tests.web.matrix import client_for as persona
from tests.web.orders import factories

S = Job.State
L = Station.Live


def approved_order(people, quantity: int = 1, center: str = "jeonju"):
    """An approved order of the demo citizen: one queued job per part."""
    option = factories.quote_option(
        people["citizen"], center=center, quantity=quantity, total_krw=5_500
    )
    order = orders.submit_order(people["citizen"], option)
    orders.approve(order, people["operator"])
    return order


def printer(center: str = "jeonju", name: str = "MK3S-01") -> Printer:
    return Printer.objects.get(center__slug=center, name=name)


def station(p: Printer, **live) -> Station:
    """A virtual station on a printer with its live fields set as the monitor would."""
    found = Station.objects.create(printer=p, kind=Station.Kind.VIRTUAL)
    Station.objects.filter(pk=found.pk).update(**live)
    found.refresh_from_db()
    return found


def put(job: Job, state: str, **fields) -> Job:
    """Set a job's state directly (test set-up; the fleet does this for real)."""
    Job.objects.filter(pk=job.pk).update(state=state, **fields)
    job.refresh_from_db()
    return job


def printing_job(people, p: Printer, progress: float = 0.42) -> tuple[Job, Station]:
    """A job printing on `p`, its station reporting it."""
    job = approved_order(people).jobs.get()
    now = timezone.now()
    job = put(
        job,
        S.PRINTING,
        printer=p,
        sliced_for=p,
        started_at=now - dt.timedelta(minutes=30),
        estimated_print_s=5400,
        remote_file="job.gcode",
        progress=progress,
    )
    st = station(
        p,
        live=L.PRINTING,
        progress=progress,
        tool_c=214.6,
        tool_target_c=215,
        bed_c=59.8,
        bed_target_c=60,
        file="job.gcode",
        elapsed_s=1800,
        remaining_s=3720,
        last_seen=now,
    )
    return job, st


def english(client):
    client.cookies["django_language"] = "en"
    return client


def flashed(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def board_url(slug: str = "jeonju") -> str:
    return reverse("production:board", args=[slug])


# --- the overview --------------------------------------------------------------------------


def test_the_overview_shows_an_operator_their_center_with_counts(client_for, people):
    p = printer()
    printing_job(people, p)
    station(printer(name="MK3S-02"), live=L.IDLE, last_seen=timezone.now())
    station(printer(name="MK3S-03"), live=L.UNREACHABLE, last_seen=timezone.now())
    approved_order(people)  # one more job waiting
    response = english(client_for("operator")).get(reverse("production:index"))
    assert response.status_code == 200
    rows = {r["center"].slug: r for r in response.context["rows"]}
    assert set(rows) == {"jeonju"}
    row = rows["jeonju"]
    assert (row["printing"], row["idle"], row["lost"]) == (1, 1, 1)
    assert row["queued"] == 1
    page = response.content.decode()
    assert board_url() in page and "Jobs waiting" in page


def test_a_network_admin_sees_every_center(client_for, people):
    response = client_for("admin").get(reverse("production:index"))
    shown = {r["center"].slug for r in response.context["rows"]}
    assert shown == set(Center.objects.values_list("slug", flat=True))


def test_the_staff_menu_links_to_production(client_for, people):
    assert reverse("production:index") in client_for("operator").get("/").content.decode()
    assert reverse("production:index") not in client_for("citizen").get("/").content.decode()


# --- the board -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "manager", "admin"])
def test_the_board_shows_each_printer_with_its_print(client_for, people, role):
    p = printer()
    job, _st = printing_job(people, p, progress=0.42)
    response = english(client_for(role)).get(board_url())
    assert response.status_code == 200
    page = response.content.decode()
    card = next(c for c in response.context["cards"] if c.printer == p)
    assert card.tone == "printing" and card.progress_percent == 42 and card.job == job
    shown = set(Printer.objects.filter(center__slug="jeonju").values_list("name", flat=True))
    assert {c.printer.name for c in response.context["cards"]} == shown
    assert f"{job.order.number}-1" in page
    assert "42%" in page and "215 / 215 °C" in page and "60 / 60 °C" in page
    assert "1 h 02 min left" in page
    assert "Printing" in page and "not confirmed" in page
    assert 'hx-get="/production/jeonju/cards"' in page and "every 2s" in page
    assert 'hx-select="#plan-area"' in page  # the queue and the plan: every 10 s
    mine = page.split(f'id="printer-{p.pk}"')[1].split("</article>")[0]
    assert "Pause" in mine and "Confirm bed clear" not in mine  # not under a print


def test_the_board_is_korean_first(client_for, people):
    printing_job(people, printer())
    page = client_for("operator").get(board_url()).content.decode()
    assert "출력 중" in page and "대기열" in page and "출력 계획표" in page
    assert "Queue" not in page and "Planned timeline" not in page and " left<" not in page
    assert "1시간 02분 남음" in page


def test_the_cards_fragment_follows_the_station(client_for, people):
    p = printer()
    _job, st = printing_job(people, p, progress=0.25)
    client = english(client_for("operator"))
    url = reverse("production:cards", args=["jeonju"])
    first = client.get(url).content.decode()
    assert first.lstrip().startswith('<div id="cards"') and "<html" not in first
    assert "25%" in first
    Station.objects.filter(pk=st.pk).update(progress=0.8, remaining_s=600)
    second = client.get(url).content.decode()
    assert "80%" in second and "10 min left" in second


def test_an_unreachable_printer_says_since_when(client_for, people):
    seen = timezone.now() - dt.timedelta(minutes=12)
    station(printer(), live=L.UNREACHABLE, last_seen=seen, error="connection refused")
    page = english(client_for("operator")).get(board_url()).content.decode()
    local = timezone.localtime(seen)
    assert f"Unreachable since {local:%m-%d %H:%M}" in page
    assert "connection refused" in page


def test_the_queue_and_the_timeline(client_for, people):
    now = timezone.now()
    p = printer(name="MK3S-02")
    planned = approved_order(people).jobs.get()
    Job.objects.filter(pk=planned.pk).update(
        planned_printer=p,
        planned_start=now + dt.timedelta(hours=2),
        planned_end=now + dt.timedelta(hours=3, minutes=30),
        due=now + dt.timedelta(hours=3),  # ends after it is due: late
    )
    waiting = approved_order(people).jobs.get()
    Job.objects.filter(pk=waiting.pk).update(plan_note="no printer can run this material")
    printing, _st = printing_job(people, printer())
    PlanRun.objects.create(
        done_at=now, took_s=0.31, method="cp-sat", jobs=2, metrics={"late_jobs": 1, "unassigned": 1}
    )
    response = english(client_for("operator")).get(board_url())
    page = response.content.decode()
    assert [j.pk for j in response.context["queue"]] == [planned.pk, waiting.pk]
    assert "no printer can run this material" in page
    assert response.context["queue"][0].late
    timeline = response.context["timeline"]
    rows = {r["printer"].pk: r for r in timeline["rows"]}
    (bar,) = rows[p.pk]["bars"]
    assert bar.job == planned and bar.late and bar.width == 60  # 1.5 h of 40 px
    (on_printer,) = rows[printer().pk]["bars"]
    assert on_printer.job == printing and on_printer.left < timeline["now_left"]
    assert timeline["width"] >= 25 * 40 and 40 <= timeline["now_left"] <= 80
    assert "Last plan" in page and "cp-sat" in page and "Late jobs: 1" in page


def test_an_unknown_center_is_not_found(client_for, people):
    assert client_for("admin").get(board_url("nowhere")).status_code == 404
    assert client_for("admin").get("/production/nowhere/cards").status_code == 404


def test_an_operator_of_another_center_cannot_see_the_board(client_for, people):
    assert client_for("operator").get(board_url("gunsan")).status_code == 403
    assert client_for("operator").get("/production/gunsan/cards").status_code == 403


# --- the buttons ---------------------------------------------------------------------------


def post(client, name: str, pk: int, data: dict | None = None):
    return client.post(reverse(f"production:{name}", args=[pk]), data or {})


def test_confirming_the_bed_clear(client_for, people):
    p = printer()
    st = station(p, live=L.IDLE)
    client = english(client_for("operator"))
    response = post(client, "bed_clear", p.pk)
    assert response.status_code == 302 and response["Location"] == board_url()
    st.refresh_from_db()
    assert st.bed_clear and st.bed_cleared_by == people["operator"]
    assert flashed(response) == [("success", "The bed of MK3S-01 is confirmed clear.")]
    page = client.get(board_url()).content.decode()
    assert "confirmed clear" in page and "Confirm bed clear" not in page.split('id="printer-')[1]


def test_starting_a_ready_job_leaves_a_command(client_for, people):
    p = printer()
    st = station(p, live=L.IDLE)
    job = put(approved_order(people).jobs.get(), S.READY, sliced_for=p)
    client = english(client_for("operator"))
    page = client.get(board_url()).content.decode()
    assert f"Start {job.order.number}-1" in page
    response = post(client, "start", p.pk, {"job": job.pk, "next": board_url()})
    assert response.status_code == 302
    command = Command.objects.get(station=st)
    assert (command.action, command.job, command.by) == ("start", job, people["operator"])
    st.refresh_from_db()
    assert st.bed_clear  # asking to start is confirming the bed clear
    assert flashed(response)[0][0] == "success"


def test_a_job_not_ready_for_the_printer_is_refused(client_for, people):
    p = printer()
    station(p, live=L.IDLE)
    job = approved_order(people).jobs.get()  # queued, not sliced
    response = post(english(client_for("operator")), "start", p.pk, {"job": job.pk})
    assert flashed(response) == [("error", "This job is not ready for this printer.")]
    assert not Command.objects.exists()


def test_a_printer_without_a_connection_cannot_start(client_for, people):
    p = printer()
    job = put(approved_order(people).jobs.get(), S.READY, sliced_for=p)
    response = post(english(client_for("operator")), "start", p.pk, {"job": job.pk})
    assert flashed(response) == [("error", "MK3S-01 has no connection set up.")]


def test_pause_and_resume_follow_the_printer(client_for, people):
    p = printer()
    _job, st = printing_job(people, p)
    client = english(client_for("operator"))
    card = client.get(reverse("production:cards", args=["jeonju"])).content.decode()
    mine = card.split(f'id="printer-{p.pk}"')[1].split("</article>")[0]
    assert reverse("production:pause", args=[p.pk]) in mine
    assert reverse("production:resume", args=[p.pk]) not in mine
    post(client, "pause", p.pk)
    Station.objects.filter(pk=st.pk).update(live=L.PAUSED)
    card = client.get(reverse("production:cards", args=["jeonju"])).content.decode()
    assert reverse("production:resume", args=[p.pk]) in card
    post(client, "resume", p.pk)
    assert list(Command.objects.values_list("action", flat=True)) == ["pause", "resume"]


def test_cancelling_needs_a_reason(client_for, people):
    job, _st = printing_job(people, printer())
    client = english(client_for("operator"))
    response = post(client, "cancel", job.pk, {"reason": "  "})
    assert flashed(response) == [("error", "Say why the job is cancelled.")]
    job.refresh_from_db()
    assert job.state == S.PRINTING
    page = client.get(board_url()).content.decode()  # the message is shown on the board
    assert "Say why the job is cancelled." in page


def test_cancelling_a_print_stops_it_on_the_printer(client_for, people):
    job, st = printing_job(people, printer())
    response = post(english(client_for("manager")), "cancel", job.pk, {"reason": "warped"})
    assert response["Location"] == board_url()
    job.refresh_from_db()
    assert (job.state, job.reason, job.cancelled_by) == (S.CANCELLED, "warped", "staff")
    assert Command.objects.get(station=st).action == "cancel"


def test_cancelling_a_queued_job_from_the_queue(client_for, people):
    job = approved_order(people).jobs.get()
    client = english(client_for("operator"))
    assert reverse("production:cancel", args=[job.pk]) in client.get(board_url()).content.decode()
    post(client, "cancel", job.pk, {"reason": "customer called", "next": board_url()})
    job.refresh_from_db()
    assert job.state == S.CANCELLED and not Command.objects.exists()


def test_a_failed_job_is_printed_again(client_for, people):
    p = printer()
    station(p, live=L.IDLE)
    job = put(approved_order(people).jobs.get(), S.FAILED, printer=p, reason="spaghetti")
    client = english(client_for("operator"))
    page = client.get(board_url()).content.decode()
    assert "Needs a decision" in page and "spaghetti" in page
    assert reverse("production:printed", args=[job.pk]) not in page  # only when interrupted
    response = post(client, "retry", job.pk)
    job.refresh_from_db()
    assert job.state == S.QUEUED
    assert flashed(response) == [("success", f"Job {job.order.number}-1 is back in the queue.")]


def test_a_job_out_of_attempts_is_not_retried(client_for, people):
    job = put(approved_order(people).jobs.get(), S.FAILED, printer=printer(), attempts=3)
    response = post(english(client_for("operator")), "retry", job.pk)
    assert flashed(response)[0][0] == "error" and "3 times" in flashed(response)[0][1]
    job.refresh_from_db()
    assert job.state == S.FAILED


def test_an_interrupted_part_that_did_finish(client_for, people):
    job = put(approved_order(people).jobs.get(), S.INTERRUPTED, printer=printer())
    client = english(client_for("operator"))
    assert reverse("production:printed", args=[job.pk]) in client.get(board_url()).content.decode()
    post(client, "printed", job.pk)
    job.refresh_from_db()
    assert job.state == S.COMPLETED


def test_maintenance_and_back(client_for, people):
    p = printer()
    ready = put(approved_order(people).jobs.get(), S.READY, sliced_for=p)
    client = english(client_for("operator"))
    response = post(client, "maintenance", p.pk, {"on": "1"})
    p.refresh_from_db()
    ready.refresh_from_db()
    assert p.status == Printer.Status.MAINTENANCE and ready.state == S.QUEUED
    assert flashed(response) == [("success", "MK3S-01 is in maintenance.")]
    card = next(c for c in client.get(board_url()).context["cards"] if c.printer == p)
    assert card.tone == "maintenance" and card.in_maintenance
    post(client, "maintenance", p.pk, {"on": "0"})
    p.refresh_from_db()
    assert p.status == Printer.Status.AVAILABLE


def test_a_printing_printer_does_not_go_into_maintenance(client_for, people):
    p = printer()
    printing_job(people, p)
    response = post(english(client_for("operator")), "maintenance", p.pk, {"on": "1"})
    assert flashed(response) == [
        ("error", "This printer is printing; pause or cancel the print first.")
    ]
    p.refresh_from_db()
    assert p.status == Printer.Status.AVAILABLE


def test_next_never_leaves_the_site(client_for, people):
    p = printer()
    station(p)
    response = post(client_for("operator"), "bed_clear", p.pk, {"next": "https://evil.example/"})
    assert response["Location"] == board_url()


def test_actions_at_another_center_are_forbidden(client_for, people):
    p = printer()
    st = station(p)
    job = approved_order(people).jobs.get()
    gunsan = persona("operator.gunsan")
    assert post(gunsan, "bed_clear", p.pk).status_code == 403
    assert post(gunsan, "cancel", job.pk, {"reason": "x"}).status_code == 403
    assert post(gunsan, "cancel", job.pk, {}).status_code == 403  # before the form is read
    st.refresh_from_db()
    job.refresh_from_db()
    assert not st.bed_clear and job.state == S.QUEUED
    assert post(client_for("citizen"), "pause", p.pk).status_code == 403
    assert post(client_for(None), "pause", p.pk).status_code == 302  # to the log-in page
    assert client_for("operator").get(reverse("production:pause", args=[p.pk])).status_code == 405


# --- spools (printhub.inventory) -----------------------------------------------------------


@pytest.mark.skipif(
    not apps.is_installed("printhub.inventory"), reason="printhub.inventory not installed"
)
def test_a_spool_is_loaded_and_unloaded_from_the_board(client_for, people):
    from printhub.inventory.models import Filament, Spool, Vendor
    from printhub.network.models import Material

    p = printer()
    station(p, live=L.IDLE)
    vendor = Vendor.objects.create(name="Board Vendor")
    filament = Filament.objects.create(
        vendor=vendor,
        material=Material.objects.get(catalog_id="pla"),
        color_name="Galaxy Black",
        color_hex="#111111",
    )
    spool = Spool.objects.create(
        filament=filament, center=p.center, initial_weight_g=1000, used_weight_g=250
    )
    client = english(client_for("operator"))
    page = client.get(board_url()).content.decode()
    mine = page.split(f'id="printer-{p.pk}"')[1].split("</article>")[0]
    load_url = reverse("inventory:load", args=[p.pk])
    assert load_url in mine and f'value="{spool.pk}"' in mine and "nothing" in mine
    response = client.post(load_url, {"spool": spool.pk, "next": board_url()})
    assert response["Location"] == board_url()
    spool.refresh_from_db()
    assert spool.printer == p
    page = client.get(board_url()).content.decode()
    mine = page.split(f'id="printer-{p.pk}"')[1].split("</article>")[0]
    assert "Galaxy Black" in mine and "750 g left" in mine
    unload_url = reverse("inventory:unload", args=[p.pk])
    assert unload_url in mine
    response = client.post(unload_url, {"next": board_url()})
    assert response["Location"] == board_url()
    spool.refresh_from_db()
    assert spool.printer is None
