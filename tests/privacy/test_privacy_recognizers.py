from communia.core.privacy import recognizers as r


def texts(found):
    return [e.text for e in found]


def test_email():
    assert texts(r.find_emails("écrire à jean.dupont+mairie@orange.fr ou a@b")) == [
        "jean.dupont+mairie@orange.fr"
    ]


def test_phones_all_french_formats():
    t = (
        "06 12 34 56 78, 06.12.34.56.78, +33 6 12 34 56 78, 0612345678, 01-23-45-67-89, "
        "+33 (0)1 23 45 67 89"
    )
    assert len(r.find_phones(t)) == 6
    assert r.find_phones("facture 2024 12345 67") == []
    assert r.find_phones("0612345678901") == []  # too long


def test_nir_needs_valid_key_or_its_label():
    assert texts(r.find_nirs("NIR : 2 55 08 14 168 025 38.")) == ["2 55 08 14 168 025 38"]
    assert texts(r.find_nirs("NIR : 255081416802538")) == ["255081416802538"]
    assert texts(r.find_nirs("Dossier 2 55 08 14 168 025 38.")) == ["2 55 08 14 168 025 38"]
    assert r.find_nirs("Dossier 2 55 08 14 168 025 39.") == []
    # A wrong key after its label is a typo: still masked, with a lower score.
    assert [e.score for e in r.find_nirs("NIR : 2 55 08 14 168 025 39.")] == [0.85]
    assert r.find_nirs("NIR :\nDossier 2 55 08 14 168 025 39.") == []  # label on another line


def test_iban_stops_at_country_length():
    found = r.find_ibans("IBAN FR76 3000 6000 0112 3456 7890 189 BIC AGRIFRPP")
    assert texts(found) == ["FR76 3000 6000 0112 3456 7890 189"]
    assert r.find_ibans("FR76 3000 6000 0112 3456 7890 188") == []
    assert texts(r.find_ibans("RIB : FR76 3000 6000 0112 3456 7890 188")) == [
        "FR76 3000 6000 0112 3456 7890 188"
    ]


def test_siret_and_siren_context():
    assert texts(r.find_sirets("SIRET 732 829 320 00074")) == ["732 829 320 00074"]
    assert r.find_sirets("Commande 732 829 320 00075") == []
    assert texts(r.find_sirets("SIRET 732 829 320 00075")) == ["732 829 320 00075"]  # a typo
    assert texts(r.find_sirets("La Poste 35600000000001")) == ["35600000000001"]
    assert texts(r.find_sirens("RCS Paris 732 829 320")) == ["732 829 320"]
    assert texts(r.find_sirens("732 829 320 RCS Paris")) == ["732 829 320"]
    # A Luhn-valid 9-digit number without a cue is not reported as a SIREN.
    assert r.find_sirens("commande 732 829 320 livrée") == []


def test_birth_dates_need_a_cue():
    t = "née le 3 mars 1985 à Lyon. Séance du 12/03/2024. Date de naissance : 1979-04-03"
    assert texts(r.find_birth_dates(t)) == ["3 mars 1985", "1979-04-03"]
    assert texts(r.find_birth_dates("né(e) le 1er janvier 1990")) == ["1er janvier 1990"]


def test_plates_siv_and_fni():
    t = "véhicule immatriculé AB-123-CD, ancienne plaque 1234 AB 75."
    assert texts(r.find_plates(t)) == ["AB-123-CD", "1234 AB 75"]
    assert r.find_plates("lot 1234 AB 75 du marché") == []  # old format needs a cue
    assert r.find_plates("code IO-123-OU") == []  # I, O, U are not used by SIV


def test_cadastral_parcels():
    assert texts(r.find_parcels("la parcelle cadastrée section AB n° 123")) == ["section AB n° 123"]
    assert texts(r.find_parcels("parcelles cadastrées section ZC numéros 45 et 46.")) == [
        "section ZC numéros 45 et 46"
    ]
    assert r.find_parcels("section de fonctionnement 2024") == []


def test_street_addresses():
    cases = {
        "demeurant 12 bis rue des Lilas, 93100 Montreuil.": "12 bis rue des Lilas, 93100 Montreuil",
        "habite 3 avenue du 8 Mai 1945 à Lyon": "3 avenue du 8 Mai 1945 à Lyon",
        "au 12 rue de la gare pour signaler": "12 rue de la gare",
        "12 RUE DES LILAS\n75011 PARIS CEDEX 11": "12 RUE DES LILAS\n75011 PARIS CEDEX 11",
        "48 TER ROUTE DE LA MAIRIE, 56100 LORIENT": "48 TER ROUTE DE LA MAIRIE, 56100 LORIENT",
        "situé 10 impasse de l'Église 43000 Le Puy-en-Velay": (
            "10 impasse de l'Église 43000 Le Puy-en-Velay"
        ),
        "Domiciliée place de la République, 69002 Lyon.": "place de la République, 69002 Lyon",
    }
    for text, expected in cases.items():
        assert texts(r.find_addresses(text)) == [expected], text
    assert r.find_addresses("il reste 3 rues à refaire") == []


def test_persons_by_rules():
    t = (
        "Bonjour Monsieur le Maire, je suis Mme Sophie Martin-Garnier du CCAS ; "
        "DUPONT Jean et Héloïse CARRÉ."
    )
    assert set(texts(r.find_persons_by_rules(t))) == {
        "Sophie Martin-Garnier",
        "DUPONT Jean",
        "Héloïse CARRÉ",
    }
