"""Calibration through the API, as a QA lead runs it: three auditors and an expert score the same
three calls, blind; the lead closes each session; results and agreement statistics follow, checked
against values worked by hand (written out below, to 0.001)."""
import pytest

from extensions import db
from tests import factories
from tests.support.api import issue_token

pytestmark = pytest.mark.usefixtures("cheap_password_hashing")

CALL = {
    "slug": "calibration-call", "name": {"es": "Llamada", "en": "Call"}, "channel": "call",
    "sections": [{"key": "s", "title": {"es": "S", "en": "S"}, "criteria": [
        {"key": "q_yes", "type": "yes_no", "allow_na": True, "text": {"es": "Saludo", "en": "Greeting"}},
        {"key": "q_choice", "type": "choice", "text": {"es": "Resolución", "en": "Resolution"},
         "options": [{"key": "full", "score": 1, "label": {"es": "Sí", "en": "Full"}},
                     {"key": "partial", "score": 0.5, "label": {"es": "En parte", "en": "Partial"}},
                     {"key": "none", "score": 0, "label": {"es": "No", "en": "None"}}]},
        {"key": "q_scale", "type": "scale", "min": 1, "max": 5, "text": {"es": "Cortesía", "en": "Courtesy"}},
        {"key": "q_num", "type": "number", "target": {"op": "<=", "value": 5},
         "text": {"es": "Espera", "en": "Wait"}},
        {"key": "q_const", "type": "yes_no", "text": {"es": "Despedida", "en": "Farewell"}},
        {"key": "q_text", "type": "text", "required": False, "text": {"es": "Notas", "en": "Notes"}},
    ]}],
}

# Who answered what, session by session (A1-A3 the auditors, E the expert).
ANSWERS = {
    "S1": {"A1": ("yes", "full", 4, 3), "A2": ("yes", "partial", 5, 3), "A3": ("no", "full", 3, 6),
           "E": ("yes", "full", 4, 3)},
    "S2": {"A1": ("no", "partial", 2, 10), "A2": ("no", "partial", 2, 8), "A3": ("no", "none", 2, 10),
           "E": ("no", "partial", 2, 10)},
    "S3": {"A1": ("na", "full", 5, 4), "A2": ("yes", "full", 4, 4), "A3": ("na", "full", 5, 4),
           "E": ("na", "full", 5, 4)},
}

# ---- worked by hand --------------------------------------------------------------------------------
# Krippendorff's alpha = 1 - (n - 1) * sum(o_ck * d2_ck) / sum(n_c * n_k * d2_ck), over ordered pairs
# c != k of the coincidence matrix o (each unit of m ratings adds 1/(m-1) per ordered pair of raters),
# n_c its marginals, n = 12 ratings (4 raters x 3 sessions) per criterion.
#
# q_yes (nominal; N/A a category): S1 {yes 3, no 1}, S2 {no 4}, S3 {na 3, yes 1}.
#   off-diagonal o: yes-no 1 + no-yes 1 (S1), na-yes 1 + yes-na 1 (S3) = 4.
#   n_yes 4, n_no 5, n_na 3: sum n_c n_k over ordered c != k = 2 (20 + 12 + 15) = 94.
#   alpha = 1 - 11 * 4 / 94 = 50/94 = 0.531915
# q_choice (nominal): S1 {full 3, partial 1}, S2 {partial 3, none 1}, S3 {full 4}.
#   off-diagonal 4; n_full 7, n_partial 4, n_none 1: 2 (28 + 7 + 4) = 78.  alpha = 1 - 44/78 = 0.435897
# q_scale (ordinal, 1-5): S1 {4 4 5 3}, S2 {2 2 2 2}, S3 {5 4 5 5}; n_2 4, n_3 1, n_4 3, n_5 4.
#   ordinal d(c,k) = sum of n_g from c to k - (n_c + n_k)/2:
#   d2(3,4) = 2^2 = 4, d2(3,5) = 5.5^2 = 30.25, d2(4,5) = 3.5^2 = 12.25,
#   d2(2,3) = 2.5^2 = 6.25, d2(2,4) = 4.5^2 = 20.25, d2(2,5) = 8^2 = 64.
#   o: 4-5 and 5-4 2/3 (S1) + 1 (S3) each = 10/3; 4-3, 3-4 2/3 each = 4/3; 5-3, 3-5 1/3 each = 2/3.
#   observed = 10/3 * 12.25 + 4/3 * 4 + 2/3 * 30.25 = 66.3333
#   expected = 2 (4*1*6.25 + 4*3*20.25 + 4*4*64 + 1*3*4 + 1*4*30.25 + 3*4*12.25) = 2 * 1572 = 3144
#   alpha = 1 - 11 * 66.3333 / 3144 = 0.767918
# q_num (interval): S1 {3 3 6 3}, S2 {10 8 10 10}, S3 {4 4 4 4}.
#   observed: 3-6 twice (1 each) * 9 + 10-8 twice * 4 = 26
#   expected: n_3 3, n_4 4, n_6 1, n_8 1, n_10 3; sum over unordered pairs n_c n_k (c-k)^2 = 12 + 27 + 75
#   + 441 + 16 + 64 + 432 + 4 + 48 + 12 = 1131, ordered 2262.  alpha = 1 - 11 * 26 / 2262 = 0.873563
# q_const: everyone says yes everywhere: no disagreement to expect, alpha is null (one_value).
# q_text is never rated: not listed.
# Over all criteria (nominal, units = (session, criterion), categories per criterion, n = 60):
#   disagreeing ordered pairs / (m-1): q_yes 4, q_choice 4, q_scale 10/3 + 2, q_num 2 + 2, q_const 0 = 52/3
#   sum n_c^2 = (16+25+9) + (49+16+1) + (16+1+9+16) + (9+16+1+1+9) + 144 = 338; 60^2 - 338 = 3262
#   alpha = 1 - 59 * (52/3) / 3262 = 0.686491
#
# Cohen's kappa against the expert, pooled yes/no and choice answers (9 a person: q_yes, q_choice,
# q_const in three sessions); kappa = (p_o - p_e) / (1 - p_e), p_e = sum of marginal products / 81.
#   A1 answers as the expert everywhere: 1.
#   A2 agrees on 7 of 9 (S3 yes/na, S1 partial/full); marginals A2 yes 5, no 1, partial 2, full 1;
#      expert yes 4, no 1, na 1, full 2, partial 1: p_e = (20 + 1 + 2 + 2) / 81 = 25/81.
#      kappa = (63 - 25) / (81 - 25) = 38/56 = 0.678571
#   A3 agrees on 7 of 9 (S1 no/yes, S2 none/partial); A3 yes 3, no 2, na 1, full 2, none 1:
#      p_e = (12 + 2 + 1 + 4) / 81 = 19/81; kappa = 44/62 = 0.709677
# Quadratic-weighted kappa over the scale answers: 1 - sum(w O) / sum(w E), w = (i - j)^2.
#   A1: (4,4) (2,2) (5,5): 1.
#   A2: (5,4) (2,2) (4,5): observed 1 + 1 = 2; expected (1/3) sum over a in {5,2,4}, e in {4,2,5} of
#       (a-e)^2 = (10 + 13 + 5) / 3 = 28/3; kappa = 1 - 6/28 = 0.785714
#   A3: (3,4) (2,2) (5,5): observed 1; expected (6 + 13 + 10) / 3 = 29/3; kappa = 1 - 3/29 = 0.896552
# Scores (five scored questions of weight 1, N/A left out) and deviation from the expert (E 95, 35, 100):
#   A1 95, 35, 100 -> 0, 0, 0; A2 90, 35, 95 -> -5, 0, -5; A3 50, 25, 100 -> -45, -10, 0.
#   mean |deviation|: A1 0, A2 10/3 = 3.333333, A3 55/3 = 18.333333.
ALPHA = {"q_yes": 50 / 94, "q_choice": 34 / 78, "q_scale": 0.767918, "q_num": 1 - 286 / 2262, "q_const": None}
OVERALL = 0.686491
KAPPA = {"A1": 1.0, "A2": 38 / 56, "A3": 44 / 62}
WEIGHTED = {"A1": 1.0, "A2": 1 - 6 / 28, "A3": 1 - 3 / 29}
MEAN_DEVIATION = {"A1": 0.0, "A2": 10 / 3, "A3": 55 / 3}
SCORES = {"S1": {"A1": 95, "A2": 90, "A3": 50, "E": 95}}


@pytest.fixture
def team(app, api):
    """Three auditors (the world's two and a third) and an expert, with tokens; the call scorecard."""
    with app.app_context():
        third = factories.user("auditor", "auditor3@test.example", name="Third Auditor")
        expert = factories.user("auditor", "expert@test.example", name="Expert Eva")
        factories.scorecard(CALL)
        api.tokens["auditor3"] = issue_token(third.id)
        api.tokens["expert"] = issue_token(expert.id)
        db.session.commit()
    return {"A1": "auditor", "A2": "auditor2", "A3": "auditor3", "E": "expert"}


def _create(api, who="manager_a", **extra):
    body = {"scorecard": "calibration-call", "title": "Order call", "subject": "Recording 0412",
            "participants": ["auditor@test.example", "auditor2@test.example", "auditor3@test.example"],
            "expert": "expert@test.example", **extra}
    response = api.post(who, "/api/v1/calibrations", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _answer(api, who, session_id, values, submit=True):
    q_yes, q_choice, q_scale, q_num = values
    body = {"answers": {"q_yes": q_yes, "q_choice": q_choice, "q_scale": q_scale, "q_num": q_num, "q_const": "yes"},
            "submit": submit}
    return api.call(who, "PUT", f"/api/v1/calibrations/{session_id}/answers", json=body)


def test_three_auditors_and_an_expert_calibrate_blind_and_the_statistics_match_the_hand_computation(api, team):
    ids = {}
    for name, answers in ANSWERS.items():
        session = _create(api, branch_id=api.world["branch_a"])
        ids[name] = session["id"]
        for person, values in answers.items():
            response = _answer(api, team[person], session["id"], values)
            assert response.status_code == 200, response.get_json()
        if name == "S1":
            _blind_before_closing(api, team, session["id"])
        assert api.post("manager_a", f"/api/v1/calibrations/{session['id']}/close").status_code == 200

    s1 = ids["S1"]
    # after closing: answers are frozen, and everyone taking part reads everyone's
    assert _answer(api, "auditor", s1, ANSWERS["S1"]["A1"]).status_code == 409
    other = api.get("auditor", f"/api/v1/calibrations/{s1}/answers?participant={api.world['auditor2']['id']}")
    assert other.status_code == 200 and other.get_json()["answers"]["q_choice"] == "partial"

    results = api.get("auditor", f"/api/v1/calibrations/{s1}/results").get_json()
    by_email = {p["email"]: p for p in results["participants"]}
    assert by_email["auditor@test.example"]["score"] == pytest.approx(95)
    assert by_email["auditor2@test.example"]["deviation"] == pytest.approx(-5)
    assert by_email["auditor2@test.example"]["within_tolerance"] is True  # 5 points is the default tolerance
    assert by_email["auditor3@test.example"]["deviation"] == pytest.approx(-45)
    assert by_email["auditor3@test.example"]["within_tolerance"] is False
    assert by_email["expert@test.example"]["expert"] is True and by_email["expert@test.example"]["deviation"] is None
    # per criterion, least agreement first: the scale (1 of 3 auditors as the expert), then the 2-of-3s
    keys = [(c["key"], c["agreement"], c["basis"]) for c in results["criteria"]]
    assert keys[0][0] == "q_scale" and keys[0][1] == pytest.approx(1 / 3) and keys[0][2] == "expert"
    assert [k for k, _a, _b in keys[1:4]] == ["q_yes", "q_choice", "q_num"]
    assert keys[-1] == ("q_const", 1.0, "expert") and "q_text" not in [k for k, _a, _b in keys]

    figures = api.get("hr", "/api/v1/calibrations/agreement?scorecard=calibration-call").get_json()
    assert figures["sessions"] == 3
    assert figures["alpha"] == pytest.approx(OVERALL, abs=0.001)
    alphas = {c["key"]: c for c in figures["criteria"]}
    assert [c["key"] for c in figures["criteria"]] == ["q_yes", "q_choice", "q_scale", "q_num", "q_const"]
    assert {k: c["level"] for k, c in alphas.items()} == {"q_yes": "nominal", "q_choice": "nominal",
                                                         "q_scale": "ordinal", "q_num": "interval",
                                                         "q_const": "nominal"}
    for key, expected in ALPHA.items():
        if expected is None:
            assert alphas[key]["alpha"] is None and alphas[key]["reason"] == "one_value"
        else:
            assert alphas[key]["alpha"] == pytest.approx(expected, abs=0.001), key
        assert alphas[key]["ratings"] == 12
    auditors = {a["email"]: a for a in figures["auditors"]}
    assert "expert@test.example" not in auditors
    for person in ("A1", "A2", "A3"):
        row = auditors[api.world[team[person]]["email"] if team[person] in api.world else
                       f"{team[person]}@test.example"]
        assert row["kappa"] == pytest.approx(KAPPA[person], abs=0.001), person
        assert row["weighted_kappa"] == pytest.approx(WEIGHTED[person], abs=0.001), person
        assert row["mean_deviation"] == pytest.approx(MEAN_DEVIATION[person], abs=0.001), person
        assert (row["items"], row["scale_items"], row["sessions"]) == (9, 3, 3)

    # the session's PDF
    response = api.get("manager_a", f"/api/v1/calibrations/{s1}.pdf?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    _pages, text = factories.pdf_text(response.data)
    assert "Calibration: Order call" in text and "Expert Eva" in text and "Courtesy" in text
    assert "never counts in a report" in text


def _blind_before_closing(api, team, session_id):
    """Before the close nobody reads another's answers, and there are no results yet."""
    other = api.world["auditor2"]["id"]
    assert api.get("auditor", f"/api/v1/calibrations/{session_id}/answers?participant={other}").status_code == 403
    assert api.get("auditor", f"/api/v1/calibrations/{session_id}/answers").get_json()["answers"]["q_scale"] == 4
    assert api.get("manager_a", f"/api/v1/calibrations/{session_id}/results").status_code == 409
    assert api.get("manager_a", f"/api/v1/calibrations/{session_id}.pdf").status_code == 409
    seen = api.get("auditor2", f"/api/v1/calibrations/{session_id}").get_json()
    assert seen["my_answers"]["q_choice"] == "partial"
    assert all(set(p) == {"id", "email", "name", "expert", "submitted", "answered"} for p in seen["participants"])
    # the creator takes no part: may not answer (403); an outsider does not see it at all (404)
    assert api.call("manager_a", "PUT", f"/api/v1/calibrations/{session_id}/answers",
                    json={"answers": {"q_yes": "yes"}}).status_code == 403
    assert api.get("manager_b", f"/api/v1/calibrations/{session_id}").status_code == 404
    assert api.post("auditor", f"/api/v1/calibrations/{session_id}/close").status_code == 403


def test_answers_follow_the_audit_rules(api, team):
    session = _create(api)
    url = f"/api/v1/calibrations/{session['id']}/answers"
    response = api.call("auditor", "PUT", url, json={"answers": {"q_scale": 9, "nope": "yes"}})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "answers_conflict"
    problems = {p["criterion"] for p in response.get_json()["error"]["details"]["problems"]}
    assert problems == {"q_scale", "nope"}
    response = api.call("auditor", "PUT", url, json={"answers": {"q_yes": "na", "q_scale": "4"}, "submit": True})
    assert response.status_code == 409  # submitting needs every required answer
    saved = api.call("auditor", "PUT", url, json={"answers": {"q_yes": "na", "q_scale": "4"}}).get_json()
    assert saved["answers"] == {"q_yes": "na", "q_scale": 4} and saved["score"] is None


def test_without_an_expert_agreement_is_with_the_majority_and_kappa_is_null(api, team):
    session = _create(api, who="admin", expert=None)
    for person, values in (("A1", ("yes", "full", 4, 3)), ("A2", ("yes", "full", 3, 3)),
                           ("A3", ("no", "full", 4, 3))):
        assert _answer(api, team[person], session["id"], values).status_code == 200
    assert api.post("admin", f"/api/v1/calibrations/{session['id']}/close").status_code == 200
    results = api.get("admin", f"/api/v1/calibrations/{session['id']}/results").get_json()
    by_key = {c["key"]: c for c in results["criteria"]}
    assert by_key["q_yes"]["basis"] == "majority" and by_key["q_yes"]["agreement"] == pytest.approx(2 / 3)
    assert all(p["deviation"] is None and p["within_tolerance"] is None for p in results["participants"])
    figures = api.get("admin", "/api/v1/calibrations/agreement?scorecard=calibration-call").get_json()
    assert all(a["kappa"] is None and a["kappa_reason"] == "no_expert" for a in figures["auditors"])
    assert all(a["mean_deviation"] is None for a in figures["auditors"])


def test_who_may_create_and_read_calibrations(api, team):
    body = {"scorecard": "calibration-call", "title": "T",
            "participants": ["auditor@test.example", "auditor2@test.example"]}
    api.expect("POST", "/api/v1/calibrations", {"auditor": 403, "hr": 403, "employee": 403}, json=body)
    # a manager's session is for one of their branches
    assert api.post("manager_a", "/api/v1/calibrations",
                    json={**body, "branch_id": api.world["branch_b"]}).status_code == 409
    response = api.post("admin", "/api/v1/calibrations", json={**body, "participants": ["auditor@test.example",
                                                                                        "hr@test.example"]})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "calibration_conflict"
    assert api.post("admin", "/api/v1/calibrations", json={**body, "title": " "}).status_code == 422
    assert api.post("admin", "/api/v1/calibrations", json={**body, "scorecard": "nothing"}).status_code == 404
    api.expect("GET", "/api/v1/calibrations/agreement?scorecard=calibration-call",
               {"admin": 200, "hr": 200, "manager_a": 200, "auditor": 403, "employee": 403})
    created = _create(api)
    listed = {who: [s["id"] for s in api.get(who, "/api/v1/calibrations").get_json()["items"]]
              for who in ("auditor", "manager_a", "manager_b", "hr")}
    assert listed == {"auditor": [created["id"]], "manager_a": [created["id"]], "manager_b": [], "hr": [created["id"]]}


def test_participants_are_told_of_a_new_session(app, api, team):
    from notifications.models import Notification

    session = _create(api)
    with app.app_context():
        told = db.session.scalars(db.select(Notification).where(Notification.kind == "calibration_invited")).all()
        assert {n.subject_id for n in told} == {session["id"]} and len(told) == 4
    page = api.get("auditor", "/api/v1/notifications").get_json()
    assert any("Order call" in n["text"] for n in page["items"])


def test_the_auditors_report_page_and_its_json_agree(app, api, team, client, login_as):
    """Audits done, on time (first submitted by the due date), returned, and calibration figures:
    one function makes the page and the JSON."""
    from datetime import date, datetime, timedelta

    from audits.models import Assignment, AuditEvent
    from core.timeutil import utcnow
    from scorecards.models import ScorecardVersion

    with app.app_context():
        version = db.session.get(ScorecardVersion, api.ids["version_id"])
        auditor, branch = api.world["auditor2"]["id"], api.world["branch_a"]
        yesterday = utcnow().date() - timedelta(days=1)
        for due, returned in ((yesterday, False), (yesterday - timedelta(days=3), True), (None, False)):
            assignment = None
            if due is not None:
                assignment = Assignment(auditor_id=auditor, branch_id=branch, scorecard_id=version.scorecard_id,
                                        due_date=due, created_by_id=api.world["admin"]["id"])
                db.session.add(assignment)
                db.session.flush()
            audit = factories.audit(version, auditor, branch, status="submitted",
                                    assignment_id=assignment.id if assignment else None)
            audit.submitted_at = datetime.combine(yesterday, datetime.min.time()) + timedelta(hours=9)
            audit.events.append(AuditEvent(action="submitted", at=audit.submitted_at, before=None, after=None))
            if returned:
                audit.events.append(AuditEvent(action="returned", at=audit.submitted_at + timedelta(hours=1),
                                                before=None, after=None))
        db.session.commit()
    session = _create(api)
    for person, values in ANSWERS["S1"].items():
        assert _answer(api, team[person], session["id"], values).status_code == 200
    api.post("manager_a", f"/api/v1/calibrations/{session['id']}/close")

    api.expect("GET", "/api/v1/reports/auditors", {"admin": 200, "hr": 200, "manager_a": 403, "auditor": 403})
    report = api.get("hr", "/api/v1/reports/auditors").get_json()
    rows = {r["email"]: r for r in report["auditors"]}
    second = rows["auditor2@test.example"]
    # these three and the API world's one, all done yesterday; of the two planned, one was due
    # yesterday (on time), one days before (late): 50 %; one of four returned: 25 %
    assert (second["audits_done"], second["on_time_rate"], second["return_rate"]) == (4, 50.0, 25.0)
    # S1 alone, against the expert: yes/yes, partial/full, yes/yes: p_o = 2/3; marginals yes 2, partial 1
    # and yes 2, full 1: p_e = 4/9; kappa = (6/9 - 4/9) / (5/9) = 0.4
    assert second["kappa"] == pytest.approx(0.4, abs=0.001)
    assert second["mean_deviation"] == pytest.approx(5.0)
    this_month = date.today().replace(day=1).isoformat()
    assert second["months"] == [{"month": this_month, "sessions": 1, "kappa": second["kappa"],
                                 "mean_deviation": second["mean_deviation"]}]
    login_as("hr")
    page = client.get("/reports/auditors").get_data(as_text=True)
    block = page[page.index("Auditor2") if "Auditor2" in page else page.index(second["name"]):]
    block = block[:block.index("</li>")]
    assert "4 audits done" in block and "on time 50" in block and "returned 25" in block
    assert "kappa 0.40" in block and "deviation 5.0 points" in block
