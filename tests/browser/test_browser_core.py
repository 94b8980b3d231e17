"""Login, one page per role, keyboard access and the tenancy boundary, in a real Chromium."""

import pytest

from communia_testing import browser_login, shot

pytestmark = pytest.mark.browser


def test_public_home_and_skip_link(page, two_communes):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#contenu"
    page.goto("/c/ville-a")
    assert page.get_by_role("heading", name="Mairie de Ville-A").is_visible()
    shot(page, "public-commune")


def test_wrong_password_shows_french_error(page, two_communes):
    page.goto("/connexion")
    page.get_by_label("Adresse électronique").fill("agent@ville-a.fr")
    page.get_by_label("Mot de passe").fill("mauvais")
    page.get_by_role("button", name="Se connecter").click()
    alert = page.get_by_role("alert")
    assert "incorrect" in alert.text_content()
    shot(page, "login-error")


def test_admin_edits_a_service(page, two_communes):
    browser_login(page, "admin@ville-a.fr")
    shot(page, "dashboard-admin")
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Services").click()
    page.get_by_role("link", name="Urbanisme Ville-A").click()
    page.get_by_label("Téléphone").fill("02 99 99 99 99")
    page.get_by_label("Horaires").fill("lundi 09:00-12:00\nmardi 09:00-12:00 14:00-17:00")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url("**/app/services")
    assert page.get_by_role("status").text_content().strip() == "Service enregistré."
    assert "02 99 99 99 99" in page.content()
    shot(page, "admin-services")


def test_agent_sees_modules_but_not_admin_forms(page, two_communes):
    browser_login(page, "agent@ville-a.fr")
    assert page.get_by_role("heading", name="Tableau de bord — Ville-A").is_visible()
    page.goto("/app/commune")
    assert page.get_by_text("Seuls les administrateurs").is_visible()
    assert page.get_by_role("button", name="Enregistrer le profil").count() == 0
    shot(page, "agent-commune-readonly")


def test_elu_is_read_only(page, two_communes):
    browser_login(page, "elu@ville-a.fr")
    assert page.get_by_text("sans rien modifier").is_visible()
    page.goto("/app/journal")
    assert page.get_by_role("heading", name="Journal d'audit").is_visible()
    shot(page, "elu-journal")


def test_tenancy_boundary_in_the_browser(page, two_communes):
    browser_login(page, "admin@ville-a.fr")
    response = page.goto(f"/app/services/{two_communes['b']['service_id']}")
    assert response.status == 404
    assert page.get_by_role("heading", name="Page introuvable").is_visible()
    shot(page, "tenancy-404")


def test_pages_fit_a_phone_screen(page, two_communes):
    """Wide tables scroll inside their own box: the page itself never scrolls sideways."""
    browser_login(page, "agent@ville-a.fr")
    page.set_viewport_size({"width": 390, "height": 800})
    for path in ("/app", "/app/journal", "/app/taches"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
