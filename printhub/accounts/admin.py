"""Django admin for people and API tokens (labels come from the models' translated names)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from printhub.accounts import services
from printhub.accounts.models import ApiToken, Role, User


class _EmailChecks:
    """Addresses in lower case, unique in any case; operators and managers need a center."""

    def clean_email(self):
        email = services.normalize_email(self.cleaned_data["email"])
        if services.email_taken(email, exclude=self.instance if self.instance.pk else None):
            raise services.duplicate_email_error()
        return email

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        needs_center = role in (Role.OPERATOR, Role.MANAGER)
        if "centers" in self.fields and needs_center and not cleaned.get("centers"):
            self.add_error(
                "centers",
                ValidationError(
                    _("An operator or manager works for at least one center: choose it.")
                ),
            )
        return cleaned


class UserCreation(_EmailChecks, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name", "role")


class UserChange(_EmailChecks, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChange
    add_form = UserCreation
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Person"),
            {"fields": ("display_name", "phone", "organization", "preferred_language")},
        ),
        (_("Role and centers"), {"fields": ("role", "centers")}),
        (
            _("Permissions"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "classes": ("collapse",),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined", "privacy_agreed_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "display_name",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ("email", "display_name", "role", "organization", "is_active", "last_login")
    list_filter = ("role", "centers", "is_active", "preferred_language")
    search_fields = ("email", "display_name", "organization", "phone")
    ordering = ("email",)
    filter_horizontal = ("centers", "groups", "user_permissions")
    readonly_fields = ("last_login", "date_joined", "privacy_agreed_at")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("user__role", "user__centers", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix", "user__email", "user__display_name")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    list_select_related = ("user",)
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        # A key is shown once, to the person who makes it, on their profile page.
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
