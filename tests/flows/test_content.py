"""flows.content and flows.validate: the shipped content loads; broken content is refused, by name."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from flows.content import CONTENT_DIR, load_flows, parse_flow
from flows.model import Channel, Flows, SwitchLanguage
from flows.sms import page_text
from flows.validate import REQUIRED_KEYWORDS, REQUIRED_TEXTS, ContentError, spoken_seconds, validate

EN_PATH = CONTENT_DIR / "en.toml"
EN_TEXT = EN_PATH.read_text(encoding="utf-8")
EN_DATA = tomllib.loads(EN_TEXT)
ES_PATH = CONTENT_DIR / "es.toml"
ES_TEXT = ES_PATH.read_text(encoding="utf-8")
ES_DATA = tomllib.loads(ES_TEXT)


def en() -> dict[str, Any]:
    """A fresh deep copy of the shipped English content, as TOML gives it."""
    return copy.deepcopy(EN_DATA)


def es() -> dict[str, Any]:
    """A fresh deep copy of the shipped Spanish content, as TOML gives it."""
    return copy.deepcopy(ES_DATA)


def flows_of(*datas: dict[str, Any]) -> Flows:
    """Both shipped languages, English first, with `datas` in place of the shipped copies.

    Each language's menu offers the other, so neither is valid content alone.
    """
    given = {data["lang"]: data for data in datas}
    merged = {"en": given.pop("en", None) or en(), "es": given.pop("es", None) or es(), **given}
    return {lang: parse_flow(data) for lang, data in merged.items()}


def problems(*datas: dict[str, Any]) -> str:
    """The ContentError message validate() gives for these languages (fails if it accepts them).

    Languages not given are the shipped ones, unchanged.
    """
    with pytest.raises(ContentError) as error:
        validate(flows_of(*datas))
    return str(error.value)


def problems_alone(*datas: dict[str, Any]) -> str:
    """The ContentError message for exactly these languages and no others."""
    with pytest.raises(ContentError) as error:
        validate({data["lang"]: parse_flow(data) for data in datas})
    return str(error.value)


def words(n: int) -> str:
    """`n` short words."""
    return " ".join(["word"] * n)


# the shipped content -------------------------------------------------------------------------


def test_shipped_content_loads() -> None:
    flows = load_flows()
    assert list(flows) == ["en", "es"]
    for lang, flow in flows.items():
        assert flow.lang == lang
        assert flow.source["title"] == "When to Get a Second Opinion"
        assert flow.source["publisher"] == "CancerCare"
        assert flow.root == "main"
        assert set(flow.parents) == set(flow.nodes) - {"main", "callback_done"}
        assert flow.keywords["crisis"] and flow.keywords["urgent"]
    assert flows["es"].nodes.keys() == flows["en"].nodes.keys()
    assert (flows["en"].speech_language, flows["es"].speech_language) == ("en-US", "es-US")
    validate(flows)


def test_each_main_menu_offers_the_other_language_on_key_9() -> None:
    flows = load_flows()
    for lang, other in (("en", "es"), ("es", "en")):
        [option] = [
            o for o in flows[lang].nodes["main"].options if isinstance(o.target, SwitchLanguage)
        ]
        assert (option.key, option.target, option.set, option.channel) == (
            "9", SwitchLanguage(other), None, None
        )  # fmt: skip
        others = [n for n in flows[lang].nodes.values() if n.id != "main"]
        assert all(not isinstance(o.target, SwitchLanguage) for n in others for o in n.options)


def test_unchanged_copy_is_valid() -> None:
    """The helpers below change only what each test says."""
    validate({"en": parse_flow(en()), "es": parse_flow(es())})
    validate(flows_of())


def test_load_flows_reads_a_folder(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text(EN_TEXT, encoding="utf-8")
    (tmp_path / "es.toml").write_text(ES_TEXT, encoding="utf-8")
    loaded, shipped = load_flows(tmp_path), load_flows()
    assert list(loaded) == ["en", "es"]
    for lang in ("en", "es"):
        assert loaded[lang].nodes.keys() == shipped[lang].nodes.keys()
        assert loaded[lang].nodes["main"].sms == shipped[lang].nodes["main"].sms


def test_a_folder_with_one_language_whose_menu_offers_another_is_refused(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text(EN_TEXT, encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_flows(tmp_path)
    assert "en: main option 9 offers a language there is no content for: 'es'" in str(error.value)
    assert load_flows(tmp_path, check=False)["en"].nodes["main"].option("9", Channel.SMS)


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="no content files"):
        load_flows(tmp_path)


# the graph -----------------------------------------------------------------------------------


def test_option_to_a_missing_node() -> None:
    data = en()
    data["nodes"]["social"]["options"][0]["target"] = "nowhere"
    assert "en: social option 1 leads to unknown node 'nowhere'" in problems(data)


def test_option_to_a_missing_node_via_load_flows(tmp_path: Path) -> None:
    text = EN_TEXT.replace('target = "about"', 'target = "abuot"')
    assert text != EN_TEXT
    (tmp_path / "en.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match="leads to unknown node 'abuot'"):
        load_flows(tmp_path)


def test_unreachable_node() -> None:
    data = en()
    data["nodes"]["orphan"] = {"sms": ["Nobody can get here."], "voice": ["Nobody."]}
    assert "en: nodes not reachable from main: ['orphan']" in problems(data)


def test_node_only_reachable_from_an_unreachable_node() -> None:
    data = en()
    data["nodes"]["orphan"] = {
        "sms": ["A."],
        "voice": ["A."],
        "options": [{"key": "1", "target": "lost", "label": "Lost", "say": "Lost"}],
    }
    data["nodes"]["lost"] = {"sms": ["B."], "voice": ["B."]}
    assert "nodes not reachable from main: ['lost', 'orphan']" in problems(data)


def test_missing_root_node() -> None:
    data = en()
    data["root"] = "start"
    message = problems(data)
    assert "en: missing" in message and "'start'" in message


def test_duplicate_option_keys() -> None:
    data = en()
    data["nodes"]["main"]["options"][1]["key"] = "1"
    message = problems(data)
    assert "en: main option keys must be distinct digits 1-7" in message
    assert "['1', '1', '3'" in message


@pytest.mark.parametrize("key", ["a", "0", "8", "9", "12", "", " 1", "one"])
def test_option_key_that_is_not_a_digit_1_to_7(key: str) -> None:
    """0 is the main menu, 8 an urgent call back, 9 "send this by text" (the language, on main)."""
    data = en()
    data["nodes"]["social"]["options"][0]["key"] = key
    message = problems(data)
    assert "en: social option keys must be distinct digits 1-7" in message
    assert repr(key) in message


@pytest.mark.parametrize("key", ["0", "8", "*", "10"])
def test_main_menu_key_that_is_not_1_to_7_or_9(key: str) -> None:
    data = es()
    data["nodes"]["main"]["options"][-1]["key"] = key  # the language option, normally 9
    message = problems(data)
    assert "es: main option keys must be distinct digits 1-7 (9 on the main menu)" in message
    assert repr(key) in message


def test_nine_is_allowed_on_the_main_menu_only() -> None:
    validate(flows_of())  # both main menus use 9 for the language
    data = en()
    data["nodes"]["callback"]["options"][0]["key"] = "9"
    assert "en: callback option keys must be distinct digits 1-7" in problems(data)


def test_node_without_pages() -> None:
    data = en()
    data["nodes"]["about"]["sms"] = []
    assert "en: about needs at least one SMS page and one voice page" in problems(data)


# texts and keywords ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", REQUIRED_TEXTS)
def test_missing_required_text(name: str) -> None:
    data = en()
    del data["texts"][name]
    assert f"en: missing {name}" in problems(data)


@pytest.mark.parametrize("name", REQUIRED_KEYWORDS)
def test_missing_required_keywords(name: str) -> None:
    data = en()
    del data["keywords"][name]
    assert f"en: missing keywords.{name}" in problems(data)


@pytest.mark.parametrize("section", ["nodes", "texts", "keywords", "source", "lang"])
def test_missing_section_is_malformed(section: str) -> None:
    data = en()
    del data[section]
    with pytest.raises(ContentError, match="malformed content"):
        parse_flow(data, "en.toml")


def test_option_without_say_is_malformed() -> None:
    data = en()
    del data["nodes"]["main"]["options"][0]["say"]
    with pytest.raises(ContentError, match="en.toml: malformed content"):
        parse_flow(data, "en.toml")


@pytest.mark.parametrize(
    ("place", "value"),
    [
        ("sms", "One page written without brackets."),
        ("voice", "One page written without brackets."),
    ],
)
def test_pages_written_as_a_string_not_a_list_are_refused(place: str, value: str) -> None:
    """`sms = "..."` is an easy slip in TOML; it must not become one page per character."""
    data = en()
    data["nodes"]["about"][place] = value
    with pytest.raises(ContentError, match=f"about.{place} must be a list of strings"):
        validate(flows_of(data))


def test_keywords_written_as_a_string_not_a_list_are_refused() -> None:
    """`menu = "MENU"` must not become the keywords M, E, N and U."""
    data = es()
    data["keywords"]["menu"] = "MENU"
    with pytest.raises(ContentError, match="keywords.menu must be a list of strings"):
        validate(flows_of(data))


# SMS budget ------------------------------------------------------------------------------------


def test_sms_page_over_two_segments() -> None:
    data = en()
    data["nodes"]["doctor"]["sms"][0] = "A" * 400
    message = problems(data)
    assert "en: SMS doctor[0] is GSM-7" in message
    assert "432 chars, 3 segments (budget: GSM-7, 2)" in message


def test_sms_page_exactly_at_two_segments_passes_and_one_more_character_fails() -> None:
    data = en()
    footer = len("\n" + data["texts"]["more_footer"])
    data["nodes"]["doctor"]["sms"][0] = "A" * (306 - footer)
    flows = flows_of(data)
    assert len(page_text(flows["en"], "doctor", 0)) == 306
    validate(flows)
    data["nodes"]["doctor"]["sms"][0] += "A"
    assert "SMS doctor[0] is GSM-7, 307 chars, 3 segments" in problems(data)


def test_extension_characters_count_twice() -> None:
    data = en()
    footer = len("\n" + data["texts"]["more_footer"])
    data["nodes"]["doctor"]["sms"][0] = "€" + "A" * (306 - footer - 1)  # € takes two septets
    assert "SMS doctor[0] is GSM-7, 307 chars, 3 segments" in problems(data)


@pytest.mark.parametrize(
    "char",
    ["\u201c", "\u201d", "\u2019", "\u2022", "\u2013", "\u2014", "\u2026", "\u00a0", "😀"],
    ids=[
        "left quote",
        "right quote",
        "apostrophe",
        "bullet",
        "en dash",
        "em dash",
        "ellipsis",
        "nbsp",
        "emoji",
    ],
)
def test_sms_page_forced_into_ucs2(char: str) -> None:
    data = en()
    data["nodes"]["helps"]["sms"][1] = data["nodes"]["helps"]["sms"][1].replace("- ", char, 1)
    message = problems(data)
    assert "en: SMS helps[1] is UCS-2" in message
    assert repr(char) in message  # the offending character is named


def test_curly_quote_in_an_option_label_is_caught() -> None:
    data = en()
    data["nodes"]["main"]["options"][0]["label"] = "Talking to your doctor\u2019s team"
    message = problems(data)
    assert "en: SMS start is UCS-2" in message
    assert "en: SMS main[0] is UCS-2" in message


def test_help_text_over_budget() -> None:
    data = en()
    data["texts"]["help"] = words(70)
    assert "en: SMS help is GSM-7, 349 chars, 3 segments" in problems(data)


# voice budget ----------------------------------------------------------------------------------


def test_spoken_seconds_at_150_words_a_minute() -> None:
    assert spoken_seconds(words(150)) == 60.0
    assert spoken_seconds("") == 0.0


def test_voice_page_over_45_seconds() -> None:
    data = en()
    data["nodes"]["find"]["voice"][0] = words(120)  # 48 s before any keys are read out
    message = problems(data)
    assert "en: voice find[0] takes" in message and "(budget 45 s)" in message


def test_voice_page_well_within_45_seconds_passes() -> None:
    data = en()
    data["nodes"]["find"]["voice"][0] = words(60)  # 24 s
    validate(flows_of(data))


def test_voice_page_that_fits_alone_but_not_with_its_choices() -> None:
    """The last voice page is followed by its options and keys: all of it must fit in 45 s."""
    data = en()
    social = data["nodes"]["social"]
    social["voice"][-1] = words(110)  # 44 s alone
    assert len(social["options"][0]["say"].split()) >= 4  # the lead-in alone takes 1.6 s more
    assert "voice social[0]" in problems(data)


# languages -------------------------------------------------------------------------------------


def test_two_languages_with_the_same_shape_pass() -> None:
    flows = {"en": parse_flow(en()), "es": parse_flow(es())}
    validate(flows)
    for lang in ("en", "es"):
        assert [o.key for o in flows[lang].nodes["main"].options] == list("12345679")


def test_each_language_alone_is_refused_for_offering_the_other() -> None:
    assert "en: main option 9 offers a language there is no content for: 'es'" in problems_alone(
        en()
    )
    assert "es: main option 9 offers a language there is no content for: 'en'" in problems_alone(
        es()
    )


@pytest.mark.parametrize("offered", ["fr", "es", ""])
def test_a_language_option_must_offer_another_language_with_content(offered: str) -> None:
    """'es' offering 'es' is no switch; 'fr' has no content; '' names no language."""
    data = es()
    data["nodes"]["main"]["options"][-1]["target"] = f"@lang:{offered}"
    message = problems(data)
    assert f"es: main option 9 offers a language there is no content for: {offered!r}" in message
    assert "en: main option 9" not in message


def test_the_spanish_content_is_checked_like_the_english() -> None:
    data = es()
    data["nodes"]["doctor"]["sms"][0] = "A" * 400
    data["nodes"]["find"]["voice"][0] = words(120)
    data["nodes"]["about"]["options"] = [
        {"key": "1", "target": "nowhere", "label": "X", "say": "X"}
    ]
    message = problems(data)
    assert "es: SMS doctor[0] is GSM-7" in message
    assert "es: voice find[0] takes" in message
    assert "es: about option 1 leads to unknown node 'nowhere'" in message
    assert "es: nodes or options differ from en" in message
    assert "en: " not in message


def test_an_accented_spanish_sms_text_is_forced_into_ucs2() -> None:
    """Spanish SMS texts go without á, í, ó and ú, which are not GSM-7."""
    data = es()
    data["texts"]["sorry"] = "Disculpe, no le entendí."
    message = problems(data)
    assert "es: SMS main[0] sorry is UCS-2" in message and "'í'" in message


def test_two_languages_with_different_nodes() -> None:
    other = es()
    del other["nodes"]["about"]
    main = other["nodes"]["main"]
    main["options"] = [o for o in main["options"] if o["target"] != "about"]
    assert "es: nodes or options differ from en" in problems(en(), other)


def test_two_languages_with_different_option_targets() -> None:
    other = es()
    other["nodes"]["social"]["options"][0]["target"] = "about"
    assert "es: nodes or options differ from en" in problems(en(), other)


def test_two_languages_with_different_nodes_via_load_flows(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text(EN_TEXT, encoding="utf-8")
    extra = '\n[nodes.extra]\nsms = ["Extra."]\nvoice = ["Extra."]\n'
    (tmp_path / "es.toml").write_text(ES_TEXT + extra, encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_flows(tmp_path)
    assert "es: nodes or options differ from en" in str(error.value)


def test_every_problem_is_listed_at_once() -> None:
    data = en()
    data["nodes"]["doctor"]["sms"][0] = "A" * 400
    data["nodes"]["find"]["voice"][0] = words(120)
    data["nodes"]["orphan"] = {"sms": ["x"], "voice": ["x"]}
    message = problems(data)
    for part in ("SMS doctor[0]", "voice find[0]", "not reachable from main: ['orphan']"):
        assert part in message


# word lists, the host's texts, typed options ------------------------------------------------------


@pytest.mark.parametrize("name", ["numbers", "days", "meridiem"])
def test_missing_word_list(name: str) -> None:
    data = es()
    del data["words"][name]
    assert f"es: missing words.{name}" in problems(data)


@pytest.mark.parametrize(("name", "count"), [("numbers", 10), ("days", 7), ("meridiem", 2)])
def test_a_word_list_needs_its_number_of_words(name: str, count: int) -> None:
    data = en()
    data["words"][name] = data["words"][name][:-1]
    assert f"en: words.{name} needs {count} words, got {count - 1}" in problems(data)


def test_a_language_needs_a_name() -> None:
    data = es()
    del data["name"]
    assert "es: missing name" in problems(data)


def test_a_when_phrase_over_its_budget_is_refused() -> None:
    data = es()
    data["texts"]["when_later_evening"] = "{day} por la noche, a la hora que mejor le venga"
    assert "es: when_later_evening can be" in problems(data)


def test_an_unknown_placeholder_in_the_office_words_is_refused() -> None:
    data = en()
    data["texts"]["clock"] = "{hour} {meridiem}"
    assert "en: a text of the office hours or of when to expect a call is malformed" in problems(
        data
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("target", "@nowhere"), ("set", "window=noon"), ("set", "colour=red"), ("channel", "fax")],
)
def test_an_option_with_an_unknown_action_answer_or_channel_is_malformed(
    field: str, value: str
) -> None:
    data = en()
    data["nodes"]["social"]["options"][0][field] = value
    with pytest.raises(ContentError, match="en.toml: malformed content"):
        parse_flow(data, "en.toml")


def test_a_node_asking_something_unknown_is_malformed() -> None:
    data = en()
    data["nodes"]["callback"]["asks"] = "colour"
    with pytest.raises(ContentError, match="en.toml: malformed content"):
        parse_flow(data, "en.toml")
