from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from accounts import forms, second_factor, services, signals, signin, throttle
from accounts.models import LANGUAGES, ApiToken, User
from accounts.permissions import roles_required
from core.models import all_settings
from extensions import db, login_manager

bp = Blueprint("accounts", __name__)


def register(app):
    from accounts import signin_routes  # noqa: F401  (the code, reset and second-factor pages, on this blueprint)

    app.register_blueprint(bp)


login_manager.login_view = "accounts.login"
login_manager.login_message = None
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str):
    """The id carries the session token: a reset password or deactivation ends old sessions."""
    if "api_user" in g:  # an API call is its token's user (api/common.py), whatever cookie came along
        return g.api_user
    ident, _sep, token = user_id.partition(":")
    if not ident.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no '//' or backslash tricks."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def home_for(user) -> str:
    endpoint = {"auditor": "audits.my_assignments", "manager": "reports.overview",
                "hr": "reports.employees", "admin": "reports.overview",
                "employee": "reports.mine"}.get(user.role, "accounts.profile")
    if endpoint not in current_app.view_functions:
        endpoint = "accounts.profile"
    return url_for(endpoint)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@throttle.limit_failures(lambda: current_app.config["LOGIN_FAILURE_LIMIT"], throttle.address_and_email_key)
@throttle.limit_failures(lambda: current_app.config["LOGIN_ADDRESS_LIMIT"], throttle.address_key,
                         scope="login-address")
def login():
    """The password step; with a second factor the code page follows (accounts/signin_routes.py).
    Three layers of limits slow down guessing (accounts/throttle.py)."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = forms.LoginForm()
    if form.validate_on_submit():
        typed = form.email.data.strip()
        wait = throttle.seconds_to_wait(typed)
        if wait:
            return throttle.refusal(wait)
        user = db.session.scalar(db.select(User).where(User.email == typed.lower()))
        if signin.check_password(user, form.password.data):
            next_url = safe_next(request.args.get("next"))
            if second_factor.is_enrolled(user):
                signin.start_pending(user, form.remember.data, next_url)
                return redirect(url_for("accounts.login_code"))
            return signin.complete(user, form.remember.data, next_url or home_for(user))
        signin.failed(user, typed, "password")
        flash(_("Wrong email or password."), "error")
    return render_template("accounts/login.html", form=form, mail_configured=bool(current_app.config["MAIL_SERVER"]))


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        signals.logged_out.send(current_user._get_current_object(), actor=current_user._get_current_object(),
                                address=signin.address())
        db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code):
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        current_user.language = code
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("accounts.index"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = forms.ProfileForm(obj=current_user)
    password_form = forms.ChangePasswordForm(prefix="pw")
    token_form = forms.TokenForm(prefix="tok")
    if form.validate_on_submit() and "save_profile" in request.form:
        current_user.name = form.name.data.strip()
        current_user.language = form.language.data
        db.session.commit()
        flash(_("Your profile was saved."), "success")
        return redirect(url_for("accounts.profile"))
    tokens = db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == current_user.id,
                                                          ApiToken.revoked_at.is_(None))
                                .order_by(ApiToken.created_at.desc())).all()
    return render_template("accounts/profile.html", form=form, password_form=password_form,
                           token_form=token_form, tokens=tokens, new_token=session.pop("new_token", None),
                           two_factor_on=second_factor.is_enrolled(current_user))


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    form = forms.ChangePasswordForm(prefix="pw")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("accounts.profile"))
    if not current_user.check_password(form.current.data):
        flash(_("The current password is wrong."), "error")
        return redirect(url_for("accounts.profile"))
    current_user.set_password(form.new.data)
    signals.password_changed.send(current_user._get_current_object(), actor=current_user._get_current_object(),
                                  address=signin.address(), details={"how": "change"})
    db.session.commit()
    # The session token changed: log this session in again (the others end).
    login_user(current_user._get_current_object())
    flash(_("Your password was changed."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/profile/tokens", methods=["POST"])
@login_required
def create_token():
    form = forms.TokenForm(prefix="tok")
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "error")
        return redirect(url_for("accounts.profile"))
    # The token is a credential that outlives the session: with a second factor, it asks for the code.
    if second_factor.is_enrolled(current_user) and not second_factor.check_code(current_user, form.code.data or ""):
        db.session.commit()  # a recovery code tried is not given back
        flash(_("Enter a right code from your authenticator app to create a token."), "error")
        return redirect(url_for("accounts.profile"))
    _token, secret = services.issue_token(current_user, form.name.data.strip(), actor=current_user,
                                          address=signin.address())
    db.session.commit()
    # Shown once, on the next page, then gone: only its hash is stored.
    session["new_token"] = secret
    flash(_("Copy the token now: it will not be shown again."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_token(token, actor=current_user, address=signin.address())
    db.session.commit()
    flash(_("The token was revoked."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/users")
@roles_required("admin")
def list_users():
    q = (request.args.get("q") or "").strip()[:100]
    role = request.args.get("role")
    users = db.session.scalars(services.user_query(role=role, q=q)).all()
    return render_template("accounts/users.html", users=users, q=q, role=role, role_labels=forms.ROLE_LABELS)


def _user_form(user=None):
    form = forms.UserForm(obj=user)
    branch, employee = User.related_class("branches"), User.related_class("employee")
    form.branches.choices = [(b.id, f"{b.code} · {b.name}") for b in
                             db.session.scalars(db.select(branch).order_by(branch.name))]
    form.employee_id.choices = [("", _("None"))] + [
        (e.id, f"{e.code} · {e.name}") for e in db.session.scalars(
            db.select(employee).where(db.or_(employee.active.is_(True), employee.id == (user and user.employee_id)))
            .order_by(employee.name))]
    if user is not None and request.method == "GET":
        form.branches.data = [b.id for b in user.branches]
        form.language.data = user.language or "es"
    return form


def _save_user(form, user=None):
    """Create or change the user through the same service as the API; its refusals go to the field
    at fault. True when saved."""
    values = {"email": form.email.data, "name": form.name.data, "role": form.role.data,
              "language": form.language.data, "branch_ids": form.branches.data or [],
              "employee_id": form.employee_id.data, "active": form.active.data, "password": form.password.data or None}
    try:
        if user is None:
            services.create_user(**values, acting=current_user)
        else:
            services.update_user(user, acting=current_user, **values)
    except services.InvalidUser as exc:
        for name, message in exc.problems.items():
            _form_field(form, name).errors.append(message)
        return False
    except services.UserConflict as exc:  # the same messages, on the fields at fault
        for name, message in exc.problems_by_field.items():
            _form_field(form, name).errors.append(message)
        return False
    except services.AccountError as exc:
        _form_field(form, exc.field).errors.append(exc.message)
        return False
    return True


def _form_field(form, name):
    return {"branch_ids": form.branches}.get(name) or getattr(form, name or "email", form.email)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def create_user():
    form = _user_form()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("A new user needs a password."))
        elif _save_user(form):
            db.session.commit()
            flash(_("User %(name)s was created.", name=form.name.data.strip()), "success")
            return redirect(url_for("accounts.list_users"))
    return render_template("accounts/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id):
    user = db.session.get(User, user_id) or abort(404)
    form = _user_form(user)
    if form.validate_on_submit():
        if _save_user(form, user):
            db.session.commit()
            flash(_("User %(name)s was saved.", name=user.name), "success")
            return redirect(url_for("accounts.list_users"))
        db.session.rollback()
    return render_template("accounts/user_form.html", form=form, user=user,
                           two_factor_on=second_factor.is_enrolled(user))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    form = forms.SettingsForm(data=all_settings())
    if form.validate_on_submit():
        values = {"company_name": form.company_name.data, "brand_color": form.brand_color.data,
                  "allow_unplanned_audits": form.allow_unplanned_audits.data,
                  "require_2fa_for": list(form.require_2fa_for.data or []),
                  "actions_on_critical": form.actions_on_critical.data}
        if form.dispute_window_days.data is not None:  # left empty: unchanged
            values["dispute_window_days"] = form.dispute_window_days.data
        for key in ("recognition_min_audits", "recognition_threshold"):  # recognition; empty: unchanged
            if form[key].data is not None:
                values[key] = form[key].data
        if form.calibration_tolerance_points.data is not None:  # left empty: unchanged
            values["calibration_tolerance_points"] = form.calibration_tolerance_points.data
        services.save_settings(values, actor=current_user, address=signin.address())
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form)


@bp.route("/theme.css")
def theme_css():
    """The admin's brand colour as a stylesheet: the CSP allows no inline styles."""
    from core.colors import palette
    from core.models import get_setting

    # Any #rrggbb is allowed: the text on it and its shade for text on the page come with it.
    colors = palette(get_setting("brand_color"))
    body = ":root{" + ";".join(f"--{name}:{value}" for name, value in colors.items()) + "}\n"
    response = current_app.response_class(body, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
