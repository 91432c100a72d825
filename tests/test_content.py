"""flows.content and flows.validate: the shipped content loads; broken content is refused, by name."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from flows.content import CONTENT_DIR, load_flows, parse_flow
from flows.sms import page_text
from flows.validate import REQUIRED_KEYWORDS, REQUIRED_TEXTS, ContentError, spoken_seconds, validate

EN_PATH = CONTENT_DIR / "en.toml"
EN_TEXT = EN_PATH.read_text(encoding="utf-8")
EN_DATA = tomllib.loads(EN_TEXT)


def en() -> dict[str, Any]:
    """A fresh deep copy of the shipped English content, as TOML gives it."""
    return copy.deepcopy(EN_DATA)


def problems(*datas: dict[str, Any]) -> str:
    """The ContentError message validate() gives for these languages (fails if it accepts them)."""
    flows = {data["lang"]: parse_flow(data) for data in datas}
    with pytest.raises(ContentError) as error:
        validate(flows)
    return str(error.value)


def words(n: int) -> str:
    """`n` short words."""
    return " ".join(["word"] * n)


# the shipped content -------------------------------------------------------------------------


def test_shipped_content_loads() -> None:
    flows = load_flows()
    assert set(flows) == {"en"}
    flow = flows["en"]
    assert flow.source["title"] == "When to Get a Second Opinion"
    assert flow.source["publisher"] == "CancerCare"
    assert flow.root == "main"
    assert set(flow.parents) == set(flow.nodes) - {"main", "callback_done"}
    validate(flows)


def test_unchanged_copy_is_valid() -> None:
    """The helpers below change only what each test says."""
    validate({"en": parse_flow(en())})


def test_load_flows_reads_a_folder(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text(EN_TEXT, encoding="utf-8")
    assert load_flows(tmp_path)["en"].nodes.keys() == load_flows()["en"].nodes.keys()


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


@pytest.mark.parametrize("key", ["a", "0", "9", "12", "", " 1", "one"])
def test_option_key_that_is_not_a_digit_1_to_8(key: str) -> None:
    data = en()
    data["nodes"]["social"]["options"][0]["key"] = key
    message = problems(data)
    assert "en: social option keys must be distinct digits 1-7" in message
    assert repr(key) in message


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
    with pytest.raises(ContentError):
        validate({"en": parse_flow(data)})


def test_keywords_written_as_a_string_not_a_list_are_refused() -> None:
    """`menu = "MENU"` must not become the keywords M, E, N and U."""
    data = en()
    data["keywords"]["menu"] = "MENU"
    with pytest.raises(ContentError):
        validate({"en": parse_flow(data)})


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
    flow = parse_flow(data)
    assert len(page_text(flow, "doctor", 0)) == 306
    validate({"en": flow})
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
    validate({"en": parse_flow(data)})


def test_voice_page_that_fits_alone_but_not_with_its_choices() -> None:
    """The last voice page is followed by its options and keys: all of it must fit in 45 s."""
    data = en()
    social = data["nodes"]["social"]
    social["voice"][-1] = words(110)  # 44 s alone
    assert len(social["options"][0]["say"].split()) >= 4  # the lead-in alone takes 1.6 s more
    assert "voice social[0]" in problems(data)


# languages -------------------------------------------------------------------------------------


def es() -> dict[str, Any]:
    """A 'Spanish' copy of the shipped content with the same shape."""
    data = en()
    data["lang"] = "es"
    return data


def test_two_languages_with_the_same_shape_pass() -> None:
    validate({"en": parse_flow(en()), "es": parse_flow(es())})


def test_two_languages_with_different_nodes() -> None:
    other = es()
    del other["nodes"]["about"]
    other["nodes"]["main"]["options"].pop()
    assert "es: nodes or options differ from en" in problems(en(), other)


def test_two_languages_with_different_option_targets() -> None:
    other = es()
    other["nodes"]["social"]["options"][0]["target"] = "about"
    assert "es: nodes or options differ from en" in problems(en(), other)


def test_two_languages_with_different_nodes_via_load_flows(tmp_path: Path) -> None:
    (tmp_path / "en.toml").write_text(EN_TEXT, encoding="utf-8")
    extra = '\n[nodes.extra]\nsms = ["Extra."]\nvoice = ["Extra."]\n'
    (tmp_path / "es.toml").write_text(
        EN_TEXT.replace('lang = "en"', 'lang = "es"') + extra, encoding="utf-8"
    )
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
