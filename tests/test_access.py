"""Every route of the app, web and API, found from the URL map, walked as each kind of person.

The objects in the URLs all belong to branch A and to the first auditor. Each endpoint is listed
in POLICY with who may use it on such an object; a route missing from POLICY fails the test, so a
new route cannot ship without saying who may use it. Refused people get 403 or 404 (401 for an API
call without a token, a redirect to the login page for a web page), never a 500, and never a page
that shows branch A's data to someone outside it.
"""
import re

import pytest

from audits.models import Audit
from extensions import db
from tests import factories
from tests.support.walk import MARKER, PERSON

# "employee" is an employee's own login (branch A's Ana): their profile, their own page and figures,
# and their approved audits (the walk's audit is submitted, not approved: a 404 for them).
PEOPLE = ["anonymous", "auditor", "auditor2", "manager_a", "manager_b", "hr", "employee", "admin"]
LOGGED_IN = set(PEOPLE) - {"anonymous"}
ALL = set(PEOPLE)
ADMIN = {"admin"}
AUDITORS = {"auditor", "auditor2"}
MANAGERS = {"manager_a", "manager_b"}
SEES_A = {"admin", "manager_a", "hr"}          # may see branch A's things
MANAGES_A = {"admin", "manager_a"}             # may change branch A's things
OWNER = {"auditor"}                           # the auditor whose audit it is
EMPLOYEE = {"employee"}                       # Ana's own login: the audits and figures are about her
REPORTS_LISTS = {"admin", "hr", "manager_a", "manager_b"}
BATCH_OWNER = {"manager_a"}                    # whose report batch it is
# (auditors may see employees' names while they may start unplanned audits: they pick who served)

# endpoint -> who may use it (for GET), or {method: who} where methods differ.
POLICY = {
    # public
    "accounts.index": ALL, "accounts.login": ALL, "accounts.logout": ALL, "accounts.set_language": ALL,
    "accounts.theme_css": ALL, "asset": ALL, "static": ALL, "healthz": ALL, "manifest": ALL,
    "service_worker": ALL, "api-docs.openapi_json": ALL,
    # everyone's own
    "accounts.profile": LOGGED_IN, "accounts.change_password": LOGGED_IN, "accounts.create_token": LOGGED_IN,
    "accounts.revoke_token": OWNER,
    # signing in beyond the password: the code step and a forgotten password are for anyone (each
    # sends back to the login without its first step); the second factor is each user's own, and
    # an admin switches it off for someone who lost their phone
    "accounts.login_code": ALL, "accounts.forgot_password": ALL, "accounts.reset_password": ALL,
    "accounts.two_factor": LOGGED_IN, "accounts.remove_two_factor": LOGGED_IN, "accounts.reset_two_factor": ADMIN,
    "notifications.list_notifications": LOGGED_IN, "notifications.preferences": LOGGED_IN,
    "notifications_api.list_notifications": LOGGED_IN, "notifications_api.mark_notifications_read": LOGGED_IN,
    # admin
    "accounts.list_users": ADMIN, "accounts.create_user": ADMIN, "accounts.edit_user": ADMIN,
    "accounts.settings": ADMIN,
    "branches.create_branch": ADMIN, "branches.create_employee": ADMIN,
    "branches.list_branches": REPORTS_LISTS, "branches.list_employees": REPORTS_LISTS,
    "branches.edit_branch": {"GET": SEES_A, "POST": ADMIN},
    "branches.edit_employee": {"GET": SEES_A, "POST": ADMIN},
    # audits
    "audits.my_assignments": AUDITORS | MANAGERS | ADMIN,  # managers and admins may audit too
    "audits.start_audit": AUDITORS | MANAGERS | ADMIN,
    "audits.assignments": MANAGERS | ADMIN, "audits.create_assignment": MANAGERS | ADMIN,
    "audits.edit_assignment": MANAGES_A, "audits.delete_assignment": MANAGES_A,
    "audits.list_audits": LOGGED_IN, "audits.view_audit": OWNER | SEES_A, "audits.photo": OWNER | SEES_A,
    "audits.fill": OWNER, "audits.autosave": OWNER, "audits.submit": OWNER, "audits.checkin": OWNER,
    "audits.upload_photo": OWNER, "audits.delete_photo": OWNER, "audits.review": MANAGES_A,
    # only the audited employee acknowledges, and only an approved audit: the walk's is submitted
    "audits.acknowledge": set(), "audits_api.acknowledge_audit": set(),
    # disputes: only of approved audits (the walk's dispute is Ana's, on the submitted audit, which
    # she cannot see); the auditor comments, a manager of the branch or an admin decides
    "disputes.open_dispute": set(), "disputes_api.open_dispute": set(),
    "disputes.list_disputes": LOGGED_IN, "disputes_api.list_disputes": LOGGED_IN,
    "disputes_api.get_dispute": OWNER | SEES_A,
    "disputes.evidence_photo": OWNER | SEES_A, "disputes_api.get_dispute_evidence": OWNER | SEES_A,
    "disputes.add_evidence": set(), "disputes_api.add_dispute_evidence": set(),  # only the opener, Ana
    "disputes.comment": OWNER, "disputes_api.comment_dispute": OWNER,
    "disputes.decide": MANAGES_A, "disputes_api.decide_dispute": MANAGES_A,
    "disputes.withdraw": set(), "disputes_api.withdraw_dispute": set(),
    "disputes.auditors_report": {"admin", "hr"},
    # corrective actions: the walk's is manager A's, on Ana's audit (she sees it); new ones only on
    # an approved audit (the walk's is submitted when read; its reviewers approve it before they post)
    "actions.my_actions": LOGGED_IN, "actions.branch_actions": SEES_A,
    "actions.new_action": {"GET": set(), "POST": MANAGES_A},
    "actions.view_action": SEES_A | EMPLOYEE, "actions.action_photo": SEES_A | EMPLOYEE,
    "actions.change_status": MANAGES_A, "actions.edit_action": MANAGES_A,
    "actions_api.list_actions": LOGGED_IN, "actions_api.create_action": MANAGERS | ADMIN,
    "actions_api.get_action": SEES_A | EMPLOYEE, "actions_api.update_action": MANAGES_A,
    # API: the same rules
    "accounts_api.me": LOGGED_IN, "accounts_api.get_settings": ADMIN, "accounts_api.update_settings": ADMIN,
    "users_api.list_users": MANAGERS | ADMIN, "users_api.create_user": ADMIN, "users_api.get_user": ADMIN,
    "users_api.update_user": ADMIN, "users_api.sync_user": ADMIN,
    # auditors read branches and employees while unplanned audits are allowed (the default)
    "branches_api.list_branches": REPORTS_LISTS | AUDITORS, "branches_api.create_branch": ADMIN,
    "branches_api.get_branch": SEES_A | AUDITORS, "branches_api.update_branch": ADMIN,
    "branches_api.list_employees": REPORTS_LISTS | AUDITORS, "branches_api.create_employee": ADMIN,
    "branches_api.get_employee": SEES_A | AUDITORS, "branches_api.update_employee": ADMIN,
    "scorecards_api.list_scorecards": LOGGED_IN, "scorecards_api.get_scorecard": LOGGED_IN,
    "scorecards_api.import_scorecard": ADMIN, "scorecards_api.publish_scorecard": ADMIN,
    # previewing a draft's impact: admins only, like the builder (managers, HR, auditors and employees: 403)
    "scorecards_api.preview_scorecard": ADMIN, "impact.preview": ADMIN,
    "assignments_api.list_assignments": LOGGED_IN, "assignments_api.create_assignment": MANAGERS | ADMIN,
    "assignments_api.get_assignment": OWNER | SEES_A, "assignments_api.update_assignment": MANAGES_A,
    "assignments_api.delete_assignment": MANAGES_A,
    "audits_api.list_audits": LOGGED_IN, "audits_api.create_audit": AUDITORS | MANAGERS | ADMIN,
    "audits_api.get_audit": OWNER | SEES_A, "audits_api.update_audit": OWNER,
    "audits_api.submit_audit": OWNER, "audits_api.approve_audit": MANAGES_A, "audits_api.return_audit": MANAGES_A,
    "photos_api.upload_photo": OWNER, "photos_api.list_photos": OWNER | SEES_A,
    "photos_api.get_photo": OWNER | SEES_A, "photos_api.delete_photo": OWNER,
    # reports
    "reports.overview": REPORTS_LISTS, "reports.employees": REPORTS_LISTS, "reports.branch": SEES_A,
    "reports.employee": SEES_A, "reports.audit_pdf": OWNER | SEES_A, "reports.employee_pdf": SEES_A,
    "reports.branch_pdf": SEES_A, "reports.export": REPORTS_LISTS,
    "reports.mine": EMPLOYEE, "reports.mine_pdf": EMPLOYEE,
    "reports_api.audit_pdf": OWNER | SEES_A, "reports_api.employee_pdf": SEES_A | EMPLOYEE,
    "reports_api.branch_pdf": SEES_A,
    "reports_api.export": REPORTS_LISTS, "reports_api.branch_figures": SEES_A,
    "reports_api.employee_figures": SEES_A | EMPLOYEE, "reports_api.overview_figures": REPORTS_LISTS,
    # report batches: anyone who reads reports asks for one; a batch is seen by its requester only
    "batches.create_batch": REPORTS_LISTS, "batches_api.create_report_batch": REPORTS_LISTS,
    "batches.batch": BATCH_OWNER, "batches.batch_status": BATCH_OWNER, "batches.batch_download": BATCH_OWNER,
    "batches_api.get_report_batch": BATCH_OWNER, "batches_api.download_report_batch": BATCH_OWNER,
    # coaching: managers of the branch and admins record and change; HR reads; the coached employee
    # reads and acknowledges (the walk's session is Ana's); recognition for managers, HR and admins
    "coaching_api.list_coaching_sessions": REPORTS_LISTS | EMPLOYEE,
    "coaching_api.create_coaching_session": MANAGERS | ADMIN,
    "coaching_api.get_coaching_session": SEES_A | EMPLOYEE, "coaching_api.get_coaching_effect": SEES_A | EMPLOYEE,
    "coaching_api.update_coaching_session": MANAGES_A | EMPLOYEE,
    "recognition_api.get_recognition": REPORTS_LISTS,
    "coaching.list_sessions": REPORTS_LISTS | EMPLOYEE, "coaching.record_session": MANAGERS | ADMIN,
    "coaching.view_session": SEES_A | EMPLOYEE, "coaching.edit_session": MANAGES_A,
    "coaching.acknowledge": EMPLOYEE, "coaching.recognition": REPORTS_LISTS,
    # a certificate only for an employee the period recognises: the walk's Ana has no approved audit
    "coaching.certificate": set(),
    # the security log (admin); an employee's data rights: their data (admin, HR), their erasure (admin)
    "security.events": ADMIN, "security.settings": ADMIN, "security_api.list_security_events": ADMIN,
    "security.personal_data_zip": {"admin", "hr"}, "security_api.get_employee_personal_data": {"admin", "hr"},
    "security.erase": ADMIN, "security_api.erase_employee": ADMIN,
    # calibration: the walk's session is branch A's, made by manager A, scored by the first auditor
    # (and another), closed; only its creator or an admin closes, only a participant answers
    "calibration.list_sessions": AUDITORS | MANAGERS | ADMIN | {"hr"},
    "calibration.new_session": MANAGERS | ADMIN, "calibrations_api.create_calibration": MANAGERS | ADMIN,
    "calibration.view_session": SEES_A | OWNER, "calibrations_api.get_calibration": SEES_A | OWNER,
    "calibration.save_answers": OWNER, "calibrations_api.save_calibration_answers": OWNER,
    "calibrations_api.get_calibration_answers": OWNER,
    "calibration.close_session": MANAGES_A, "calibrations_api.close_calibration": MANAGES_A,
    "calibrations_api.get_calibration_results": SEES_A | OWNER,
    "calibration.session_pdf": SEES_A | OWNER, "calibrations_api.calibration_pdf": SEES_A | OWNER,
    "calibrations_api.list_calibrations": LOGGED_IN,
    # without ?scorecard= the agreement is the latest closed session's scorecard: manager B has none (404)
    "calibration.agreement_page": REPORTS_LISTS, "calibrations_api.get_calibration_agreement": SEES_A,
    "calibrations_api.auditors_figures": {"admin", "hr"},
    # customer surveys: the public page is everyone's (no account); links and posters are their
    # branch's managers' and the admin's; responses are read in scope (auditors and employees never)
    "surveys_public.survey": ALL,
    "surveys.links": MANAGERS | ADMIN, "surveys.create_link": MANAGERS | ADMIN,
    "surveys.revoke_link": MANAGES_A, "surveys.link_poster": MANAGES_A,
    "surveys.responses": REPORTS_LISTS, "surveys.hide_comment": MANAGES_A, "surveys.settings": ADMIN,
    "surveys_api.create_survey_link": MANAGERS | ADMIN, "surveys_api.revoke_survey_link": MANAGES_A,
    "surveys_api.list_survey_responses": REPORTS_LISTS,
    # offline: the prepared fill page of one's own assignment; the list of what waits on the phone; its replay
    "offline.prepared_fill": OWNER, "offline.outbox": AUDITORS | MANAGERS | ADMIN,
    "offline.replay_audit": AUDITORS | MANAGERS | ADMIN, "offline.prepared_unplanned": AUDITORS | MANAGERS | ADMIN,
}
# Whole areas, by endpoint prefix, when every route in them follows one rule.
AREAS = {"scorecards.": ADMIN, "webhooks.": ADMIN, "webhooks_api.": ADMIN, "jobs.": ADMIN, "jobs_api.": ADMIN}


ON_A_DRAFT = {"audits.fill", "audits.autosave", "audits.submit", "audits.checkin", "audits.upload_photo",
              "audits.photo", "audits.delete_photo", "audits_api.update_audit", "audits_api.submit_audit",
              "photos_api.upload_photo", "photos_api.list_photos", "photos_api.get_photo", "photos_api.delete_photo"}


def allowed_for(endpoint, method):
    rule = POLICY.get(endpoint)
    if rule is None:
        rule = next((who for prefix, who in AREAS.items() if endpoint.startswith(prefix)), None)
    if isinstance(rule, dict):
        rule = rule.get(method, rule.get("GET"))
    return rule


def urls(app, objects):
    """(endpoint, method, url) for every rule, its parameters filled with branch A's objects."""
    out, unknown = [], []
    for rule in app.url_map.iter_rules():
        values = {}
        for arg in rule.arguments:
            if arg not in objects:
                unknown.append(f"{rule.endpoint} needs a value for <{arg}>: add it to tests/support/walk.py")
            values[arg] = objects.get(arg, 1)
        if rule.endpoint in ON_A_DRAFT:  # filling needs an audit still being filled
            values["audit_id"] = objects["draft_audit_id"]
        if "section" in rule.endpoint and "key" in values:
            values["key"] = objects["section_as_key"]
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, url))
    assert not unknown, "\n".join(unknown)
    # reads first, then changes, deletions last, so that one change does not hide the next route
    order = {"GET": 0, "POST": 1, "PATCH": 1, "PUT": 1, "DELETE": 2}
    return sorted(out, key=lambda item: (order[item[1]], "delete" in item[0] or "revoke" in item[0]))


def test_every_route_is_classified(app, objects):
    missing = sorted({e for e, _m, _u in urls(app, objects) if allowed_for(e, "GET") is None})
    assert not missing, "say who may use these routes in tests/test_access.py POLICY: " + ", ".join(missing)


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_reaches_only_what_they_may(app, objects, world, person):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    if person != "anonymous":
        assert client.post("/login", data={"email": world[person]["email"],
                                           "password": factories.PASSWORD}).status_code == 302
    problems = []
    for endpoint, method, url in urls(app, objects):
        who = allowed_for(endpoint, method)
        if who is None or endpoint == "accounts.logout":  # logging out would end the walk
            continue
        api = url.startswith("/api/")
        headers = {}
        if api and person != "anonymous":
            headers["Authorization"] = f"Bearer {objects['tokens'][person]}"
        api_client = app.test_client() if api else client  # the API ignores cookies; test it without them
        kwargs = {"json": {}} if api and method in ("POST", "PATCH", "PUT") else {}
        response = api_client.open(url, method=method, headers=headers, **kwargs)
        status = response.status_code
        body = response.get_data(as_text=True) if response.mimetype in ("text/html", "application/json") else ""
        where = f"{person} {method} {url} ({endpoint}) -> {status}"
        if status >= 500:
            problems.append(where + ": server error")
            continue
        if person in who:
            if status in (401, 403) or (method == "GET" and status >= 400 and endpoint != "asset"):
                problems.append(where + ": should be allowed")
            continue
        # refused
        if api:
            ok = status in (401,) if person == "anonymous" else status in (403, 404, 405)
            if person != "anonymous" and method != "GET" and status in (400, 422):
                ok = True  # an empty body fails validation before the role is even looked at
            if response.mimetype != "application/json" or "/login" in response.headers.get("Location", ""):
                ok = False
        elif person == "anonymous":
            ok = status in (302, 401) and "/login" in response.headers.get("Location", "/login")
            ok = ok or status == 400  # a form post without its fields
        else:
            ok = status in (403, 404) or (method == "POST" and status == 400)
            if endpoint in ON_A_DRAFT and person in SEES_A:
                # someone who may see the audit but not fill it is shown the read-only audit page
                audit_page = f"/audits/{objects['draft_audit_id']}"
                ok = ok or (status == 302 and audit_page in response.headers["Location"])
        if not ok:
            problems.append(where + ": should be refused")
        if MARKER in body or (person == "manager_b" and PERSON in body):
            problems.append(where + ": shows branch A's data")
    with app.app_context():
        draft = db.session.get(Audit, objects["draft_audit_id"])
        if person != "auditor":  # nobody but its auditor changed the draft, whatever they sent
            assert {a.criterion_key: a.value for a in draft.answers if a.value is not None} == {
                k: v for k, v in factories.WORKED_ANSWERS.items()}
            assert len(draft.photos) == 1
    assert not problems, "\n".join(problems)


def test_lists_never_show_another_branchs_or_auditors_data(app, objects, world):
    for person in ("auditor2", "manager_b"):
        client = app.test_client()
        client.post("/login", data={"email": world[person]["email"], "password": factories.PASSWORD})
        token = objects["tokens"][person]
        for url in ("/audits", "/employees", "/branches", "/my/assignments", "/assignments", "/reports",
                    "/reports/employees"):
            page = client.get(url).get_data(as_text=True)
            assert MARKER not in page, f"{person} sees {url}"
            assert person != "manager_b" or PERSON not in page, f"{person} sees {url}"
        for url in ("/api/v1/audits", "/api/v1/employees", "/api/v1/assignments", "/api/v1/branches"):
            body = app.test_client().get(url, headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)
            assert MARKER not in body and f'"id": {objects["audit_id"]},' not in body, f"{person} sees {url}"


def test_every_state_changing_form_needs_its_csrf_token(app, objects, world):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"email": world["admin"]["email"], "password": factories.PASSWORD,
                                "csrf_token": token})
    unprotected = []
    for endpoint, method, url in urls(app, objects):
        if method == "GET" or url.startswith("/api/"):
            continue
        response = client.open(url, method=method, data={})
        if response.status_code != 400:
            unprotected.append(f"{method} {url} -> {response.status_code}")
    assert not unprotected, "accepted without a CSRF token:\n" + "\n".join(unprotected)
