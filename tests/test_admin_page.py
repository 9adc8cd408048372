"""Sign-in and roles in the app (AppTest with at.user): each role's navigation, the writes it may do
on screen, and the Admin page (audit log, backup). The data layer's own checks: test_access.py."""
from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DEMO_LINK, app_test

PAGES = Path(__file__).resolve().parent.parent / "pages"
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-secret-" + "x" * 32,
        "client_id": "opsplan", "client_secret": "s",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
KPI_PAGES = {"overview.py", "reliability.py", "support.py", "cost.py", "monitoring.py", "budget.py", "growth.py",
             "adherence.py"}
# The pages each role finds in its navigation (access.toml at the repo root maps these e-mails).
EXPECTED = {
    "viewer": KPI_PAGES,
    "finance": KPI_PAGES | {"scenarios.py"},
    "planner": KPI_PAGES | {"scenarios.py", "capacity.py"},
    "admin": KPI_PAGES | {"scenarios.py", "capacity.py", "data.py", "admin.py"},
}


def signed_in(db: Path, monkeypatch: pytest.MonkeyPatch, role: str | None, email: str | None = None):
    """The app with sign-in on, as `role`'s example user (None: not signed in), on the demo period."""
    at = app_test(db, monkeypatch, timeout=120)
    at.secrets["auth"] = dict(AUTH)
    at.user = {"is_logged_in": False} if role is None and email is None else \
        {"is_logged_in": True, "email": email or f"{role}@example.com", "name": f"{role} user",
         # a provider's token names its issuer and subject and when it was issued (a cookie without
         # an issue time is refused: data/sessions.py)
         "iss": "http://127.0.0.1:9", "sub": email or f"{role}@example.com", "iat": int(time.time())}
    at.query_params.update(DEMO_LINK)
    return at.run()


def listed(at) -> set[str]:
    """The page files the navigation offers (switch_page refuses a page st.navigation did not register)."""
    found = set()
    for page in PAGES.glob("*.py"):
        try:
            at.switch_page(str(page))
        except ValueError:
            continue
        found.add(page.name)
    return found


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_sees_only_its_pages(app_db, monkeypatch, role):
    """The navigation lists exactly the pages the role may use; the sidebar names the user and role."""
    at = signed_in(app_db, monkeypatch, role)
    assert not at.exception, at.exception
    assert listed(at) == {p for p in EXPECTED[role] if (PAGES / p).exists()}
    assert any(f"role: {role}" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("role, email, title", [(None, None, "opsplan"), (None, "stranger@example.com", "No access")])
def test_signed_out_and_unknown_users_see_no_page(app_db, monkeypatch, role, email, title):
    """Before sign-in only the sign-in button; an unknown user is told they have no role. No dashboard page."""
    at = signed_in(app_db, monkeypatch, role, email)
    assert [t.value for t in at.title] == [title]
    assert listed(at) == set()
    assert [b.label for b in at.button] == (["Sign in"] if email is None else ["Sign out"])


def test_sign_in_off_is_one_local_user_with_every_right(app_db, monkeypatch):
    """No [auth] section: every page is listed and the sidebar says sign-in is off."""
    at = app_test(app_db, monkeypatch, timeout=120)
    at.query_params.update(DEMO_LINK)
    at.run()
    assert listed(at) == {p.name for p in PAGES.glob("*.py")}
    assert any("Sign-in is off" in c.value and "every right" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("role, editable", [("viewer", False), ("finance", True), ("admin", True)])
def test_budget_editor_only_for_finance_and_up(app_db, monkeypatch, role, editable):
    """The Budget page offers the plan's budget lines for editing to finance and up, not to viewers."""
    at = signed_in(app_db, monkeypatch, role)
    at.switch_page(str(PAGES / "budget.py")).run()
    assert not at.exception, at.exception
    assert any(e.label == "Edit the plan's budget lines" for e in at.expander) is editable


def test_finance_saves_a_scenario_under_their_name(app_db, monkeypatch):
    """A finance user's save is stored and audited under their e-mail and role."""
    at = signed_in(app_db, monkeypatch, "finance")
    at.switch_page(str(PAGES / "scenarios.py")).run()
    at.text_input(key="sc_save_name").input("finance probe").run()
    at.button(key="sc_save").click().run()
    assert not at.exception, at.exception
    assert any("Saved 'finance probe' by finance user" in s.value for s in at.success)
    con = duckdb.connect(str(app_db))  # the same process: DuckDB shares the app's open database
    row = con.execute("select actor_email, actor_role, action, target from audit_log "
                      "where target = 'finance probe'").fetchall()
    assert row == [("finance@example.com", "finance", "save_scenario", "finance probe")]


def test_admin_backs_up_and_reads_the_audit_log(app_db, monkeypatch, tmp_path):
    """The Admin page's backup writes a verified folder and its audit row shows in the log, with a CSV."""
    at = signed_in(app_db, monkeypatch, "admin")
    at.switch_page(str(PAGES / "admin.py")).run()
    at.button(key="admin_backup").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Backed up") for s in at.success)
    at.date_input(key="audit_span").set_value((date(2020, 1, 1), date.today() + timedelta(days=2))).run()
    at.selectbox(key="audit_action").set_value("backup").run()
    log = at.dataframe[0].value
    assert list(log["actor_email"][:1]) == ["admin@example.com"] and set(log["action"]) == {"backup"}
    assert any(b.label == "Download CSV" for b in at.get("download_button"))
