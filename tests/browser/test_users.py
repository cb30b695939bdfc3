"""An admin gives a new colleague an account and a role, then finds the change in the audit log."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_admin_creates_an_account_changes_its_role_and_reads_the_audit_log(
    demo, sign_in, live_server, assert_accessible, mailoutbox
):
    page = sign_in("admin")
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Users and roles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    assert_accessible(page)

    page.get_by_role("link", name="Create an account").click()
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Newton")
    page.get_by_label("Email address").fill("nia.newton@riverford.example.gov.uk")
    page.get_by_label("User name").fill("nia.newton")
    page.get_by_label(re.compile("^Officer:")).check()
    page.get_by_role("button", name="Create the account").click()
    expect(page.get_by_text("Account created for Nia Newton")).to_be_visible()
    assert_accessible(page)
    assert mailoutbox[-1].to == ["nia.newton@riverford.example.gov.uk"]

    page.get_by_role("link", name="Change role").click()
    assert_accessible(page)
    page.get_by_label(re.compile("^Board member:")).check()
    page.get_by_role("button", name="Save the role").click()
    expect(page.get_by_text("Nia Newton's role is now Board member.")).to_be_visible()

    page.get_by_role("link", name="Deactivate the account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Nia Newton's account?")
    assert_accessible(page)
    page.get_by_role("button", name="Deactivate the account").click()
    expect(page.get_by_text("can no longer sign in")).to_be_visible()
    assert not get_user_model().objects.get(username="nia.newton").is_active

    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Audit log").click()
    rows = page.locator("tbody tr").all_inner_texts()
    assert "Account deactivated" in rows[0] and "Role changed" in rows[1]
    assert_accessible(page)
