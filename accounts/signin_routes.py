"""The pages of signing in beyond the password, on the accounts blueprint: the code step of a
login, the forgotten password, and the second factor (enrol, remove; an admin's removal for a
user who lost their phone). And the rule that a user whose role requires a second factor reaches
no page but its enrolment until they have one.
"""
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts import password_reset, second_factor, signin, throttle
from accounts.models import User
from accounts.permissions import roles_required
from accounts.routes import bp, home_for
from accounts.signin_forms import CodeForm, EnrolForm, ForgotPasswordForm, NewPasswordForm
from core.models import get_setting
from extensions import db

ENROL_SECRET = "enrol_secret"  # noqa: S105  # nosec B105: a session key's name, not a secret
NEW_CODES = "new_recovery_codes"
# What a user who must enrol may still reach: the enrolment itself, leaving, the language, assets.
OPEN_WHILE_ENROLLING = {"accounts.two_factor", "accounts.logout", "accounts.set_language", "accounts.theme_css",
                        "static", "asset", "manifest", "service_worker", "healthz"}


@bp.before_app_request
def second_factor_first():
    """A user whose role requires a second factor and who has none is sent to enrolment from every
    page (API tokens are a credential of their own: /api/ is left alone)."""
    if request.path.startswith("/api/") or request.endpoint in OPEN_WHILE_ENROLLING or request.endpoint is None:
        return None
    if current_user.is_authenticated and second_factor.needs_enrolment(current_user):
        return redirect(url_for("accounts.two_factor"))
    return None


def _pending_key() -> str:
    user_id = str((session.get(signin.PENDING) or {}).get("id", "")).partition(":")[0]
    return f"{request.remote_addr}|code|{user_id}"


@bp.route("/login/code", methods=["GET", "POST"])
@throttle.limit_failures(lambda: current_app.config["LOGIN_FAILURE_LIMIT"], _pending_key)
@throttle.limit_failures(lambda: current_app.config["LOGIN_ADDRESS_LIMIT"], throttle.address_key,
                         scope="login-address")
def login_code():
    """The second step: the password was right; the session is logged in only after the code."""
    user, pending = signin.pending_user()
    if user is None:
        session.pop(signin.PENDING, None)
        flash(_("Log in with your email and password first."), "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        wait = throttle.seconds_to_wait(user.email)
        if wait:
            return throttle.refusal(wait)
        if second_factor.check_code(user, form.code.data):
            return signin.complete(user, pending.get("remember", False), pending.get("next") or home_for(user),
                                   second_factor=True)
        signin.failed(user, user.email, "code")
        flash(_("That code is not right."), "error")
    return render_template("accounts/login_code.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@throttle.limit_requests(lambda: current_app.config["PASSWORD_RESET_LIMIT"], throttle.address_key)
@throttle.limit_requests(lambda: current_app.config["PASSWORD_RESET_LIMIT"], throttle.typed_email)
def forgot_password():
    """Ask for a link by e-mail; the answer is the same whether the e-mail is anyone's."""
    if not password_reset.mail_configured():
        return render_template("accounts/forgot_password.html", form=None)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.email.data, address=signin.address())
        db.session.commit()  # the link's e-mail leaves after this (enqueue_after_commit)
        flash(_("If an account has this email, a link to set a new password is on its way. "
                "It works once, within an hour."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = password_reset.user_for_token(token)
    if user is None:
        flash(_("This link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        password_reset.reset_password(user, form.password.data, address=signin.address())
        throttle.record_success(user.email)  # they proved they read the mailbox
        db.session.commit()
        flash(_("Your password was changed. Log in with it."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, token=token)


@bp.route("/profile/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    """Set up a second factor (scan, type a code, keep the recovery codes), or see it is on."""
    user = current_user._get_current_object()
    enrolled = second_factor.is_enrolled(user)
    form = EnrolForm()
    if not enrolled:
        secret = session.get(ENROL_SECRET) or second_factor.new_secret()
        session[ENROL_SECRET] = secret  # confirmed by a code before it is stored
        if form.validate_on_submit():
            try:
                codes = second_factor.enrol(user, secret, form.code.data, address=signin.address())
            except second_factor.SecondFactorError as exc:
                form.code.errors.append(str(exc))
            else:
                db.session.commit()
                session.pop(ENROL_SECRET, None)
                session[NEW_CODES] = codes  # shown once, on the next page
                flash(_("The second factor is on. Keep the recovery codes below somewhere safe."), "success")
                return redirect(url_for("accounts.two_factor"))
        return render_template("accounts/two_factor.html", enrolled=False, form=form, secret=secret,
                               qr=second_factor.qr_svg(secret, user, get_setting("company_name")),
                               required=second_factor.required_for(user))
    return render_template("accounts/two_factor.html", enrolled=True, form=CodeForm(prefix="off"),
                           codes=session.pop(NEW_CODES, None), required=second_factor.required_for(user),
                           remaining=second_factor.remaining_recovery_codes(user))


@bp.route("/profile/two-factor/remove", methods=["POST"])
@login_required
def remove_two_factor():
    form = CodeForm(prefix="off")
    user = current_user._get_current_object()
    try:
        second_factor.remove(user, actor=user, code=form.code.data if form.validate_on_submit() else "",
                             address=signin.address())
    except second_factor.SecondFactorError as exc:
        db.session.commit()  # a recovery code tried is used up
        flash(str(exc), "error")
        return redirect(url_for("accounts.two_factor"))
    db.session.commit()
    flash(_("The second factor is off."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/users/<int:user_id>/two-factor/remove", methods=["POST"])
@roles_required("admin")
def reset_two_factor(user_id):
    """An admin switches off the second factor of a user who lost their phone and their codes;
    where their role requires one, they set up a new one at their next page."""
    user = db.session.get(User, user_id) or abort(404)
    try:
        second_factor.remove(user, actor=current_user._get_current_object(), address=signin.address())
    except second_factor.SecondFactorError as exc:  # their own: from the profile page, with a code
        flash(str(exc), "error")
        return redirect(url_for("accounts.edit_user", user_id=user.id))
    db.session.commit()
    flash(_("The second factor of %(name)s is off.", name=user.name), "success")
    return redirect(url_for("accounts.edit_user", user_id=user.id))
