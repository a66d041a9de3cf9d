"""Who may see and do what. Every view, API endpoint and service asks these.

Customers (citizen, student, startup member, designer) see their own things;
operators and managers see the work of their centers; managers also run their
centers' printers and prices; network admins see and run everything.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from printhub.accounts.models import CUSTOMER_ROLES, Role


def is_customer(user) -> bool:
    return user.is_authenticated and user.role in CUSTOMER_ROLES


def is_staff_member(user) -> bool:
    """Operators, managers and network admins."""
    return user.is_authenticated and (user.is_center_staff or user.is_superuser)


def is_manager(user) -> bool:
    return user.is_authenticated and (user.role in (Role.MANAGER, Role.ADMIN) or user.is_superuser)


def works_at(user, center) -> bool:
    """Whether a staff member may see the work of this center."""
    if not user.is_authenticated:
        return False
    if user.is_network_admin:
        return True
    return user.role in (Role.OPERATOR, Role.MANAGER) and user.centers.filter(pk=center.pk).exists()


def can_manage_center(user, center) -> bool:
    """Change a center's printers, prices and hours: its managers and network admins."""
    if not user.is_authenticated:
        return False
    if user.is_network_admin:
        return True
    return user.role == Role.MANAGER and user.centers.filter(pk=center.pk).exists()


def can_see_model(user, model) -> bool:
    """An uploaded model: its owner, and staff of a center that has an order for it."""
    if not user.is_authenticated:
        return False
    if model.owner_id == user.pk or user.is_network_admin:
        return True
    if is_staff_member(user):
        return model.order_set.filter(center__in=user.center_ids()).exists()
    return False


def is_network_admin(user) -> bool:
    """Network admins (and superusers): everything, including people and their roles."""
    return user.is_authenticated and user.is_network_admin


def can_manage_people(user) -> bool:
    """List people, change their roles and centers, deactivate them: network admins."""
    return is_network_admin(user)


def can_see_quote(user, quote) -> bool:
    return user.is_authenticated and (quote.owner_id == user.pk or user.is_network_admin)


def can_see_order(user, order) -> bool:
    """An order: its customer and the staff of its center."""
    if not user.is_authenticated:
        return False
    return order.customer_id == user.pk or works_at(user, order.center)


def can_review_order(user, order) -> bool:
    """Approve, reject and move an order along: the staff of its center."""
    return is_staff_member(user) and works_at(user, order.center)


def require(allowed: bool) -> None:
    """Raise PermissionDenied (403) unless allowed."""
    if not allowed:
        raise PermissionDenied


def staff_required(view):
    """A view for operators, managers and network admins only (403 for others)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require(is_staff_member(request.user))
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view):
    """A view for center managers and network admins only."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require(is_manager(request.user))
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view):
    """A view for network admins only (403 for others, log-in page for anonymous)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        require(is_network_admin(request.user))
        return view(request, *args, **kwargs)

    return wrapper
