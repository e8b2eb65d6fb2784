from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from campaign.summaries.themes import STOPWORDS, Theme, extract_themes, fold

ROOT = Path(__file__).resolve().parent.parent

# Three planted themes (one answer says "road closures" three times, one has a placeholder), an
# accidental one ("posted"/"posts"), and answers with nothing recurring.
SMALL = [
    "Road closures are never posted on the page.",
    "I want to know about road closures and road closures again. Road closure news!",
    "More scam warnings please, the scam warnings help my mum.",
    "The road closure on Main Street was a surprise.",
    "Scam warnings and lost dogs.",
    "Lost dog appeals are useful.",
    "Email me at [email removed] about lost dogs",
    "Nothing to add.",
    "Really good, thanks.",
    "Scam warning posts are the best thing.",
]


def test_small_corpus_gives_exactly_the_recurring_themes() -> None:
    assert extract_themes(SMALL) == [
        Theme(label="lost dogs", count=3, terms=("lost", "dog"), examples=(4, 5, 6)),
        Theme(label="road closures", count=3, terms=("road", "closure"), examples=(0, 1, 3)),
        Theme(label="scam warnings", count=3, terms=("scam", "warn"), examples=(2, 4, 9)),
        Theme(label="posted", count=2, terms=("post",), examples=(0, 9)),
    ]


def test_count_is_answers_not_occurrences() -> None:
    answers = ["road closures, road closures, road closures!", "Road closures again", "nothing here"]
    [theme] = extract_themes(answers)
    assert (theme.label, theme.count) == ("road closures", 2)


@pytest.mark.parametrize(
    "variants",
    [
        ["road closure", "road closures", "Road Closures!", "ROAD CLOSURE"],
        ["the city", "two cities", "city's parks", "cities"],
        ["we were scammed", "scams everywhere", "scamming again", "a scam"],
        ["officers patrolling", "more patrols", "patrolled streets", "a patrol"],
        ["the police's page", "police page", "Police pages", "the police pages"],
    ],
)
def test_inflections_fold_into_one_theme(variants: list[str]) -> None:
    themes = extract_themes(variants)
    assert len(themes) == 1
    assert themes[0].count == len(variants)


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("closures", "closure"), ("cities", "city"), ("boxes", "box"), ("matches", "match"), ("addresses", "address"),
        ("warnings", "warn"), ("warned", "warn"), ("scammed", "scam"), ("scamming", "scam"), ("patrolling", "patrol"),
        ("patrols", "patrol"), ("called", "call"), ("calls", "call"), ("closing", "close"), ("closed", "close"),
        ("hoping", "hope"), ("worried", "worry"), ("reported", "report"), ("officers", "officer"),
        ("speeding", "speed"), ("speed", "speed"), ("need", "need"), ("bus", "bus"), ("status", "status"),
        ("analysis", "analysis"), ("news", "news"), ("police", "police"), ("crime", "crime"),
        ("parking", "parking"), ("meeting", "meeting"), ("thing", "thing"), ("red", "red"), ("dogs", "dog"),
    ],
)  # fmt: skip
def test_fold(word: str, folded: str) -> None:
    assert fold(word) == folded


def test_the_label_is_the_most_common_wording() -> None:
    answers = ["CCTV cameras", "more CCTV cameras", "cctv camera", "CCTV cameras please"]
    [theme] = extract_themes(answers)
    assert (theme.label, theme.count, theme.terms) == ("CCTV cameras", 4, ("cctv", "camera"))


def test_a_capital_at_the_start_of_a_sentence_loses_a_tie() -> None:
    [theme] = extract_themes(["Lost dogs everywhere", "more lost dogs"])
    assert theme.label == "lost dogs"


def test_stopwords_and_filler_are_never_themes() -> None:
    answers = [f"I really think that they would also get it {word} and the people" for word in ("now", "too", "again")]
    answers += ["Yes, I think it is good", "No, I really don't think so", "Well, they should get on with it"]
    themes = extract_themes(answers)
    assert [theme.label for theme in themes] == ["people"]
    assert all(term not in STOPWORDS for theme in themes for term in theme.terms)


def test_numbers_and_short_words_are_never_themes() -> None:
    assert extract_themes(["3 officers at 10 am", "3 officers at 10 pm", "TV and 10 am"]) == [
        Theme(label="officers", count=2, terms=("officer",), examples=(0, 1))
    ]


@pytest.mark.parametrize("placeholder", ["[email removed]", "[phone number removed]", "[postcode removed]",
                                         "[link removed]", "[handle removed]"])  # fmt: skip
def test_redaction_placeholders_are_never_themes_nor_join_phrases(placeholder: str) -> None:
    answers = [f"road {placeholder} closures", f"{placeholder} please", f"Please see {placeholder}."] * 3
    themes = extract_themes(answers)
    assert [(theme.label, theme.count) for theme in themes] == [("closures", 3), ("road", 3)]
    assert not {term for theme in themes for term in theme.terms} & {"email", "phone", "number", "postcode", "link",
                                                                     "handle", "remov"}  # fmt: skip


def test_punctuation_breaks_a_phrase() -> None:
    themes = extract_themes(["Not the road. Closures happen", "Mind the road; closures too", "road, closures"])
    assert ("road", "closure") not in [theme.terms for theme in themes]
    assert {theme.label for theme in themes} == {"road", "closures"}


def test_quotes_do_not_break_a_phrase() -> None:
    [theme] = extract_themes(['"road closures"', "'road' closures", "road “closures”"])
    assert (theme.label, theme.count) == ("road closures", 3)


def test_phrases_may_span_of() -> None:
    answers = ["There is a lack of information", "Lack of information online", "the lack of information is bad"]
    [theme] = extract_themes(answers)
    assert theme == Theme(label="lack of information", count=3, terms=("lack", "of", "information"), examples=(0, 1, 2))


def test_a_phrase_absorbs_its_words_and_a_longer_phrase_its_pairs() -> None:
    answers = ["missing people appeals help", "Missing people appeals!", "share missing people appeals", "appeals"]
    themes = extract_themes(answers)
    assert [(theme.label, theme.count) for theme in themes] == [("missing people appeals", 3)]


def test_a_rarer_longer_phrase_is_a_sub_case_of_the_common_one() -> None:
    answers = ["missing people"] * 6 + ["missing people appeals"] * 2 + ["appeals"]
    themes = extract_themes(answers)
    assert [(theme.label, theme.count) for theme in themes] == [("missing people", 8), ("appeals", 3)]


def test_a_word_used_mostly_outside_its_phrase_stays_a_theme() -> None:
    answers = ["road closures", "road closures", "the road", "a road", "road works", "busy road", "road safety"]
    themes = extract_themes(answers)
    assert [(theme.label, theme.count) for theme in themes] == [("road", 7), ("road closures", 2)]


def test_a_word_one_phrase_carries_is_that_phrase() -> None:
    answers = ["live chats"] * 4 + ["I live here"] * 2 + ["apples"] * 5
    assert [(theme.label, theme.count) for theme in extract_themes(answers)] == [("apples", 5), ("live chats", 4)]


@pytest.mark.parametrize(
    ("max_themes", "expected"),
    [(2, [("apples", 12), ("road", 10)]), (3, [("apples", 12), ("road closures", 4), ("road safety", 4)])],
)
def test_a_word_is_not_hidden_behind_phrases_that_missed_the_cut(
    max_themes: int, expected: list[tuple[str, int]]
) -> None:
    # No phrase has most of the answers about roads, but the two together do.
    answers = ["apples"] * 12 + ["road closures"] * 4 + ["road safety"] * 4 + ["the road"] * 2
    themes = extract_themes(answers, max_themes=max_themes)
    assert [(theme.label, theme.count) for theme in themes] == expected


def test_words_side_by_side_by_chance_are_not_a_phrase() -> None:
    # "officers" and "visible" are each in 6 answers, together in 2: not a phrase.
    answers = [*["officers"] * 4, *["visible"] * 4, "officers visible", "officers visible"]
    assert [(theme.label, theme.count) for theme in extract_themes(answers)] == [("officers", 6), ("visible", 6)]


def test_the_topic_word_in_most_answers_is_not_a_theme_on_its_own() -> None:
    answers = ["response times. Police"] * 12 + ["police station closures"] * 6 + ["rural crime"] * 3 + ["police"] * 4
    counts = {theme.label: theme.count for theme in extract_themes(answers)}
    assert counts == {"response times": 12, "police station closures": 6, "rural crime": 3}


def test_the_topic_word_counts_in_a_handful_of_answers() -> None:
    counts = {theme.label: theme.count for theme in extract_themes(["police", "police", "police and crime"])}
    assert counts == {"police": 3}


@pytest.mark.parametrize(("min_count", "expected"), [(1, {"lost dogs": 3, "road": 2, "crime": 1}),
                                                     (2, {"lost dogs": 3, "road": 2}), (3, {"lost dogs": 3}),
                                                     (4, {})])  # fmt: skip
def test_min_count_is_honoured(min_count: int, expected: dict[str, int]) -> None:
    answers = ["lost dogs. Road", "lost dogs", "lost dogs, road", "crime"]
    themes = extract_themes(answers, min_count=min_count)
    assert {theme.label: theme.count for theme in themes} == expected
    assert all(theme.count >= min_count for theme in themes)


@pytest.mark.parametrize("max_themes", [0, 1, 2, 3, 5, 20])
def test_max_themes_keeps_the_most_mentioned(max_themes: int) -> None:
    answers = ["apples"] * 5 + ["bananas"] * 4 + ["cherries"] * 3 + ["damsons"] * 2 + ["elderberries"] * 2
    themes = extract_themes(answers, max_themes=max_themes)
    expected = ["apples", "bananas", "cherries", "damsons", "elderberries"][:max_themes]
    assert [theme.label for theme in themes] == expected


def test_ties_are_ordered_by_label() -> None:
    answers = ["zebra crossings", "apple trees", "zebra crossings", "apple trees", "mango", "mango"]
    assert [theme.label for theme in extract_themes(answers)] == ["apple trees", "mango", "zebra crossings"]


def test_examples_are_the_first_three_answers_in_input_order() -> None:
    answers = ["nothing", "lost dogs", "x", "y", "Lost dog!", "LOST DOGS", "z", "lost dogs", "lost dogs"]
    [theme] = extract_themes(answers)
    assert (theme.count, theme.examples) == (5, (1, 4, 5))


def test_fewer_than_three_examples() -> None:
    [theme] = extract_themes(["lost dogs", "nothing", "lost dogs"])
    assert theme.examples == (0, 2)


@pytest.mark.parametrize(
    "answers", [[], [""], ["", "", ""], ["   ", "\n\t", ""], ["a", "to", "of"], [".", "!!", "123"]]
)
def test_nothing_to_find(answers: list[str]) -> None:
    assert extract_themes(answers) == []


@pytest.mark.parametrize(("max_themes", "min_count"), [(-1, 2), (12, 0), (12, -3)])
def test_invalid_limits_are_refused(max_themes: int, min_count: int) -> None:
    with pytest.raises(ValueError, match="at least"):
        extract_themes(["lost dogs", "lost dogs"], max_themes=max_themes, min_count=min_count)


def test_any_sequence_of_strings() -> None:
    answers = ["lost dogs", "Lost dogs", "nothing"]
    assert extract_themes(tuple(answers)) == extract_themes(answers) != []


def test_odd_characters_neither_split_answers_nor_become_words() -> None:
    answers = ["lost\x00dogs", "lost dogs \x01", "café crème 🍰 lost dogs", "\u202elost dogs"]
    themes = extract_themes(answers)
    assert [(theme.label, theme.count) for theme in themes] == [("lost dogs", 4)]
    assert themes[0].examples == (0, 1, 2)


def test_same_input_same_output() -> None:
    rng = random.Random(5)
    words = ["road closures", "scam warnings", "lost dogs", "rural crime", "apples", "pears", "the", "and"]
    answers = [" ".join(rng.choices(words, k=8)) for _ in range(300)]
    first = extract_themes(answers)
    assert len(first) >= 4
    assert extract_themes(list(answers)) == first
    shuffled = answers[:]
    rng.shuffle(shuffled)
    assert [(t.label, t.count, t.terms) for t in extract_themes(shuffled)] == [
        (t.label, t.count, t.terms) for t in first
    ]


def test_same_output_whatever_the_hash_seed() -> None:
    """String hashing differs between processes; nothing about the result may depend on it."""
    script = (
        "import json, random\n"
        "from campaign.summaries.themes import extract_themes\n"
        "rng = random.Random(9)\n"
        "words = ['road closures', 'scam warnings', 'lost dogs', 'rural crime', 'officers', 'pears', 'the']\n"
        "answers = [' '.join(rng.choices(words, k=6)) for _ in range(400)]\n"
        "print(json.dumps([[t.label, t.count, t.terms, t.examples] for t in extract_themes(answers, max_themes=5)]))\n"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
        )
        outputs.add(run.stdout)
    assert len(outputs) == 1
    assert len(json.loads(outputs.pop())) == 5


def test_large_corpus_uses_a_sample_for_the_vocabulary_but_exact_counts() -> None:
    answers = []
    for index in range(12_000):
        parts = ["nothing much"]
        if index % 3 == 0:
            parts.append("road closures")
        if index % 4 == 0:
            parts.append("scam warnings" if index % 8 else "Scam warning")
        if index % 10 == 0:
            parts.append("lost dogs")
        answers.append(", ".join(parts) + f" {index % 7}")
    counts = {theme.label: theme.count for theme in extract_themes(answers)}
    assert counts == {"road closures": 4_000, "scam warnings": 3_000, "lost dogs": 1_200}


def test_long_answers_count_once_like_short_ones() -> None:
    long_answer = " ".join(["road closures"] * 300 + ["lost dogs", "weather"] * 100)  # counted without the regex
    answers = [long_answer, "Road closures!", "nothing", "lost dogs and more lost dogs", "weather"]
    counts = {theme.label: (theme.count, theme.examples) for theme in extract_themes(answers)}
    assert counts == {"road closures": (2, (0, 1)), "lost dogs": (2, (0, 3)), "weather": (2, (0, 4))}


def test_words_that_lower_case_into_two_pieces_still_get_a_label() -> None:
    # "İ" lower-cases to "i" and a combining dot, which splits the word differently.
    themes = extract_themes(["İzmir road closures", "İzmir road closures", "road closures"])
    assert [(theme.label, theme.count) for theme in themes] == [("road closures", 3), ("İzmir", 2)]
