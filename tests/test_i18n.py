"""English and 简体中文: the two catalogues have the same keys and placeholders, every key
the code asks for exists, the Chinese catalogue is Chinese, and the language follows the
sidebar switch and the link (?lang=zh), with the page's other settings kept."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz.i18n import CATALOGUES, LANGUAGES, tr

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
SOURCES = [*ROOT.glob("rnnviz/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "streamlit_app.py"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_have_the_same_keys_and_placeholders():
    en, zh = CATALOGUES["en"], CATALOGUES["zh"]
    assert set(LANGUAGES) == {"en", "zh"}
    assert sorted(set(en) ^ set(zh)) == []
    assert [k for k in en if fields(en[k]) != fields(zh[k])] == []


def test_every_key_the_code_asks_for_exists():
    asked, prefixes = set(), set()
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        asked |= set(re.findall(r'\b(?:tr|Message|Problem|\w+Error)\(\s*"([\w.]+)"', source))
        prefixes |= {p for p in re.findall(r'\b(?:tr|Message|Problem|\w+Error)\(\s*f"([\w.]+)\{', source)}
        prefixes |= {p + "." for p in re.findall(r'\bwords\([^()]*?,\s*"([\w.]+)"\)', source)}  # words(values, "prefix")
    assert len(asked) >= 15
    assert sorted(asked - set(CATALOGUES["en"])) == []
    for prefix in prefixes:  # keys built at run time, tr(f"pages.{key}"): some key has that prefix
        assert any(k.startswith(prefix) for k in CATALOGUES["en"]), prefix


def test_the_chinese_catalogue_is_chinese():
    zh = CATALOGUES["zh"]
    chinese = [k for k, v in zh.items() if CJK.search(v)]
    assert len(chinese) >= 0.9 * len(zh), sorted(set(zh) - set(chinese))


def open_home(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_link_with_lang_zh_opens_in_chinese_and_the_switch_goes_back():
    at = open_home(lang="zh")
    assert at.title[0].value == CATALOGUES["zh"]["home.title"]
    assert at.sidebar.get("page_link")[0].proto.label == "首页"
    switch = at.sidebar.button_group[0]
    assert switch.value == "zh" and switch.label == "Language · 语言"
    switch.set_value("en").run()
    assert at.title[0].value == CATALOGUES["en"]["home.title"] and "lang" not in at.query_params


@pytest.mark.parametrize("page", ["pages/1_RNN_Unrolling.py", "pages/4_Char_Generation.py"])
def test_a_page_in_chinese_keeps_the_links_other_settings(page: str):
    seed = {"pages/1_RNN_Unrolling.py": "hello_seed", "pages/4_Char_Generation.py": "char_seed"}[page]
    at = open_home(lang="zh")
    at.query_params[seed] = "5"  # the link's other setting, for the page
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[seed] == 5 and at.session_state["lang"] == "zh"
    link = next(c.value for c in at.sidebar.code)
    assert "lang=zh" in link and f"{seed}=5" in link
    assert not at.warning


def test_an_unknown_language_in_a_link_falls_back_to_english_with_a_note():
    at = open_home(lang="fr")
    assert at.session_state["lang"] == "en" and at.title[0].value == CATALOGUES["en"]["home.title"]
    assert "`lang=fr`" in " ".join(w.value for w in at.warning)


def test_t_fills_placeholders_in_the_current_language():
    assert tr("home.open", name="X") == "Open X"
