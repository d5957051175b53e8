"""Countries where the NGO works or may work, with their French names (ISO 3166-1 alpha-2 codes).

A short curated list keeps the editor's drop-down usable; add a line to open a new country.
"""

COUNTRIES = {
    "BF": "Burkina Faso", "BI": "Burundi", "BJ": "Bénin", "CD": "République démocratique du Congo",
    "CF": "République centrafricaine", "CG": "Congo", "CI": "Côte d'Ivoire", "CM": "Cameroun",
    "DJ": "Djibouti", "DZ": "Algérie", "FR": "France", "GA": "Gabon", "GN": "Guinée", "GW": "Guinée-Bissau",
    "HT": "Haïti", "KM": "Comores", "LB": "Liban", "MA": "Maroc", "MG": "Madagascar", "ML": "Mali",
    "MR": "Mauritanie", "MU": "Maurice", "NE": "Niger", "RW": "Rwanda", "SN": "Sénégal", "TD": "Tchad",
    "TG": "Togo", "TN": "Tunisie", "VN": "Viêt Nam", "KH": "Cambodge", "LA": "Laos", "IN": "Inde",
    "BD": "Bangladesh", "NP": "Népal", "PE": "Pérou", "BO": "Bolivie", "CO": "Colombie", "GT": "Guatemala",
}
COUNTRY_CHOICES = sorted(COUNTRIES.items(), key=lambda item: item[1])


def country_name(code: str) -> str:
    return COUNTRIES.get(code, code)
