"""Conflict keyword grading: every keyword, its inflections, and words that must not match.

False-positive choices (realistic Danish): "beklager" (we apologise) contains "klage";
"skuffen"/"skuffer" are a drawer/drawers; "klagemur" (wailing wall) and "klageret" (a right
of complaint in legal boilerplate) are not complaints; "advokado" is not "advokat".
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.mail_policy.conflict import KEYWORDS, Severity, grade_conflict


@pytest.mark.parametrize(
    ("text", "severity", "keyword"),
    [
        ("Sagen går til inkasso", Severity.CRITICAL, "inkasso"),
        ("Inkassobureauet skriver", Severity.CRITICAL, "inkasso"),
        ("Jeg kontakter min advokat", Severity.CRITICAL, "advokat"),
        ("ADVOKATEN er orienteret", Severity.CRITICAL, "advokat"),
        ("Det ender i en retssag", Severity.CRITICAL, "retssag"),
        ("Jeg går til Forbrugerombudsmanden", Severity.CRITICAL, "forbrugerombudsmand"),
        ("Der kommer en politianmeldelse", Severity.CRITICAL, "politianmeldelse"),
        ("Jeg vil politianmelde jer", Severity.CRITICAL, "politianmeldelse"),
        ("Dette er en klage", Severity.HIGH, "klage"),
        ("Jeg klager over rengøringen", Severity.HIGH, "klage"),
        ("Klagen er sendt", Severity.HIGH, "klage"),
        ("Jeg klagede i sidste uge", Severity.HIGH, "klage"),
        ("Se vedlagte klagesag", Severity.HIGH, "klage"),
        ("Vi er utilfredse", Severity.HIGH, "utilfreds"),
        ("Meget utilfreds!", Severity.HIGH, "utilfreds"),
        ("Det er uacceptabelt", Severity.HIGH, "uacceptabelt"),
        ("En uacceptabel oplevelse", Severity.HIGH, "uacceptabelt"),
        ("Det er ren svindel", Severity.HIGH, "svindel"),
        ("I har svindlet mig", Severity.HIGH, "svindel"),
        ("Jeg er lidt skuffet", Severity.MEDIUM, "skuffet"),
        ("Vi er skuffede", Severity.MEDIUM, "skuffet"),
        ("Sikke en skuffelse", Severity.MEDIUM, "skuffet"),
        ("Jeg er frustreret", Severity.MEDIUM, "frustreret"),
        ("Meget frustrerende", Severity.MEDIUM, "frustreret"),
        ("Dårlig service", Severity.MEDIUM, "dårlig service"),
        ("daarlig   service", Severity.MEDIUM, "dårlig service"),
        ("dårlig\nservice", Severity.MEDIUM, "dårlig service"),
        ("Det var uheldigt", Severity.LOW, "uheldigt"),
        ("En uheldig episode", Severity.LOW, "uheldigt"),
        ("Det kunne være bedre", Severity.LOW, "kunne være bedre"),
        ("Det kunne have været bedre", Severity.LOW, "kunne være bedre"),
        ("Det kunne vaere bedre", Severity.LOW, "kunne være bedre"),
        ("da\u030arlig service", Severity.MEDIUM, "dårlig service"),  # decomposed å
    ],
)
def test_keywords_and_inflections(text: str, severity: Severity, keyword: str) -> None:
    grade = grade_conflict(text)
    assert grade.severity is severity
    assert keyword in grade.keywords


@pytest.mark.parametrize(
    "text",
    [
        "Vi beklager ventetiden",
        "Læg nøglen i skuffen",
        "Køkkenskufferne skal tørres af",
        "Vi var ved Klagemuren i Jerusalem",
        "Du har klageret efter loven",
        "Advokado er godt i salat",
        "Svindelfri? nej: svindende interesse",
        "Alt var fint, tak!",
        "God service, tak",
        "Heldigvis gik det godt",
        "Reklame for rengøring",
        "",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert grade_conflict(text).severity is Severity.NONE


def test_highest_severity_wins_and_all_keywords_reported() -> None:
    grade = grade_conflict("Jeg er skuffet og vil klage, ellers advokat. Uheldigt.")
    assert grade.severity is Severity.CRITICAL
    assert grade.keywords == ("advokat", "klage", "skuffet", "uheldigt")


def test_every_domain_keyword_matches_itself() -> None:
    for keyword, severity in KEYWORDS.items():
        assert grade_conflict(f"x {keyword} y").severity is severity


_WORDS = st.sampled_from(
    [*KEYWORDS, "tak", "hej", "skuffen", "beklager", "klagemur", "dårlig", "service", "kunne"]
)
_TEXT = st.lists(_WORDS | st.text(alphabet="abcæøå .,!\n", max_size=12), max_size=8).map(" ".join)


@given(_TEXT, _TEXT)
def test_adding_text_never_lowers_severity(a: str, b: str) -> None:
    joined = grade_conflict(f"{a} {b}")
    assert joined.severity >= max(grade_conflict(a).severity, grade_conflict(b).severity)
    assert set(grade_conflict(a).keywords) <= set(joined.keywords)


@given(st.text(max_size=200))
def test_any_text_grades_without_error(text: str) -> None:
    grade = grade_conflict(text)
    assert (grade.severity is Severity.NONE) == (grade.keywords == ())
