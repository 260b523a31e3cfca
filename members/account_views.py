"""A member's own account: choosing a password (required after a one-time code), changing it,
changing their phone (and email, where email reset is configured); email reset, where it is."""

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from members import accounts, services


class ContactForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=20, required=False)
    email = forms.EmailField(label=gettext_lazy("电子邮箱（用于找回密码，可不填）"), required=False)
    password = forms.CharField(label=gettext_lazy("当前密码"), widget=forms.PasswordInput)

    def __init__(self, *args, user, member, with_email, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.member = user, member
        if not with_email:
            del self.fields["email"]

    def clean_phone(self):
        return accounts.check_phone(self.cleaned_data["phone"], member=self.member)

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("当前密码不正确。"))
        return ""


def _next(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


@never_cache
@login_required
def password(request):
    """Set a new password. After a sign-in with a one-time code no old password is asked (the
    code was it) and nothing else opens until this is done."""
    forced = bool(request.session.get(accounts.MUST_CHANGE_SESSION_KEY))
    form_class = SetPasswordForm if forced else PasswordChangeForm
    form = form_class(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.set_own_password(request.user, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        request.session.pop(accounts.MUST_CHANGE_SESSION_KEY, None)
        messages.success(request, _("新密码已设置，以后请用新密码登录。"))
        return redirect(_next(request, reverse_lazy("members:me")))
    return render(request, "members/password.html",
                  {"form": form, "forced": forced, "next": _next(request, "")})


@login_required
def contact(request):
    """The member's phone (their sign-in name too) and, where email reset works, their email."""
    member = services.member_or_404(request.user)
    with_email = accounts.email_reset_enabled()
    form = ContactForm(request.POST or None, user=request.user, member=member,
                       with_email=with_email,
                       initial={"phone": member.phone or "", "email": request.user.email})
    if request.method == "POST" and form.is_valid():
        accounts.set_own_phone(member, form.cleaned_data["phone"])
        if with_email and form.cleaned_data["email"] != request.user.email:
            request.user.email = form.cleaned_data["email"]
            request.user.save(update_fields=["email"])
        messages.success(request, _("联系方式已保存。"))
        return redirect("members:me")
    return render(request, "members/contact.html", {"form": form, "member": member})


class EmailResetMixin:
    """Email reset exists only where mail can be sent (members.accounts.email_reset_enabled)."""

    def dispatch(self, request, *args, **kwargs):
        if not accounts.email_reset_enabled():
            raise Http404("email is not configured")
        return super().dispatch(request, *args, **kwargs)


class PasswordResetView(EmailResetMixin, auth_views.PasswordResetView):
    template_name = "members/password_reset_form.html"
    email_template_name = "members/password_reset_email.html"
    subject_template_name = "members/password_reset_subject.html"
    success_url = reverse_lazy("members:password_reset_done")


class PasswordResetDoneView(EmailResetMixin, auth_views.PasswordResetDoneView):
    template_name = "members/password_reset_done.html"


class PasswordResetConfirmView(EmailResetMixin, auth_views.PasswordResetConfirmView):
    template_name = "members/password_reset_confirm.html"
    success_url = reverse_lazy("members:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.forget_code(form.user)  # a code issued before no longer signs in
        return response


class PasswordResetCompleteView(EmailResetMixin, auth_views.PasswordResetCompleteView):
    template_name = "members/password_reset_complete.html"
