"""People, their roles, and the API tokens they use."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a person is to the hub; decides what they see and what they pay."""

    CITIZEN = "citizen", _("Citizen")
    STUDENT = "student", _("Student")
    STARTUP = "startup", _("Startup member")
    DESIGNER = "designer", _("Designer")
    OPERATOR = "operator", _("Center operator")
    MANAGER = "manager", _("Center manager")
    ADMIN = "admin", _("Network admin")


CUSTOMER_ROLES = (Role.CITIZEN, Role.STUDENT, Role.STARTUP, Role.DESIGNER)
STAFF_ROLES = (Role.OPERATOR, Role.MANAGER, Role.ADMIN)


class UserManager(BaseUserManager):
    """Users log in with their e-mail address."""

    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("an e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, email: str):
        # People type their address in any case; addresses are stored in lower case.
        return self.get(email__iexact=(email or "").strip())


class User(AbstractUser):
    """A person with an account: a customer of the hub or a member of its staff."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    organization = models.CharField(_("school or company"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    centers = models.ManyToManyField(
        "network.Center",
        blank=True,
        related_name="staff",
        verbose_name=_("centers"),
        help_text=_("Operators and managers work for these centers and see only their work."),
    )
    preferred_language = models.CharField(
        _("language"), max_length=5, choices=[("ko", "한국어"), ("en", "English")], default="ko"
    )
    privacy_agreed_at = models.DateTimeField(
        _("agreed to the privacy notice"),
        null=True,
        blank=True,
        help_text=_("When the person agreed to the collection and use of their personal data."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>"

    @property
    def is_center_staff(self) -> bool:
        """Operators and managers of one or more centers, and network admins."""
        return self.role in STAFF_ROLES

    @property
    def is_network_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    def center_ids(self) -> set[int]:
        """Centers whose work this person may see (all of them for a network admin)."""
        from printhub.network.models import Center

        if self.is_network_admin:
            return set(Center.objects.values_list("id", flat=True))
        if self.role in (Role.OPERATOR, Role.MANAGER):
            return set(self.centers.values_list("id", flat=True))
        return set()


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its hash is stored."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token; returns it and the key, which is shown once and never stored."""
        key = "ph_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=key[: cls.PREFIX_LENGTH], key_hash=cls.hash_key(key)
        )
        return token, key

    @classmethod
    def authenticate(cls, key: str) -> User | None:
        """The active user owning this key, or None."""
        token = (
            cls.objects.select_related("user")
            .filter(key_hash=cls.hash_key(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            return None
        cls.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user
