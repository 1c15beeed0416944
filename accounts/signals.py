"""Signals sent when something happens to an account, for whoever wants to keep a record of it
(the security log) or react to it.

Blinker, as audits/events.py: receivers run inside the request, in its transaction, so a row they
add is committed with the change itself (or rolled back with it). Keyword arguments, all optional
unless named: ``actor`` (the User who acted, None for the system or an anonymous visitor),
``address`` (the client's address as the app sees it, after ProxyFix), ``email`` (as typed, for a
failed login), ``details`` (a dict that is safe to store: never a password, code or token).
"""
from blinker import Namespace

_signals = Namespace()

# sender: the User (or None when the e-mail matched nobody, for login_failed)
login_succeeded = _signals.signal("login-succeeded")
login_failed = _signals.signal("login-failed")
logged_out = _signals.signal("logged-out")
password_changed = _signals.signal("password-changed")      # details: {"how": "change" | "reset" | "admin"}
password_reset_requested = _signals.signal("password-reset-requested")
two_factor_enrolled = _signals.signal("two-factor-enrolled")
two_factor_removed = _signals.signal("two-factor-removed")
token_created = _signals.signal("token-created")            # details: {"name": ...}
token_revoked = _signals.signal("token-revoked")
user_created = _signals.signal("user-created")              # details: {"role": ...}
user_changed = _signals.signal("user-changed")              # details: {"changes": {field: [old, new]}}
user_deactivated = _signals.signal("user-deactivated")
settings_changed = _signals.signal("settings-changed")      # sender: None; details: {"changes": ...}

ALL = (login_succeeded, login_failed, logged_out, password_changed, password_reset_requested,
       two_factor_enrolled, two_factor_removed, token_created, token_revoked, user_created,
       user_changed, user_deactivated, settings_changed)
