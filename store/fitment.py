"""Vehicle fitment: which OEM tire sizes fit which car, and how names are looked up.

The rows live in data/fitment.txt (make | model | generation | years | OEM sizes); this module
adds Cyrillic and colloquial aliases of makes and models and the normalized lookup key that
both the stored aliases and the callers' queries go through (also used for cities and brands).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from store.api_models import VehicleFitment


def _key(text: str) -> str:
    """Lookup key: lower case, no spaces/dashes/dots, Cyrillic look-alikes folded to Latin.

    Both stored aliases and queries go through this, so "Х5" (Cyrillic Х) finds "X5" and
    "CX 5" finds "CX-5"; the folding only has to be consistent, not linguistically right.
    """
    text = text.strip().lower().replace("ё", "е").replace("’", "'").replace("ʼ", "'")
    text = re.sub(r"[\s\-_.'\"]+", "", text)
    return text.translate(_HOMOGLYPHS)


_HOMOGLYPHS = str.maketrans("авсекмнорстухі", "abcekmhopctyxi")


def lookup_key(text: str) -> str:
    """The normalized key fitment lookups compare (exposed for the server's queries)."""
    return _key(text)


# Other spellings of makes: Cyrillic, colloquial, without or with diacritics.
MAKE_ALIASES: dict[str, list[str]] = {
    "Skoda": ["Шкода", "Škoda"],
    "Volkswagen": ["VW", "Фольксваген", "Фольцваген", "Фольксваґен"],
    "Toyota": ["Тойота"],
    "Renault": ["Рено"],
    "Dacia": ["Дачія", "Дачия"],
    "Hyundai": ["Хюндай", "Хендай", "Хюндаи", "Хундай", "Хьюндай"],
    "Kia": ["Кіа", "Киа", "Кія"],
    "Daewoo": ["Деу", "Дэу", "Део", "Daewoo-ZAZ"],
    "ZAZ": ["ЗАЗ", "Запорожець"],
    "Lada": ["Лада", "ВАЗ", "VAZ", "Жигулі", "Жигули"],
    "Bogdan": ["Богдан"],
    "Chevrolet": ["Шевроле", "Шеві", "Chevy"],
    "Ford": ["Форд"],
    "Nissan": ["Ніссан", "Ниссан", "Нісан"],
    "Mitsubishi": ["Міцубісі", "Мицубиси", "Мітсубісі", "Митсубиси"],
    "Mazda": ["Мазда"],
    "BMW": ["БМВ", "Бмв", "Бумер"],
    "Mercedes-Benz": ["Mercedes", "Мерседес", "Мерседес-Бенц", "Мерс", "MB"],
    "Audi": ["Ауді", "Ауди"],
    "Tesla": ["Тесла"],
    "Honda": ["Хонда"],
    "Peugeot": ["Пежо"],
    "Opel": ["Опель"],
    "Citroen": ["Citroën", "Сітроен", "Ситроен"],
    "Fiat": ["Фіат", "Фиат"],
    "Seat": ["SEAT", "Сеат"],
    "Subaru": ["Субару"],
    "Volvo": ["Вольво"],
    "Lexus": ["Лексус"],
    "Suzuki": ["Сузукі", "Сузуки"],
    "Geely": ["Джилі", "Джили"],
    "Chery": ["Чері", "Чери"],
    "Jeep": ["Джип"],
    "Land Rover": ["Ленд Ровер", "ЛендРовер", "Range Rover", "Рендж Ровер"],
    "Porsche": ["Порше"],
    "BYD": ["БІД", "БИД", "Бід"],
    "SsangYong": ["Ссанг Йонг", "Санг Йонг", "Ssang Yong"],
}

# Cyrillic and colloquial model names; generation rows inherit them from their model.
MODEL_ALIASES: dict[tuple[str, str], list[str]] = {
    ("Skoda", "Octavia"): ["Октавія", "Октавия", "Октавiя"],
    ("Skoda", "Fabia"): ["Фабія", "Фабия"],
    ("Skoda", "Superb"): ["Суперб"],
    ("Skoda", "Rapid"): ["Рапід", "Рапид"],
    ("Skoda", "Kodiaq"): ["Кодіак", "Кодиак"],
    ("Skoda", "Karoq"): ["Карок"],
    ("Skoda", "Yeti"): ["Єті", "Йеті", "Йети"],
    ("Volkswagen", "Golf"): ["Гольф"],
    ("Volkswagen", "Passat"): ["Пассат", "Пасат"],
    ("Volkswagen", "Polo"): ["Поло"],
    ("Volkswagen", "Tiguan"): ["Тігуан", "Тигуан"],
    ("Volkswagen", "Touareg"): ["Туарег"],
    ("Volkswagen", "Jetta"): ["Джетта", "Джета"],
    ("Volkswagen", "Caddy"): ["Кадді", "Кадди"],
    ("Volkswagen", "Touran"): ["Туран"],
    ("Volkswagen", "ID.4"): ["ID4", "Айді 4", "Айди 4"],
    ("Toyota", "Corolla"): ["Королла", "Корола", "Каролла"],
    ("Toyota", "Camry"): ["Камрі", "Камри"],
    ("Toyota", "RAV4"): ["Рав4", "Рав 4", "RAV 4", "Рафік"],
    ("Toyota", "Land Cruiser Prado"): ["Prado", "Прадо", "Ленд Крузер Прадо"],
    ("Toyota", "Land Cruiser"): ["Ленд Крузер", "LC200", "Крузак"],
    ("Toyota", "Yaris"): ["Яріс", "Ярис"],
    ("Toyota", "Auris"): ["Ауріс", "Аурис"],
    ("Toyota", "Avensis"): ["Авенсіс", "Авенсис"],
    ("Toyota", "Prius"): ["Пріус", "Приус"],
    ("Renault", "Logan"): ["Логан"],
    ("Renault", "Sandero"): ["Сандеро"],
    ("Renault", "Duster"): ["Дастер"],
    ("Renault", "Megane"): ["Меган", "Mégane"],
    ("Renault", "Kangoo"): ["Кангу"],
    ("Renault", "Fluence"): ["Флюенс"],
    ("Renault", "Clio"): ["Кліо", "Клио"],
    ("Renault", "Zoe"): ["Зое", "Zoé"],
    ("Dacia", "Logan"): ["Логан"],
    ("Dacia", "Duster"): ["Дастер"],
    ("Dacia", "Sandero"): ["Сандеро"],
    ("Hyundai", "Tucson"): ["Туксон", "Тусон", "Тусан"],
    ("Hyundai", "ix35"): ["Ай Екс 35", "Айікс 35"],
    ("Hyundai", "Elantra"): ["Елантра", "Элантра"],
    ("Hyundai", "Accent"): ["Акцент", "Solaris", "Соляріс"],
    ("Hyundai", "Santa Fe"): ["Санта Фе", "Санта-Фе"],
    ("Hyundai", "Sonata"): ["Соната"],
    ("Hyundai", "Getz"): ["Гетц", "Гец"],
    ("Hyundai", "Creta"): ["Крета"],
    ("Hyundai", "Kona"): ["Кона"],
    ("Hyundai", "Ioniq"): ["Іонік", "Ионик"],
    ("Kia", "Sportage"): ["Спортейдж", "Спортаж"],
    ("Kia", "Ceed"): ["Сід", "Сид", "cee'd", "Сід СВ"],
    ("Kia", "Rio"): ["Ріо", "Рио"],
    ("Kia", "Sorento"): ["Соренто"],
    ("Kia", "Optima"): ["Оптіма", "Оптима", "K5"],
    ("Kia", "Cerato"): ["Серато", "Церато", "Forte"],
    ("Kia", "Soul"): ["Соул"],
    ("Kia", "Niro"): ["Ніро", "Ниро", "e-Niro"],
    ("Kia", "Picanto"): ["Піканто", "Пиканто"],
    ("Daewoo", "Lanos"): ["Ланос"],
    ("Daewoo", "Sens"): ["Сенс"],
    ("Daewoo", "Nexia"): ["Нексія", "Нексия"],
    ("Daewoo", "Matiz"): ["Матіз", "Матиз"],
    ("Daewoo", "Gentra"): ["Джентра"],
    ("ZAZ", "Vida"): ["Віда", "Вида"],
    ("ZAZ", "Forza"): ["Форза"],
    ("ZAZ", "Lanos"): ["Ланос"],
    ("ZAZ", "Sens"): ["Сенс"],
    ("ZAZ", "Tavria"): ["Таврія", "Таврия"],
    ("ZAZ", "Slavuta"): ["Славута"],
    ("Lada", "2107"): ["Сімка", "Семерка", "Классика"],
    ("Lada", "2109"): ["Дев'ятка", "Девятка", "Samara", "Самара", "21099"],
    ("Lada", "2110"): ["Десятка"],
    ("Lada", "Priora"): ["Пріора", "Приора"],
    ("Lada", "Kalina"): ["Калина"],
    ("Lada", "Granta"): ["Гранта"],
    ("Lada", "Vesta"): ["Веста"],
    ("Lada", "Niva"): ["Нива", "Ніва", "4x4", "2121"],
    ("Lada", "Largus"): ["Ларгус"],
    ("Lada", "XRAY"): ["Ікс Рей", "Иксрей"],
    ("Bogdan", "2110"): ["Десятка"],
    ("Chevrolet", "Aveo"): ["Авео"],
    ("Chevrolet", "Lacetti"): ["Лачетті", "Лачетти", "Лачеті"],
    ("Chevrolet", "Cruze"): ["Круз"],
    ("Chevrolet", "Epica"): ["Епіка", "Эпика"],
    ("Chevrolet", "Captiva"): ["Каптіва", "Каптива"],
    ("Chevrolet", "Spark"): ["Спарк"],
    ("Chevrolet", "Niva"): ["Нива", "Ніва", "Шевроле Нива"],
    ("Chevrolet", "Volt"): ["Вольт"],
    ("Chevrolet", "Bolt"): ["Болт"],
    ("Ford", "Focus"): ["Фокус"],
    ("Ford", "Fiesta"): ["Фієста", "Фиеста"],
    ("Ford", "Mondeo"): ["Мондео"],
    ("Ford", "Kuga"): ["Куга"],
    ("Ford", "Fusion"): ["Фьюжн", "Ф'южн", "Фюжн"],
    ("Ford", "Escape"): ["Ескейп", "Эскейп"],
    ("Ford", "Explorer"): ["Експлорер", "Эксплорер"],
    ("Nissan", "Qashqai"): ["Кашкай"],
    ("Nissan", "Leaf"): ["Ліф", "Лиф", "Ліфчик"],
    ("Nissan", "X-Trail"): ["Ікс Трейл", "Икстрейл", "Х-Трейл"],
    ("Nissan", "Juke"): ["Жук", "Джук"],
    ("Nissan", "Almera"): ["Альмера"],
    ("Nissan", "Tiida"): ["Тііда", "Тиида"],
    ("Nissan", "Note"): ["Ноут"],
    ("Nissan", "Micra"): ["Мікра", "Микра"],
    ("Nissan", "Rogue"): ["Рог", "Рож"],
    ("Mitsubishi", "Outlander"): ["Аутлендер", "Аутлендер XL"],
    ("Mitsubishi", "Lancer"): ["Лансер"],
    ("Mitsubishi", "ASX"): ["АСХ", "АСИКС"],
    ("Mitsubishi", "Pajero Sport"): ["Паджеро Спорт"],
    ("Mitsubishi", "Pajero"): ["Паджеро", "Pajero Wagon"],
    ("Mitsubishi", "Eclipse Cross"): ["Екліпс Крос", "Эклипс Кросс"],
    ("Mazda", "3"): ["Mazda3", "Мазда 3", "Трійка"],
    ("Mazda", "6"): ["Mazda6", "Мазда 6", "Шістка"],
    ("Mazda", "CX-5"): ["СХ-5", "Сі Ікс 5"],
    ("Mazda", "CX-30"): ["СХ-30"],
    ("Mazda", "CX-7"): ["СХ-7"],
    ("Mazda", "CX-9"): ["СХ-9"],
    ("Mazda", "2"): ["Mazda2", "Мазда 2", "Demio"],
    ("BMW", "3 Series"): ["3", "3er", "Трійка", "Тройка", "E90", "F30", "G20"],
    ("BMW", "5 Series"): ["5", "5er", "П'ятірка", "Пятерка", "E60", "F10", "G30"],
    ("BMW", "1 Series"): ["1", "1er", "Одиничка"],
    ("BMW", "X5"): ["Х5", "Ікс 5", "Икс пять"],
    ("BMW", "X3"): ["Х3", "Ікс 3"],
    ("BMW", "X1"): ["Х1", "Ікс 1"],
    ("Mercedes-Benz", "C-Class"): ["C", "C-Klasse", "С-клас", "Ц-клас", "W204", "W205", "W206"],
    ("Mercedes-Benz", "E-Class"): ["E", "E-Klasse", "Е-клас", "Єшка", "W211", "W212", "W213"],
    ("Mercedes-Benz", "A-Class"): ["A", "А-клас"],
    ("Mercedes-Benz", "GLC"): ["ГЛЦ", "ГЛС"],
    ("Mercedes-Benz", "ML"): ["M-Class", "МЛ", "ML-Class"],
    ("Mercedes-Benz", "GLE"): ["ГЛЕ"],
    ("Mercedes-Benz", "GLA"): ["ГЛА"],
    ("Mercedes-Benz", "CLA"): ["ЦЛА", "СЛА"],
    ("Audi", "A4"): ["А4"],
    ("Audi", "A6"): ["А6"],
    ("Audi", "A3"): ["А3"],
    ("Audi", "Q5"): ["Ку5", "Ку 5"],
    ("Audi", "Q7"): ["Ку7", "Ку 7"],
    ("Audi", "Q3"): ["Ку3", "Ку 3"],
    ("Audi", "e-tron"): ["Етрон", "Е-трон", "Q8 e-tron"],
    ("Tesla", "Model 3"): ["Модель 3", "M3"],
    ("Tesla", "Model Y"): ["Модель Y", "Модель Ігрек", "Модель Игрек"],
    ("Tesla", "Model S"): ["Модель S", "Модель Ес"],
    ("Tesla", "Model X"): ["Модель X", "Модель Ікс"],
    ("Honda", "CR-V"): ["СРВ", "ЦРВ", "Сі Ер Ві"],
    ("Honda", "Civic"): ["Сівік", "Цивик", "Сивик"],
    ("Honda", "Accord"): ["Акорд", "Аккорд"],
    ("Honda", "Jazz"): ["Джаз", "Fit"],
    ("Honda", "HR-V"): ["ХРВ", "Ейч Ер Ві"],
    ("Peugeot", "308"): ["Пежо 308"],
    ("Peugeot", "3008"): ["Пежо 3008"],
    ("Peugeot", "207"): ["Пежо 207"],
    ("Peugeot", "208"): ["Пежо 208"],
    ("Peugeot", "301"): ["Пежо 301"],
    ("Peugeot", "407"): ["Пежо 407"],
    ("Peugeot", "508"): ["Пежо 508"],
    ("Peugeot", "Partner"): ["Партнер"],
    ("Peugeot", "2008"): ["Пежо 2008"],
    ("Opel", "Astra"): ["Астра"],
    ("Opel", "Vectra"): ["Вектра"],
    ("Opel", "Insignia"): ["Інсігнія", "Инсигния"],
    ("Opel", "Corsa"): ["Корса"],
    ("Opel", "Zafira"): ["Зафіра", "Зафира"],
    ("Opel", "Mokka"): ["Мокка"],
    ("Opel", "Combo"): ["Комбо"],
    ("Citroen", "C4"): ["С4", "Сі 4"],
    ("Citroen", "C-Elysee"): ["С-Елізе", "Элизе", "C-Elysée"],
    ("Citroen", "Berlingo"): ["Берлінго", "Берлинго"],
    ("Citroen", "C5"): ["С5"],
    ("Fiat", "Doblo"): ["Добло"],
    ("Fiat", "Tipo"): ["Тіпо", "Типо"],
    ("Fiat", "Linea"): ["Лінеа", "Линеа"],
    ("Fiat", "500"): ["Чінквеченто", "Фіат 500"],
    ("Seat", "Leon"): ["Леон"],
    ("Seat", "Ibiza"): ["Ібіца", "Ибица"],
    ("Seat", "Ateca"): ["Атека"],
    ("Subaru", "Forester"): ["Форестер"],
    ("Subaru", "Outback"): ["Аутбек", "Аутбэк"],
    ("Subaru", "XV"): ["ХВ", "Crosstrek"],
    ("Subaru", "Impreza"): ["Імпреза", "Импреза"],
    ("Volvo", "XC90"): ["ХС90", "ІксСі 90"],
    ("Volvo", "XC60"): ["ХС60"],
    ("Volvo", "XC40"): ["ХС40"],
    ("Volvo", "S60"): ["С60"],
    ("Lexus", "RX"): ["РХ", "RX350", "RX450h"],
    ("Lexus", "NX"): ["НХ", "NX200t", "NX300h"],
    ("Lexus", "ES"): ["ЕС", "ES250", "ES350"],
    ("Lexus", "IS"): ["ІС", "IS250"],
    ("Suzuki", "Vitara"): ["Вітара", "Витара"],
    ("Suzuki", "Grand Vitara"): ["Гранд Вітара", "Гранд Витара"],
    ("Suzuki", "SX4"): ["СХ4", "ЕсІкс 4"],
    ("Suzuki", "Swift"): ["Свіфт", "Свифт"],
    ("Geely", "Emgrand EC7"): ["Емгранд", "Эмгранд", "EC7"],
    ("Geely", "CK"): ["СК", "Otaka"],
    ("Geely", "MK"): ["МК"],
    ("Geely", "Coolray"): ["Кулрей"],
    ("Chery", "Tiggo"): ["Тіго", "Тигго"],
    ("Chery", "Amulet"): ["Амулет"],
    ("Chery", "Tiggo 7"): ["Тіго 7", "Тигго 7"],
    ("Jeep", "Grand Cherokee"): ["Гранд Черокі", "Гранд Чероки"],
    ("Jeep", "Compass"): ["Компас"],
    ("Jeep", "Cherokee"): ["Черокі", "Чероки"],
    ("Land Rover", "Range Rover Evoque"): ["Evoque", "Евок", "Эвок"],
    ("Land Rover", "Discovery Sport"): ["Діскавері Спорт", "Дискавери Спорт"],
    ("Porsche", "Cayenne"): ["Каєн", "Кайен"],
    ("Porsche", "Macan"): ["Макан"],
    ("BYD", "Song Plus"): ["Сонг Плюс", "Song+"],
    ("BYD", "Atto 3"): ["Атто 3", "Yuan Plus"],
    ("SsangYong", "Korando"): ["Корандо"],
    ("Volkswagen", "Arteon"): ["Артеон"],
    ("Volkswagen", "T-Roc"): ["Ті-Рок", "Т-Рок"],
    ("Volkswagen", "Passat CC"): ["CC", "Пассат СС"],
    ("Volkswagen", "Amarok"): ["Амарок"],
    ("Volkswagen", "e-Golf"): ["Е-Гольф", "Електро гольф"],
    ("Skoda", "Kamiq"): ["Камік", "Камик"],
    ("Skoda", "Scala"): ["Скала"],
    ("Skoda", "Enyaq"): ["Еняк", "Эньяк"],
    ("Hyundai", "i30"): ["Ай 30", "і30"],
    ("Hyundai", "i20"): ["Ай 20", "і20"],
    ("Hyundai", "i10"): ["Ай 10", "і10"],
    ("Toyota", "C-HR"): ["СХР", "Сі Ейч Ар"],
    ("Toyota", "Highlander"): ["Хайлендер"],
    ("Renault", "Arkana"): ["Аркана"],
    ("Renault", "Koleos"): ["Колеос"],
    ("Renault", "Captur"): ["Каптюр", "Каптур"],
    ("Mercedes-Benz", "Vito"): ["Віто"],
}


@lru_cache(maxsize=1)
def _fitment_text() -> str:
    """data/fitment.txt, read on first use."""
    return files("store").joinpath("data", "fitment.txt").read_text(encoding="utf-8")


@dataclass(frozen=True)
class FitmentRow:
    fitment: VehicleFitment
    make_keys: tuple[str, ...]
    model_keys: tuple[str, ...]


def parse_fitment() -> list[FitmentRow]:
    """Fresh rows of data/fitment.txt with the lookup keys of every alias."""
    rows: list[FitmentRow] = []
    for line in _fitment_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        make, model, generation, years, sizes_text = (p.strip() for p in line.split("|"))
        year_from_text, _, year_to_text = years.partition("-")
        sizes = [s.strip().rstrip("?").strip() for s in sizes_text.split(",") if s.strip()]
        make_aliases = [make, *MAKE_ALIASES.get(make, [])]
        model_aliases = [model, *MODEL_ALIASES.get((make, model), [])]
        model_keys = [_key(a) for a in model_aliases]
        if generation:
            # "Octavia A7", "Golf VII" and "Passat B8" find the generation directly.
            model_keys += [_key(a) + _key(generation) for a in model_aliases]
        rows.append(
            FitmentRow(
                fitment=VehicleFitment(
                    make=make,
                    model=model,
                    generation=generation or None,
                    year_from=int(year_from_text),
                    year_to=int(year_to_text) if year_to_text else None,
                    sizes=sizes,
                ),
                make_keys=tuple(dict.fromkeys(_key(a) for a in make_aliases)),
                model_keys=tuple(dict.fromkeys(model_keys)),
            )
        )
    return rows
