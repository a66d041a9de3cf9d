"""Operations on people: sign-up, profile, API tokens, and the admins' management of people.

Views, the API and the Django admin call these; every rule about who may do what
is checked here with `printhub.accounts.permissions`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from printhub.accounts import permissions
from printhub.accounts.models import CUSTOMER_ROLES, ApiToken, Role, User

LANGUAGES = {code for code, _label in settings.LANGUAGES}
MAX_ACTIVE_TOKENS = 20
# Failed log-ins allowed per address and client within the window before refusing.
LOGIN_ATTEMPTS = 10
LOGIN_WINDOW_S = 15 * 60
# Password-reset mails per address within the window (more are silently not sent, so
# nobody can flood a mailbox, and the page still does not tell whether the address exists).
RESET_MAILS = 3
RESET_WINDOW_S = 60 * 60


def normalize_email(email: str) -> str:
    """The form an address is stored in: trimmed, lower case."""
    return (email or "").strip().lower()


def email_taken(email: str, *, exclude: User | None = None) -> bool:
    """Whether another account already uses this address (in any case)."""
    found = User.objects.filter(email__iexact=normalize_email(email))
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return found.exists()


def duplicate_email_error() -> ValidationError:
    return ValidationError(
        _("An account with this e-mail address already exists. Log in, or reset your password."),
        code="duplicate_email",
    )


@transaction.atomic
def sign_up(
    *,
    email: str,
    display_name: str,
    password: str,
    role: str = Role.CITIZEN,
    organization: str = "",
    preferred_language: str = "ko",
    privacy_agreed: bool = True,
) -> User:
    """Create a customer's account; raises ValidationError (by field) on bad input.

    Only customer roles can be chosen here: staff roles are given by network admins.
    """
    email = normalize_email(email)
    display_name = (display_name or "").strip()
    errors: dict[str, list] = {}
    if role not in CUSTOMER_ROLES:
        errors["role"] = [
            ValidationError(
                _("Choose citizen, student, startup member or designer."), code="staff_role"
            )
        ]
    if preferred_language not in LANGUAGES:
        errors["preferred_language"] = [ValidationError(_("Choose Korean or English."))]
    if not display_name:
        errors["display_name"] = [ValidationError(_("Enter your name."), code="required")]
    if not privacy_agreed:
        errors["privacy"] = [
            ValidationError(
                _("You need to agree to the privacy notice to open an account."), code="privacy"
            )
        ]
    if email_taken(email):
        errors["email"] = [duplicate_email_error()]
    candidate = User(email=email, display_name=display_name, organization=organization)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as err:
        errors["password"] = err.error_list
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                display_name=display_name,
                role=role,
                organization=(organization or "").strip(),
                preferred_language=preferred_language,
                privacy_agreed_at=timezone.now() if privacy_agreed else None,
            )
    except IntegrityError:
        # Two sign-ups with the same address at once: the database's unique index decides.
        raise ValidationError({"email": [duplicate_email_error()]}) from None
    return user


def update_profile(
    user: User,
    *,
    display_name: str,
    phone: str = "",
    organization: str = "",
    preferred_language: str = "ko",
) -> User:
    """Change what a person says about themselves (not their role, centers or e-mail)."""
    display_name = (display_name or "").strip()
    if not display_name:
        raise ValidationError({"display_name": _("Enter your name.")})
    if preferred_language not in LANGUAGES:
        raise ValidationError({"preferred_language": _("Choose Korean or English.")})
    user.display_name = display_name
    user.phone = (phone or "").strip()
    user.organization = (organization or "").strip()
    user.preferred_language = preferred_language
    user.save(update_fields=["display_name", "phone", "organization", "preferred_language"])
    return user


# --- log-in throttling -----------------------------------------------------------------


def _login_key(email: str, client: str) -> str:
    return f"accounts:login-failures:{normalize_email(email)}:{client}"


def login_allowed(email: str, client: str) -> bool:
    """False after LOGIN_ATTEMPTS failed log-ins for this address from this client."""
    return cache.get(_login_key(email, client), 0) < LOGIN_ATTEMPTS


def note_failed_login(email: str, client: str) -> None:
    key = _login_key(email, client)
    cache.add(key, 0, LOGIN_WINDOW_S)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, LOGIN_WINDOW_S)


def clear_failed_logins(email: str, client: str) -> None:
    cache.delete(_login_key(email, client))


def reset_mail_allowed(email: str) -> bool:
    """Count one reset mail to this address; False once RESET_MAILS were sent in the window."""
    key = f"accounts:reset-mails:{normalize_email(email)}"
    cache.add(key, 0, RESET_WINDOW_S)
    try:
        sent = cache.incr(key)
    except ValueError:
        cache.set(key, 1, RESET_WINDOW_S)
        sent = 1
    return sent <= RESET_MAILS


# --- API tokens ------------------------------------------------------------------------


def active_tokens(user: User) -> QuerySet[ApiToken]:
    return user.api_tokens.filter(revoked_at__isnull=True).order_by("-created_at")


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for this person; returns it and its key (shown once, never stored)."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError(
            {"name": _("Give the token a name, such as the program that uses it.")}
        )
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise ValidationError({"name": _("The name is too long (100 characters at most).")})
    if active_tokens(user).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You have %(count)d active tokens, the most allowed. Revoke one you no longer use.")
            % {"count": MAX_ACTIVE_TOKENS}
        )
    return ApiToken.issue(user, name)


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of this person's tokens (ApiToken.DoesNotExist for anybody else's)."""
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


# --- people, for network admins --------------------------------------------------------


def find_people(
    by: User,
    *,
    query: str = "",
    role: str = "",
    center_id: int | None = None,
    active: bool | None = None,
) -> QuerySet[User]:
    """People matching a search (e-mail, name, organization, phone), for network admins."""
    permissions.require(permissions.can_manage_people(by))
    people = User.objects.all().prefetch_related("centers").order_by("email")
    query = (query or "").strip()
    if query:
        people = people.filter(
            Q(email__icontains=query)
            | Q(display_name__icontains=query)
            | Q(organization__icontains=query)
            | Q(phone__icontains=query)
        )
    if role:
        people = people.filter(role=role)
    if center_id:
        people = people.filter(centers__id=center_id)
    if active is not None:
        people = people.filter(is_active=active)
    return people.distinct()


@transaction.atomic
def update_person(by: User, person: User, *, role: str, centers, is_active: bool) -> User:
    """Set a person's role, centers and whether their account is active (network admins only).

    Operators and managers need at least one center; everybody else has none. An
    admin cannot take away their own admin role or deactivate themselves, so the
    network never loses its last admin by accident.
    """
    permissions.require(permissions.can_manage_people(by))
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role from the list.")})
    centers = list(centers or [])
    if role in (Role.OPERATOR, Role.MANAGER) and not centers:
        raise ValidationError(
            {"centers": _("An operator or manager works for at least one center: choose it.")}
        )
    if person.pk == by.pk and (role != Role.ADMIN or not is_active):
        raise ValidationError(
            _("You cannot remove your own admin role or deactivate yourself. Ask another admin.")
        )
    person.role = role
    person.is_active = is_active
    # Django's own admin site is for network admins only.
    person.is_staff = person.is_superuser = role == Role.ADMIN
    person.save(update_fields=["role", "is_active", "is_staff", "is_superuser"])
    person.centers.set(centers if role in (Role.OPERATOR, Role.MANAGER) else [])
    return person


def set_active(by: User, person: User, active: bool) -> User:
    """Deactivate (or reactivate) an account; a deactivated person can no longer log in."""
    return update_person(
        by, person, role=person.role, centers=person.centers.all(), is_active=active
    )


def describe(user: User) -> dict:
    """Who a person is, as the API shows it."""
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.display_name,
        "role": user.role,
        "role_label": str(Role(user.role).label),
        "centers": [
            {"id": c.pk, "slug": c.slug, "name": c.name} for c in user.centers.order_by("id")
        ],
        "language": user.preferred_language,
    }
