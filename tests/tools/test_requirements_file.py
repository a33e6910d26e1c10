"""Reading requirements files: plain lines, and Gherkin through Cucumber's own parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.requirements_file import RequirementsFileError, parse_feature, read_requirements_file

GREENHOUSE = '''\
# The greenhouse controller, as its gardeners describe it.
@climate
Feature: Greenhouse climate
  Vents and sprinklers follow the readings.

  Background:
    Given the controller is in automatic mode
    And the vents are closed

  Scenario: a hot afternoon opens the vents
    When the air reaches 31 degrees
    Then the vents open
    But the sprinklers stay off

  Scenario Outline: watering follows soil moisture
    When the soil moisture of bed <bed> reads <moisture>%
    Then bed <bed> is watered for <minutes> minutes

    Examples: dry beds
      | bed | moisture | minutes |
      | A   | 12       | 10      |
      | B   | 25       | 4       |

  Rule: night mode
    Background:
      Given it is past sunset

    Scenario: lamps switch on
      When the light sensor reads 3 lux
      Then lamps in zones listed below are on:
        | zone  | lamps |
        | north | 4     |
        | south | 2     |

    Scenario: the night report is sent
      When the report is due
      Then this text is sent:
        """
        All beds watered.
        Vents closed.
        """
'''


def test_each_scenario_is_one_requirement_of_its_steps() -> None:
    assert parse_feature(GREENHOUSE) == [
        "Given the controller is in automatic mode\nAnd the vents are closed\n"
        "When the air reaches 31 degrees\nThen the vents open\nBut the sprinklers stay off",
        "Given the controller is in automatic mode\nAnd the vents are closed\n"
        "When the soil moisture of bed A reads 12%\nThen bed A is watered for 10 minutes",
        "Given the controller is in automatic mode\nAnd the vents are closed\n"
        "When the soil moisture of bed B reads 25%\nThen bed B is watered for 4 minutes",
        "Given the controller is in automatic mode\nAnd the vents are closed\nGiven it is past sunset\n"
        "When the light sensor reads 3 lux\n"
        "Then lamps in zones listed below are on: zone | lamps; north | 4; south | 2",
        "Given the controller is in automatic mode\nAnd the vents are closed\nGiven it is past sunset\n"
        "When the report is due\nThen this text is sent: All beds watered. Vents closed.",
    ]


def test_keywords_of_other_languages_and_stepless_scenarios() -> None:
    text = (
        "# language: fr\nFonctionnalité: Serre\n  Scénario: vide\n  Scénario: arrosage\n"
        "    Soit un bac sec\n    Quand le capteur lit 10%\n    Alors le bac est arrosé\n"
    )
    assert parse_feature(text) == ["Soit un bac sec\nQuand le capteur lit 10%\nAlors le bac est arrosé"]


def test_plain_files_have_one_requirement_per_line(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(
        "\ufeffThe vents open above 30 degrees.\n\n# not a requirement\n  Lamps turn off at dawn.  \n"
    )
    assert read_requirements_file(path) == ["The vents open above 30 degrees.", "Lamps turn off at dawn."]


def test_feature_files_are_read_as_gherkin(tmp_path: Path) -> None:
    path = tmp_path / "climate.feature"
    path.write_text(GREENHOUSE, encoding="utf-8")
    assert read_requirements_file(path) == parse_feature(GREENHOUSE)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "bad.feature",
            "Feature: x\n  Scenario: y\n    Given z\n  this line is no step\n",
            "bad.feature:4:3:",
        ),
        ("orphan.feature", "Scenario: no feature around me\n  Given a bed\n", "(and 1 more)"),
        ("empty.feature", "Feature: nothing yet\n", "holds no scenario with steps"),
        ("blank.txt", "# only a comment\n\n", "holds no requirement"),
        ("latin1.txt", "Bed Ä is watered".encode("latin-1"), "is not UTF-8 text (byte 0xc4 at offset 4)"),
        ("missing.feature", None, "No such file or directory"),
        ("folder.feature", "dir", "Is a directory"),
    ],
)
def test_bad_files_are_one_readable_line(
    tmp_path: Path, name: str, content: str | bytes | None, expected: str
) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(RequirementsFileError) as raised:
        read_requirements_file(path)
    message = str(raised.value)
    assert expected in message and "\n" not in message
    assert str(path) in message
