"""Lead times: prints start only while a center is open, queues, post-processing hours."""

import datetime as dt

import pytest

from printhub.network.models import Material
from printhub.production.models import Job
from printhub.quotes import leadtime, services
from printhub.quotes.leadtime import LeadTime, NeverOpen, OpeningCalendar, QueuedJob, lead_time

from .conftest import MONDAY, SEOUL, seoul

NINE_TO_SIX = {d: [(dt.time(9), dt.time(18))] for d in range(5)}  # Monday to Friday
WITH_LUNCH = {d: [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(18))] for d in range(5)}
FRIDAY = MONDAY + dt.timedelta(days=4)
HOUR = 3600.0


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SEOUL)


def calendar(weekly=NINE_TO_SIX, closed=()) -> OpeningCalendar:
    return OpeningCalendar(weekly, closed, SEOUL)


def test_a_print_may_end_after_closing_but_the_next_waits_for_the_weekend_to_pass():
    result = lead_time(calendar(), at(FRIDAY, 17), ["p1"], [], part_s=2 * HOUR, quantity=2)
    # Part 1 starts at 17:00 and runs until 19:00 (closed: nobody starts part 2 then);
    # part 2 starts at the next opening, Monday 09:00, and ends at 11:00.
    assert result.printed_at == at(FRIDAY + dt.timedelta(days=3), 11)
    assert result.ready_at == result.printed_at


def test_a_print_asked_for_in_the_evening_starts_next_morning():
    result = lead_time(calendar(), at(MONDAY, 20), ["p1"], [], part_s=HOUR, quantity=1)
    assert result.printed_at == at(MONDAY + dt.timedelta(days=1), 10)


def test_nothing_starts_during_the_lunch_break():
    result = lead_time(
        calendar(WITH_LUNCH), at(MONDAY, 11), ["p1"], [], part_s=1.5 * HOUR, quantity=2
    )
    # 11:00–12:30, then the printer waits for 13:00: 13:00–14:30.
    assert result.printed_at == at(MONDAY, 14, 30)


def test_parts_are_spread_over_the_printers():
    result = lead_time(calendar(), at(MONDAY, 9), ["a", "b"], [], part_s=HOUR, quantity=4)
    assert result.printed_at == at(MONDAY, 11)


def test_a_closure_day_is_skipped():
    result = lead_time(
        calendar(closed=[MONDAY + dt.timedelta(days=1)]),
        at(MONDAY, 20),
        ["p1"],
        [],
        part_s=HOUR,
        quantity=1,
    )
    assert result.printed_at == at(MONDAY + dt.timedelta(days=2), 10)


def test_post_processing_hours_are_worked_inside_opening_hours():
    result = lead_time(
        calendar(),
        at(FRIDAY, 16),
        ["p1"],
        [],
        part_s=1.5 * HOUR,
        quantity=1,
        post_processing_hours=1.0,
    )
    assert result.printed_at == at(FRIDAY, 17, 30)
    # Half an hour on Friday before 18:00, the other half on Monday from 09:00.
    assert result.ready_at == at(FRIDAY + dt.timedelta(days=3), 9, 30)


def test_the_queue_goes_first_spread_over_the_printers():
    queue = [QueuedJob(4 * HOUR), QueuedJob(4 * HOUR), QueuedJob(2 * HOUR)]
    result = lead_time(calendar(), at(MONDAY, 9), ["a", "b"], queue, part_s=HOUR, quantity=1)
    # a: 9–13, b: 9–13, then a: 13–15 and b is free at 13: our part 13–14.
    assert result.printed_at == at(MONDAY, 14)
    assert result.queue_s_per_printer == pytest.approx(5 * HOUR)


def test_a_running_print_occupies_its_printer_from_now_even_when_closed():
    queue = [QueuedJob(3 * HOUR, running=True)]
    result = lead_time(calendar(), at(MONDAY, 20), ["a"], queue, part_s=HOUR, quantity=1)
    # The running print ends at 23:00; ours starts at Tuesday's opening.
    assert result.printed_at == at(MONDAY + dt.timedelta(days=1), 10)


def test_only_the_chosen_printers_print_this_job():
    result = lead_time(
        calendar(), at(MONDAY, 9), ["a", "b"], [], part_s=HOUR, quantity=2, part_printers=["b"]
    )
    assert result.printed_at == at(MONDAY, 11)


def test_a_center_that_never_opens():
    with pytest.raises(NeverOpen):
        lead_time(calendar({}), at(MONDAY, 9), ["a"], [], part_s=HOUR, quantity=1)


def test_bad_arguments():
    with pytest.raises(ValueError):
        lead_time(calendar(), at(MONDAY, 9), [], [], part_s=HOUR, quantity=1)
    with pytest.raises(ValueError):
        lead_time(calendar(), at(MONDAY, 9), ["a"], [], part_s=HOUR, quantity=0)
    with pytest.raises(ValueError, match="aware"):
        calendar().next_open(dt.datetime(2026, 12, 7, 9))


def test_the_network_calendar_agrees_with_the_pure_one(db):
    """The network app's hours (Namwon: lunch break, closed weekends) give the same times."""
    from printhub.network.models import Center

    center = Center.objects.prefetch_related("hours", "closures").get(slug="namwon")
    network = services.calendar_for(center, SEOUL)
    pure = calendar(WITH_LUNCH)
    for moment in (at(MONDAY, 8), at(MONDAY, 12, 10), at(FRIDAY, 19), at(MONDAY, 13)):
        assert network.next_open(moment) == pure.next_open(moment)
        assert network.add_open_time(moment, 5 * HOUR) == pure.add_open_time(moment, 5 * HOUR)


# --------------------------------------------------------------------- through the service


def _option(quote, slug):
    return quote.options.get(center__slug=slug)


def test_friday_evening_quote_at_gunsan_is_ready_on_monday(people, make_model, estimates):
    estimates.set(print_time_s=2 * HOUR)
    model = make_model()
    friday_evening = seoul(2026, 12, 11, 18, 30)
    assert friday_evening.weekday() == 4
    quote = services.create_quote(people["citizen"], model, "pla", now=friday_evening)
    gunsan = _option(quote, "gunsan")
    assert gunsan.eligible
    # Gunsan is closed from Friday 18:00 to Monday 09:00: the print starts Monday at 09:00.
    assert gunsan.ready_at == seoul(2026, 12, 14, 11, 0)
    # Hanok Village Makers is open until 20:00 on Fridays: the print starts at 18:30 and
    # ends after closing, at 20:30.
    assert _option(quote, "hanok-makers").ready_at == seoul(2026, 12, 11, 20, 30)


def test_namwon_lunch_break(people, make_model, estimates):
    estimates.set(print_time_s=1.5 * HOUR)
    model = make_model()
    # 11:00 on a Monday: the job goes to one printer model, two printers at Namwon (two
    # MK3S+ or two MINI+); each takes a part at 11:00 (until 12:30); the third part waits
    # for the end of the lunch break, 13:00–14:30.
    quote = services.create_quote(
        people["citizen"], model, "pla", quantity=3, now=seoul(2026, 12, 7, 11)
    )
    namwon = _option(quote, "namwon")
    assert namwon.eligible and namwon.printers_used == 2
    assert namwon.ready_at == seoul(2026, 12, 7, 14, 30)


def test_the_queue_makes_a_center_later(people, make_model, estimates):
    from printhub.orders.models import Order

    estimates.set(print_time_s=HOUR)
    model = make_model()
    now = seoul(2026, 12, 8, 9)
    before = services.create_quote(people["citizen"], model, "pla", now=now)
    gunsan_before = _option(before, "gunsan")
    assert gunsan_before.queue_hours == 0
    gunsan = gunsan_before.center
    order = Order.objects.create(
        number="T-QUEUE-1",
        customer=people["student"],
        quote_option=gunsan_before,
        center=gunsan,
        model=model,
        material=before.material,
        quantity=6,
        total_krw=1000,
    )
    # Six 5-hour jobs: spread over Gunsan's six PLA printers, all busy until 14:00.
    for index in range(6):
        Job.objects.create(
            order=order, index=index, center=gunsan, state="queued", estimated_print_s=5 * HOUR
        )
    # A finished job and a resin job at the same center do not hold up PLA printers.
    Job.objects.create(
        order=order, index=7, center=gunsan, state="completed", estimated_print_s=1e6
    )
    resin_order = Order.objects.create(
        number="T-QUEUE-2",
        customer=people["student"],
        quote_option=gunsan_before,
        center=gunsan,
        model=model,
        material=Material.objects.get(catalog_id="resin-standard"),
        quantity=1,
        total_krw=1000,
    )
    Job.objects.create(
        order=resin_order, index=0, center=gunsan, state="queued", estimated_print_s=1e6
    )
    after = services.create_quote(people["citizen"], model, "pla", now=now)
    gunsan_after = _option(after, "gunsan")
    assert gunsan_after.queue_hours == pytest.approx(5.0)
    assert gunsan_after.ready_at == seoul(2026, 12, 8, 15)
    assert gunsan_before.ready_at == seoul(2026, 12, 8, 10)
    # Other centers are not affected.
    assert _option(after, "jeonju").ready_at == _option(before, "jeonju").ready_at


def test_post_processing_adds_working_hours(people, make_model, estimates):
    estimates.set(print_time_s=HOUR)
    model = make_model()
    now = seoul(2026, 12, 7, 9)
    plain = services.create_quote(people["citizen"], model, "pla", now=now)
    painted = services.create_quote(
        people["citizen"], model, "pla", post_processing=["painting"], now=now
    )
    # Painting is 1 working hour per order at the demo centers.
    assert _option(plain, "jeonju").ready_at == seoul(2026, 12, 7, 10)
    assert _option(painted, "jeonju").ready_at == seoul(2026, 12, 7, 11)


def test_lead_time_is_a_dataclass_of_aware_times():
    result = lead_time(calendar(), at(MONDAY, 9), ["a"], [], part_s=HOUR, quantity=1)
    assert isinstance(result, LeadTime)
    assert result.ready_at.tzinfo is not None
    assert leadtime.HORIZON_DAYS > 365
