"""ISO 3166-1 countries, regions and the names people write for them (data only)."""

from __future__ import annotations

# "CODE Display name", one per line; generated from ISO 3166-1 (iso-codes) with common short names.
COUNTRY_ROWS = """
AD Andorra
AE United Arab Emirates
AF Afghanistan
AG Antigua and Barbuda
AI Anguilla
AL Albania
AM Armenia
AO Angola
AQ Antarctica
AR Argentina
AS American Samoa
AT Austria
AU Australia
AW Aruba
AX Åland Islands
AZ Azerbaijan
BA Bosnia and Herzegovina
BB Barbados
BD Bangladesh
BE Belgium
BF Burkina Faso
BG Bulgaria
BH Bahrain
BI Burundi
BJ Benin
BL Saint Barthélemy
BM Bermuda
BN Brunei
BO Bolivia
BQ Caribbean Netherlands
BR Brazil
BS Bahamas
BT Bhutan
BV Bouvet Island
BW Botswana
BY Belarus
BZ Belize
CA Canada
CC Cocos (Keeling) Islands
CD Democratic Republic of the Congo
CF Central African Republic
CG Republic of the Congo
CH Switzerland
CI Côte d'Ivoire
CK Cook Islands
CL Chile
CM Cameroon
CN China
CO Colombia
CR Costa Rica
CU Cuba
CV Cabo Verde
CW Curaçao
CX Christmas Island
CY Cyprus
CZ Czechia
DE Germany
DJ Djibouti
DK Denmark
DM Dominica
DO Dominican Republic
DZ Algeria
EC Ecuador
EE Estonia
EG Egypt
EH Western Sahara
ER Eritrea
ES Spain
ET Ethiopia
FI Finland
FJ Fiji
FK Falkland Islands
FM Micronesia
FO Faroe Islands
FR France
GA Gabon
GB United Kingdom
GD Grenada
GE Georgia
GF French Guiana
GG Guernsey
GH Ghana
GI Gibraltar
GL Greenland
GM Gambia
GN Guinea
GP Guadeloupe
GQ Equatorial Guinea
GR Greece
GS South Georgia and the South Sandwich Islands
GT Guatemala
GU Guam
GW Guinea-Bissau
GY Guyana
HK Hong Kong
HM Heard Island and McDonald Islands
HN Honduras
HR Croatia
HT Haiti
HU Hungary
ID Indonesia
IE Ireland
IL Israel
IM Isle of Man
IN India
IO British Indian Ocean Territory
IQ Iraq
IR Iran
IS Iceland
IT Italy
JE Jersey
JM Jamaica
JO Jordan
JP Japan
KE Kenya
KG Kyrgyzstan
KH Cambodia
KI Kiribati
KM Comoros
KN Saint Kitts and Nevis
KP North Korea
KR South Korea
KW Kuwait
KY Cayman Islands
KZ Kazakhstan
LA Laos
LB Lebanon
LC Saint Lucia
LI Liechtenstein
LK Sri Lanka
LR Liberia
LS Lesotho
LT Lithuania
LU Luxembourg
LV Latvia
LY Libya
MA Morocco
MC Monaco
MD Moldova
ME Montenegro
MF Saint Martin
MG Madagascar
MH Marshall Islands
MK North Macedonia
ML Mali
MM Myanmar
MN Mongolia
MO Macao
MP Northern Mariana Islands
MQ Martinique
MR Mauritania
MS Montserrat
MT Malta
MU Mauritius
MV Maldives
MW Malawi
MX Mexico
MY Malaysia
MZ Mozambique
NA Namibia
NC New Caledonia
NE Niger
NF Norfolk Island
NG Nigeria
NI Nicaragua
NL Netherlands
NO Norway
NP Nepal
NR Nauru
NU Niue
NZ New Zealand
OM Oman
PA Panama
PE Peru
PF French Polynesia
PG Papua New Guinea
PH Philippines
PK Pakistan
PL Poland
PM Saint Pierre and Miquelon
PN Pitcairn
PR Puerto Rico
PS Palestine
PT Portugal
PW Palau
PY Paraguay
QA Qatar
RE Réunion
RO Romania
RS Serbia
RU Russia
RW Rwanda
SA Saudi Arabia
SB Solomon Islands
SC Seychelles
SD Sudan
SE Sweden
SG Singapore
SH Saint Helena
SI Slovenia
SJ Svalbard and Jan Mayen
SK Slovakia
SL Sierra Leone
SM San Marino
SN Senegal
SO Somalia
SR Suriname
SS South Sudan
ST Sao Tome and Principe
SV El Salvador
SX Sint Maarten
SY Syria
SZ Eswatini
TC Turks and Caicos Islands
TD Chad
TF French Southern Territories
TG Togo
TH Thailand
TJ Tajikistan
TK Tokelau
TL Timor-Leste
TM Turkmenistan
TN Tunisia
TO Tonga
TR Türkiye
TT Trinidad and Tobago
TV Tuvalu
TW Taiwan
TZ Tanzania
UA Ukraine
UG Uganda
UM United States Minor Outlying Islands
US United States
UY Uruguay
UZ Uzbekistan
VA Vatican City
VC Saint Vincent and the Grenadines
VE Venezuela
VG British Virgin Islands
VI U.S. Virgin Islands
VN Vietnam
VU Vanuatu
WF Wallis and Futuna
WS Samoa
YE Yemen
YT Mayotte
ZA South Africa
ZM Zambia
ZW Zimbabwe
"""

# ISO long and official names, matched as well as the display name.
ISO_VARIANTS: dict[str, tuple[str, ...]] = {
    "AD": ("Principality of Andorra",),
    "AF": ("Islamic Republic of Afghanistan",),
    "AL": ("Republic of Albania",),
    "AM": ("Republic of Armenia",),
    "AO": ("Republic of Angola",),
    "AR": ("Argentine Republic",),
    "AT": ("Republic of Austria",),
    "AZ": ("Republic of Azerbaijan",),
    "BA": ("Republic of Bosnia and Herzegovina",),
    "BD": ("People's Republic of Bangladesh",),
    "BE": ("Kingdom of Belgium",),
    "BG": ("Republic of Bulgaria",),
    "BH": ("Kingdom of Bahrain",),
    "BI": ("Republic of Burundi",),
    "BJ": ("Republic of Benin",),
    "BN": ("Brunei Darussalam",),
    "BO": (
        "Bolivia, Plurinational State of",
        "Plurinational State of Bolivia",
    ),
    "BQ": ("Bonaire, Sint Eustatius and Saba",),
    "BR": ("Federative Republic of Brazil",),
    "BS": ("Commonwealth of the Bahamas",),
    "BT": ("Kingdom of Bhutan",),
    "BW": ("Republic of Botswana",),
    "BY": ("Republic of Belarus",),
    "CD": ("Congo, The Democratic Republic of the",),
    "CG": ("Congo",),
    "CH": ("Swiss Confederation",),
    "CI": ("Republic of Côte d'Ivoire",),
    "CL": ("Republic of Chile",),
    "CM": ("Republic of Cameroon",),
    "CN": ("People's Republic of China",),
    "CO": ("Republic of Colombia",),
    "CR": ("Republic of Costa Rica",),
    "CU": ("Republic of Cuba",),
    "CV": ("Republic of Cabo Verde",),
    "CY": ("Republic of Cyprus",),
    "CZ": ("Czech Republic",),
    "DE": ("Federal Republic of Germany",),
    "DJ": ("Republic of Djibouti",),
    "DK": ("Kingdom of Denmark",),
    "DM": ("Commonwealth of Dominica",),
    "DZ": ("People's Democratic Republic of Algeria",),
    "EC": ("Republic of Ecuador",),
    "EE": ("Republic of Estonia",),
    "EG": ("Arab Republic of Egypt",),
    "ER": ("the State of Eritrea",),
    "ES": ("Kingdom of Spain",),
    "ET": ("Federal Democratic Republic of Ethiopia",),
    "FI": ("Republic of Finland",),
    "FJ": ("Republic of Fiji",),
    "FK": ("Falkland Islands (Malvinas)",),
    "FM": (
        "Federated States of Micronesia",
        "Micronesia, Federated States of",
    ),
    "FR": ("French Republic",),
    "GA": ("Gabonese Republic",),
    "GB": ("United Kingdom of Great Britain and Northern Ireland",),
    "GH": ("Republic of Ghana",),
    "GM": ("Republic of the Gambia",),
    "GN": ("Republic of Guinea",),
    "GQ": ("Republic of Equatorial Guinea",),
    "GR": ("Hellenic Republic",),
    "GT": ("Republic of Guatemala",),
    "GW": ("Republic of Guinea-Bissau",),
    "GY": ("Republic of Guyana",),
    "HK": ("Hong Kong Special Administrative Region of China",),
    "HN": ("Republic of Honduras",),
    "HR": ("Republic of Croatia",),
    "HT": ("Republic of Haiti",),
    "ID": ("Republic of Indonesia",),
    "IL": ("State of Israel",),
    "IN": ("Republic of India",),
    "IQ": ("Republic of Iraq",),
    "IR": (
        "Iran, Islamic Republic of",
        "Islamic Republic of Iran",
    ),
    "IS": ("Republic of Iceland",),
    "IT": ("Italian Republic",),
    "JO": ("Hashemite Kingdom of Jordan",),
    "KE": ("Republic of Kenya",),
    "KG": ("Kyrgyz Republic",),
    "KH": ("Kingdom of Cambodia",),
    "KI": ("Republic of Kiribati",),
    "KM": ("Union of the Comoros",),
    "KP": (
        "Democratic People's Republic of Korea",
        "Korea, Democratic People's Republic of",
    ),
    "KR": ("Korea, Republic of",),
    "KW": ("State of Kuwait",),
    "KZ": ("Republic of Kazakhstan",),
    "LA": ("Lao People's Democratic Republic",),
    "LB": ("Lebanese Republic",),
    "LI": ("Principality of Liechtenstein",),
    "LK": ("Democratic Socialist Republic of Sri Lanka",),
    "LR": ("Republic of Liberia",),
    "LS": ("Kingdom of Lesotho",),
    "LT": ("Republic of Lithuania",),
    "LU": ("Grand Duchy of Luxembourg",),
    "LV": ("Republic of Latvia",),
    "MA": ("Kingdom of Morocco",),
    "MC": ("Principality of Monaco",),
    "MD": (
        "Moldova, Republic of",
        "Republic of Moldova",
    ),
    "MF": ("Saint Martin (French part)",),
    "MG": ("Republic of Madagascar",),
    "MH": ("Republic of the Marshall Islands",),
    "MK": ("Republic of North Macedonia",),
    "ML": ("Republic of Mali",),
    "MM": ("Republic of Myanmar",),
    "MO": ("Macao Special Administrative Region of China",),
    "MP": ("Commonwealth of the Northern Mariana Islands",),
    "MR": ("Islamic Republic of Mauritania",),
    "MT": ("Republic of Malta",),
    "MU": ("Republic of Mauritius",),
    "MV": ("Republic of Maldives",),
    "MW": ("Republic of Malawi",),
    "MX": ("United Mexican States",),
    "MZ": ("Republic of Mozambique",),
    "NA": ("Republic of Namibia",),
    "NE": ("Republic of the Niger",),
    "NG": ("Federal Republic of Nigeria",),
    "NI": ("Republic of Nicaragua",),
    "NL": ("Kingdom of the Netherlands",),
    "NO": ("Kingdom of Norway",),
    "NP": ("Federal Democratic Republic of Nepal",),
    "NR": ("Republic of Nauru",),
    "OM": ("Sultanate of Oman",),
    "PA": ("Republic of Panama",),
    "PE": ("Republic of Peru",),
    "PG": ("Independent State of Papua New Guinea",),
    "PH": ("Republic of the Philippines",),
    "PK": ("Islamic Republic of Pakistan",),
    "PL": ("Republic of Poland",),
    "PS": (
        "Palestine, State of",
        "the State of Palestine",
    ),
    "PT": ("Portuguese Republic",),
    "PW": ("Republic of Palau",),
    "PY": ("Republic of Paraguay",),
    "QA": ("State of Qatar",),
    "RS": ("Republic of Serbia",),
    "RU": ("Russian Federation",),
    "RW": ("Rwandese Republic",),
    "SA": ("Kingdom of Saudi Arabia",),
    "SC": ("Republic of Seychelles",),
    "SD": ("Republic of the Sudan",),
    "SE": ("Kingdom of Sweden",),
    "SG": ("Republic of Singapore",),
    "SH": ("Saint Helena, Ascension and Tristan da Cunha",),
    "SI": ("Republic of Slovenia",),
    "SK": ("Slovak Republic",),
    "SL": ("Republic of Sierra Leone",),
    "SM": ("Republic of San Marino",),
    "SN": ("Republic of Senegal",),
    "SO": ("Federal Republic of Somalia",),
    "SR": ("Republic of Suriname",),
    "SS": ("Republic of South Sudan",),
    "ST": ("Democratic Republic of Sao Tome and Principe",),
    "SV": ("Republic of El Salvador",),
    "SX": ("Sint Maarten (Dutch part)",),
    "SY": ("Syrian Arab Republic",),
    "SZ": ("Kingdom of Eswatini",),
    "TD": ("Republic of Chad",),
    "TG": ("Togolese Republic",),
    "TH": ("Kingdom of Thailand",),
    "TJ": ("Republic of Tajikistan",),
    "TL": ("Democratic Republic of Timor-Leste",),
    "TN": ("Republic of Tunisia",),
    "TO": ("Kingdom of Tonga",),
    "TR": ("Republic of Türkiye",),
    "TT": ("Republic of Trinidad and Tobago",),
    "TW": ("Taiwan, Province of China",),
    "TZ": (
        "Tanzania, United Republic of",
        "United Republic of Tanzania",
    ),
    "UG": ("Republic of Uganda",),
    "US": ("United States of America",),
    "UY": ("Eastern Republic of Uruguay",),
    "UZ": ("Republic of Uzbekistan",),
    "VA": ("Holy See (Vatican City State)",),
    "VE": (
        "Bolivarian Republic of Venezuela",
        "Venezuela, Bolivarian Republic of",
    ),
    "VG": ("Virgin Islands, British",),
    "VI": (
        "Virgin Islands of the United States",
        "Virgin Islands, U.S.",
    ),
    "VN": (
        "Socialist Republic of Viet Nam",
        "Viet Nam",
    ),
    "VU": ("Republic of Vanuatu",),
    "WS": ("Independent State of Samoa",),
    "YE": ("Republic of Yemen",),
    "ZA": ("Republic of South Africa",),
    "ZM": ("Republic of Zambia",),
    "ZW": ("Republic of Zimbabwe",),
}

# EU27 plus Iceland, Liechtenstein and Norway: no transfer mechanism needed.
EEA = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    ]
)

# Countries with a general EU adequacy decision (Art. 45 GDPR). The US is deliberately absent:
# its decision (EU-US Data Privacy Framework, 2023) covers only DPF-certified recipients, so a
# US location stays "third_country" and the engagement records DPF as its safeguard when stated.
ADEQUACY = frozenset(
    ["AD", "AR", "CA", "FO", "GG", "IL", "IM", "JP", "JE", "NZ", "KR", "CH", "GB", "UY"]
)

# Regions: code, name, transfer status. EU/EEA need no mechanism; the others span countries
# with different statuses, so they are "mixed" (a DPO must look closer).
REGIONS: tuple[tuple[str, str, str], ...] = (
    ("EU", "European Union", "eea"),
    ("EEA", "European Economic Area", "eea"),
    ("EUROPE", "Europe", "mixed"),
    ("GLOBAL", "Worldwide", "mixed"),
    ("APAC", "Asia-Pacific", "mixed"),
    ("NORAM", "North America", "mixed"),
    ("LATAM", "Latin America", "mixed"),
)

# Other names people write, matched case-insensitively as whole words.
NAMES: dict[str, tuple[str, ...]] = {
    "US": (
        "United States",
        "U.S.A.",
        "U.S.",
        "U. S.",
        "USA",
        "US",
        "Etats-Unis",
        "États-Unis",
        "Vereinigte Staaten",
    ),
    "GB": (
        "UK",
        "U.K.",
        "Great Britain",
        "Britain",
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
    ),
    "DE": ("Deutschland", "Allemagne"),
    "NL": ("Holland", "The Netherlands"),
    "CH": ("Schweiz", "Suisse", "Svizzera"),
    "CZ": ("Czech Republic",),
    "KR": ("Korea", "Republic of Korea"),
    "AE": ("UAE", "U.A.E.", "Emirates"),
    "CI": ("Ivory Coast", "Cote d'Ivoire"),
    "TR": ("Turkey", "Turkiye"),
    "BR": ("Brasil",),
    "ES": ("España", "Espana"),
    "AT": ("Österreich", "Osterreich"),
    "SE": ("Sverige",),
    "IT": ("Italia",),
    "PL": ("Polska",),
    "IE": ("Republic of Ireland", "Éire", "Eire"),
    "FR": ("Frankreich",),
    "CN": ("Mainland China", "PRC", "People's Republic of China"),
    "MK": ("Macedonia",),
    "SZ": ("Swaziland",),
    "CV": ("Cape Verde",),
    "MM": ("Burma",),
    "CD": ("DR Congo", "DRC", "Congo-Kinshasa"),
    "CG": ("Congo-Brazzaville",),
    "VA": ("Vatican", "Holy See"),
    "VI": ("US Virgin Islands", "United States Virgin Islands"),
    "MO": ("Macau",),
    "FK": ("Falklands",),
}
REGION_NAMES: dict[str, tuple[str, ...]] = {
    "EU": ("European Union", "EU", "E.U.", "Union européenne"),
    "EEA": ("European Economic Area", "EEA", "EWR"),
    "EUROPE": ("Europe", "European", "Europa"),
    "GLOBAL": (
        "Global",
        "Worldwide",
        "World-wide",
        "World wide",
        "International",
        "Globally",
        "Multiple countries",
        "Multiple locations",
        "Various",
        "Rest of world",
    ),
    "APAC": ("APAC", "Asia-Pacific", "Asia Pacific", "Asia"),
    "NORAM": ("North America", "NORAM", "NA region"),
    "LATAM": ("Latin America", "LATAM", "South America"),
}

# Data-centre cities and US states named instead of a country.
PLACES: dict[str, tuple[str, ...]] = {
    "US": (
        "Virginia",
        "Northern Virginia",
        "N. Virginia",
        "Oregon",
        "Ohio",
        "California",
        "N. California",
        "Iowa",
        "Texas",
        "New York",
        "New Jersey",
        "Illinois",
        "Nevada",
        "Arizona",
        "Utah",
        "South Carolina",
        "Washington State",
        "Massachusetts",
        "Ashburn",
        "San Francisco",
        "Los Angeles",
        "Chicago",
        "Dallas",
        "Seattle",
        "Boston",
        "Atlanta",
        "Miami",
        "Denver",
        "Silicon Valley",
        "San Jose",
        "Council Bluffs",
    ),
    "DE": (
        "Frankfurt",
        "Frankfurt am Main",
        "Berlin",
        "Munich",
        "München",
        "Hamburg",
        "Falkenstein",
        "Nuremberg",
        "Nürnberg",
        "Cologne",
        "Düsseldorf",
    ),
    "IE": ("Dublin",),
    "GB": ("London", "Manchester", "Cardiff", "Edinburgh"),
    "FR": ("Paris", "Roubaix", "Gravelines", "Strasbourg", "Marseille", "Lyon"),
    "NL": ("Amsterdam", "Eemshaven", "Rotterdam"),
    "BE": ("Brussels", "St. Ghislain", "Saint-Ghislain"),
    "SE": ("Stockholm",),
    "FI": ("Helsinki", "Hamina"),
    "IT": ("Milan", "Milano", "Rome"),
    "ES": ("Madrid", "Barcelona"),
    "PT": ("Lisbon",),
    "PL": ("Warsaw",),
    "AT": ("Vienna",),
    "DK": ("Copenhagen",),
    "NO": ("Oslo",),
    "EE": ("Tallinn",),
    "CZ": ("Prague",),
    "SK": ("Bratislava",),
    "CH": ("Zurich", "Zürich", "Geneva", "Genève", "Lausanne", "Basel", "Bern"),
    "JP": ("Tokyo", "Osaka"),
    "KR": ("Seoul",),
    "AU": ("Sydney", "Melbourne"),
    "IN": ("Mumbai", "Bangalore", "Bengaluru", "Hyderabad", "Delhi", "Chennai", "Pune"),
    "CA": ("Montreal", "Montréal", "Toronto", "Vancouver", "Quebec", "Québec"),
    "BR": ("São Paulo", "Sao Paulo"),
    "IL": ("Tel Aviv",),
    "ZA": ("Johannesburg", "Cape Town"),
    "AE": ("Dubai", "Abu Dhabi"),
    "ID": ("Jakarta",),
}

# Cloud region identifiers (AWS, GCP, Azure) seen in location columns.
CLOUD_REGIONS: dict[str, str] = {
    "eu-west-1": "IE",
    "eu-west-2": "GB",
    "eu-west-3": "FR",
    "eu-central-1": "DE",
    "eu-central-2": "CH",
    "eu-north-1": "SE",
    "eu-south-1": "IT",
    "eu-south-2": "ES",
    "ca-central-1": "CA",
    "sa-east-1": "BR",
    "ap-southeast-1": "SG",
    "ap-southeast-2": "AU",
    "ap-northeast-1": "JP",
    "ap-northeast-2": "KR",
    "ap-northeast-3": "JP",
    "ap-south-1": "IN",
    "ap-east-1": "HK",
    "me-south-1": "BH",
    "me-central-1": "AE",
    "af-south-1": "ZA",
    "il-central-1": "IL",
    "europe-west1": "BE",
    "europe-west2": "GB",
    "europe-west3": "DE",
    "europe-west4": "NL",
    "europe-west6": "CH",
    "europe-west9": "FR",
    "europe-north1": "FI",
    "europe-central2": "PL",
    "westeurope": "NL",
    "northeurope": "IE",
    "germanywestcentral": "DE",
    "francecentral": "FR",
    "uksouth": "GB",
    "switzerlandnorth": "CH",
    "swedencentral": "SE",
}
