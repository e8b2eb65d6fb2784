"""Benchmark theme extraction and redaction on a generated corpus of consultation answers.

    .venv/bin/python bench/themes.py [--runs 3] [--seed 2026]

The corpus is deterministic (seeded): answers about local policing and social media, averaging
25 words, built from ~45 planted recurring phrases (in singular and plural, capitalised at the
start of sentences), a few thousand filler words with a Zipf-like spread, the topic word
"police" in most answers, stopwords, punctuation and, in a few answers, personal details.

Prints the best of --runs timings for extract_themes on 10,000 and 100,000 answers (the target
is at most 1.0 s for 100,000, single-threaded), the themes found and how many of them are
planted phrases, and the time to redact 100,000 answers (checking that no planted personal
detail is left), as they are and with a number in each, which makes every answer go through
the full pattern.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from campaign.summaries.redaction import redact
from campaign.summaries.themes import Theme, extract_themes

TARGET_SECONDS = 1.0

# (singular, plural) wordings; a phrase is used in either, and its theme must fold them together.
PLANTED = [
    ("road closure", "road closures"), ("missing people appeal", "missing people appeals"),
    ("scam warning", "scam warnings"), ("officer account", "officer accounts"),
    ("community engagement", "community engagement"), ("response time", "response times"),
    ("lost dog", "lost dogs"), ("rural crime", "rural crime"), ("local information", "local information"),
    ("traffic update", "traffic updates"), ("speed camera", "speed cameras"),
    ("anti-social behaviour", "anti-social behaviour"), ("drug dealing", "drug dealing"),
    ("neighbourhood watch", "neighbourhood watch"), ("live chat", "live chats"), ("crime map", "crime maps"),
    ("facebook post", "facebook posts"), ("safety advice", "safety advice"), ("fraud alert", "fraud alerts"),
    ("court result", "court results"), ("wanted appeal", "wanted appeals"), ("stolen bike", "stolen bikes"),
    ("knife crime", "knife crime"), ("youth club", "youth clubs"), ("street lighting", "street lighting"),
    ("noise complaint", "noise complaints"), ("fly tipping", "fly tipping"), ("cycle lane", "cycle lanes"),
    ("bus stop", "bus stops"), ("mental health", "mental health"), ("victim support", "victim support"),
    ("hate crime", "hate crimes"), ("domestic abuse", "domestic abuse"), ("online safety", "online safety"),
    ("lack of information", "lack of information"), ("school gate", "school gates"),
    ("farm machinery theft", "farm machinery thefts"), ("village hall meeting", "village hall meetings"),
    ("weekly newsletter", "weekly newsletters"), ("police station closure", "police station closures"),
    ("emergency number", "emergency numbers"), ("local beat officer", "local beat officers"),
    ("dog fouling", "dog fouling"), ("parking enforcement", "parking enforcement"),
]  # fmt: skip

REAL_FILLER = """
weather garden kitchen holiday football music coffee breakfast library window neighbour family children
house street town village city market shop pub church school park river field hill bridge station
morning evening weekend summer winter autumn spring night afternoon minute hour month year week
happen happened worry worried angry happy busy quiet noisy safe unsafe helpful useful slow fast quick
message phone website page post update video photo picture picture comment share follow reply
council councillor government money budget funding service staff team office desk counter
car van lorry tractor bike bus train taxi walk drive cycle road lane junction roundabout corner
friend sister brother mother father daughter son husband wife grandmother grandfather
question answer reason problem issue concern idea example opinion view point matter
read watched heard noticed asked told explained reported called visited checked posted
""".split()  # noqa: SIM905 - a word list reads better as text

STOPWORD_MIX = """
the the the the a a a and and and to to to of of is is in in it it that that i i i we they
for on with be are was this more about would think really not but have has had my our their
there what when which who just also very so because if or at by from can could should will
""".split()  # noqa: SIM905 - a word list reads better as text

PERSONAL = [
    "email me at jo.bloggs+consult@example.co.uk", "ring 07700 900123 any time",
    "I live at YO1 7HH", "see https://example.org/forum/thread?id=42", "my number is +44 7700 900456",
    "contact sam dot jones at example dot com", "follow @jo_bloggs for updates", "postcode hg1 2ab",
]  # fmt: skip


# Parts of PERSONAL that redaction must remove.
LEAKS = ["jo.bloggs", "07700", "7HH", "example.org", "7700 900456", "sam dot jones", "@jo_bloggs", "hg1 2ab"]


def _filler_words(rng: random.Random, count: int) -> list[str]:
    onsets = ["b", "br", "c", "ch", "d", "f", "fl", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pl", "r",
              "s", "sh", "st", "t", "tr", "v", "w"]  # fmt: skip
    vowels = ["a", "e", "i", "o", "u", "ea", "oo", "ai"]
    codas = ["", "n", "r", "l", "st", "nd", "m", "t", "ck", "sh"]
    words = list(dict.fromkeys(REAL_FILLER))
    seen = set(words)
    while len(words) < count:
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(1, 3))) + rng.choice(codas)
        if len(word) > 3 and word not in seen:
            seen.add(word)
            words.append(word)
    rng.shuffle(words)  # real words anywhere in the frequency ranking, not all at the top
    return words


def make_corpus(answers: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    filler = _filler_words(rng, 3000)
    # Cumulative weights once: rng.choices would otherwise add up 3,000 weights for every word.
    filler_weights = list(accumulate(1 / (rank + 150) for rank in range(len(filler))))
    planted_weights = list(accumulate(1 / (rank + 6) ** 0.6 for rank in range(len(PLANTED))))
    corpus = []
    for _ in range(answers):
        length = min(120, max(4, int(rng.gauss(21, 10))))
        fillers = rng.choices(filler, cum_weights=filler_weights, k=length)
        words = [rng.choice(STOPWORD_MIX) if rng.random() < 0.45 else word for word in fillers]
        if rng.random() < 0.7:
            words.insert(rng.randrange(len(words) + 1), rng.choice(["police", "police", "Police", "police's"]))
        for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
            phrase = rng.choices(PLANTED, cum_weights=planted_weights)[0][rng.random() < 0.6]
            words.insert(rng.randrange(len(words) + 1), phrase)
        if rng.random() < 0.05:
            words.insert(rng.randrange(len(words) + 1), rng.choice(PERSONAL))
        sentences, start = [], 0
        while start < len(words):
            end = start + rng.randint(5, 14)
            sentence = " ".join(words[start:end])
            sentences.append(sentence[:1].upper() + sentence[1:] + rng.choice(".....!?"))
            start = end
        corpus.append(" ".join(sentences).replace(" and ", rng.choice([" and ", ", and "]), 1))
    return corpus


def best_time(function: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def print_themes(themes: list[Theme]) -> None:
    planted = {wording for pair in PLANTED for wording in pair}
    # A word several planted phrases share ("crime": rural, knife, hate crime, crime maps) is a fair
    # theme of its own when no one of those phrases has most of its answers.
    shared = {word for word in {w for pair in PLANTED for w in pair[1].split()}
              if sum(word in pair[1].split() for pair in PLANTED) >= 2}  # fmt: skip
    for theme in themes:
        label = theme.label.lower()
        mark = "planted" if label in planted else "shared word" if label in shared else "NOT PLANTED"
        print(f"  {theme.count:>7,}  {theme.label:<28} {mark:<12} terms={theme.terms} examples={theme.examples}")
    found = sum(theme.label.lower() in planted for theme in themes)
    words = sum(theme.label.lower() in shared for theme in themes)
    print(f"  {found}/{len(themes)} themes are planted phrases, {words} a word several planted phrases share")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    corpus = make_corpus(100_000, args.seed)
    words = sum(len(answer.split()) for answer in corpus) / len(corpus)
    print(f"corpus: {len(corpus):,} answers, {words:.1f} words on average, {len(PLANTED)} planted phrases")

    for size in (10_000, 100_000):
        answers = corpus[:size]
        seconds = best_time(lambda answers=answers: extract_themes(answers), args.runs)
        print(f"\nextract_themes, {size:>7,} answers: {seconds:.3f} s (best of {args.runs})")
        print_themes(extract_themes(answers))
    slow = seconds > TARGET_SECONDS

    seconds = best_time(lambda: [redact(answer) for answer in corpus], args.runs)
    redacted = [redact(answer) for answer in corpus]
    changed = sum(before != after for before, after in zip(corpus, redacted, strict=True))
    leaked = sum(detail in answer for answer in redacted for detail in LEAKS)
    print(f"\nredact, {len(corpus):,} answers: {seconds:.3f} s (best of {args.runs}); {changed:,} answers changed, "
          f"{leaked} personal details left")  # fmt: skip
    # Most answers skip the full pattern (no digit, @ or dotted word); here none can.
    numbered = [f"{answer} 3 officers" for answer in corpus]
    seconds = best_time(lambda: [redact(answer) for answer in numbered], args.runs)
    print(f"redact, {len(corpus):,} answers each with a number: {seconds:.3f} s (best of {args.runs})")
    if slow:
        print(f"\nSLOWER THAN TARGET: extract_themes on 100,000 answers took more than {TARGET_SECONDS} s")
    if leaked:
        print("\nPERSONAL DETAILS LEFT AFTER REDACTION")
    return 1 if slow or leaked else 0


if __name__ == "__main__":
    raise SystemExit(main())
