"""The analysis step: words with offsets, lemmas from pymorphy3, the Russian fallback."""

from activities.brain.ukrainian.analyse import analyse, lemmas, tags


def test_words_have_offsets_in_the_normalised_text():
    a = analyse("До ДВОХСОТ, гривень!")
    assert a.text == "до двохсот гривень"
    assert [(w.text, a.text[w.start:w.end]) for w in a.words] == [(w.text, w.text) for w in a.words]
    assert a.words[1].lemmas == ("двісті",)
    assert a.words[1].has("NUMR")


def test_inflected_forms_share_a_lemma():
    assert "сімнадцятий" in lemmas("сімнадцяті")
    assert "тисяча" in lemmas("тисячі")
    assert "туксон" in lemmas("туксоні")
    assert "gent" in tags("двохсот")


def test_russian_words_fall_back_to_the_russian_dictionary():
    assert "два" in lemmas("двух")
    assert lemmas("205/55r16") == ("205/55r16",)


def test_analysis_is_cached_per_text():
    assert analyse("завтра зранку") is analyse("завтра зранку")
