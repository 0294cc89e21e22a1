import pytest

from classifiers import tokenize as tok
from classifiers.tokenize import char_ngrams, normalize, tokenize


@pytest.mark.parametrize(
    ("text", "placeholder", "hidden"),
    [
        ("我的电话是13812345678请回电", "PHONE", "13812345678"),
        ("联系电话138-1234-5678", "PHONE", "1234"),
        ("座机0471-6612345", "PHONE", "6612345"),
        ("身份证号150102199003071234", "IDNO", "199003071234"),
        ("身份证15010219900307123X", "IDNO", "0307"),
        ("2023年5月4日住院", "DATE", "2023"),
        ("2023-05-04出院", "DATE", "05"),
        ("5月4日来电", "DATE", "5月4日"),
        ("下午14:30到窗口", "DATE", "14:30"),
        ("花了3000元", "MONEY", "3000"),
        ("自付1.5万元", "MONEY", "1.5"),
        ("退回¥200", "MONEY", "200"),
        ("卡号6222021234", "NUM", "6222021234"),
    ],
)
def test_numbers_become_placeholders(text, placeholder, hidden):
    norm = normalize(text)
    assert placeholder in norm.split()
    assert hidden not in norm
    assert placeholder in tokenize(text)
    assert not any(ch.isdigit() for token in tokenize(text) for ch in token)


def test_hotline_numbers_are_kept():
    assert normalize("拨打12393转12345") == "拨打 12393 转 12345"


def test_full_width_forms_are_folded():
    assert normalize("ＤＩＰ付费　ＡＢＣ") == "dip付费 abc"
    assert normalize("电话１３８１２３４５６７８") == "电话 PHONE"
    # Chinese and full-width punctuation become spaces; ? and ! are kept
    assert normalize("你好，请问：医保怎么报销？！") == "你好 请问 医保怎么报销?!"


def test_user_text_cannot_forge_a_placeholder():
    assert "PHONE" not in normalize("phone 打不通")


def test_user_dictionary_keeps_domain_terms_whole():
    words = tokenize("异地就医直接结算，门诊慢特病和医保电子凭证，个人账户门诊共济，生育津贴，两定机构带量采购")
    for term in ["异地就医", "门诊慢特病", "医保电子凭证", "个人账户", "门诊共济", "生育津贴", "两定机构", "带量采购"]:
        assert term in words


def test_stopwords_are_dropped():
    words = tokenize("我的医保卡丢了")
    assert "的" not in words and "我" not in words
    assert "医保卡" in words


def test_tokenizer_is_module_level_and_loaded_once():
    first = tok._ensure_ready()
    tokenize("再来一次")
    assert tok._ensure_ready() is first is tok._TOKENIZER
    assert tokenize.__module__ == "classifiers.tokenize" and tokenize.__name__ == "tokenize"


def test_char_ngrams_keep_placeholders_whole():
    grams = char_ngrams(normalize("报销3000元"), 1, 3)
    assert "MONEY" in grams
    assert not any("MON" in g and g != "MONEY" for g in grams)
    assert "报销" in grams


def test_empty_text():
    assert normalize("") == "" and tokenize("") == []


def test_docstring_examples():
    import doctest
    assert doctest.testmod(tok).failed == 0


def test_invisible_characters_do_not_split_words():
    """Pasted text carries zero-width spaces, soft hyphens and a BOM: 异地\u200b就医 was cut as two words."""
    from classifiers.tokenize import normalize, tokenize

    assert normalize("\ufeff异地\u200b就医\u00ad备案\u2060") == normalize("异地就医备案")
    assert tokenize("异地\u200b就医备案怎么办理") == tokenize("异地就医备案怎么办理")


@pytest.mark.parametrize(("traditional", "simplified"), [
    ("醫保轉移接續怎麼辦理", "医保转移接续怎么办理"),
    ("異地就醫備案後還是不能直接結算", "异地就医备案后还是不能直接结算"),
    ("門診慢特病認定要帶哪些材料", "门诊慢特病认定要带哪些材料"),
    ("生育津貼於下月發放嗎", "生育津贴于下月发放吗"),
    ("由於醫院不給報銷，終於等到答復", "由于医院不给报销，终于等到答复"),  # 於 as traditional script's 于 (a second review)
    ("⾨診報銷", "门诊报销"),  # a Kangxi radical (text copied from a PDF), made 門 by NFKC
])
def test_traditional_characters_are_read_as_simplified(traditional, simplified):
    """A caller from Hong Kong, Macau or Taiwan, or a phone set to traditional script: 醫保 was not 医保 to the model
    or to the search, and the text fell below the threshold (a real-question check)."""
    assert normalize(traditional) == normalize(simplified)
    assert tokenize(traditional) == tokenize(simplified)
    assert tok.search_terms(traditional) == tok.search_terms(simplified)
    assert tok.changed_by_folding(traditional) and not tok.changed_by_folding(simplified)


def test_simplified_text_comes_out_as_written():
    """Characters that simplified text uses too stay: 著名 is not 着名, 乾县 is a county, 干 and 乾 are both used."""
    text = "著名的乾县医院 乾坤 后来于是什么 干净"
    assert normalize(text) == text
    assert not tok.changed_by_folding(text)
    # standard mainland characters outside GB2312, in names (a diff review: 毕昇 became 毕升, 於女士 于女士)
    names = "毕昇 刘陞 祕鲁 谿口"
    assert normalize(names) == names and not tok.changed_by_folding(names)
    # the surname 於 is folded like the preposition, on both sides of a search alike: 於女士 still finds 於女士
    assert tok.search_terms("於女士", for_query=True) == tok.search_terms("于女士", for_query=True)
    assert set(tok.search_terms("於女士", for_query=True)) <= set(tok.search_terms("於女士反映医保卡"))


def test_a_traditional_amount_is_still_an_amount():
    assert normalize("自付3萬元") == normalize("自付3万元") == "自付 MONEY"
