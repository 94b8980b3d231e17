"""The progress bar moves in a real Chromium (local JS polling the JSON API)."""

from __future__ import annotations

import jobs_test_tasks  # noqa: F401 - registers the test tasks
import pytest
from jobs_fixtures import *  # noqa: F403 - fixtures

from communia.core import jobs

pytestmark = pytest.mark.browser


@pytest.fixture
def agent_page(browser, jobs_http, two_communes):
    """A Chromium page logged in as Ville-A's agent."""
    from communia_testing import browser_login

    context = browser.new_context(base_url=str(jobs_http.base_url), locale="fr-FR")
    page = context.new_page()
    browser_login(page, "agent@ville-a.fr")
    yield page
    context.close()


def test_progress_bar_updates_without_reload(agent_page, two_communes):
    from communia_testing import shot

    page = agent_page
    job = jobs.submit(
        "tests.slow", {"steps": 60, "seconds": 0.25}, commune_id=two_communes["a"]["commune_id"]
    )
    page.goto(f"/app/taches/{job.id}")
    page.evaluate("window.__same_page = true")  # lost if the page reloads
    page.wait_for_function(
        "() => document.querySelector('progress').value >= 20 && window.__same_page === true",
        timeout=45_000,
    )
    shot(page, "jobs-progress")
    # When the job ends the script reloads the page, which then shows the result.
    page.get_by_text("Résultat").wait_for(timeout=45_000)
    assert page.locator("progress").evaluate("p => p.value") == 100
    assert "Terminée" in page.get_by_role("status").first.text_content()


def test_a_finished_job_links_to_what_it_made(browser, jobs_http, two_communes):
    """The agent follows « Voir le résultat » (the canteen sheet, the water alerts...) instead
    of reading a JSON dump; only same-site paths become links."""
    from communia_testing import browser_login

    commune_id = two_communes["a"]["commune_id"]
    done = jobs.submit("tests.linked", {}, commune_id=commune_id)
    hostile = jobs.submit("tests.linked", {"url": "javascript:alert(1)"}, commune_id=commune_id)
    for job in (done, hostile):
        assert jobs.wait(job.id, timeout=60).state == "succeeded"
    context = browser.new_context(base_url=str(jobs_http.base_url), locale="fr-FR")
    page = context.new_page()
    try:
        browser_login(page, "agent@ville-a.fr")
        page.goto(f"/app/taches/{done.id}")
        assert not page.locator("pre.job-result").is_visible()  # folded under « Détail »
        page.get_by_role("link", name="Voir le résultat").click()
        page.wait_for_url("**/app/journal")
        page.goto(f"/app/taches/{hostile.id}")
        assert page.get_by_role("link", name="Voir le résultat").count() == 0
    finally:
        context.close()


def test_the_list_updates_its_rows_in_place_without_reloading(agent_page, two_communes):
    """The list reloaded itself every 5 seconds while a job ran, sending a keyboard or
    screen-reader user back to the top of the page (RGAA 13.1); its running rows now follow
    their job in place, up to « Terminée »."""
    page = agent_page
    job = jobs.submit(
        "tests.slow", {"steps": 24, "seconds": 0.25}, commune_id=two_communes["a"]["commune_id"]
    )
    page.goto("/app/taches")
    page.evaluate("window.__same_page = true")  # lost if the page reloads
    row = page.locator(f"tr[data-job-id='{job.id}']")
    row.locator("[data-field='state_label']").get_by_text("Terminée").wait_for(timeout=45_000)
    assert row.locator("progress").evaluate("p => p.value") == 100
    assert row.locator("[data-field='percent']").text_content() == "100 %"
    assert page.evaluate("window.__same_page") is True
