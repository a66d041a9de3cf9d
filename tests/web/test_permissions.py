"""Every page and API endpoint × every kind of person (see tests/web/matrix.py).

Each app adds its rows to ROWS (one section per app) and its URL namespace to
COVERED_NAMESPACES / its API prefix to COVERED_API_PREFIXES; the coverage tests at
the bottom then fail for any page or endpoint of those apps that has no row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import get_resolver, reverse

from printhub.accounts.models import ApiToken
from tests.web.matrix import LOGIN, OTHER_OPERATOR, assert_access, expect


@dataclass(frozen=True)
class Row:
    """One URL and method, and what every persona gets from it.

    `name` is the URL name ("accounts:profile") or, for the API, the path ("/api/me").
    `url` defaults to reverse(name); a function of the `people` fixture (role → user)
    gives URLs with arguments, and is called anew before each persona's request.
    """

    name: str
    method: str
    expected: dict
    url: str | Callable[[dict], str] | None = None
    data: dict | None = None
    auth: str = "session"
    as_json: bool = False
    id: str = field(default="")

    def target(self, people: dict) -> str | Callable[[], str]:
        if self.url is None:
            return reverse(self.name)
        if callable(self.url):
            return lambda: self.url(people)
        return self.url


def _fresh_citizen_token(people) -> str:
    token, _key = ApiToken.issue(people["citizen"], "matrix")
    return reverse("accounts:token_revoke", args=[token.pk])


def _citizen_page(people) -> str:
    return reverse("accounts:person", args=[people["citizen"].pk])


def _jeonju_printer_url(name: str):
    def url(people) -> str:
        from printhub.network.models import Printer

        printer = Printer.objects.get(center__slug="jeonju", name="MK3S-01")
        return reverse(f"inventory:{name}", args=[printer.pk])

    return url


def _fresh_jeonju_spool(people) -> str:
    from printhub.inventory.models import Filament, Spool, Vendor
    from printhub.network.models import Center, Material

    vendor, _ = Vendor.objects.get_or_create(name="Matrix Vendor")
    filament, _ = Filament.objects.get_or_create(
        vendor=vendor, material=Material.objects.get(catalog_id="pla"), color_name="Black"
    )
    spool = Spool.objects.create(
        filament=filament, center=Center.objects.get(slug="jeonju"), initial_weight_g=1000
    )
    return reverse("inventory:archive", args=["jeonju", "spool", spool.pk])


def _jeonju_station_url(name: str):
    """A production action on Jeonju's MK3S-01, which gets a (virtual) connection."""

    def url(people) -> str:
        from printhub.network.models import Printer
        from printhub.production.models import Station

        printer = Printer.objects.get(center__slug="jeonju", name="MK3S-01")
        Station.objects.get_or_create(printer=printer, defaults={"kind": "virtual"})
        return reverse(f"production:{name}", args=[printer.pk])

    return url


def _jeonju_job_url(name: str):
    """A production action on a job of a Jeonju order (made on first use)."""

    def url(people) -> str:
        from printhub.orders import services as orders
        from printhub.production.models import Job
        from tests.web.orders import factories

        job = Job.objects.filter(center__slug="jeonju").first()
        if job is None:
            option = factories.quote_option(people["citizen"], total_krw=5_500)
            order = orders.submit_order(people["citizen"], option)
            orders.approve(order, people["operator"])
            job = order.jobs.first()
        return reverse(f"production:{name}", args=[job.pk])

    return url


# Pages that need a log-in: anonymous visitors go to the log-in page.
MEMBERS = expect(200, anonymous=LOGIN)
ADMINS_ONLY = expect(403, anonymous=LOGIN, admin=200)
EVERYONE = expect(200)
# Sign-up and log-in pages send people who are already logged in on to the site.
ANONYMOUS_ONLY = expect(302, anonymous=200)
# The staff of the Jeonju center (its operator, its manager) and network admins.
JEONJU_STAFF = expect(403, anonymous=LOGIN, operator=200, manager=200, admin=200)
JEONJU_STAFF_ACTION = expect(403, anonymous=LOGIN, operator=302, manager=302, admin=302)
JEONJU_MANAGERS = expect(403, anonymous=LOGIN, manager=200, admin=200)

ROWS: list[Row] = [
    # --- site -------------------------------------------------------------------------
    Row("site:home", "get", EVERYONE),
    Row("site:health", "get", EVERYONE),
    Row("/api/docs", "get", EVERYONE, url="/api/docs"),
    Row("/api/openapi.json", "get", EVERYONE, url="/api/openapi.json"),
    Row("set_language", "post", expect(302), data={"language": "en", "next": "/"}),
    # Django's own admin: network admins only; others go to the admin's log-in page.
    Row("/admin/", "get", expect(302, admin=200), url="/admin/"),
    Row(
        "/admin/accounts/user/",
        "get",
        expect(302, admin=200),
        url="/admin/accounts/user/",
    ),
    # --- accounts ---------------------------------------------------------------------
    Row("accounts:signup", "get", ANONYMOUS_ONLY),
    Row("accounts:login", "get", ANONYMOUS_ONLY),
    Row("accounts:logout", "get", expect(405)),
    Row("accounts:logout", "post", expect(302)),
    Row("accounts:password_reset", "get", EVERYONE),
    Row("accounts:password_reset_done", "get", EVERYONE),
    Row(
        "accounts:password_reset_confirm",
        "get",
        EVERYONE,  # a wrong link: the page says so
        url=lambda people: reverse("accounts:password_reset_confirm", args=["MQ", "wrong-token"]),
    ),
    Row("accounts:password_reset_complete", "get", EVERYONE),
    Row("accounts:password_change", "get", MEMBERS),
    Row("accounts:password_change_done", "get", MEMBERS),
    Row("accounts:profile", "get", MEMBERS),
    Row("accounts:tokens", "get", MEMBERS),
    Row("accounts:tokens", "post", expect(302, anonymous=LOGIN), data={"name": "ci"}),
    Row(
        "accounts:token_revoke",
        "post",
        # Only the owner can revoke a token; anybody else's is not found.
        expect(404, anonymous=LOGIN, citizen=302),
        url=_fresh_citizen_token,
    ),
    Row("accounts:token_revoke", "get", expect(405), url=_fresh_citizen_token),
    Row("accounts:people", "get", ADMINS_ONLY),
    Row("accounts:person", "get", ADMINS_ONLY, url=_citizen_page),
    Row(
        "accounts:person",
        "post",
        expect(403, anonymous=LOGIN, admin=302),
        url=_citizen_page,
        data={"role": "citizen", "is_active": "on"},
    ),
    Row("/api/me", "get", expect(200, anonymous=401), url="/api/me"),
    Row("/api/me", "get", expect(200, anonymous=401), url="/api/me", auth="token", id="token"),
    # --- inventory: the staff of a center see its stock; its managers change it ----------
    Row(
        "inventory:index",
        "get",
        # One center: straight to its stock; several: a list to choose from.
        expect(403, anonymous=LOGIN, operator=302, other_operator=302, manager=200, admin=200),
    ),
    Row(
        "inventory:center",
        "get",
        JEONJU_STAFF,
        url=lambda people: reverse("inventory:center", args=["jeonju"]),
    ),
    Row(
        "inventory:center",
        "get",
        expect(403, anonymous=LOGIN, other_operator=200, admin=200),
        url=lambda people: reverse("inventory:center", args=["gunsan"]),
        id="gunsan",
    ),
    Row(
        "inventory:add_spool",
        "get",
        JEONJU_MANAGERS,
        url=lambda people: reverse("inventory:add_spool", args=["jeonju"]),
    ),
    Row(
        "inventory:add_resin",
        "get",
        JEONJU_MANAGERS,
        url=lambda people: reverse("inventory:add_resin", args=["jeonju"]),
    ),
    Row(
        "inventory:add_powder",
        "get",
        JEONJU_MANAGERS,
        url=lambda people: reverse("inventory:add_powder", args=["jeonju"]),
    ),
    Row(
        "inventory:add_spool",
        "post",
        JEONJU_MANAGERS,  # an empty form comes back with its errors
        url=lambda people: reverse("inventory:add_spool", args=["jeonju"]),
        data={},
    ),
    Row(
        "inventory:set_minimum",
        "post",
        expect(403, anonymous=LOGIN, manager=302, admin=302),
        url=lambda people: reverse("inventory:set_minimum", args=["jeonju"]),
        data={},
    ),
    Row(
        "inventory:archive",
        "post",
        expect(403, anonymous=LOGIN, manager=302, admin=302),
        url=_fresh_jeonju_spool,
    ),
    Row(
        "inventory:archive",
        "get",
        expect(
            403,
            anonymous=LOGIN,
            operator=405,
            other_operator=405,
            manager=405,
            admin=405,
        ),
        url=_fresh_jeonju_spool,
    ),
    # Load and unload: the staff of the printer's center (an empty load form is refused
    # after the permission check, with a message).
    Row("inventory:load", "post", JEONJU_STAFF_ACTION, url=_jeonju_printer_url("load"), data={}),
    Row("inventory:unload", "post", JEONJU_STAFF_ACTION, url=_jeonju_printer_url("unload")),
    Row(
        "inventory:load",
        "get",
        expect(403, anonymous=LOGIN, operator=405, other_operator=405, manager=405, admin=405),
        url=_jeonju_printer_url("load"),
    ),
    # --- production: the boards of a center's staff; every button is a POST -------------
    Row(
        "production:index",
        "get",
        expect(403, anonymous=LOGIN, operator=200, other_operator=200, manager=200, admin=200),
    ),
    Row(
        "production:board",
        "get",
        JEONJU_STAFF,
        url=lambda people: reverse("production:board", args=["jeonju"]),
    ),
    Row(
        "production:board",
        "get",
        expect(403, anonymous=LOGIN, other_operator=200, admin=200),
        url=lambda people: reverse("production:board", args=["gunsan"]),
        id="gunsan",
    ),
    Row(
        "production:cards",
        "get",
        JEONJU_STAFF,
        url=lambda people: reverse("production:cards", args=["jeonju"]),
    ),
    # Refused actions (no job to start, a state that does not allow it) still come back
    # to the board with a message: 302 after the permission check.
    Row("production:bed_clear", "post", JEONJU_STAFF_ACTION, url=_jeonju_station_url("bed_clear")),
    Row("production:start", "post", JEONJU_STAFF_ACTION, url=_jeonju_station_url("start")),
    Row("production:pause", "post", JEONJU_STAFF_ACTION, url=_jeonju_station_url("pause")),
    Row("production:resume", "post", JEONJU_STAFF_ACTION, url=_jeonju_station_url("resume")),
    Row(
        "production:maintenance",
        "post",
        JEONJU_STAFF_ACTION,
        url=_jeonju_station_url("maintenance"),
        data={"on": "0"},
    ),
    Row(
        "production:pause",
        "get",
        expect(403, anonymous=LOGIN, operator=405, other_operator=405, manager=405, admin=405),
        url=_jeonju_station_url("pause"),
    ),
    Row(
        "production:cancel",
        "post",
        JEONJU_STAFF_ACTION,
        url=_jeonju_job_url("cancel"),
        data={"reason": "matrix"},
    ),
    Row("production:retry", "post", JEONJU_STAFF_ACTION, url=_jeonju_job_url("retry")),
    Row("production:printed", "post", JEONJU_STAFF_ACTION, url=_jeonju_job_url("printed")),
]

# Apps whose every page (URL name) and API path must have a row above.
COVERED_NAMESPACES = ["site", "accounts", "inventory", "production"]
COVERED_API_PREFIXES = ["/api/me"]


def _row_id(row: Row) -> str:
    return f"{row.method.upper()} {row.name}" + (f" [{row.id}]" if row.id else "")


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_access(row: Row, people):
    assert_access(
        row.target(people),
        row.method,
        row.expected,
        row.data,
        auth=row.auth,
        as_json=row.as_json,
    )


def test_every_page_of_the_covered_apps_has_a_row():
    resolver = get_resolver()
    named = set()
    for namespace in COVERED_NAMESPACES:
        _prefix, sub = resolver.namespace_dict[namespace]
        named |= {f"{namespace}:{p.name}" for p in sub.url_patterns if getattr(p, "name", None)}
    missing = sorted(named - {row.name for row in ROWS})
    assert not missing, f"pages without a permission row: {missing}"


def test_every_api_path_of_the_covered_apps_has_a_row(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    covered = {(row.name, row.method) for row in ROWS}
    missing = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        if any(path.startswith(prefix) for prefix in COVERED_API_PREFIXES)
        for method in operations
        if (path, method) not in covered
    ]
    assert not missing, f"API endpoints without a permission row: {missing}"


def test_the_matrix_tells_personas_apart(people):
    """The helper really acts as each person: the operators work at different centers."""
    from tests.web.matrix import client_for, person

    assert person("operator").centers.get().slug == "jeonju"
    assert person(OTHER_OPERATOR).centers.get().slug == "gunsan"
    assert set(person("manager").centers.values_list("slug", flat=True)) == {
        "jeonju",
        "hanok-makers",
    }
    other = person("other_customer")
    assert other.role == "citizen" and other.pk not in {u.pk for u in people.values()}
    assert client_for("student").get("/api/me").json()["role"] == "student"
    assert client_for("admin", auth="token").get("/api/me").json()["role"] == "admin"


def test_the_matrix_reports_every_mismatch(db):
    with pytest.raises(AssertionError) as failure:
        assert_access(reverse("accounts:people"), "get", expect(200))
    message = str(failure.value)
    assert "citizen" in message and "got 403" in message
    assert "anonymous" in message and "got login" in message
    assert "admin " not in message  # the admin does get 200


def test_the_matrix_refuses_an_incomplete_table(db):
    with pytest.raises(ValueError, match="leaves out"):
        assert_access("/", "get", {"anonymous": 200})


# --- every page and endpoint of the whole platform is in some permission matrix --------

WEB_TESTS = Path(__file__).resolve().parent
APP_NAMESPACES = [
    "site",
    "accounts",
    "network",
    "parts",
    "quotes",
    "orders",
    "billing",
    "inventory",
    "production",
]


def _matrix_sources() -> str:
    """The text of every permission test (each app keeps its own matrix)."""
    files = [
        *sorted(WEB_TESTS.glob("*/test_permissions.py")),
        WEB_TESTS / "test_permissions.py",
        WEB_TESTS / "billing" / "test_pages.py",
    ]
    return "\n".join(f.read_text() for f in files if f.exists())


def test_every_page_of_every_app_is_in_a_permission_matrix():
    from django.urls import get_resolver

    resolver = get_resolver()
    sources = _matrix_sources()
    missing = []
    for namespace in APP_NAMESPACES:
        own = WEB_TESTS / namespace / "test_permissions.py"
        own_source = own.read_text() if own.exists() else ""
        _prefix, sub = resolver.namespace_dict[namespace]
        for pattern in sub.url_patterns:
            name = getattr(pattern, "name", None)
            # "app:name" anywhere, or the bare "name" in the app's own matrix.
            if name and f"{namespace}:{name}" not in sources and f'"{name}"' not in own_source:
                missing.append(f"{namespace}:{name}")
    assert not missing, f"pages in no permission matrix: {missing}"


def test_every_api_endpoint_is_in_a_permission_matrix(client, db):
    schema = client.get("/api/openapi.json").json()
    sources = _matrix_sources()
    missing = []
    for path in schema["paths"]:
        # Matrices write paths with real ids; compare the fixed part before the first {…}.
        fixed = path.split("{")[0].rstrip("/")
        if fixed and fixed not in sources:
            missing.append(path)
    assert not missing, f"API endpoints in no permission matrix: {missing}"
