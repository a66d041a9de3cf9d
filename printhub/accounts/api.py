"""The API's view of the person calling it: GET /api/me."""

from __future__ import annotations

from ninja import Router, Schema

from printhub.accounts import services

PREFIX = "/me"
router = Router(tags=["me"])


class CenterRef(Schema):
    id: int
    slug: str
    name: str


class Me(Schema):
    id: int
    email: str
    name: str
    role: str
    role_label: str
    centers: list[CenterRef]
    language: str


@router.get("", response=Me, summary="Who am I")
def who_am_i(request):
    """The person the token (or the session) belongs to: role, centers and language.

    Operators and managers work for the centers listed; customers and network admins
    have none (network admins see every center).
    """
    return services.describe(request.auth)
