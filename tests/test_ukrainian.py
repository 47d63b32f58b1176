"""Ukrainian for the phone, both ways: what callers say, and what the agent says back.

The phrases are the ones callers really say (and what a recognizer gives back for them: lower
case, digits or words, any apostrophe); the spoken text is checked word for word.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from activities.brain import ukrainian as uk
from activities.brain.ukrainian import ReadbackDelivery, ReadbackLine, SizeParts, TireSize, Vehicle

# --- tire sizes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "size"),
    [
        ("двісті п'ять п'ятдесят п'ять ер шістнадцять", TireSize(205, 55, 16)),
        ("двісті п’ять п’ятдесят п’ять ер шістнадцять", TireSize(205, 55, 16)),  # typographic apostrophe
        ("205/55 R16", TireSize(205, 55, 16)),
        ("205/55r16", TireSize(205, 55, 16)),
        ("205/55 Р16", TireSize(205, 55, 16)),  # Cyrillic Р
        ("205 / 55 R 16", TireSize(205, 55, 16)),
        ("195 65 15", TireSize(195, 65, 15)),
        ("двісті двадцять п'ять сорок п'ять ер сімнадцять", TireSize(225, 45, 17)),
        ("сто дев'яносто п'ять шістдесят п'ять р п'ятнадцять", TireSize(195, 65, 15)),
        ("двісті п'ять на п'ятдесят п'ять на шістнадцять", TireSize(205, 55, 16)),
        ("двісті п'ять п'ятдесят радіус шістнадцять", TireSize(205, 50, 16)),
        ("Мені потрібні зимові шини двісті п'ять п'ятдесят п'ять ер шістнадцять.", TireSize(205, 55, 16)),
        ("Доброго дня, шукаю 185/65 R15 на зиму", TireSize(185, 65, 15)),
        ("225/45ZR17 94W", TireSize(225, 45, 17)),
    ],
)
def test_tire_size_spoken_or_written(said: str, size: TireSize) -> None:
    assert uk.parse_tire_size(said) == size


@pytest.mark.parametrize(
    "said",
    ["Добрий день", "R16", "шістнадцятий радіус", "мій номер 0671234567", "двісті гривень", "205 55"],
)
def test_no_tire_size_where_there_is_none(said: str) -> None:
    assert uk.parse_tire_size(said) is None


def test_tire_size_reads_back_as_written_on_the_sidewall() -> None:
    assert str(uk.parse_tire_size("двісті п'ять п'ятдесят п'ять ер шістнадцять")) == "205/55 R16"


def test_number_words_become_digits_group_by_group() -> None:
    assert uk.words_to_digits("двісті п'ять п'ятдесят п'ять ер шістнадцять") == "205 55 ер 16"
    assert uk.words_to_digits("сто вісімдесят п'ять шістдесят п'ять") == "185 65"


# --- rims -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "rim"),
    [
        ("п'ятнадцятий радіус", 15),
        ("шістнадцятого радіуса", 16),
        ("на шістнадцять", 16),
        ("а на сімнадцятий є?", 17),
        ("R17", 17),
        ("r 17", 17),
        ("р15", 15),
        ("радіус вісімнадцять", 18),
        ("ні, не шістнадцять, а сімнадцять", 17),
        ("вісімнадцяті диски", 18),
    ],
)
def test_rim(said: str, rim: int) -> None:
    assert uk.parse_rim(said) == rim


@pytest.mark.parametrize("said", ["перший", "Добрий день", "сімнадцять", "R12"])
def test_no_rim(said: str) -> None:
    assert uk.parse_rim(said) is None


# --- seasons and studs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "season", "studded"),
    [
        ("зимові", "winter", None),
        ("шини на зиму", "winter", None),
        ("липучка", "winter", False),  # friction winter tire: no studs
        ("зимову гуму без шипів", "winter", False),
        ("шипи", "winter", True),
        ("шиповані", "winter", True),
        ("всесезонка", "all_season", None),
        ("всесезонні", "all_season", None),
        ("літні", "summer", None),
        ("літня гума", "summer", None),
        ("щось на літо", "summer", None),
        ("Мені потрібні шини", None, None),
    ],
)
def test_season_and_studs(said: str, season: str | None, studded: bool | None) -> None:
    assert uk.parse_season(said) == season
    assert uk.parse_studded(said) is studded


# --- brands -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "brand"),
    [
        ("Мішлен", "Michelin"),
        ("а мішелін є?", "Michelin"),
        ("MICHELIN", "Michelin"),
        ("Нокіан", "Nokian"),
        ("Nokian Hakkapeliitta", "Nokian"),
        ("Continental", "Continental"),
        ("континенталь", "Continental"),
        ("Бріджстоун", "Bridgestone"),
        ("а Гудіер?", "Goodyear"),
        ("Росава", "Rosava"),
        ("шини подешевше", None),
    ],
)
def test_brand(said: str, brand: str | None) -> None:
    assert uk.parse_brand(said) == brand


# --- cities -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "city"),
    [
        ("у Львові", "Львів"),
        ("доставка до Києва", "Київ"),
        ("а у Києві?", "Київ"),
        ("в Одесі", "Одеса"),
        ("Харків", "Харків"),
        ("в Харкові", "Харків"),
        ("з Дніпра", "Дніпро"),
        ("Запоріжжя", "Запоріжжя"),
        ("Ніжин", None),
        ("Добрий день", None),
    ],
)
def test_city(said: str, city: str | None) -> None:
    assert uk.parse_city(said) == city


# --- which option -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "index"),
    [
        ("перша", 0),
        ("давайте першу", 0),
        ("перший варіант", 0),
        ("другу", 1),
        ("а друга є в наявності?", 1),
        ("третій", 2),
        ("третю", 2),
        ("ту що дешевша", None),
    ],
)
def test_choice(said: str, index: int | None) -> None:
    assert uk.parse_choice(said) == index


# --- intents ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "wants"),
    [
        ("З'єднайте мене, будь ласка, з оператором.", True),
        ("Покличте людину", True),
        ("хочу поговорити з менеджером", True),
        ("Можна оператора?", True),
        ("з живою людиною", True),
        ("зимові шини", False),
    ],
)
def test_wants_operator(said: str, wants: bool) -> None:
    assert uk.wants_operator(said) is wants


@pytest.mark.parametrize(
    ("said", "asks"),
    [
        ("А перша є в наявності у Києві?", True),
        ("чи є в наявності?", True),
        ("є на складі?", True),
        ("а є у Львові?", True),
        ("Чи є вони в Одесі", True),
        ("коли можна забрати?", True),
        ("а доставка до Харкова?", True),
        ("є варіанти дешевше?", False),
        ("а є у вас Мішлен?", False),
        ("Є зимові шини?", False),
    ],
)
def test_asks_availability(said: str, asks: bool) -> None:
    assert uk.asks_availability(said) is asks


@pytest.mark.parametrize(
    ("said", "bye"),
    [
        ("до побачення", True),
        ("Дякую, до побачення!", True),
        ("бувайте", True),
        ("на все добре", True),
        ("Ні, дякую, це все.", True),
        ("більше нічого не треба", True),
        ("дякую, все", True),
        ("все, дякую", True),
        ("дякую, а є дешевші?", False),
        ("добре", False),
    ],
)
def test_says_goodbye(said: str, bye: bool) -> None:
    assert uk.says_goodbye(said) is bye


@pytest.mark.parametrize(
    ("said", "yes", "no"),
    [
        ("так", True, False),
        ("Так, давайте", True, False),
        ("добре", True, False),
        ("ага", True, False),
        ("звісно", True, False),
        ("ні", False, True),
        ("Ні, дякую", False, True),
        ("не треба", False, True),
        ("нічого більше", False, True),
        # words that merely start like «так» / «ні» are neither
        ("також цікавить всесезонка", False, False),
        ("такий самий, але сімнадцятий", False, False),
        ("а німецькі є?", False, False),
        ("Ніжин", False, False),
    ],
)
def test_yes_and_no(said: str, yes: bool, no: bool) -> None:
    assert uk.says_yes(said) is yes
    assert uk.says_no(said) is no


# --- agreement of numbers with nouns ----------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "spoken"),
    [
        (1, "1 гривня"),
        (2, "2 гривні"),
        (3, "3 гривні"),
        (4, "4 гривні"),
        *[(n, f"{n} гривень") for n in range(5, 21)],
        (21, "21 гривня"),
        (22, "22 гривні"),
        (25, "25 гривень"),
        (111, "111 гривень"),
        (112, "112 гривень"),
        (1514, "1514 гривень"),
        (2451, "2451 гривня"),
        (3452, "3452 гривні"),
        (2000, "2000 гривень"),
    ],
)
def test_hryvnias(amount: int, spoken: str) -> None:
    assert uk.hryvnias(amount) == spoken


@pytest.mark.parametrize(
    ("count", "spoken"),
    [
        (0, "0 штук"),
        (1, "1 штука"),
        (2, "2 штуки"),
        (4, "4 штуки"),
        (5, "5 штук"),
        (11, "11 штук"),
        (12, "12 штук"),
        (14, "14 штук"),
        (16, "16 штук"),
        (20, "20 штук"),
        (21, "21 штука"),
        (24, "24 штуки"),
        (111, "111 штук"),
    ],
)
def test_pieces(count: int, spoken: str) -> None:
    assert uk.pieces(count) == spoken


# === the phone module's wider vocabulary =====================================================

# --- number words -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "digits"),
    [
        ("пʼять", "5"),  # modifier-letter apostrophe
        ("пять", "5"),  # the recognizer dropped the apostrophe
        ("двести пять", "205"),  # Russian
        ("дві тисячі чотириста п'ятдесят", "2450"),
        ("дванадцять тисяч вісімсот", "12800"),
        ("тисяча", "1000"),
        ("сто двадцять три чотириста п'ятдесят шість", "123 456"),
        ("нуль шістдесят сім", "0 67"),
        ("2 тисячі", "2000"),
    ],
)
def test_words_to_digits_more(said: str, digits: str) -> None:
    assert uk.words_to_digits(said) == digits


@pytest.mark.parametrize(
    ("word", "value"),
    [
        ("п'ятнадцятий", 15), ("третю", 3), ("третього", 3), ("першого", 1), ("двадцятого", 20),
        ("десятій", 10), ("сьомій", 7), ("восьмого", 8), ("шостому", 6), ("другу", 2),
        ("пятого", 5), ("друг", None), ("перш", None), ("десять", None),
    ],
)
def test_ordinal_value(word: str, value: int | None) -> None:
    assert uk.ordinal_value(word) == value


def test_compound_ordinals_are_one_number() -> None:
    tokens = [t for t in uk.number_tokens("двадцять п'ятого") if t.value is not None]
    assert [(t.value, t.ordinal) for t in tokens] == [(25, True)]
    tokens = [t for t in uk.number_tokens("дві тисячі п'ятнадцятого року") if t.value is not None]
    assert [(t.value, t.ordinal) for t in tokens] == [(2015, True)]


@pytest.mark.parametrize(
    ("n", "gender", "words"),
    [
        (0, "m", "нуль"),
        (1, "m", "один"),
        (1, "f", "одна"),
        (1, "n", "одне"),
        (2, "m", "два"),
        (2, "f", "дві"),
        (11, "f", "одинадцять"),
        (21, "f", "двадцять одна"),
        (22, "f", "двадцять дві"),
        (100, "m", "сто"),
        (111, "f", "сто одинадцять"),
        (205, "m", "двісті п'ять"),
        (1000, "f", "одна тисяча"),
        (2000, "f", "дві тисячі"),
        (2001, "f", "дві тисячі одна"),
        (5000, "f", "п'ять тисяч"),
        (12800, "f", "дванадцять тисяч вісімсот"),
        (21000, "m", "двадцять одна тисяча"),
        (22000, "m", "двадцять дві тисячі"),
        (1_000_000, "m", "один мільйон"),
        (2_450_000, "m", "два мільйони чотириста п'ятдесят тисяч"),
    ],
)
def test_number_words(n: int, gender: uk.numbers.Gender, words: str) -> None:
    assert uk.number_words(n, gender) == words


@pytest.mark.parametrize(
    ("n", "case", "words"),
    [
        (25, "gen_m", "двадцять п'ятого"),
        (28, "gen_m", "двадцять восьмого"),
        (3, "gen_m", "третього"),
        (1, "gen_m", "першого"),
        (20, "gen_m", "двадцятого"),
        (31, "gen_m", "тридцять першого"),
        (10, "loc_f", "десятій"),
        (3, "loc_f", "третій"),
        (23, "loc_f", "двадцять третій"),
        (11, "loc_f", "одинадцятій"),
        (3, "acc_f", "третю"),
        (2, "nom_m", "другий"),
        (3, "nom_m", "третій"),
        (100, "gen_m", "сотого"),
    ],
)
def test_ordinal_words(n: int, case: uk.numbers.OrdinalCase, words: str) -> None:
    assert uk.ordinal_words(n, case) == words


# --- agreement, prices and counts in words ----------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "spoken"),
    [
        (1, "одна гривня"),
        (2, "дві гривні"),
        (3, "три гривні"),
        (4, "чотири гривні"),
        (5, "п'ять гривень"),
        (10, "десять гривень"),
        (11, "одинадцять гривень"),
        (12, "дванадцять гривень"),
        (13, "тринадцять гривень"),
        (14, "чотирнадцять гривень"),
        (15, "п'ятнадцять гривень"),
        (20, "двадцять гривень"),
        (21, "двадцять одна гривня"),
        (22, "двадцять дві гривні"),
        (25, "двадцять п'ять гривень"),
        (100, "сто гривень"),
        (101, "сто одна гривня"),
        (111, "сто одинадцять гривень"),
        (112, "сто дванадцять гривень"),
        (1000, "одна тисяча гривень"),
        (1001, "одна тисяча одна гривня"),
        (2000, "дві тисячі гривень"),
        (2001, "дві тисячі одна гривня"),
        (2450, "дві тисячі чотириста п'ятдесят гривень"),
        (3200, "три тисячі двісті гривень"),
        (5000, "п'ять тисяч гривень"),
        (11000, "одинадцять тисяч гривень"),
        (12800, "дванадцять тисяч вісімсот гривень"),
        (21400, "двадцять одна тисяча чотириста гривень"),
        (104, "сто чотири гривні"),
    ],
)
def test_speak_hryvnias(amount: int, spoken: str) -> None:
    assert uk.speak_hryvnias(amount) == spoken


@pytest.mark.parametrize(
    ("amount", "spoken"),
    [
        (1, "одну гривню"),
        (21, "двадцять одну гривню"),
        (1451, "одну тисячу чотириста п'ятдесят одну гривню"),
        (3200, "три тисячі двісті гривень"),
        (2, "дві гривні"),
    ],
)
def test_speak_hryvnias_after_za(amount: int, spoken: str) -> None:
    assert uk.speak_hryvnias(amount, "acc") == spoken


@pytest.mark.parametrize(
    ("count", "noun", "spoken"),
    [
        (1, "шина", "одна шина"),
        (2, "шина", "дві шини"),
        (4, "шина", "чотири шини"),
        (5, "шина", "п'ять шин"),
        (11, "шина", "одинадцять шин"),
        (21, "шина", "двадцять одна шина"),
        (22, "шина", "двадцять дві шини"),
        (1, "місце", "одне місце"),
        (2, "місце", "два місця"),
        (5, "місце", "п'ять місць"),
        (1, "день", "один день"),
        (2, "день", "два дні"),
        (5, "день", "п'ять днів"),
        (12, "день", "дванадцять днів"),
        (21, "день", "двадцять один день"),
        (1, "хвилина", "одна хвилина"),
        (3, "хвилина", "три хвилини"),
        (15, "хвилина", "п'ятнадцять хвилин"),
        (2, "колесо", "два колеса"),
        (5, "колесо", "п'ять коліс"),
        (3, "тиждень", "три тижні"),
        (0, "шина", "нуль шин"),
    ],
)
def test_speak_count(count: int, noun: str, spoken: str) -> None:
    assert uk.speak_count(count, noun) == spoken


@pytest.mark.parametrize(
    ("count", "noun", "form"),
    [(1, "шина", "шина"), (3, "шина", "шини"), (13, "шина", "шин"), (101, "день", "день"), (114, "день", "днів")],
)
def test_agree(count: int, noun: str, form: str) -> None:
    assert uk.agree(count, noun) == form


def test_an_unknown_noun_needs_its_forms() -> None:
    with pytest.raises(ValueError):
        uk.speak_count(3, "покришка")
    assert uk.speak_count(3, uk.Noun("f", "покришка", "покришки", "покришок")) == "три покришки"


# --- tire sizes, whole and in part -----------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "parts"),
    [
        ("двісті п'ять п'ятдесят п'ять ер шістнадцять", SizeParts(205, 55, 16)),
        ("205/55 R16", SizeParts(205, 55, 16)),
        ("205 55 16", SizeParts(205, 55, 16)),
        ("двісті пʼять пʼятдесят пʼять ер шістнадцять", SizeParts(205, 55, 16)),
        ("двести пять пятьдесят пять эр шестнадцать", SizeParts(205, 55, 16)),  # Russian, no apostrophes
        ("двісті п'ять на п'ятдесят п'ять", SizeParts(205, 55, None)),
        ("205/55", SizeParts(205, 55, None)),
        ("п'ятнадцятий радіус", SizeParts(None, None, 15)),
        ("на шістнадцять", SizeParts(None, None, 16)),
        ("r16", SizeParts(None, None, 16)),
        ("ер сімнадцять", SizeParts(None, None, 17)),
        ("радіус 18", SizeParts(None, None, 18)),
        ("ширина двісті двадцять п'ять", SizeParts(225, None, None)),
        ("профіль шістдесят п'ять", SizeParts(None, 65, None)),
        ("двісті п'ять п'ятдесят п'ять на сімнадцятий", SizeParts(205, 55, 17)),
        ("ні, не шістнадцять, а сімнадцять", SizeParts(None, None, 17)),
        ("не шістнадцятий, а сімнадцятий", SizeParts(None, None, 17)),
        ("не п'ятдесят п'ять, а шістдесят п'ять", SizeParts(None, 65, None)),
        ("не двісті п'ять, а сто дев'яносто п'ять", SizeParts(195, None, None)),
        ("205/55 R16, ой ні, не шістнадцять, а сімнадцять", SizeParts(205, 55, 17)),
        ("сто сімдесят п'ять сімдесят ер тринадцять", SizeParts(175, 70, 13)),
        ("двісті сорок п'ять сорок ер вісімнадцять", SizeParts(245, 40, 18)),
    ],
)
def test_size_parts(said: str, parts: SizeParts) -> None:
    assert uk.parse_size_parts(said) == parts


@pytest.mark.parametrize(
    "said",
    ["Добрий день", "двісті гривень", "на чотири шини", "мій номер 0671234567", "о десятій", "R12", "сімнадцять"],
)
def test_no_size_parts(said: str) -> None:
    assert uk.parse_size_parts(said) is None


def test_size_parts_merge_into_what_was_known() -> None:
    known = SizeParts(205, 55, None)
    merged = uk.parse_size_parts("на шістнадцять")
    assert merged is not None
    assert merged.merged_into(known) == SizeParts(205, 55, 16)
    assert merged.merged_into(known).complete == TireSize(205, 55, 16)
    assert SizeParts(205, None, 16).complete is None


@pytest.mark.parametrize(
    ("size", "spoken"),
    [
        ("205/55 R16", "двісті п'ять п'ятдесят п'ять ер шістнадцять"),
        ("195/65R15", "сто дев'яносто п'ять шістдесят п'ять ер п'ятнадцять"),
        ("225/45 ZR17", "двісті двадцять п'ять сорок п'ять ер сімнадцять"),
        (TireSize(175, 70, 13), "сто сімдесят п'ять сімдесят ер тринадцять"),
        ("235/60 R18", "двісті тридцять п'ять шістдесят ер вісімнадцять"),
    ],
)
def test_speak_tire_size(size: str | TireSize, spoken: str) -> None:
    assert uk.speak_tire_size(size) == spoken


def test_speak_tire_size_round_trips() -> None:
    for size in ("205/55 R16", "185/65 R15", "225/40 R19", "265/70 R17", "155/80 R13"):
        assert str(uk.parse_tire_size(uk.speak_tire_size(size))) == size


# --- corrections ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("ні, не шістнадцять, а сімнадцять", "сімнадцять"),
        ("не Мішлен, а Нокіан", "нокіан"),
        ("не у Львові, а в Києві", "в києві"),
        ("не треба", None),
        ("так", None),
    ],
)
def test_parse_correction(said: str, meant: str | None) -> None:
    assert uk.parse_correction(said) == meant


@pytest.mark.parametrize(
    ("said", "brand", "city", "season"),
    [
        ("не мішлен, а нокіан", "Nokian", None, None),
        ("не у Львові, а в Києві", None, "Київ", None),
        ("не літні, а зимові", None, None, "winter"),
        ("ні, не континенталь, а ханкук", "Hankook", None, None),
    ],
)
def test_corrections_win_in_every_parser(
    said: str, brand: str | None, city: str | None, season: str | None
) -> None:
    assert uk.parse_brand(said) == brand
    assert uk.parse_city(said) == city
    assert uk.parse_season(said) == season


# --- seasons and studs, more ways to say them ----------------------------------------------------


@pytest.mark.parametrize(
    ("said", "season", "studded"),
    [
        ("зима", "winter", None),
        ("на зиму", "winter", None),
        ("зимние", "winter", None),
        ("фрикційні", "winter", False),
        ("нешиповані", "winter", False),
        ("шиповану резину", "winter", True),
        ("літо", "summer", None),
        ("летние", "summer", None),
        ("всесезонні шини", "all_season", None),
        ("а літак?", None, None),
        ("машина", None, None),
    ],
)
def test_season_and_studs_more(said: str, season: str | None, studded: bool | None) -> None:
    assert uk.parse_season(said) == season
    assert uk.parse_studded(said) is studded


# --- brands, every spelling -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "brand"),
    [
        ("Мішелін", "Michelin"),
        ("мішленом", "Michelin"),
        ("Нокіан", "Nokian"),
        ("Континенталь", "Continental"),
        ("на континенталі", "Continental"),
        ("Бріджстоун", "Bridgestone"),
        ("Гудієр", "Goodyear"),
        ("good year", "Goodyear"),
        ("Ханкук", "Hankook"),
        ("Пірелі", "Pirelli"),
        ("Піреллі", "Pirelli"),
        ("Йокогама", "Yokohama"),
        ("Кумхо", "Kumho"),
        ("Нексен", "Nexen"),
        ("Белшина", "Belshina"),
        ("Росава", "Rosava"),
        ("росаву", "Rosava"),
        ("Преміоррі", "Premiorri"),
        ("преміорі", "Premiorri"),
        ("тойо", "Toyo"),
        ("тойота", None),  # a car, not Toyo
        ("данлоп", "Dunlop"),
        ("матадор", "Matador"),
        ("клебер", "Kleber"),
        ("PIRELLI", "Pirelli"),
    ],
)
def test_brand_spellings(said: str, brand: str | None) -> None:
    assert uk.parse_brand(said) == brand


def test_every_catalogue_brand_and_alias_is_understood() -> None:
    from store.brands import BRANDS

    for brand in BRANDS:
        assert uk.parse_brand(brand.name) == brand.name
        for alias in brand.aliases:
            if alias in ("bel",):  # a catalogue search abbreviation nobody says on the phone
                continue
            assert uk.parse_brand(alias) == brand.name, alias


def test_brands_in_the_order_said() -> None:
    assert uk.parse_brands("мішлен чи континенталь") == ["Michelin", "Continental"]


# --- cars ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "vehicle"),
    [
        ("Шкода Октавія 2015 року", Vehicle("Skoda", "Octavia", 2015)),
        ("октавія", Vehicle("Skoda", "Octavia")),
        ("фольксваген пасат", Vehicle("Volkswagen", "Passat")),
        ("тойота камрі", Vehicle("Toyota", "Camry")),
        ("рено логан", Vehicle("Renault", "Logan")),
        ("кіа спортейдж", Vehicle("Kia", "Sportage")),
        ("хюндай туксон", Vehicle("Hyundai", "Tucson")),
        ("ланос", Vehicle("Daewoo", "Lanos")),
        ("заз ланос", Vehicle("ZAZ", "Lanos")),
        ("ВАЗ 2107", Vehicle("Lada", "2107")),
        ("шкода октавія дві тисячі п'ятнадцятого року", Vehicle("Skoda", "Octavia", 2015)),
        ("у мене октавія п'ятнадцятого року", Vehicle("Skoda", "Octavia", 2015)),
        ("шини на октавію", Vehicle("Skoda", "Octavia")),
        ("для пасата", Vehicle("Volkswagen", "Passat")),
        ("мазда шість", Vehicle("Mazda", "6")),
        ("мазда сх п'ять", Vehicle("Mazda", "CX-5")),
        ("бмв ікс п'ять", Vehicle("BMW", "X5")),
        ("бмв х5 2018", Vehicle("BMW", "X5", 2018)),
        ("ауді а чотири", Vehicle("Audi", "A4")),
        ("пежо 2008", Vehicle("Peugeot", "2008")),
        ("пежо 308 2015 року", Vehicle("Peugeot", "308", 2015)),
        ("тесла модель три", Vehicle("Tesla", "Model 3")),
        ("мерседес е клас", Vehicle("Mercedes-Benz", "E-Class")),
        ("ленд крузер прадо", Vehicle("Toyota", "Land Cruiser Prado")),
        ("тойота ленд крузер", Vehicle("Toyota", "Land Cruiser")),
        ("шевроле нива", Vehicle("Chevrolet", "Niva")),
        ("ваз дев'ятка", Vehicle("Lada", "2109")),
        ("хонда срв", Vehicle("Honda", "CR-V")),
        ("ніссан кашкай 2019", Vehicle("Nissan", "Qashqai", 2019)),
        ("шкода", Vehicle("Skoda")),
        ("хундай", Vehicle("Hyundai")),
        ("хюндай ай тридцять", Vehicle("Hyundai", "i30")),
        ("тойота рав чотири", Vehicle("Toyota", "RAV4")),
    ],
)
def test_vehicle(said: str, vehicle: Vehicle) -> None:
    assert uk.parse_vehicle(said) == vehicle


@pytest.mark.parametrize("said", ["немає сенсу", "Добрий день", "2015 року", "шість", "дев'ятка", "зимові шини"])
def test_no_vehicle(said: str) -> None:
    assert uk.parse_vehicle(said) is None


@pytest.mark.parametrize(
    ("said", "year"),
    [
        ("2015 року", 2015),
        ("дві тисячі п'ятнадцятого року", 2015),
        ("п'ятнадцятого року", 2015),
        ("вісімдесят дев'ятого року", 1989),
        ("рік випуску 2008", 2008),
        ("ніякого", None),
    ],
)
def test_year(said: str, year: int | None) -> None:
    assert uk.parse_year(said) == year


def test_every_catalogue_car_is_understood() -> None:
    """Every make and model of the catalogue, said by its name and by each of the store's aliases."""
    from store.fitment import MAKE_ALIASES, MODEL_ALIASES, parse_fitment

    pairs = {(row.fitment.make, row.fitment.model) for row in parse_fitment()}  # read from the store, no copy
    for make, model in sorted(pairs):
        for make_said in (make, *MAKE_ALIASES.get(make, [])):
            assert uk.parse_vehicle(f"{make_said} {model}") == Vehicle(make, model), (make_said, model)
        for model_said in MODEL_ALIASES.get((make, model), []):
            assert uk.parse_vehicle(f"{make} {model_said}") == Vehicle(make, model), (make, model_said)


# --- phone and order numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "phone"),
    [
        ("нуль шістдесят сім сто двадцять три сорок п'ять шістдесят сім", "+380671234567"),
        ("+380 67 123 45 67", "+380671234567"),
        ("067 123 4567", "+380671234567"),
        ("0671234567", "+380671234567"),
        ("мій номер 067-123-45-67", "+380671234567"),
        ("(067) 123-45-67", "+380671234567"),
        ("плюс триста вісімдесят шістдесят сім сто двадцять три сорок п'ять шістдесят сім", "+380671234567"),
        ("нуль п'ятдесят один два три чотири п'ять шість сім", "+380501234567"),
        ("нуль п'ятдесят нуль один два три чотири п'ять шість сім", None),  # 11 digits
        ("80671234567", "+380671234567"),
        ("шістдесят сім сто двадцять три сорок п'ять шістдесят сім", "+380671234567"),  # no leading 0
        ("067 123 456", None),  # a digit short
        ("067 123 45 67 8", None),  # a digit too many
        ("0001234567", None),
        ("сто двадцять три", None),
        ("Добрий день", None),
    ],
)
def test_parse_phone(said: str, phone: str | None) -> None:
    assert uk.parse_phone(said) == phone


@pytest.mark.parametrize(
    ("said", "number"),
    [
        ("сто двадцять три чотириста п'ятдесят шість", "123456"),
        ("1 2 3 4 5 6", "123456"),
        ("номер 123456", "123456"),
        ("замовлення номер сімсот вісімдесят дев'ять нуль дванадцять", "789012"),
        ("один два три", None),  # too short
        ("0671234567", None),  # a phone number
        ("не пам'ятаю", None),
    ],
)
def test_parse_order_number(said: str, number: str | None) -> None:
    assert uk.parse_order_number(said) == number


@pytest.mark.parametrize(
    ("phone", "spoken"),
    [
        ("+380671234567", "нуль шістдесят сім, сто двадцять три, сорок п'ять, шістдесят сім"),
        ("+380501002030", "нуль п'ятдесят, сто, двадцять, тридцять"),
        ("0930000105", "нуль дев'яносто три, нуль нуль нуль, нуль один, нуль п'ять"),
    ],
)
def test_speak_phone(phone: str, spoken: str) -> None:
    assert uk.speak_phone(phone) == spoken


@pytest.mark.parametrize(
    ("phone", "spoken"),
    [
        ("+380671234567", "номер, що закінчується на сорок п'ять шістдесят сім"),
        ("+380671230507", "номер, що закінчується на нуль п'ять нуль сім"),
    ],
)
def test_speak_masked_phone(phone: str, spoken: str) -> None:
    assert uk.speak_masked_phone(phone) == spoken


@pytest.mark.parametrize(
    ("number", "spoken"),
    [
        ("123456", "сто двадцять три тисячі чотириста п'ятдесят шість"),
        ("100101", "сто тисяч сто один"),
        ("100004", "сто тисяч чотири"),
        ("12345", "дванадцять тисяч триста сорок п'ять"),
        ("1234567", "сто двадцять три, сорок п'ять, шістдесят сім"),
        ("012345", "нуль дванадцять, триста сорок п'ять"),
    ],
)
def test_speak_order_number(number: str, spoken: str) -> None:
    assert uk.speak_order_number(number) == spoken


# --- confirmation: yes, no, or unclear -----------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "так", "Так.", "да", "ага", "угу", "звісно", "звичайно", "підтверджую", "так, оформлюйте",
        "Так, оформлюйте, будь ласка", "так, все вірно", "так, все правильно, дякую", "ага, давайте",
        "добре", "гаразд", "так так", "звісно, що так", "ну давайте", "окей", "да, конечно",
    ],
)
def test_confirmation_yes(said: str) -> None:
    assert uk.classify_confirmation(said) == "yes"


@pytest.mark.parametrize(
    "said",
    [
        "ні", "Ні.", "нет", "не треба", "не потрібно", "стоп", "скасувати", "скасуйте", "зачекайте",
        "почекайте", "хвилинку", "не підтверджую", "ні, дякую", "я передумав", "не оформлюйте",
        "ні, не шістнадцять, а сімнадцять", "так, але не шістнадцять, а сімнадцять", "неправильно",
        "не так", "ні, не хочу",
    ],
)
def test_confirmation_no(said: str) -> None:
    assert uk.classify_confirmation(said) == "no"


@pytest.mark.parametrize(
    "said",
    [
        "",  # silence
        "   ",
        "так?",  # an echo of the question
        "так, а скільки коштує доставка?",
        "так, а доставка безкоштовна",
        "мабуть так",
        "напевно",
        "не знаю",
        "так, але",
        "так, тільки змініть кількість",
        "ні, все правильно",  # yes and no together
        "так, ні, зачекайте",
        "також",  # starts like «так»
        "такий самий",
        "а скільки разом?",
        "так, у Львові",  # answers something else
        "давайте подумаю",
        "ну",
        "алло",
        "повторіть, будь ласка",
    ],
)
def test_confirmation_unclear(said: str) -> None:
    assert uk.classify_confirmation(said) == "unclear"


@pytest.mark.parametrize(
    ("said", "dtmf", "result"),
    [
        (None, "1", "yes"),
        ("", "1", "yes"),
        (None, "2", "no"),
        ("так", "1", "yes"),
        ("ні", "1", "unclear"),  # the key and the words disagree
        ("так", "2", "unclear"),
        ("так", "3", "unclear"),  # any other key is not an answer
        (None, "#", "unclear"),
        ("ні", "2", "no"),
        (None, None, "unclear"),
    ],
)
def test_confirmation_dtmf(said: str | None, dtmf: str | None, result: str) -> None:
    assert uk.classify_confirmation(said, dtmf=dtmf) == result


def test_confirmation_is_deterministic() -> None:
    for said in ("так", "ні", "так, а скільки?", "ні, не шістнадцять, а сімнадцять"):
        assert len({uk.classify_confirmation(said) for _ in range(20)}) == 1


# --- quantity -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "count"),
    [
        ("чотири", 4),
        ("4 штуки", 4),
        ("чотири шини", 4),
        ("комплект", 4),
        ("один комплект", 4),
        ("два комплекти", 8),
        ("пару", 2),
        ("дві", 2),
        ("дві пари", 4),
        ("мені одну", 1),
        ("дві штуки", 2),
        ("на всі чотири колеса", 4),
        ("чотири шини двісті п'ять п'ятдесят п'ять ер шістнадцять", 4),
        ("комплект на шістнадцять", 4),
        ("на шістнадцять", None),  # a rim
        ("двісті гривень", None),
        ("о десятій", None),
        ("Добрий день", None),
        ("сто штук", None),  # more than a shop's phone order
    ],
)
def test_parse_quantity(said: str, count: int | None) -> None:
    assert uk.parse_quantity(said) == count


# --- delivery and cities -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "method", "city", "branch"),
    [
        ("нова пошта", "nova_poshta", None, None),
        ("новою поштою у Львів", "nova_poshta", "Львів", None),
        ("на нову пошту, відділення номер двадцять три", "nova_poshta", None, "23"),
        ("відділення 5", "nova_poshta", None, "5"),
        ("двадцять третє відділення у Києві", "nova_poshta", "Київ", "23"),
        ("кур'єром", "courier", None, None),
        ("курʼєром до дверей", "courier", None, None),
        ("курьером в Одессу", "courier", "Одеса", None),
        ("самовивіз", "pickup", None, None),
        ("заберу сам зі складу в Харкові", "pickup", "Харків", None),
        ("з Дніпра", None, "Дніпро", None),
    ],
)
def test_parse_delivery(said: str, method: str | None, city: str | None, branch: str | None) -> None:
    assert uk.parse_delivery(said) == uk.DeliveryChoice(method, city, branch)  # type: ignore[arg-type]


def test_no_delivery() -> None:
    assert uk.parse_delivery("Добрий день") is None


@pytest.mark.parametrize(
    ("said", "city"),
    [
        ("у Львові", "Львів"),
        ("до Києва", "Київ"),
        ("Одеса", "Одеса"),
        ("з Дніпра", "Дніпро"),
        ("Харків", "Харків"),
        ("у Вінниці", "Вінниця"),
        ("до Полтави", "Полтава"),
        ("в Рівному", "Рівне"),
        ("у Тернополі", "Тернопіль"),
        ("до Івано-Франківська", "Івано-Франківськ"),
        ("у Чернівцях", "Чернівці"),
        ("в Кривому Розі", "Кривий Ріг"),
        ("до Білої Церкви", "Біла Церква"),
        ("у Броварах", "Бровари"),
        ("в Ірпені", "Ірпінь"),
        ("в Миколаєві", "Миколаїв"),
        ("kyiv", "Київ"),
        ("рівно о десятій", None),  # «рівно» is "sharp", not Rivne
    ],
)
def test_city_more(said: str, city: str | None) -> None:
    assert uk.parse_city(said) == city


def test_a_city_the_dictionary_lacks_is_said_as_it_is() -> None:
    assert uk.city_genitive("Zzyzx") == uk.city_locative("Zzyzx") == "Zzyzx"


def test_every_store_city_is_understood_in_every_form() -> None:
    from store.geography import CITY_COORDS

    assert set(uk.CITIES) == set(CITY_COORDS)
    for city in CITY_COORDS:
        genitive, accusative, locative = uk.CITY_FORMS[city]
        for said in (city, f"до {genitive}", f"у {accusative}", f"у {locative}"):
            assert uk.parse_city(said) == city, said


@pytest.mark.parametrize(
    ("city", "into", "inside", "out_of"),
    [
        ("Львів", "у Львів", "у Львові", "зі Львова"),
        ("Одеса", "в Одесу", "в Одесі", "з Одеси"),
        ("Дніпро", "у Дніпро", "у Дніпрі", "з Дніпра"),
        ("Запоріжжя", "у Запоріжжя", "у Запоріжжі", "із Запоріжжя"),
        ("Ірпінь", "в Ірпінь", "в Ірпені", "з Ірпеня"),
    ],
)
def test_city_forms(city: str, into: str, inside: str, out_of: str) -> None:
    assert uk.to_city(city) == into
    assert uk.in_city(city) == inside
    assert uk.from_city(city) == out_of


# --- dates and times, relative to a given today ---------------------------------------------------

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    ("said", "day"),
    [
        ("сьогодні", date(2026, 11, 24)),
        ("завтра", date(2026, 11, 25)),
        ("післязавтра", date(2026, 11, 26)),
        ("у суботу", date(2026, 11, 28)),
        ("в понеділок", date(2026, 11, 30)),
        ("у вівторок", date(2026, 12, 1)),  # today is Tuesday: the next one
        ("в пʼятницю", date(2026, 11, 27)),
        ("двадцять п'ятого", date(2026, 11, 25)),
        ("двадцять третього", date(2026, 12, 23)),  # past this month: next month
        ("двадцять восьмого листопада", date(2026, 11, 28)),
        ("третього грудня", date(2026, 12, 3)),
        ("першого січня", date(2027, 1, 1)),
        ("25 листопада", date(2026, 11, 25)),
        ("5.12", date(2026, 12, 5)),
        ("на двадцять п'яте", date(2026, 11, 25)),
        ("25-го", date(2026, 11, 25)),
        ("через тиждень", date(2026, 12, 1)),
        ("через три дні", date(2026, 11, 27)),
        ("на вихідних", date(2026, 11, 28)),
        ("завтра о десятій", date(2026, 11, 25)),
        ("не в суботу, а в неділю", date(2026, 11, 29)),
        ("коли завгодно", None),
    ],
)
def test_parse_date(said: str, day: date | None) -> None:
    assert uk.parse_date(said, TODAY) == day


@pytest.mark.parametrize(
    ("said", "moment"),
    [
        ("о десятій", time(10, 0)),
        ("о дев'ятій тридцять", time(9, 30)),
        ("о пів на третю", time(14, 30)),
        ("о пів на десяту", time(9, 30)),
        ("о 14:30", time(14, 30)),
        ("о 10", time(10, 0)),
        ("на десяту", time(10, 0)),
        ("о третій дня", time(15, 0)),
        ("о сьомій вечора", time(19, 0)),
        ("о восьмій ранку", time(8, 0)),
        ("об одинадцятій", time(11, 0)),
        ("о чотирнадцятій нуль нуль", time(14, 0)),
        ("о десятій нуль п'ять", time(10, 5)),
        ("у суботу о десятій", time(10, 0)),
        ("двадцять п'ятого", None),  # a date
        ("давайте третю", None),  # an option
        ("після обіду", None),  # a part of the day, not a time
    ],
)
def test_parse_time(said: str, moment: time | None) -> None:
    assert uk.parse_time(said) == moment


@pytest.mark.parametrize(
    ("said", "start", "end"),
    [
        ("після обіду", time(13), time(18)),
        ("до обіду", time(9), time(13)),
        ("зранку", time(9), time(12)),
        ("ввечері", time(17), time(20)),
    ],
)
def test_parse_time_window(said: str, start: time, end: time) -> None:
    assert uk.parse_time_window(said) == uk.TimeWindow(start, end)


def test_parse_when_puts_it_together() -> None:
    when = uk.parse_when("завтра о пів на третю", TODAY)
    assert when is not None and when.at() == datetime(2026, 11, 25, 14, 30)
    assert uk.parse_when("Добрий день", TODAY) is None


@pytest.mark.parametrize(
    ("moment", "spoken"),
    [
        (time(10, 0), "о десятій нуль-нуль"),
        (time(9, 30), "о дев'ятій тридцять"),
        (time(11, 15), "об одинадцятій п'ятнадцять"),
        (time(14, 5), "о чотирнадцятій нуль п'ять"),
        (time(21, 45), "о двадцять першій сорок п'ять"),
        (time(8, 0), "о восьмій нуль-нуль"),
        (time(13, 0), "о тринадцятій нуль-нуль"),
    ],
)
def test_speak_time(moment: time, spoken: str) -> None:
    assert uk.speak_time(moment) == spoken


@pytest.mark.parametrize(
    ("day", "spoken"),
    [
        (date(2026, 11, 28), "у суботу, двадцять восьмого листопада"),
        (date(2026, 11, 30), "у понеділок, тридцятого листопада"),
        (date(2026, 12, 1), "у вівторок, першого грудня"),
        (date(2026, 12, 3), "у четвер, третього грудня"),
        (date(2026, 3, 8), "у неділю, восьмого березня"),
    ],
)
def test_speak_date(day: date, spoken: str) -> None:
    assert uk.speak_date(day) == spoken


def test_speak_date_names_near_days_and_other_years() -> None:
    assert uk.speak_date(date(2026, 11, 25), today=TODAY) == "завтра, у середу, двадцять п'ятого листопада"
    assert uk.speak_date(date(2027, 1, 2), today=TODAY) == (
        "у суботу, другого січня дві тисячі двадцять сьомого року"
    )


def test_speak_datetime() -> None:
    assert uk.speak_datetime(datetime(2026, 11, 28, 10, 0)) == (
        "у суботу, двадцять восьмого листопада, о десятій нуль-нуль"
    )


def test_spoken_dates_and_times_are_understood_back() -> None:
    for offset in range(1, 40):
        day = date.fromordinal(TODAY.toordinal() + offset)
        assert uk.parse_date(uk.speak_date(day, weekday=False), TODAY) == day
    for hour in range(8, 20):
        for minute in (0, 15, 30, 45):
            assert uk.parse_time(uk.speak_time(time(hour, minute))) == time(hour, minute)


# --- read-backs -------------------------------------------------------------------------------------


def test_order_readback() -> None:
    text = uk.order_readback(
        [ReadbackLine("Michelin", "Alpin 6", "205/55 R16", 4, 3200)],
        ReadbackDelivery("nova_poshta", "Львів", "23"),
        12800,
    )
    assert text == (
        "Отже: чотири шини Michelin Alpin 6 двісті п'ять п'ятдесят п'ять ер шістнадцять по три тисячі "
        "двісті гривень, разом дванадцять тисяч вісімсот гривень, доставка Новою поштою у Львів, "
        "відділення двадцять три. Підтверджуєте?"
    )


def test_order_readback_with_two_lines_a_courier_and_a_delivery_cost() -> None:
    text = uk.order_readback(
        [
            ReadbackLine("Nokian", "Hakkapeliitta R5", "215/60 R17", 2, 4150),
            ReadbackLine("Rosava", "Snowgard", "175/70 R13", 1, 1451),
        ],
        ReadbackDelivery("courier", "Одеса", address="вул. Дерибасівська, 12"),
        9901,
        delivery_cost_uah=150,
    )
    assert text == (
        "Отже: дві шини Nokian Hakkapeliitta R5 двісті п'ятнадцять шістдесят ер сімнадцять по чотири "
        "тисячі сто п'ятдесят гривень, одна шина Rosava Snowgard сто сімдесят п'ять сімдесят ер "
        "тринадцять за одну тисячу чотириста п'ятдесят одну гривню, разом з доставкою дев'ять тисяч "
        "дев'ятсот одна гривня, доставка кур'єром в Одесу за сто п'ятдесят гривень, за адресою "
        "вулиця Дерибасівська, дванадцять. Підтверджуєте?"
    )


def test_order_readback_takes_the_store_models() -> None:
    from store.api_models import Delivery, DeliveryMethod, OrderLine, Season

    line = OrderLine(
        sku="X", brand="Michelin", model="Alpin 6", size="205/55 R16", season=Season.WINTER,
        quantity=4, price_uah=3200, line_total_uah=12800,
    )
    delivery = Delivery(method=DeliveryMethod.PICKUP, city="Харків")
    assert uk.order_readback([line], delivery, 12800, question="") == (
        "Отже: чотири шини Michelin Alpin 6 двісті п'ять п'ятдесят п'ять ер шістнадцять по три тисячі "
        "двісті гривень, разом дванадцять тисяч вісімсот гривень, самовивіз зі складу у Харкові."
    )


def test_order_readback_needs_a_line() -> None:
    with pytest.raises(ValueError):
        uk.order_readback([], ReadbackDelivery("pickup", "Київ"), 0)


def test_booking_readback() -> None:
    assert uk.booking_readback("вул. Городоцька, 120а", datetime(2026, 11, 28, 10, 0), city="Львів") == (
        "Отже: шиномонтаж у Львові, вулиця Городоцька, сто двадцять а, у суботу, двадцять восьмого "
        "листопада, о десятій нуль-нуль. Підтверджуєте?"
    )
    assert uk.booking_readback("просп. Перемоги, 5", datetime(2026, 11, 25, 9, 30), today=TODAY) == (
        "Отже: шиномонтаж, проспект Перемоги, п'ять, завтра, у середу, двадцять п'ятого листопада, "
        "о дев'ятій тридцять. Підтверджуєте?"
    )


@pytest.mark.parametrize(
    ("address", "spoken"),
    [
        ("вул. Городоцька, 120", "вулиця Городоцька, сто двадцять"),
        ("Бориспільська, 9", "Бориспільська, дев'ять"),
        ("пров. Тихий, 3, корп. 2", "провулок Тихий, три, корпус два"),
    ],
)
def test_speak_address(address: str, spoken: str) -> None:
    assert uk.speak_address(address) == spoken


# --- purity ----------------------------------------------------------------------------------------


def test_the_module_imports_only_the_standard_library() -> None:
    """Workflow code may import the speaking functions: nothing here may pull in I/O or the store."""
    import ast
    import pathlib

    package = pathlib.Path(uk.__file__).parent
    allowed = {"__future__", "activities", "re", "dataclasses", "datetime", "typing", "collections", "functools"}
    # The understanding pipeline (loaded lazily, never by `import activities.brain.ukrainian`:
    # test_importing_the_package_loads_no_library) may use the language libraries and the store.
    pipeline = {"understanding.py", "entities.py", "fuzzy.py", "analyse.py", "slots.py", "canonical.py"}
    lazily = {"vehicles.py": {"store"}}  # the store's fitment table, read on the first parse
    lazy_modules = {"phones.py": {"phonenumbers"}}  # imported inside the function that validates
    for path in package.glob("*.py"):
        if path.name in pipeline:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] in allowed | lazily.get(path.name, set()), (path.name, node.module)
                if node.module.startswith("activities"):
                    assert node.module.startswith("activities.brain.ukrainian"), (path.name, node.module)
            elif isinstance(node, ast.Import):
                allowed_modules = {"re"} | lazy_modules.get(path.name, set())
                assert all(alias.name in allowed_modules for alias in node.names), (path.name, ast.dump(node))


def test_importing_the_package_loads_no_library() -> None:
    """Workflow code imports the package: the understanding pipeline's libraries stay unloaded."""
    import subprocess
    import sys

    code = (
        "import sys, activities.brain.ukrainian as uk; uk.speak_tire_size; "
        "print(sorted(m for m in ('rapidfuzz', 'pymorphy3', 'store', 'pydantic', 'phonenumbers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


# --- the phone tail the workflow's read-backs use -------------------------------------------------


def test_phone_tail_words() -> None:
    assert uk.phone_tail_words("+380671234567") == "закінчується на сорок п'ять шістдесят сім"


@pytest.mark.parametrize(
    ("text", "unfinished"),
    [
        ("Мені потрібні шини для", True),
        ("мені потрібні шини для тойоти камрі", False),
        ("Доставка на", True),
        ("Зимові і", True),
        ("Ну…", True),
        ("Так, е-ем", True),
        ("Ем", True),
        ("А?", False),  # "huh?": a question, answered at once
        ("А що?", False),
        ("А коли?", False),
        ("Так.", False),
        ("", False),
    ],
)
def test_an_utterance_that_stops_mid_sentence(text: str, unfinished: bool) -> None:
    assert uk.sounds_unfinished(text) is unfinished


@pytest.mark.parametrize("said", ["Ну, е-е, короче, зимові, двісті п'ять", "короче кажучи", "ну коротше"])
def test_a_filler_that_sounds_like_a_model_is_not_a_car(said: str) -> None:
    # the stem "короч" has Karoq's phonetic key; dictionary words never go to the sound fallback
    assert uk.parse_vehicle(said) is None
