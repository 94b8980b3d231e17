from communia.core.speech.sms import is_french_mobile, normalise_phone, sms_body
from communia.core.speech.spoken import speakable, spoken_digits, to_spoken, yes_or_no


def result(**kw):
    base = {
        "answer": "La cantine est gérée par le **service scolaire**. Inscription en ligne : "
        "https://ville.fr/cantine [1]. Le service est ouvert de 8h30 à 17h. "
        "Il faut fournir un justificatif de domicile. Les tarifs dépendent du quotient familial.",
        "sources": [{"id": "F1", "title": "Cantine", "url": "https://ville.fr/cantine"}],
        "service": "scolaire",
        "emergency": None,
        "action": "answer",
        "confidence": 0.9,
    }
    base.update(kw)
    return base


def test_no_url_or_markdown_is_read_aloud_and_links_go_by_sms():
    reply = to_spoken(result(), can_sms=True)
    assert "http" not in reply.text and "**" not in reply.text and "[1]" not in reply.text
    assert "8 heures 30" in reply.text and "17 heures" in reply.text
    assert "par SMS" in reply.text
    assert reply.links == [("Cantine", "https://ville.fr/cantine")]
    assert reply.text.endswith("Avez-vous une autre question ?")
    # three sentences at most: the fourth one is dropped
    assert "quotient" not in reply.text


def test_without_a_mobile_number_no_sms_is_promised():
    reply = to_spoken(result(), can_sms=False)
    assert "SMS" not in reply.text and reply.links == []
    assert "site internet" in reply.text


def test_emergency_number_comes_first_and_is_repeated():
    reply = to_spoken(
        result(
            emergency={"number": "18", "reason": "Un incendie est signalé."}, action="emergency"
        ),
        can_sms=True,
    )
    assert reply.text.startswith("C'est une urgence : appelez immédiatement le dix-huit.")
    assert reply.text.count("dix-huit") == 2
    assert "cantine" not in reply.text.lower()


def test_clarify_asks_only_the_question():
    reply = to_spoken(
        result(answer="Pour quel quartier ?", action="clarify", sources=[]), can_sms=True
    )
    assert reply.text == "Pour quel quartier ?"


def test_speakable_phone_numbers_and_email():
    text = speakable("Appelez le 0123456789 ou écrivez à etat-civil@ville.fr.")
    assert "01 23 45 67 89" in text and "@" not in text


def test_phone_numbers_and_sms_body():
    assert normalise_phone("06 12 34 56 78") == "+33612345678"
    assert normalise_phone("0033 7 12 34 56 78") == "+33712345678"
    assert is_french_mobile("0612345678") and not is_french_mobile("0123456789")
    assert not is_french_mobile(None) and not is_french_mobile("anonymous")
    body = sms_body("Ville-A", [("Cantine", "https://ville.fr/cantine")] * 10)
    assert body.startswith("Mairie de Ville-A") and len(body) <= 459


def test_sentences_that_only_point_to_a_link_are_dropped():
    text = speakable(
        "Le service vous renseigne. Voir https://ville.fr/x pour le détail. "
        "La démarche se fait en ligne sur https://ville.fr/y avec votre numéro fiscal."
    )
    assert (
        text
        == "Le service vous renseigne. La démarche se fait en ligne sur le site indiqué avec votre numéro fiscal."
    )


def test_a_phone_number_said_in_words_or_digits():
    assert spoken_digits("Zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit.") == (
        "0612345678"
    )
    assert spoken_digits("c'est le 06 12 34-56.78") == "0612345678"
    assert spoken_digits("zéro un quatre-vingt-dix-neuf soixante et onze vingt et un") == (
        "01997121"
    )
    assert spoken_digits("soixante-dix seize quatre-vingts dix-sept") == "701697"
    assert spoken_digits("je ne sais plus") == ""


def test_yes_or_no_of_a_caller():
    assert yes_or_no("Oui, s'il vous plaît.") is True
    assert yes_or_no("Ouais, d'accord") is True and yes_or_no("C'est bien ça") is True
    assert yes_or_no("Non merci") is False and yes_or_no("pas besoin") is False
    assert yes_or_no("oui… enfin non") is None and yes_or_no("je voudrais savoir") is None


def test_a_dialogue_question_is_said_as_is():
    spoken = to_spoken(
        result(answer="J'ai noté le 06 12 34 56 78. Est-ce exact ?", awaiting="oui_non"),
        can_sms=True,
    )
    assert spoken.text == "J'ai noté le 06 12 34 56 78. Est-ce exact ?" and spoken.links == []
