"""The API reference read on a phone, in a real Chromium."""

import pytest

from communia_testing import shot

pytestmark = pytest.mark.browser


def test_api_reference_fits_a_phone_screen(page, two_communes):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/")
    page.get_by_role("link", name="Référence de l'API").click()
    page.wait_for_url("**/api/v1/docs")
    assert page.get_by_role("heading", name="Référence de l'API JSON").is_visible()
    # wide tables and the curl example scroll in their own box, not the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "api-docs-phone")
    page.get_by_role("link", name="Données personnelles").click()
    assert page.evaluate("location.hash") == "#groupe-donnees-personnelles"
    assert page.get_by_role("heading", name="POST /api/v1/privacy/scan").is_visible()
