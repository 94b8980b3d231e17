"""Login, one page per role, keyboard access and the tenancy boundary, in a real Chromium."""

import pytest

from communia_testing import PASSWORD, browser_login, shot

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
    # The corrected attempt, typed on the error page itself, logs in (no « formulaire expiré »).
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/app")


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
    assert page.get_by_text("Seule l'administration de la commune").is_visible()
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


def test_admin_pages_fit_a_phone_screen(page, two_communes):
    """The accounts table's hidden labels (« Rôle de <nom> ») stay inside the table's own
    scroll box, even for a long name."""
    browser_login(page, "admin@ville-a.fr")
    page.goto("/app/agents")
    page.get_by_label("Nom complet").fill("Marie-Christine Delacroix-Beaumont de la Villemarqué")
    page.get_by_label("Adresse électronique").fill("marie-christine@ville-a.fr")
    page.get_by_label("Mot de passe initial").fill("Motdepasse-Solide-2026")
    page.get_by_role("button", name="Créer le compte").click()
    assert page.get_by_role("status").text_content().strip() == "Compte créé."
    page.set_viewport_size({"width": 390, "height": 800})
    for path in ("/app/agents", "/app/services"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path


def test_new_account_defaults_to_agent_and_keeps_the_chosen_role(page, two_communes):
    browser_login(page, "admin@ville-a.fr")
    page.goto("/app/agents")
    role = page.get_by_label("Rôle", exact=True)
    assert role.input_value() == "agent"  # least privilege unless the admin picks another
    page.get_by_label("Nom complet").fill("Louise Petit")
    page.get_by_label("Adresse électronique").fill("louise@ville-a.fr")
    role.select_option("elu")
    page.get_by_label("Mot de passe initial").fill("court")
    page.get_by_role("button", name="Créer le compte").click()
    assert "12 caractères" in page.get_by_role("alert").text_content()
    assert page.get_by_label("Rôle", exact=True).input_value() == "elu"  # nothing lost
    assert page.get_by_label("Nom complet").input_value() == "Louise Petit"


def test_elu_is_not_offered_to_write_a_use_case(page, two_communes):
    """The form would only end in « lecture seule » after the elu typed it all."""
    browser_login(page, "elu@ville-a.fr")
    page.goto("/app/usecases")
    assert page.get_by_role("link", name="JSON").is_visible()  # reading and export stay
    assert page.get_by_role("link", name="Décrire un cas d'usage de ma commune").count() == 0


def test_a_citizens_endless_word_does_not_widen_the_agents_page(page, two_communes):
    """Text typed by the public (here one 3 000-letter « word ») wraps on the agents' pages."""
    page.goto("/c/ville-a/assistant")
    page.get_by_role("textbox", name="Votre question").fill("a" * 3000)
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_role("heading", name="Réponse").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    browser_login(page, "agent@ville-a.fr")
    page.goto("/app/assistant")
    assert page.get_by_text("a" * 50).count() >= 1  # the question is in the agents' queue
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_a_malformed_address_is_a_french_404(page, two_communes):
    """/app/taches/abc is a missing page, not « Données invalides : job_id »."""
    browser_login(page, "agent@ville-a.fr")
    for path in ("/app/taches/abc", "/app/canteen/feuilles/abc"):
        response = page.goto(path)
        assert response.status == 404, path
        assert page.get_by_role("heading", name="Page introuvable").is_visible()
        assert "_id" not in page.content()


def test_dashboard_cards_fold_how_each_module_works(page, two_communes):
    """Each module card shows its summary and a button that says what opens; the long
    explanation (a page for the water module) opens on demand."""
    from communia.core.communes import set_enabled_modules
    from communia.core.db import read_session, write_session
    from communia.core.users import actor_by_email

    with read_session() as s:
        admin = actor_by_email(s, "admin@ville-a.fr")
    with write_session() as s:
        set_enabled_modules(s, admin, ["water", "canteen", "assistant", "usecases"])
    browser_login(page, "agent@ville-a.fr")
    card = page.get_by_role("article", name="Eau potable")
    assert card.get_by_role("link", name="Voir les alertes de fuite").is_visible()
    assert not card.get_by_text("Qui valide").is_visible()
    assert page.evaluate("document.documentElement.scrollHeight") < 2000  # was 3 775 px
    card.get_by_text("Comment ça marche").click()
    assert card.get_by_text("Qui valide").is_visible()


def test_public_cards_say_what_each_button_opens(page, two_communes):
    """On the commune's public page, a citizen reads « Poser une question à l'accueil de la
    mairie », not a row of identical « Ouvrir »."""
    from communia.core.communes import set_enabled_modules
    from communia.core.db import read_session, write_session
    from communia.core.registry import load_modules
    from communia.core.users import actor_by_email

    with read_session() as s:
        admin = actor_by_email(s, "admin@ville-a.fr")
    with write_session() as s:
        set_enabled_modules(s, admin, [m.name for m in load_modules()])
    page.goto("/c/ville-a")
    buttons = page.locator("section:has(#algos) a.button")
    labels = [b.text_content().strip() for b in buttons.all()]
    expected = [m.public_action for m in load_modules() if m.public_router]
    assert labels == expected and "Ouvrir" not in labels
    page.get_by_role("link", name="Poser une question à l'accueil de la mairie").click()
    page.wait_for_url("**/c/ville-a/assistant")


def test_assistant_figures_without_messages_say_so(page, two_communes):
    """No message yet: no « 0,0 % répondus », which reads as a failing assistant."""
    browser_login(page, "agent@ville-a.fr")
    page.goto("/app/assistant")
    rate = page.locator("dt:has-text('Répondus par l') + dd")
    assert rate.text_content().strip() == "— (aucun message)"


def _gap(page, above: str, below: str) -> float:
    """Vertical space between the bottom of ``above`` and the top of ``below`` (CSS px)."""
    return page.evaluate(
        """([a, b]) => document.querySelector(b).getBoundingClientRect().top
             - document.querySelector(a).getBoundingClientRect().bottom""",
        [above, below],
    )


def test_a_field_and_the_next_label_or_card_do_not_touch(page, two_communes):
    """A label that follows a field directly sat on it (0 to 7 px), and a citizen's answer
    card touched the next question's label: each gets the space a paragraph has."""
    browser_login(page, "agent@ville-a.fr")
    page.goto("/app/confidentialite")
    assert _gap(page, "#texte", "label[for=fichier]") >= 12
    assert _gap(page, "#correspondance", "label[for=texte-alias]") >= 12
    page.goto("/c/ville-a/assistant")
    page.get_by_role("textbox", name="Votre question").fill("Quand passe le camion des poubelles ?")
    page.get_by_role("button", name="Envoyer").click()
    page.get_by_role("heading", name="Réponse").wait_for()
    assert _gap(page, "section.card:last-of-type", "label[for=question]") >= 12
    # the dashboard's grid of cards keeps its rows aligned
    from communia.core.communes import set_enabled_modules
    from communia.core.db import read_session, write_session
    from communia.core.users import actor_by_email

    with read_session() as s:
        admin = actor_by_email(s, "admin@ville-a.fr")
    with write_session() as s:
        set_enabled_modules(s, admin, ["water", "canteen", "assistant", "usecases"])
    page.goto("/app")
    tops = page.evaluate(
        "[...document.querySelectorAll('.cards > .card')].map(c => c.getBoundingClientRect().top)"
    )
    assert len(tops) >= 2 and tops[0] == tops[1]


@pytest.mark.slow
def test_the_kept_table_is_ready_to_re_identify(page, two_communes):
    """After « Conserver la table », its 32-character id had to be copied by hand into the
    re-identification form below: it is there already."""
    browser_login(page, "agent@ville-a.fr")
    page.goto("/app/confidentialite")
    page.get_by_label("Collez le texte").fill("Courrier de M. Loïc Tanguy, 4 rue des Écoles.")
    page.get_by_label("Conserver la table de correspondance chiffrée").check()
    page.get_by_role("button", name="Pseudonymiser").click()
    kept = page.locator("p.notice.success code").text_content()
    assert page.get_by_label("Identifiant de la table de correspondance").input_value() == kept
    result = page.get_by_label("Résultat (modifiable avant téléchargement)").input_value()
    page.get_by_label("Texte contenant des alias").fill(result)
    page.get_by_role("button", name="Ré-identifier").click()
    assert "Loïc Tanguy" in page.get_by_role("textbox", name="Texte ré-identifié").input_value()
