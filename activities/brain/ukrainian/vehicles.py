"""Car makes, models and years as callers say them, mapped to the catalogue's names.

"Шкода Октавія 2015 року", "октавія", "фольксваген пасат", "хюндай туксон", "ВАЗ 2107",
"дві тисячі п'ятнадцятого року": `parse_vehicle` gives the make and model as store/fitment.py
spells them (a model alone finds its make) and the year. Names are compared by a folded key
(no spaces or dashes, Cyrillic look-alikes as Latin: "Х5" is "X5", "сх 5" is "CX-5"), and
declined words are brought back to their base form ("на октавію", "для пасата").
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass

from activities.brain.ukrainian.numbers import Token, number_tokens
from activities.brain.ukrainian.text import apply_correction

# Catalogue make → how callers say it (lower case; case endings are handled by the matcher).
MAKES: dict[str, tuple[str, ...]] = {
    "Skoda": ("шкода", "škoda", "шкоди", "skoda"),
    "Volkswagen": (
        "vw", "фольксваген", "фольцваген", "фольксваґен", "фольксвагін", "фольц", "фольксваг", "вольксваген",
        "фольксвоген",
    ),
    "Toyota": ("тойота", "таєта", "тоёта", "тайота"),
    "Renault": ("рено",),
    "Dacia": ("дачія", "дачия"),
    "Hyundai": ("хюндай", "хендай", "хюндаи", "хундай", "хьюндай", "хьондай", "хюндей", "гюндай", "хендей"),
    "Kia": ("кіа", "киа", "кія", "кия"),
    "Daewoo": ("деу", "дэу", "део", "daewoo-zaz"),
    "ZAZ": ("заз", "запорожець"),
    "Lada": ("лада", "ваз", "vaz", "жигулі", "жигули"),
    "Bogdan": ("богдан",),
    "Chevrolet": ("шевроле", "шеві", "chevy", "шевролет"),
    "Ford": ("форд",),
    "Nissan": ("ніссан", "ниссан", "нісан", "нисан"),
    "Mitsubishi": ("міцубісі", "мицубиси", "мітсубісі", "митсубиси", "міцубіші", "мітсубіші", "мицубиши"),
    "Mazda": ("мазда",),
    "BMW": ("бмв", "бумер", "бемве", "беемве", "бе ем ве", "бэмвэ"),
    "Mercedes-Benz": ("mercedes", "мерседес", "мерседес-бенц", "мерс", "mb", "мерседес бенц", "мерин"),
    "Audi": ("ауді", "ауди"),
    "Tesla": ("тесла",),
    "Honda": ("хонда",),
    "Peugeot": ("пежо", "пежот"),
    "Opel": ("опель",),
    "Citroen": ("citroën", "сітроен", "ситроен", "сітроєн"),
    "Fiat": ("фіат", "фиат"),
    "Seat": ("seat", "сеат"),
    "Subaru": ("субару",),
    "Volvo": ("вольво",),
    "Lexus": ("лексус",),
    "Suzuki": ("сузукі", "сузуки"),
    "Geely": ("джилі", "джили", "джелі", "джіли"),
    "Chery": ("чері", "чери"),
    "Jeep": ("джип",),
    "Land Rover": ("ленд ровер", "лендровер", "range rover", "рендж ровер", "ланд ровер", "ренж ровер"),
    "Porsche": ("порше",),
    "BYD": ("бід", "бид", "бі ай ді", "біайді"),
    "SsangYong": ("ссанг йонг", "санг йонг", "ssang yong"),
}
# (make, model) of the catalogue → how callers say the model; the model's own name counts too.
MODELS: dict[tuple[str, str], tuple[str, ...]] = {
    ("Skoda", "Fabia"): ("фабія", "фабия"),
    ("Skoda", "Octavia"): ("октавія", "октавия", "октавiя", "октавіа", "октавиа", "октавіє"),
    ("Skoda", "Superb"): ("суперб",),
    ("Skoda", "Rapid"): ("рапід", "рапид"),
    ("Skoda", "Kodiaq"): ("кодіак", "кодиак"),
    ("Skoda", "Karoq"): ("карок",),
    ("Skoda", "Kamiq"): ("камік", "камик"),
    ("Skoda", "Yeti"): ("єті", "йеті", "йети"),
    ("Skoda", "Scala"): ("скала",),
    ("Skoda", "Enyaq"): ("еняк", "эньяк"),
    ("Volkswagen", "Golf"): ("гольф",),
    ("Volkswagen", "Passat"): ("пассат", "пасат"),
    ("Volkswagen", "Polo"): ("поло",),
    ("Volkswagen", "Tiguan"): ("тігуан", "тигуан"),
    ("Volkswagen", "Touareg"): ("туарег",),
    ("Volkswagen", "Jetta"): ("джетта", "джета"),
    ("Volkswagen", "Caddy"): ("кадді", "кадди"),
    ("Volkswagen", "Touran"): ("туран",),
    ("Volkswagen", "ID.4"): ("id4", "айді 4", "айди 4"),
    ("Volkswagen", "Arteon"): ("артеон",),
    ("Volkswagen", "T-Roc"): ("ті-рок", "т-рок"),
    ("Volkswagen", "Passat CC"): ("cc", "пассат сс"),
    ("Volkswagen", "Amarok"): ("амарок",),
    ("Volkswagen", "e-Golf"): ("е-гольф", "електро гольф"),
    ("Toyota", "Corolla"): ("королла", "корола", "каролла"),
    ("Toyota", "Camry"): ("камрі", "камри", "кемрі", "кемри"),
    ("Toyota", "RAV4"): ("рав4", "рав 4", "rav 4", "рафік", "рав чотири", "раф 4", "раф"),
    ("Toyota", "Land Cruiser Prado"): ("prado", "прадо", "ленд крузер прадо"),
    ("Toyota", "Land Cruiser"): ("ленд крузер", "lc200", "крузак"),
    ("Toyota", "Yaris"): ("яріс", "ярис"),
    ("Toyota", "Auris"): ("ауріс", "аурис"),
    ("Toyota", "Avensis"): ("авенсіс", "авенсис"),
    ("Toyota", "C-HR"): ("схр", "сі ейч ар"),
    ("Toyota", "Highlander"): ("хайлендер",),
    ("Toyota", "Prius"): ("пріус", "приус"),
    ("Renault", "Logan"): ("логан",),
    ("Renault", "Sandero"): ("сандеро",),
    ("Renault", "Duster"): ("дастер",),
    ("Renault", "Megane"): ("меган", "mégane"),
    ("Renault", "Kangoo"): ("кангу",),
    ("Renault", "Fluence"): ("флюенс",),
    ("Renault", "Clio"): ("кліо", "клио"),
    ("Renault", "Zoe"): ("зое", "zoé"),
    ("Renault", "Arkana"): ("аркана",),
    ("Renault", "Koleos"): ("колеос",),
    ("Renault", "Captur"): ("каптюр", "каптур"),
    ("Dacia", "Logan"): ("логан",),
    ("Dacia", "Duster"): ("дастер",),
    ("Dacia", "Sandero"): ("сандеро",),
    ("Hyundai", "Tucson"): ("туксон", "тусон", "тусан", "туксан", "таксон"),
    ("Hyundai", "ix35"): ("ай екс 35", "айікс 35"),
    ("Hyundai", "Elantra"): ("елантра", "элантра"),
    ("Hyundai", "Accent"): ("акцент", "solaris", "соляріс"),
    ("Hyundai", "Santa Fe"): ("санта фе", "санта-фе"),
    ("Hyundai", "Sonata"): ("соната",),
    ("Hyundai", "Getz"): ("гетц", "гец"),
    ("Hyundai", "Creta"): ("крета",),
    ("Hyundai", "Kona"): ("кона",),
    ("Hyundai", "Ioniq"): ("іонік", "ионик"),
    ("Hyundai", "i30"): ("ай 30", "і30"),
    ("Hyundai", "i20"): ("ай 20", "і20"),
    ("Hyundai", "i10"): ("ай 10", "і10"),
    ("Kia", "Sportage"): ("спортейдж", "спортаж", "спортедж", "спортейж", "спортэйдж"),
    ("Kia", "Ceed"): ("сід", "сид", "cee'd", "сід св"),
    ("Kia", "Rio"): ("ріо", "рио"),
    ("Kia", "Sorento"): ("соренто",),
    ("Kia", "Optima"): ("оптіма", "оптима", "k5"),
    ("Kia", "Cerato"): ("серато", "церато", "forte"),
    ("Kia", "Soul"): ("соул",),
    ("Kia", "Niro"): ("ніро", "ниро", "e-niro"),
    ("Kia", "Picanto"): ("піканто", "пиканто"),
    ("Daewoo", "Lanos"): ("ланос",),
    ("Daewoo", "Sens"): ("сенс",),
    ("Daewoo", "Nexia"): ("нексія", "нексия"),
    ("Daewoo", "Matiz"): ("матіз", "матиз"),
    ("Daewoo", "Gentra"): ("джентра",),
    ("ZAZ", "Vida"): ("віда", "вида"),
    ("ZAZ", "Forza"): ("форза",),
    ("ZAZ", "Lanos"): ("ланос",),
    ("ZAZ", "Sens"): ("сенс",),
    ("ZAZ", "Tavria"): ("таврія", "таврия"),
    ("ZAZ", "Slavuta"): ("славута",),
    ("Lada", "2107"): ("сімка", "семерка", "классика"),
    ("Lada", "2109"): ("дев'ятка", "девятка", "samara", "самара", "21099"),
    ("Lada", "2110"): ("десятка",),
    ("Lada", "Priora"): ("пріора", "приора"),
    ("Lada", "Kalina"): ("калина",),
    ("Lada", "Granta"): ("гранта",),
    ("Lada", "Vesta"): ("веста",),
    ("Lada", "Niva"): ("нива", "ніва", "4x4", "2121"),
    ("Lada", "Largus"): ("ларгус",),
    ("Lada", "XRAY"): ("ікс рей", "иксрей"),
    ("Bogdan", "2110"): ("десятка",),
    ("Chevrolet", "Aveo"): ("авео",),
    ("Chevrolet", "Lacetti"): ("лачетті", "лачетти", "лачеті"),
    ("Chevrolet", "Cruze"): ("круз",),
    ("Chevrolet", "Epica"): ("епіка", "эпика"),
    ("Chevrolet", "Captiva"): ("каптіва", "каптива"),
    ("Chevrolet", "Spark"): ("спарк",),
    ("Chevrolet", "Niva"): ("нива", "ніва", "шевроле нива"),
    ("Chevrolet", "Volt"): ("вольт",),
    ("Chevrolet", "Bolt"): ("болт",),
    ("Ford", "Focus"): ("фокус",),
    ("Ford", "Fiesta"): ("фієста", "фиеста"),
    ("Ford", "Mondeo"): ("мондео",),
    ("Ford", "Kuga"): ("куга",),
    ("Ford", "Fusion"): ("фьюжн", "ф'южн", "фюжн"),
    ("Ford", "Escape"): ("ескейп", "эскейп"),
    ("Ford", "Explorer"): ("експлорер", "эксплорер"),
    ("Nissan", "Qashqai"): ("кашкай", "кашкаї", "кашкаі"),
    ("Nissan", "Leaf"): ("ліф", "лиф", "ліфчик"),
    ("Nissan", "X-Trail"): ("ікс трейл", "икстрейл", "х-трейл"),
    ("Nissan", "Juke"): ("жук", "джук"),
    ("Nissan", "Almera"): ("альмера",),
    ("Nissan", "Tiida"): ("тііда", "тиида"),
    ("Nissan", "Note"): ("ноут",),
    ("Nissan", "Micra"): ("мікра", "микра"),
    ("Nissan", "Rogue"): ("рог", "рож"),
    ("Mitsubishi", "Outlander"): ("аутлендер", "аутлендер xl", "аутлендр", "outlander xl"),
    ("Mitsubishi", "Lancer"): ("лансер",),
    ("Mitsubishi", "ASX"): ("асх", "асикс"),
    ("Mitsubishi", "Pajero Sport"): ("паджеро спорт",),
    ("Mitsubishi", "Pajero"): ("паджеро", "pajero wagon"),
    ("Mitsubishi", "Eclipse Cross"): ("екліпс крос", "эклипс кросс"),
    ("Mazda", "3"): ("mazda3", "мазда 3", "трійка"),
    ("Mazda", "6"): ("mazda6", "мазда 6", "шістка"),
    ("Mazda", "CX-5"): ("сх-5", "сі ікс 5"),
    ("Mazda", "CX-30"): ("сх-30",),
    ("Mazda", "CX-7"): ("сх-7",),
    ("Mazda", "CX-9"): ("сх-9",),
    ("Mazda", "2"): ("mazda2", "мазда 2", "demio"),
    ("BMW", "3 Series"): ("3", "3er", "трійка", "тройка", "e90", "f30", "g20"),
    ("BMW", "5 Series"): ("5", "5er", "п'ятірка", "пятерка", "e60", "f10", "g30"),
    ("BMW", "1 Series"): ("1", "1er", "одиничка"),
    ("BMW", "X5"): ("х5", "ікс 5", "икс пять"),
    ("BMW", "X3"): ("х3", "ікс 3"),
    ("BMW", "X1"): ("х1", "ікс 1"),
    ("Mercedes-Benz", "C-Class"): ("c", "c-klasse", "с-клас", "ц-клас", "w204", "w205", "w206"),
    ("Mercedes-Benz", "E-Class"): ("e", "e-klasse", "е-клас", "єшка", "w211", "w212", "w213"),
    ("Mercedes-Benz", "A-Class"): ("a", "а-клас"),
    ("Mercedes-Benz", "GLC"): ("глц", "глс"),
    ("Mercedes-Benz", "ML"): ("m-class", "мл", "ml-class"),
    ("Mercedes-Benz", "GLE"): ("гле",),
    ("Mercedes-Benz", "GLA"): ("гла",),
    ("Mercedes-Benz", "CLA"): ("цла", "сла"),
    ("Mercedes-Benz", "Vito"): ("віто",),
    ("Audi", "A4"): ("а4",),
    ("Audi", "A6"): ("а6",),
    ("Audi", "A3"): ("а3",),
    ("Audi", "Q5"): ("ку5", "ку 5"),
    ("Audi", "Q7"): ("ку7", "ку 7"),
    ("Audi", "Q3"): ("ку3", "ку 3"),
    ("Audi", "e-tron"): ("етрон", "е-трон", "q8 e-tron"),
    ("Tesla", "Model 3"): ("модель 3", "m3"),
    ("Tesla", "Model Y"): ("модель y", "модель ігрек", "модель игрек"),
    ("Tesla", "Model S"): ("модель s", "модель ес"),
    ("Tesla", "Model X"): ("модель x", "модель ікс"),
    ("Honda", "CR-V"): ("срв", "црв", "сі ер ві"),
    ("Honda", "Civic"): ("сівік", "цивик", "сивик"),
    ("Honda", "Accord"): ("акорд", "аккорд"),
    ("Honda", "Jazz"): ("джаз", "fit"),
    ("Honda", "HR-V"): ("хрв", "ейч ер ві"),
    ("Peugeot", "308"): ("пежо 308",),
    ("Peugeot", "3008"): ("пежо 3008",),
    ("Peugeot", "207"): ("пежо 207",),
    ("Peugeot", "208"): ("пежо 208",),
    ("Peugeot", "301"): ("пежо 301",),
    ("Peugeot", "407"): ("пежо 407",),
    ("Peugeot", "508"): ("пежо 508",),
    ("Peugeot", "Partner"): ("партнер",),
    ("Peugeot", "2008"): ("пежо 2008",),
    ("Opel", "Astra"): ("астра",),
    ("Opel", "Vectra"): ("вектра",),
    ("Opel", "Insignia"): ("інсігнія", "инсигния"),
    ("Opel", "Corsa"): ("корса",),
    ("Opel", "Zafira"): ("зафіра", "зафира"),
    ("Opel", "Mokka"): ("мокка",),
    ("Opel", "Combo"): ("комбо",),
    ("Citroen", "C4"): ("с4", "сі 4"),
    ("Citroen", "C-Elysee"): ("с-елізе", "элизе", "c-elysée"),
    ("Citroen", "Berlingo"): ("берлінго", "берлинго"),
    ("Citroen", "C5"): ("с5",),
    ("Fiat", "Doblo"): ("добло",),
    ("Fiat", "Tipo"): ("тіпо", "типо"),
    ("Fiat", "Linea"): ("лінеа", "линеа"),
    ("Fiat", "500"): ("чінквеченто", "фіат 500"),
    ("Seat", "Leon"): ("леон",),
    ("Seat", "Ibiza"): ("ібіца", "ибица"),
    ("Seat", "Ateca"): ("атека",),
    ("Subaru", "Forester"): ("форестер",),
    ("Subaru", "Outback"): ("аутбек", "аутбэк"),
    ("Subaru", "XV"): ("хв", "crosstrek"),
    ("Subaru", "Impreza"): ("імпреза", "импреза"),
    ("Volvo", "XC90"): ("хс90", "ікссі 90"),
    ("Volvo", "XC60"): ("хс60",),
    ("Volvo", "XC40"): ("хс40",),
    ("Volvo", "S60"): ("с60",),
    ("Lexus", "RX"): ("рх", "rx350", "rx450h"),
    ("Lexus", "NX"): ("нх", "nx200t", "nx300h"),
    ("Lexus", "ES"): ("ес", "es250", "es350"),
    ("Lexus", "IS"): ("іс", "is250"),
    ("Suzuki", "Vitara"): ("вітара", "витара"),
    ("Suzuki", "Grand Vitara"): ("гранд вітара", "гранд витара"),
    ("Suzuki", "SX4"): ("сх4", "есікс 4"),
    ("Suzuki", "Swift"): ("свіфт", "свифт"),
    ("Geely", "Emgrand EC7"): ("емгранд", "эмгранд", "ec7"),
    ("Geely", "CK"): ("ск", "otaka"),
    ("Geely", "MK"): ("мк",),
    ("Geely", "Coolray"): ("кулрей",),
    ("Chery", "Tiggo"): ("тіго", "тигго"),
    ("Chery", "Amulet"): ("амулет",),
    ("Chery", "Tiggo 7"): ("тіго 7", "тигго 7"),
    ("Jeep", "Grand Cherokee"): ("гранд черокі", "гранд чероки"),
    ("Jeep", "Compass"): ("компас",),
    ("Jeep", "Cherokee"): ("черокі", "чероки"),
    ("Land Rover", "Range Rover Evoque"): ("evoque", "евок", "эвок"),
    ("Land Rover", "Discovery Sport"): ("діскавері спорт", "дискавери спорт"),
    ("Porsche", "Cayenne"): ("каєн", "кайен"),
    ("Porsche", "Macan"): ("макан",),
    ("BYD", "Song Plus"): ("сонг плюс", "song+"),
    ("BYD", "Atto 3"): ("атто 3", "yuan plus"),
    ("SsangYong", "Korando"): ("корандо",),
}

# Model names that are also ordinary words or bare numbers: they count only after the make
# ("у мене немає сенсу" is not a Daewoo Sens, "мазда шість" is a Mazda 6, "шість" alone is not).
_NEEDS_MAKE = frozenset(
    {
        "сенс", "калина", "скала", "фокус", "рог", "рож", "жук", "трійка", "тройка", "шістка",
        "десятка", "дев'ятка", "девятка", "сімка", "семерка", "п'ятірка", "пятерка", "классика",
        "одиничка", "вольт", "болт", "джаз", "поло", "гольф", "астра", "компас", "ліф", "лиф",
        "ліфчик", "леон", "меган", "кона", "соната", "віда", "вида", "форза", "комбо", "круз",
        "спарк", "самара", "fit", "forte", "note", "ноут", "рапід", "рапид", "партнер", "сід",
        "сид", "ріо", "рио", "соул", "гранта", "веста", "амулет", "єшка", "кадді", "кадди", "рафік",
        "раф", "мокка", "зое", "зоє", "туран", "вектра", "леон", "атека", "тіпо", "типо",
    }
)
_FOLD = str.maketrans("авсекмнорстухіїє", "abcekmhopctyxiie")
_LETTERS = str.maketrans({"ё": "е", "’": "'", "ʼ": "'", "š": "s", "ë": "e", "é": "e"})
_YEAR_WORDS = ("рік", "року", "роки", "р", "год", "года", "г", "го", "випуску", "рочок")
# Case endings of declined names, longest first: "октавію" → "октаві" + "я".
_ENDINGS = (
    "ами", "ові", "еві", "єві", "ою", "ею", "єю", "ом", "ем", "єм", "ам", "ах", "у", "ю", "а", "я", "і", "ї", "е", "и",
)
_RESTORE = ("", "а", "я", "й", "ь", "о", "і")


@lru_cache(maxsize=16384)
def _key(text: str) -> str:
    """Comparison key: no spaces, dashes, dots or apostrophes; Cyrillic look-alikes as Latin."""
    text = text.lower().translate(_LETTERS)
    return re.sub(r"[\s\-_.'\"+]+", "", text).translate(_FOLD)


def _lemmas(word: str) -> list[str]:
    """The word and its possible base forms, for names said in another case."""
    out = [word]
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            base = word[: -len(ending)]
            out += [base + restore for restore in _RESTORE]
    return out


def _may_stand_alone(key: str) -> bool:
    """A model name said without its make must be long and unmistakable."""
    return len(key) >= 4 and not key.isdigit() and key not in _NEEDS_MAKE_KEYS


@dataclass(frozen=True)
class Vehicle:
    make: str | None = None
    model: str | None = None
    year: int | None = None

    def __str__(self) -> str:
        return " ".join(str(p) for p in (self.make, self.model, self.year) if p is not None)


def _year_from(token: Token, next_word: str) -> int | None:
    """A year: 1970-2035 as said, or two digits before «року» ("п'ятнадцятого року" → 2015)."""
    value = token.value
    if value is None:
        return None
    if 1970 <= value <= 2035:
        return value
    if next_word in _YEAR_WORDS and 0 <= value <= 99:
        return 2000 + value if value <= 35 else 1900 + value
    return None


def _token_texts(tokens: list[Token]) -> list[str]:
    return [t.text if t.value is None or t.ordinal else (t.text if t.digits else str(t.value)) for t in tokens]


def _alias_key(alias: str) -> str:
    """The key of a stored name, with number words as digits ("рав чотири" is "рав4")."""
    return "".join(_key(text) for text in _token_texts(number_tokens(alias, lemmatise=False)))


_MAKE_INDEX: dict[str, str] = {}
for _make, _aliases in MAKES.items():
    for _alias in (_make, *_aliases):
        _MAKE_INDEX.setdefault(_alias_key(_alias), _make)

_MODEL_INDEX: dict[str, list[tuple[str, str]]] = {}
_NEEDS_MAKE_KEYS: set[str] = {_key(w) for w in _NEEDS_MAKE}
for (_make, _model), _aliases in MODELS.items():
    for _alias in (_model, *_aliases):
        _pairs = _MODEL_INDEX.setdefault(_alias_key(_alias), [])
        if (_make, _model) not in _pairs:
            _pairs.append((_make, _model))


def _match(texts: list[str], used: set[int], index: dict[str, list[tuple[str, str]]] | dict[str, str],
           max_len: int) -> list[tuple[int, int, str]]:
    """(start, length, key) of every n-gram of unused words whose key is in the index, longest first."""
    found: list[tuple[int, int, str]] = []
    for length in range(max_len, 0, -1):
        for start in range(len(texts) - length + 1):
            span = range(start, start + length)
            if any(i in used for i in span):
                continue
            head = "".join(_key(texts[i]) for i in span if i < start + length - 1)
            for last in _lemmas(texts[start + length - 1]):
                key = head + _key(last)
                if key in index:
                    found.append((start, length, key))
                    break
    return found


def _years(tokens: list[Token], texts: list[str]) -> list[tuple[int, int]]:
    """(index, year) of every number followed by «року»/«рік» ("2015 року", "п'ятнадцятого року")."""
    found: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        following = texts[i + 1] if i + 1 < len(texts) else ""
        if token.value is not None and following in _YEAR_WORDS:
            year = _year_from(token, following)
            if year is not None:
                found.append((i, year))
    return found


def parse_year(text: str) -> int | None:
    """The year of a car: "2015 року", "дві тисячі п'ятнадцятого року", "15 року", "2015" → 2015."""
    tokens = number_tokens(apply_correction(text))
    texts = _token_texts(tokens)
    marked = _years(tokens, texts)
    if marked:
        return marked[-1][1]
    return next((t.value for t in tokens if t.value is not None and 1970 <= t.value <= 2035), None)


def parse_vehicle(text: str) -> Vehicle | None:
    """The car the caller named: make, model and year as far as said, else None.

    "Шкода Октавія 2015 року" → Vehicle("Skoda", "Octavia", 2015); "ланос" →
    Vehicle("Daewoo", "Lanos"); "ВАЗ 2107" → Vehicle("Lada", "2107"); "хюндай" → make only.
    """
    tokens = number_tokens(apply_correction(text))
    texts = _token_texts(tokens)
    used: set[int] = set()
    year: int | None = None
    # A number right before «року» is the year, even one that is also a model ("2008 року").
    for i, found in _years(tokens, texts):
        year = found
        used.add(i)
    make: str | None = None
    for start, length, key in _match(texts, used, _MAKE_INDEX, 3):
        make = _MAKE_INDEX[key]
        used.update(range(start, start + length))
        break
    model: str | None = None
    for start, length, key in _match(texts, used, _MODEL_INDEX, 4):
        pairs = _MODEL_INDEX[key]
        if make is not None:
            chosen = next((pair for pair in pairs if pair[0] == make), None)
        else:
            chosen = pairs[0] if _may_stand_alone(key) else None
        if chosen is not None:
            make, model = chosen
            used.update(range(start, start + length))
            break
    if year is None:
        for i, token in enumerate(tokens):
            if i not in used and token.value is not None and 1970 <= token.value <= 2035 and (
                token.ordinal or len(texts[i]) == 4 or not token.digits
            ):
                year = token.value
                break
    if make is None and model is None:
        return None  # a year alone is not a car
    return Vehicle(make, model, year)
