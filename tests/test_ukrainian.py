"""Understanding what a caller says in Ukrainian: sizes, rims, seasons, brands, cities, intents.

The phrases are the ones callers really say (and what a recognizer gives back for them).
"""

from __future__ import annotations

import pytest

from activities.brain import ukrainian as uk
from activities.brain.ukrainian import TireSize

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
        ("Запоріжжя", None),
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
