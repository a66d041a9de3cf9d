"""Forms of the accounts pages; the rules themselves live in services.py."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from printhub.accounts import services
from printhub.accounts.models import CUSTOMER_ROLES, Role, User
from printhub.network.models import Center

LANGUAGE_CHOICES = [("ko", "한국어"), ("en", "English")]


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    display_name = forms.CharField(
        label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = forms.ChoiceField(
        label=_("I am a"),
        choices=[(role.value, role.label) for role in CUSTOMER_ROLES],
        initial=Role.CITIZEN,
        help_text=_("Students get the monthly student printing quota."),
    )
    organization = forms.CharField(
        label=_("School or company"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=LANGUAGE_CHOICES, initial="ko"
    )
    privacy = forms.BooleanField(
        label=_(
            "I agree that printhub collects and uses my e-mail address, name and "
            "organization to run my account and orders."
        ),
        error_messages={
            "required": _("You need to agree to the privacy notice to open an account.")
        },
    )

    error_messages = {
        "password_mismatch": _("The two passwords are not the same. Type them again."),
        "staff_role": _(
            "Choose citizen, student, startup member or designer. Staff roles are given by "
            "the network's admins."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].error_messages["invalid_choice"] = self.error_messages["staff_role"]

    def clean_email(self) -> str:
        email = services.normalize_email(self.cleaned_data["email"])
        if services.email_taken(email):
            raise services.duplicate_email_error()
        return email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", self.error_messages["password_mismatch"])
        elif first:
            candidate = User(
                email=cleaned.get("email", ""),
                display_name=cleaned.get("display_name", ""),
                organization=cleaned.get("organization", ""),
            )
            try:
                password_validation.validate_password(first, user=candidate)
            except ValidationError as err:
                self.add_error("password1", err)
        return cleaned

    def save(self) -> User | None:
        """Create the account; None, with the errors on the form, when the service refuses."""
        data = self.cleaned_data
        try:
            return services.sign_up(
                email=data["email"],
                display_name=data["display_name"],
                password=data["password1"],
                role=data["role"],
                organization=data.get("organization", ""),
                preferred_language=data["preferred_language"],
                privacy_agreed=data["privacy"],
            )
        except ValidationError as err:
            if not hasattr(err, "error_dict"):
                self.add_error(None, err)
                return None
            for field, errors in err.error_dict.items():
                field = "password1" if field == "password" else field
                self.add_error(field if field in self.fields else None, errors)
            return None


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with an e-mail address; too many failures from one client are refused a while."""

    error_messages = {
        "invalid_login": _(
            "The e-mail address or the password is wrong. Both are checked as typed "
            "(the password is case-sensitive)."
        ),
        "inactive": _("This account has been deactivated. Ask the hub's staff."),
        "throttled": _("Too many failed attempts. Wait 15 minutes, or reset your password."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("E-mail address")
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email"}
        )
        self.fields["password"].label = _("Password")

    def _client(self) -> str:
        return self.request.META.get("REMOTE_ADDR", "") if self.request else ""

    def _explain_inactive(self, email: str, password: str) -> None:
        """The right password of a deactivated account: say so rather than "wrong password"."""
        person = User.objects.filter(email__iexact=email, is_active=False).first()
        if person is not None and person.check_password(password):
            raise ValidationError(self.error_messages["inactive"], code="inactive")

    def clean_username(self) -> str:
        return services.normalize_email(self.cleaned_data.get("username", ""))

    def clean(self):
        email = self.cleaned_data.get("username", "")
        if email and not services.login_allowed(email, self._client()):
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            if email:
                services.note_failed_login(email, self._client())
                self._explain_inactive(email, self.cleaned_data.get("password") or "")
            raise
        services.clear_failed_logins(email, self._client())
        return cleaned


class LocalizedPasswordResetForm(PasswordResetForm):
    """Django's reset form; the mail is written in the person's preferred language."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def get_users(self, email):
        users = list(super().get_users(email))
        if users and not services.reset_mail_allowed(email):
            return []
        return users

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        language = getattr(context.get("user"), "preferred_language", None)
        if language not in services.LANGUAGES:
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("The center calls this number when your print is ready."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    organization = forms.CharField(label=_("School or company"), max_length=200, required=False)
    preferred_language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not all(ch.isdigit() or ch in "+-() " for ch in phone):
            raise ValidationError(_("Write the phone number with digits and dashes only."))
        if phone and sum(ch.isdigit() for ch in phone) < 8:
            raise ValidationError(_("This phone number is too short."))
        return phone


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What uses it, e.g. “my slicer plug-in” or “lab laptop”."),
    )


class PersonForm(forms.Form):
    """What a network admin changes about a person."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    centers = forms.ModelMultipleChoiceField(
        label=_("Centers"),
        queryset=Center.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for operators and managers; ignored for other roles."),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("A deactivated person cannot log in and their API tokens stop working."),
    )


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )
    center = forms.ModelChoiceField(
        label=_("Center"),
        required=False,
        queryset=Center.objects.all(),
        empty_label=_("All centers"),
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Everybody")), ("yes", _("Active")), ("no", _("Deactivated"))],
    )
