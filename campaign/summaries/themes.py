"""Recurring themes in free-text answers: the words and short phrases many residents use.

Everything runs in-process on English term statistics; no outside service sees the answers.
A theme's count is a document frequency: an answer that says "road closures" three times counts once.

Themes are words and phrases of two or three adjacent words ("road closures", "missing people
appeals", "lack of information"), with plurals and -ed/-ing endings folded together; stopwords,
numbers and punctuation break phrases. A phrase must have half the answers of one of its words
(else it is two common words side by side); a word is shown through a phrase that has most of its
answers, or through the phrases shown when between them they do; a word in most answers is the
topic itself and only appears inside phrases.

Speed (100,000 answers of 25 words in well under a second of CPython) comes from leaving the
per-word work to C: answers are joined into large strings, lower-cased and split in one call each,
and every distinct token is analysed once and cached as a short string of one-character codes
(``map`` over the cache, then ``str.join``). In the coded text each word that could be part of a
theme is one character and everything else (stopwords, punctuation, rare words) is a gap, so the
document frequencies of words and of two- and three-word phrases are counts of distinct characters
and distinct 2- and 3-character substrings per answer.

The words that can make a theme are the few hundred most frequent in a sample of 5,000 answers
(all of them when there are fewer); every count reported is exact over all the answers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from operator import add


@dataclass(frozen=True)
class Theme:
    label: str  # the most common way residents wrote it, e.g. "road closures"
    count: int  # how many answers mention it (documents, not occurrences)
    terms: tuple[str, ...]  # the normalised terms that make it up, e.g. ("road", "closure")
    examples: tuple[int, ...] = ()  # indices of up to 3 answers that mention it, in input order


# Function words, and the filler of survey answers ("I really think they should also...").
# Deliberately not here: "people", "time", "local", "police", "community", "information" and other
# nouns that recur because they matter; a word in most answers is handled as the topic instead.
STOPWORDS = frozenset(
    """
    a about above across actually after afterwards again against ago all almost alone along already also
    although always am among amongst an and another any anybody anyhow anyone anything anyway anywhere are
    aren't arent around as at be became because become becomes becoming been before beforehand behind being
    below beside besides best better between beyond both but by can can't cannot cant could couldn't couldnt
    currently definitely did didn't didnt do does doesn't doesnt doing don't done dont down due during each
    either else elsewhere enough especially etc even ever every everybody everyone everything everywhere
    except far few fewer for former formerly from further generally get gets getting give given gives go
    goes going gone good got gotten great had hadn't hardly has hasn't hasnt have haven't havent having he
    hence her here hereby herein hers herself him himself his honestly how however i'd i'll i'm i've if im
    in indeed instead into is isn't isnt it its itself ive just keep kept kind know knew known last later
    latter least less let lets like likely lot lots made mainly make makes making many may maybe me mean
    means meanwhile might mine more moreover most mostly much must mustn't my myself namely need needed
    needn't needs neither never nevertheless next nice no nobody none noone nor not nothing now nowhere of
    off often okay on once one only onto or other others otherwise our ours ourselves out over overall own
    particularly per perhaps personally please possibly pretty probably put quite rather really recently
    regarding said same saw say saying says see seem seemed seeming seems seen several shall she should
    shouldn't shouldnt simply since so some somebody somehow someone something sometime sometimes somewhat
    somewhere sort still stuff such sure take taken takes taking than thank thanks that that's thats the
    their theirs them themselves then thence there thereafter thereby therefore therein thereupon these
    they they'd they'll they're they've theyre thing things think thinking this those though thought
    through throughout thru thus to today together too took toward towards tried tries truly try trying
    under unless until unto upon us use used uses using usually very via want wants was wasn't wasnt
    way ways we we'd we'll we're we've well went were weren't werent what whatever when whence whenever
    where whereafter whereas whereby wherein whereupon wherever whether which while whither who whoever
    whole whom whose why will with within without won't wont would wouldn't wouldnt yes yet you you'd
    you'll you're you've youre your yours yourself yourselves
    two three four five six seven eight nine ten first second third hundred thousand
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Only words that could make a theme get a code. They are the most frequent terms in a sample of
# answers (every k-th one, so the order of answers does not matter): a phrase is never more common
# than its rarest word, so a phrase using a word outside the top few hundred cannot outrank them.
_SAMPLE_ANSWERS = 5_000
_MIN_VOCABULARY = 128  # one-byte characters are the cheapest strings CPython makes
_VOCABULARY_PER_THEME = 10
_LONG_ANSWER = 400  # characters of codes and gaps: longer answers are counted another way (_count_batch)
_BATCH = 256  # answers per joined string: enough for C to do the work, few enough to stay in the CPU cache

# A phrase must have at least this share of the answers of one of its words (otherwise it is two
# common words side by side by chance), and a word is shown through its phrases when they have
# this share of its answers. A three-word phrase replaces a pair inside it above the second share.
_DOMINANCE = 0.5
_REPLACES = 0.75
# A word in more than this share of answers is the topic itself ("police" in a policing
# consultation) and tells a candidate nothing on its own; it still counts inside phrases.
_UBIQUITOUS_SHARE = 0.6
_UBIQUITY_MIN_ANSWERS = 20  # in a handful of answers every recurring word is worth showing
_LABEL_SAMPLE = 200  # answers read per theme to find its most common wording
_EXAMPLES = 3

_DOC = "\x00"  # between answers in a joined batch
_GAP = " "  # breaks a phrase: stopwords, punctuation, numbers, words outside the vocabulary
_LINK = "\x01"  # "of", allowed in the middle of three-word phrases ("lack of information")
_CONNECTORS = frozenset({"of"})
_RESERVED = frozenset({_DOC, _GAP, _LINK})

# What redaction puts in place of personal details (redaction.py); never part of a theme.
_PLACEHOLDER = re.compile(r"\[(?:email|phone number|postcode|link|handle) removed\]", re.IGNORECASE)
# Words (letters, digits and combining accents, with inner apostrophes or hyphens) and single
# punctuation marks that break phrases; quotes and emphasis marks are neither, and are skipped.
# Combining accents matter: lower-casing "İ" gives "i" and a combining dot.
_LETTER = r"(?:[^\W_]|[\u0300-\u036f])"
_PIECE = re.compile(rf"{_LETTER}+(?:['’\-]{_LETTER}+)*|[^\w\s\"'“”‘’`*\u0300-\u036f]")
# Each pair (and triple) of adjacent codes that does not occur again later in the same answer:
# one match per answer that uses it, so the counts are document frequencies, and the regex
# engine does in C what would otherwise be a set per answer. (A later occurrence overlapping this
# one is not seen, but only a repeated word can overlap itself, and no phrase repeats a word.)
_LAST_PAIR = re.compile(r"(?=([^ \x00\x01][^ \x00\x01])(?![^\x00]*\1))")
_LAST_TRIPLE = re.compile(r"(?=([^ \x00\x01][^ \x00][^ \x00\x01])(?![^\x00]*\1))")

# Folding only has to bring "closure"/"closures" and "scam"/"scams"/"scammed" together (labels come
# from what people wrote, so keys may be ugly). These look inflected but are words of their own, or
# would fold onto a different word ("parking" is not "park").
_NOT_INFLECTED = frozenset(
    """news series species always perhaps whereas lens gas bias canvas atlas alias christmas chaos kudos
    parking training building meeting crossing painting booking wedding landing setting opening morning
    evening clothing ceiling""".split()  # noqa: SIM905 - a word list reads better as text
)
_VOWELS = frozenset("aeiou")
_SHORT_SYLLABLE = re.compile(r"[^aeiou]*[aeiou][^aeiouwxy]")  # "clos" (closing) -> "close"
_VOWEL_GROUP = re.compile(r"[aeiou]+")

Pieces = tuple[tuple[str | None, str], ...]


def fold(word: str) -> str:
    """A light stem of a lower-case word: plurals, -ed and -ing folded ("closures" -> "closure")."""
    if len(word) <= 3 or word in _NOT_INFLECTED:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("xes", "ches", "shes", "sses", "zzes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word in _NOT_INFLECTED or word.endswith("eed"):  # "speed", "need" are not verbs in -ed
        return word
    if word.endswith("ied") and len(word) > 4:
        return word[:-3] + "y"
    for ending in ("ing", "ed"):
        stem = word[: -len(ending)]
        if word.endswith(ending) and len(stem) >= 3 and not _VOWELS.isdisjoint(stem):
            return _restore(stem)
    return word


def _restore(stem: str) -> str:
    """The word a verb ending came off: "scamm" -> "scam", "patroll" -> "patrol", "clos" -> "close"."""
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    last = stem[-1]
    if stem[-2] == last and last not in _VOWELS and last not in "sz":
        # A double l stays after one syllable ("call"), not after two ("patroll").
        return stem if last == "l" and len(_VOWEL_GROUP.findall(stem)) < 2 else stem[:-1]
    return stem + "e" if _SHORT_SYLLABLE.fullmatch(stem) else stem


def _key(surface: str) -> str | None:
    """The folded term for one word, "of" for the connector, None when it cannot be part of a theme
    (stopwords, numbers and words starting with a digit, words of one or two letters)."""
    word = surface.lower().replace("’", "'")
    if word in _CONNECTORS:
        return word
    if len(word) < 3 or not word[0].isalpha() or word in STOPWORDS:
        return None
    key = fold(word)
    return None if key in STOPWORDS else key


def _analyse(token: str) -> Pieces:
    """One whitespace-delimited token as (key, surface) pieces, without a possessive "'s"."""
    if token.isalpha():  # most tokens: one plain word
        return ((_key(token), token),)
    pieces: list[tuple[str | None, str]] = []
    for match in _PIECE.finditer(token):
        surface = match.group()
        if surface.endswith(("'s", "’s")):
            surface = surface[:-2]
        pieces.append((_key(surface), surface))
    return tuple(pieces)


class _Analyser(dict[str, Pieces]):
    """Token -> pieces, each distinct token analysed once."""

    def __missing__(self, token: str) -> Pieces:
        pieces = self[token] = _analyse(token)
        return pieces


class _Encoder(dict[str, str]):
    """Token -> one code per piece: the term's character, _LINK for "of", or _GAP."""

    def __init__(self, analyser: _Analyser, codes: dict[str, str]) -> None:
        super().__init__({_DOC: _DOC})
        self.analyser = analyser
        self.codes = codes

    def code(self, key: str | None) -> str:
        if key is None:
            return _GAP
        return _LINK if key in _CONNECTORS else self.codes.get(key, _GAP)

    def __missing__(self, token: str) -> str:
        encoded = self[token] = "".join(self.code(key) for key, _ in self.analyser[token])
        return encoded


def _batches(texts: Sequence[str]) -> Iterator[str]:
    """Lower-cased answers joined by a boundary token, placeholders replaced by a break."""
    for start in range(0, len(texts), _BATCH):
        batch = texts[start : start + _BATCH]
        joined = f" {_DOC} ".join(batch)
        if joined.count(_DOC) != len(batch) - 1:  # an answer holding the boundary character itself
            joined = f" {_DOC} ".join(text.replace(_DOC, " ") for text in batch)
        joined = joined.lower()
        yield _PLACEHOLDER.sub(" . ", joined) if "[" in joined else joined


def _vocabulary(texts: Sequence[str], analyser: _Analyser, size: int, min_count: int) -> dict[str, str]:
    """A code for each of the `size` terms most frequent in a sample of answers (ties alphabetical)."""
    step = max(1, len(texts) // _SAMPLE_ANSWERS)
    sample = texts if step == 1 else list(islice(texts, 0, None, step))
    frequency: Counter[str] = Counter()
    for joined in _batches(sample):
        for token, count in Counter(joined.split()).items():
            for key, _ in analyser[token]:
                if key is not None and key not in _CONNECTORS:
                    frequency[key] += count
    # Occurrences are never fewer than answers, so on the whole corpus this floor loses no theme;
    # a sample can only say which terms are frequent.
    floor = min_count if step == 1 else 1
    ranked = sorted((term for term, count in frequency.items() if count >= floor), key=lambda t: (-frequency[t], t))
    free = (chr(point) for point in range(2, 0x110000) if _usable(chr(point)))
    return dict(zip(ranked[:size], free, strict=False))


def _usable(code: str) -> bool:
    """A character that can stand for a term: not a separator, not whitespace, not a lone surrogate."""
    return code not in _RESERVED and not code.isspace() and not "\ud800" <= code <= "\udfff"


def _count_batch(coded: str, words: Counter[str], grams: Counter[str]) -> None:
    """Add one coded batch's answers to the word and phrase (pair and triple) document frequencies."""
    # Gaps collapsed to one space (no code is whitespace): a quarter of the length to scan below.
    compact = " ".join(coded.split())
    words.update(chain.from_iterable(map(set, compact.replace(_GAP, "").replace(_LINK, "").split(_DOC))))
    answers = compact.split(_DOC)
    if max(map(len, answers)) > _LONG_ANSWER:
        # The look-ahead below scans to the end of the answer for each pair: fine for a few
        # dozen characters, quadratic for a long answer, which gets a set of its own instead.
        compact = _DOC.join(answer for answer in answers if len(answer) <= _LONG_ANSWER)
        for answer in (answer for answer in answers if len(answer) > _LONG_ANSWER):
            pairs = list(map(add, answer, answer[1:]))
            grams.update({*pairs, *map(add, pairs, answer[2:])})
    grams.update(_LAST_PAIR.findall(compact))
    grams.update(_LAST_TRIPLE.findall(compact))


def _phrases(grams: Counter[str], words: Counter[str], min_count: int) -> dict[str, int]:
    """The pairs and triples that are phrases: two or three different terms, "of" only in the middle,
    and not two common words side by side by chance: at least half the answers of one of its words."""
    phrases = {}
    for key, count in grams.items():
        terms = key.replace(_LINK, "")
        if count < min_count or _GAP in key or _LINK in (key[0], key[-1]) or len(set(terms)) < len(terms):
            continue
        if count >= _DOMINANCE * min(map(words.__getitem__, terms)):
            phrases[key] = count
    return phrases


def _overlaps(key: str, other: str) -> bool:
    """One phrase inside the other, or three-word phrases sharing two words in a row."""
    if key in other or other in key:
        return True
    return len(key) == len(other) == 3 and _LINK not in key + other and (key[1:] == other[:2] or other[1:] == key[:2])


def _select(counts: Counter[str], answers: int, max_themes: int, min_count: int, terms: dict[str, str]) -> list[str]:
    """Keys of the themes to show, best first: phrases that carry their words, words that stand alone."""
    order = sorted(
        (key for key, count in counts.items() if count >= min_count),
        key=lambda key: (-counts[key], -len(key), [terms[code] for code in key]),
    )
    # A three-word phrase replaces the pairs in it when it has most of their answers ("missing
    # people appeals" for "people appeals"); otherwise it is a sub-case of a more common pair and
    # goes, with any pair only it explained.
    dropped: set[str] = set()
    for key in (key for key in order if len(key) == 3 and key[1] != _LINK):
        pairs = [pair for pair in (key[:2], key[1:]) if pair in counts]
        absorbed = [pair for pair in pairs if counts[key] >= _REPLACES * counts[pair]]
        dropped.update(absorbed if len(absorbed) == len(pairs) else [key, *absorbed])
    # A word is shown through its phrases when one phrase has most of its answers ("live" is "live
    # chats"), or when the phrases shown have between them; first assuming every phrase is shown,
    # then with those that made the cut, so that no word hides behind phrases nobody sees.
    phrases = [key for key in order if len(key) > 1 and key not in dropped]
    hidden = {code for key in phrases for code in key.replace(_LINK, "") if counts[key] >= _DOMINANCE * counts[code]}
    shown = phrases
    for _ in range(2):
        covered: Counter[str] = Counter()
        for key in shown:
            covered.update(dict.fromkeys(key.replace(_LINK, ""), counts[key]))
        hidden_now = hidden | {code for code in covered if covered[code] >= _DOMINANCE * counts[code]}
        chosen = _pick(order, dropped | hidden_now, counts, answers, max_themes)
        shown = [key for key in chosen if len(key) > 1]
    return chosen


def _pick(order: list[str], dropped: set[str], counts: Counter[str], answers: int, max_themes: int) -> list[str]:
    """The first `max_themes` keys in order that are not dropped, the topic itself or overlapping."""
    ubiquitous = _UBIQUITOUS_SHARE * answers if answers >= _UBIQUITY_MIN_ANSWERS else float("inf")
    chosen: list[str] = []
    for key in order:
        if len(chosen) == max_themes:
            break
        if key in dropped or (len(key) == 1 and counts[key] > ubiquitous):
            continue
        if len(key) > 1 and any(len(other) > 1 and _overlaps(key, other) for other in chosen):
            continue
        chosen.append(key)
    return chosen


def _describe(
    texts: Sequence[str], encoded: list[str], keys: list[str], encoder: _Encoder
) -> dict[str, tuple[str, tuple[int, ...]]]:
    """For each key: its most common wording (in the first answers using it) and its first answers."""
    wordings: dict[str, Counter[str]] = {key: Counter() for key in keys}
    examples: dict[str, list[int]] = {key: [] for key in keys}
    pending = list(keys)
    for index, codes in enumerate(encoded):
        hits = [key for key in pending if key in codes]
        if not hits:
            continue
        # The original text, so a label keeps the writer's capitals ("CCTV").
        text = _PLACEHOLDER.sub(" . ", texts[index].replace(_DOC, " "))
        pieces = [piece for token in text.split() for piece in encoder.analyser[token]]
        if len(pieces) != len(codes):  # lower-casing changed how a word splits ("İ" is "i" and a dot)
            codes = "".join(encoder.code(key) for key, _ in pieces)
        for key in hits:
            examples[key].append(index)
            start = codes.find(key)
            while start >= 0:
                wordings[key][" ".join(surface for _, surface in pieces[start : start + len(key)])] += 1
                start = codes.find(key, start + 1)
            if len(examples[key]) >= _LABEL_SAMPLE:
                pending.remove(key)
        if not pending:
            break
    # Ties go to the lower-case wording: a capital at the start of a sentence is not the word.
    return {
        key: (
            min(wordings[key], key=lambda w: (-wordings[key][w], w.swapcase()), default=""),
            tuple(examples[key][:_EXAMPLES]),
        )
        for key in keys
    }


def extract_themes(texts: Sequence[str], *, max_themes: int = 12, min_count: int = 2) -> list[Theme]:
    """Up to `max_themes` themes mentioned in at least `min_count` answers, by count then label.

    Deterministic: the same answers give the same themes. Redaction placeholders are ignored.
    """
    if max_themes < 0 or min_count < 1:
        raise ValueError("max_themes must be at least 0 and min_count at least 1")
    if not isinstance(texts, list | tuple):
        texts = list(texts)
    if max_themes == 0 or len(texts) < min_count:
        return []
    analyser = _Analyser()
    codes = _vocabulary(texts, analyser, max(_MIN_VOCABULARY, _VOCABULARY_PER_THEME * max_themes), min_count)
    if not codes:
        return []
    encoder = _Encoder(analyser, codes)

    encode = encoder.__getitem__
    encoded: list[str] = []
    counts: Counter[str] = Counter()
    grams: Counter[str] = Counter()
    for joined in _batches(texts):
        coded = "".join(map(encode, joined.split()))
        encoded.extend(coded.split(_DOC))
        _count_batch(coded, counts, grams)
    counts.update(_phrases(grams, counts, min_count))

    terms = {code: term for term, code in codes.items()} | {_LINK: "of"}
    keys = _select(counts, len(texts), max_themes, min_count, terms)
    themes = []
    for key, (label, examples) in _describe(texts, encoded, keys, encoder).items():
        words = tuple(terms[code] for code in key)
        themes.append(Theme(label=label or " ".join(words), count=counts[key], terms=words, examples=examples))
    return sorted(themes, key=lambda theme: (-theme.count, theme.label))
