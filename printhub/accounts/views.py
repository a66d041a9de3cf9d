"""Pages of people: sign-up, log-in, password reset, profile, API tokens, people management."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from printhub.accounts import services
from printhub.accounts.forms import (
    EmailAuthenticationForm,
    LocalizedPasswordResetForm,
    PeopleSearchForm,
    PersonForm,
    ProfileForm,
    SignupForm,
    TokenForm,
)
from printhub.accounts.models import ApiToken, User
from printhub.accounts.permissions import admin_required

NEW_KEY_SESSION = "accounts:new-token-key"
PEOPLE_PER_PAGE = 50


def set_language_cookie(response, language: str):
    """Make the site speak this language from the next page on (as the language switch does)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _next_url(request, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


# --- sign-up, log-in, log-out ----------------------------------------------------------


def signup(request):
    if request.user.is_authenticated:
        return redirect("site:home")
    # The language the person is reading the page in is the best first guess.
    form = SignupForm(request.POST or None, initial={"preferred_language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        user = form.save()
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            with translation.override(user.preferred_language):
                welcome = _("Welcome, %(name)s. Your account is ready.")
                messages.success(request, welcome % {"name": user.display_name})
            response = redirect(_next_url(request, reverse("site:home")))
            return set_language_cookie(response, user.preferred_language)
    return render(
        request, "accounts/signup.html", {"form": form, "next": request.GET.get("next", "")}
    )


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # The person's own language from now on (they can still switch on any page).
        return set_language_cookie(response, form.get_user().preferred_language)


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET with 405)."""


# --- passwords -------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = LocalizedPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/mail/password_reset_email.txt"
    html_email_template_name = "accounts/mail/password_reset_email.html"
    subject_template_name = "accounts/mail/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


# --- profile and tokens ----------------------------------------------------------------


@login_required
def profile(request):
    user = request.user
    initial = {
        "display_name": user.display_name,
        "phone": user.phone,
        "organization": user.organization,
        "preferred_language": user.preferred_language,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user, **form.cleaned_data)
        except ValidationError as err:
            form.add_error(None, err)
        else:
            with translation.override(user.preferred_language):
                messages.success(request, _("Your profile is saved."))
            return set_language_cookie(redirect("accounts:profile"), user.preferred_language)
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "centers": user.centers.order_by("id"),
            "token_count": services.active_tokens(user).count(),
        },
    )


@login_required
def tokens(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = services.create_token(request.user, form.cleaned_data["name"])
        except ValidationError as err:
            form.add_error("name" if hasattr(err, "error_dict") else None, err)
        else:
            # Shown on the next page only: a reload or the back button does not show it again.
            request.session[NEW_KEY_SESSION] = {"id": token.pk, "key": key}
            return redirect("accounts:tokens")
    new = request.session.pop(NEW_KEY_SESSION, None)
    everything = request.user.api_tokens.all()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "active": [t for t in everything if t.revoked_at is None],
            "revoked": [t for t in everything if t.revoked_at is not None][:10],
            "new_key": new["key"] if new else None,
            "new_id": new["id"] if new else None,
            "limit": services.MAX_ACTIVE_TOKENS,
        },
    )


@require_POST
@login_required
def token_revoke(request, pk: int):
    try:
        token = services.revoke_token(request.user, pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(
        request,
        _("The token “%(name)s” is revoked; programs using it are refused.") % {"name": token.name},
    )
    return redirect("accounts:tokens")


# --- people, for network admins --------------------------------------------------------


@admin_required
def people(request):
    search = PeopleSearchForm(request.GET or None)
    filters = search.cleaned_data if search.is_valid() else {}
    active = {"yes": True, "no": False}.get(filters.get("active") or "")
    center = filters.get("center")
    found = services.find_people(
        request.user,
        query=filters.get("q", ""),
        role=filters.get("role", ""),
        center_id=center.pk if center else None,
        active=active,
    )
    page = Paginator(found, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/people.html",
        {"search": search, "page": page, "query": query.urlencode()},
    )


@admin_required
def person(request, pk: int):
    someone = get_object_or_404(User, pk=pk)
    initial = {
        "role": someone.role,
        "centers": list(someone.centers.all()),
        "is_active": someone.is_active,
    }
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(request.user, someone, **form.cleaned_data)
        except ValidationError as err:
            if hasattr(err, "error_dict"):
                for field, errors in err.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, err)
        else:
            messages.success(request, _("Saved: %(person)s.") % {"person": someone})
            return redirect("accounts:people")
    return render(
        request,
        "accounts/person.html",
        {"form": form, "someone": someone, "token_count": services.active_tokens(someone).count()},
    )
