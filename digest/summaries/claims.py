"""Does one sentence state what another states? A calibrated claim matcher.

:func:`claim_score` rates, between 0 and 1, how likely sentence ``b`` states the claim of
sentence ``a``; :func:`same_claim` says yes at the threshold with the best F1 in
cross-validation on the training data; :func:`stated_by` finds the sentence (or pair of adjacent
sentences) of an article that states a sentence and the words that state it; :func:`claim_scores`
rates many sentences against many at once, for a story's summary against all its articles.

The score is a logistic regression over features of how the two sentences align: content words,
stems and synonyms they share (each way, and weighted by how rare a word is in English), numbers
read as values ("4.5 per cent" = "4.5%", "three" = "3", "1.2 million" = "1,200,000", "25 basis
points" = "a quarter of a percentage point"), names ("Governor Ines Marlow" ~ "Marlow"), months
and weekdays, quoted words, bigrams, the longest common subsequence and the length ratio. A near
miss, alike but for a number, name, date or direction that each states differently ("raised rates
to 4.5%" against "to 4.75%"), scores low whatever the regression says (:func:`conflict`). The
weights ship as JSON beside this module (``data/claims_model.json``, fitted by
``scripts/train_claims.py``); inference is plain numpy.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise

import numpy as np
from scipy.sparse import csr_matrix
from wordfreq import zipf_frequency

from ..text.segment import STOP_WORDS, stem

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*|[%$€£“”\"]")
_QUOTE_MARKS = frozenset('“”"')
_NEGATIONS = frozenset({"not", "no", "never", "nor", "neither", "none", "nobody", "nothing", "without"})

# Number words. "one" is read as 1 only before a scale or a unit ("one million", "one per cent"):
# elsewhere it is mostly a pronoun ("one of the banks").
_SMALL = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {w: 10 * (n + 2) for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "mn": 1e6}
_SUFFIX_SCALES = {"m": 1e6, "k": 1e3, "b": 1e9}  # only right after digits: "$2.5m"
_FRACTIONS = {"half": 0.5, "quarter": 0.25}
_TWO_WORD_UNITS = frozenset({("per", "cent"), ("percentage", "point"), ("percentage", "points")})
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_WEEKDAYS = {
    d: i
    for i, names in enumerate(
        [
            ("monday",),
            ("tuesday", "tues"),
            ("wednesday",),
            ("thursday", "thurs"),
            ("friday",),
            ("saturday",),
            ("sunday",),
        ]
    )
    for d in names
}
# Words that come before a name but are not the name: "Governor Ines Marlow" is "Marlow".
TITLES = frozenset(
    """mr mrs ms dr prof professor gov governor president vice prime minister secretary chairman chairwoman chair
    chief executive ceo senator sen rep representative judge justice general gen mayor king queen prince princess
    pope bishop director spokesman spokeswoman spokesperson lt col sgt capt captain officer commissioner inspector
    deputy leader premier chancellor attorney detective sheriff ambassador lord lady sir dame former acting
    interim new""".split()
)
# News verbs and a few nouns said in other words; each group is one claim word. Our own list.
_SYNONYMS = (
    "up: raise raised lift increase hike boost rise rose risen climb jump gain grow grew grown soar surge advance "
    "rally higher",
    "down: cut lower reduce trim slash decrease fall fell fallen drop decline slide slid sink sank sunk tumble "
    "plunge dip shrink shrank",
    "keep: keep kept hold held maintain leave unchanged steady",
    "announce: announce declare unveil",
    "kill: kill slay slain murder die dead death",  # "three were killed" = "three died"
    "arrest: arrest detain apprehend",
    "buy: buy bought purchase acquire acquisition takeover",
    "sell: sell sold",
    "start: start begin began begun launch commence",
    "end: end finish conclude",
    "resign: resign quit",
    "win: win won beat defeat",
    "criticise: criticise criticize condemn slam blast denounce",
    "approve: approve endorse ratify",
    "reject: reject refuse rebuff dismiss",
    "warn: warn caution",
    "plan: plan intend aim",
    "charge: charge indict",
    "accuse: accuse allege",
    "injure: injure wound hurt",
    "show: show reveal indicate",
    "company: company firm",
    "vote: vote ballot",
    "lawmaker: lawmaker legislator",
    "percent: percent pct",
    "big: big large major",
    "cost: cost price",
    "worker: worker employee staff",
    "official: official authority",
    "attack: attack assault strike",
    "investigate: investigate probe",
    "sue: sue lawsuit",
)


def _word_forms(word: str) -> set[str]:
    """A verb's or noun's inflected forms (regular ones; irregular ones are listed in the table)."""
    base = word[:-1] if word.endswith("e") else word
    return {word, word + "s", word + "es", word + "d", word + "ed", base + "ed", base + "ing", word + "ing"}


@cache
def _synonym_key() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in _SYNONYMS:
        group, members = line.split(":")
        for member in members.split():
            for form in _word_forms(member):
                table.setdefault(stem(form), group)
    return table


@lru_cache(maxsize=200_000)
def _rarity(word: str) -> float:
    """How informative a word is: 8 minus its Zipf frequency in English, at least 1."""
    return max(1.0, 8.0 - zipf_frequency(word, "en"))


def _number(token: str) -> float | None:
    """The value of a written number ("1,200,000", "4.5"), or None for a time or a code ("10:30")."""
    if ":" in token:
        return None
    if "," in token:
        head, *groups = token.split(",")
        if all(len(g) == 3 and "." not in g for g in groups[:-1]) and len(groups[-1].split(".")[0]) == 3:
            token = head + "".join(groups)
        else:
            return None
    try:
        return float(token)
    except ValueError:
        return None


def _key_of_value(value: float) -> str:
    return f"#{value:.6g}"


def _read_numbers(lower: Sequence[str]) -> tuple[list[str | None], list[bool]]:
    """For each token, the number key it starts (``#4.5``) and whether it belongs to a number.

    Reads digits with their scale ("1.2 million", "$2.5bn"), number words ("twenty-five", "three"),
    fractions of a unit ("a quarter of a percentage point") and units: per cent and "%" are the same
    thing, basis points are hundredths of a percentage point.
    """
    n = len(lower)
    keys: list[str | None] = [None] * n
    used = [False] * n
    i = 0
    while i < n:
        token = lower[i]
        value: float | None = None
        j = i + 1
        if token[0].isdigit():
            value = _number(token)
            if value is None:
                keys[i], used[i] = f"#{token}", True
                i += 1
                continue
            if j < n and lower[j] in _SUFFIX_SCALES:
                value *= _SUFFIX_SCALES[lower[j]]
                j += 1
            elif j < n and lower[j] in _ORDINAL_SUFFIXES:
                j += 1
        elif token in _SMALL or token in _TENS:
            value = float(_SMALL.get(token, _TENS.get(token, 0)))
            if token in _TENS and j < n and lower[j] in _SMALL and 0 < _SMALL[lower[j]] < 10:
                value += _SMALL[lower[j]]
                j += 1
        elif token in _FRACTIONS:
            value = _FRACTIONS[token]
            if j < n and lower[j] == "of":  # "a quarter of a percentage point"
                j += 1
                if j < n and lower[j] == "a":
                    j += 1
            if not (j < n and lower[j] in ("percentage", "per", "percent", "point", "%")):
                i += 1  # "third quarter", "half the staff": not a quantity
                continue
        if value is None:
            i += 1
            continue
        if j < n and lower[j] in _SCALES:
            value *= _SCALES[lower[j]]
            j += 1
            if j < n and lower[j] in _SCALES:  # "two hundred million"
                value *= _SCALES[lower[j]]
                j += 1
        if j < n and lower[j] in ("quarters", "quarter") and token not in _FRACTIONS and value < 10:
            value *= 0.25  # "three quarters of a percentage point"
            j += 1
            if j < n and lower[j] == "of":
                j += 1
                if j < n and lower[j] == "a":
                    j += 1
        if j < n and lower[j] in ("%", "percent", "pct"):
            j += 1
        elif j + 1 < n and (lower[j], lower[j + 1]) in _TWO_WORD_UNITS:
            j += 2
        elif j + 1 < n and lower[j] == "basis" and lower[j + 1] in ("point", "points"):
            value /= 100.0
            j += 2
        elif j < n and lower[j] in ("bp", "bps"):
            value /= 100.0
            j += 1
        if token == "one" and j == i + 1:
            i += 1  # "one" alone is a pronoun more often than a number
            continue
        keys[i] = _key_of_value(value)
        for k in range(i, j):
            used[k] = True
        i = j
    return keys, used


@dataclass(frozen=True)
class Reading:
    """What the matcher reads in one sentence."""

    text: str
    tokens: tuple[str, ...]  # every word, lower-cased, numbers as their keys, in order
    content: tuple[str, ...]  # content keys (synonym group or stem) and number keys, in order
    surfaces: tuple[str, ...]  # the original word each content key was read from (a number: its first word)
    keys: frozenset[str]  # content keys, without numbers
    stems: frozenset[str]  # plain stems of the content words
    forms: frozenset[str]  # the content words as written, lower-cased
    numbers: frozenset[str]
    names: tuple[frozenset[str], ...]  # each run of capitalised words, titles left out
    vocabulary: frozenset[str]  # every word, lower-cased (and stemmed), for finding a name
    months: frozenset[int]
    weekdays: frozenset[int]
    quoted: frozenset[str]  # content keys inside quotation marks
    bigrams: frozenset[tuple[str, str]]
    weight: dict[str, float]  # rarity of each content key
    grams: tuple[Counter[tuple[str, ...]], ...]  # token 1- to 4-grams
    chars: Counter[str]  # character 4-grams of the lower-cased text
    negated: bool  # "not", "no", "never", "n't"


def _is_name(surface: str, lower: str, first: bool) -> bool:
    if not surface[:1].isupper() or not surface.isalpha() or len(surface) < 2:
        return False
    if lower in STOP_WORDS or lower in TITLES or lower in _MONTHS or lower in _WEEKDAYS:
        return False
    # The first word of a sentence is capitalised anyway: a name only if it is a rare word.
    return not first or zipf_frequency(lower, "en") < 4.0


# A story's sentences are read again while it is summarised; stories come one after another, so a
# few thousand readings suffice (each holds its n-gram counts: 50,000 of them took a gigabyte).
@lru_cache(maxsize=4096)
def read(text: str) -> Reading:
    """Read a sentence for matching (cached: a story's sentences are read once)."""
    surfaces = _TOKEN.findall(text)
    lower = [s.lower() for s in surfaces]
    number_keys, in_number = _read_numbers(lower)
    synonyms = _synonym_key()
    tokens: list[str] = []
    content: list[str] = []
    content_surfaces: list[str] = []
    keys: set[str] = set()
    stems: set[str] = set()
    forms: set[str] = set()
    numbers: set[str] = set()
    quoted: set[str] = set()
    names: list[frozenset[str]] = []
    run: list[str] = []
    months: set[int] = set()
    weekdays: set[int] = set()
    weight: dict[str, float] = {}
    inside_quote = False
    first = True
    for index, (surface, word) in enumerate(zip(surfaces, lower, strict=True)):
        if surface in _QUOTE_MARKS:
            inside_quote = surface == "“" or (surface == '"' and not inside_quote)
            first = True
            if run:
                names.append(frozenset(run))
                run = []
            continue
        if number_keys[index] is not None:
            key = number_keys[index]
            assert key is not None
            tokens.append(key)
            content.append(key)
            content_surfaces.append(surface)
            numbers.add(key)
        if in_number[index]:
            first = False
            if run:
                names.append(frozenset(run))
                run = []
            continue
        if _is_name(surface, word, first):
            if not (word in TITLES and not run):
                run.append(word)
        elif run and word not in TITLES:
            names.append(frozenset(run))
            run = []
        first = False
        if word in _MONTHS and (word != "may" or surface == "May") and len(word) > 2:
            months.add(_MONTHS[word])
        if word in _WEEKDAYS:
            weekdays.add(_WEEKDAYS[word])
        tokens.append(word)
        if word in STOP_WORDS or len(word) < 2 or word in ("%", "$", "€", "£"):
            continue
        plain = stem(word)
        key = synonyms.get(plain, plain)
        content.append(key)
        content_surfaces.append(surface)
        keys.add(key)
        stems.add(plain)
        forms.add(word)
        weight[key] = max(weight.get(key, 0.0), _rarity(word))
        if inside_quote:
            quoted.add(key)
    if run:
        names.append(frozenset(run))
    for key in numbers:
        weight[key] = 6.0
    vocabulary = frozenset(lower) | stems
    folded = " ".join(text.lower().split())
    return Reading(
        text=text,
        tokens=tuple(tokens),
        content=tuple(content),
        surfaces=tuple(content_surfaces),
        keys=frozenset(keys),
        stems=frozenset(stems),
        forms=frozenset(forms),
        numbers=frozenset(numbers),
        names=tuple(names),
        vocabulary=vocabulary,
        months=frozenset(months),
        weekdays=frozenset(weekdays),
        quoted=frozenset(quoted),
        bigrams=frozenset(pairwise(content)),
        weight=weight,
        grams=tuple(Counter(zip(*(tokens[k:] for k in range(n)), strict=False)) for n in range(1, 5)),
        chars=Counter(folded[k : k + 4] for k in range(len(folded) - 3)),
        negated=any(w in _NEGATIONS or w.endswith(("n't", "n’t")) for w in lower),
    )


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token sequences.

    Bit-parallel (Hyyrö 2004): one bit per token of ``a``, one pass of big-integer arithmetic per
    token of ``b``; the bits left at 0 count the subsequence.
    """
    if not a or not b:
        return 0
    where: dict[str, int] = {}
    for i, x in enumerate(a):
        where[x] = where.get(x, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for y in b:
        u = v & where.get(y, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


FEATURES = (
    "key_ab",
    "key_ba",
    "stem_ab",
    "stem_ba",
    "form_jaccard",
    "rare_ab",
    "rare_ba",
    "rare_left_a",
    "rare_left_b",
    "bigram_ab",
    "bigram_ba",
    "lcs_min",
    "lcs_max",
    "token_lcs",
    "length_ratio",
    "numbers_shared",
    "numbers_conflict",
    "numbers_left",
    "names_shared",
    "names_conflict",
    "names_left",
    "date_conflict",
    "quote_shared",
    "key_min_sq",
    "gram1_ab",
    "gram1_ba",
    "gram2_ab",
    "gram2_ba",
    "gram3_ab",
    "gram3_ba",
    "gram4_ab",
    "gram4_ba",
    "chars_ab",
    "chars_ba",
    "keys_left_a",
    "keys_left_b",
    "log_length_a",
    "log_length_b",
    "length_gap",
    "negation_differs",
)


def _overlaps(ra: Reading, rb: Reading) -> list[float]:
    """Clipped n-gram precision each way (BLEU's, per order), for token 1- to 4-grams and character 4-grams."""
    out: list[float] = []
    pairs: list[tuple[Counter[tuple[str, ...]] | Counter[str], Counter[tuple[str, ...]] | Counter[str]]] = [
        *zip(ra.grams, rb.grams, strict=True),
        (ra.chars, rb.chars),
    ]
    for ga, gb in pairs:
        # The clipped count of what both hold: the smaller count of each shared n-gram (Counter's "&",
        # without building the Counter: the keys' intersection is made in C, and is small).
        common = sum(min(ga[key], gb[key]) for key in ga.keys() & gb.keys())  # type: ignore[index,misc]
        out += [_share(common, ga.total()), _share(common, gb.total())]
    return out


def _names_left(names: Sequence[frozenset[str]], other: Reading) -> int:
    return sum(1 for run in names if not any(w in other.vocabulary or stem(w) in other.vocabulary for w in run))


def features(a: str | Reading, b: str | Reading) -> np.ndarray:
    """The matcher's features for "does ``b`` state ``a``", in the order of :data:`FEATURES`."""
    ra = a if isinstance(a, Reading) else read(a)
    rb = b if isinstance(b, Reading) else read(b)
    shared = ra.keys & rb.keys
    key_ab = _share(len(shared), len(ra.keys))
    key_ba = _share(len(shared), len(rb.keys))
    stem_shared = len(ra.stems & rb.stems)
    forms_union = len(ra.forms | rb.forms)
    weight_a = sum(ra.weight[k] for k in ra.keys) or 1.0
    weight_b = sum(rb.weight[k] for k in rb.keys) or 1.0
    shared_weight_a = sum(ra.weight[k] for k in shared)
    shared_weight_b = sum(rb.weight[k] for k in shared)
    lcs = _lcs(ra.content, rb.content)
    token_lcs = _lcs(ra.tokens, rb.tokens)
    shortest, longest = sorted((len(ra.content), len(rb.content)))
    numbers_shared = len(ra.numbers & rb.numbers)
    only_a, only_b = len(ra.numbers - rb.numbers), len(rb.numbers - ra.numbers)
    names_left_a, names_left_b = _names_left(ra.names, rb), _names_left(rb.names, ra)
    names_shared = len(ra.names) - names_left_a + len(rb.names) - names_left_b
    date_conflict = bool(ra.months and rb.months and not ra.months & rb.months) or bool(
        ra.weekdays and rb.weekdays and not ra.weekdays & rb.weekdays
    )
    quote_shared = len(ra.quoted & rb.quoted) / max(1, min(len(ra.quoted), len(rb.quoted)))
    if not ra.quoted or not rb.quoted:
        quote_shared = 0.0
    values = (
        key_ab,
        key_ba,
        _share(stem_shared, len(ra.stems)),
        _share(stem_shared, len(rb.stems)),
        _share(len(ra.forms & rb.forms), forms_union),
        shared_weight_a / weight_a,
        shared_weight_b / weight_b,
        math.log1p(weight_a - shared_weight_a),
        math.log1p(weight_b - shared_weight_b),
        _share(len(ra.bigrams & rb.bigrams), len(ra.bigrams)),
        _share(len(ra.bigrams & rb.bigrams), len(rb.bigrams)),
        _share(lcs, shortest),
        _share(lcs, longest),
        _share(token_lcs, max(len(ra.tokens), len(rb.tokens))),
        _share(shortest, longest),
        min(numbers_shared, 3),
        float(only_a > 0 and only_b > 0),
        min(only_a + only_b, 4),
        min(names_shared, 4),
        float(names_left_a > 0 and names_left_b > 0),
        min(names_left_a + names_left_b, 4),
        float(date_conflict),
        quote_shared,
        min(key_ab, key_ba) ** 2,
        *_overlaps(ra, rb),
        math.log1p(len(ra.keys - rb.keys)),
        math.log1p(len(rb.keys - ra.keys)),
        math.log1p(len(ra.tokens)),
        math.log1p(len(rb.tokens)),
        abs(len(ra.tokens) - len(rb.tokens)) / max(1, len(ra.tokens), len(rb.tokens)),
        float(ra.negated != rb.negated),
    )
    return np.asarray(values, dtype=np.float64)


@dataclass(frozen=True)
class Model:
    """Logistic regression over standardised features, and its thresholds."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # best F1 in cross-validation on the training pairs
    accurate: float  # best accuracy there
    strict: float  # lowest with precision >= 0.90 in cross-validation: for citations

    def scores(self, rows: np.ndarray) -> np.ndarray:
        z = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-z))
        return probabilities


def load_model(
    data: dict[str, object] | None = None, name: str = "claims_model.json", names: tuple[str, ...] = FEATURES
) -> Model:
    """A shipped model (or one from ``data``, the JSON's contents) over the features ``names``."""
    if data is None:
        data = json.loads(resources.files("digest").joinpath(f"data/{name}").read_text(encoding="utf-8"))
    assert data is not None
    if tuple(data["features"]) != names:  # type: ignore[arg-type]
        raise ValueError(f"{name} was fitted on other features: run the script in scripts/ that writes it")
    return Model(
        mean=np.asarray(data["mean"], dtype=np.float64),
        scale=np.asarray(data["scale"], dtype=np.float64),
        coef=np.asarray(data["coef"], dtype=np.float64),
        intercept=float(data["intercept"]),  # type: ignore[arg-type]
        threshold=float(data["threshold"]),  # type: ignore[arg-type]
        accurate=float(data["accurate"]),  # type: ignore[arg-type]
        strict=float(data["strict"]),  # type: ignore[arg-type]
    )


@cache
def model() -> Model:
    return load_model()


# "Does this article state that sentence?" asks for more than "do the two say the same": every
# figure and name of the sentence must be in the article's words, which may say more besides.
STATES_FEATURES = (*FEATURES, "numbers_missing", "numbers_all_found", "names_missing", "names_all_found")


def states_features(a: Reading, b: Reading) -> np.ndarray:
    """:data:`STATES_FEATURES` for "does ``b`` state ``a``": the matcher's, then what of ``a`` ``b`` lacks."""
    numbers_missing = len(a.numbers - b.numbers)
    names_missing = _names_left(a.names, b)
    directional = (
        min(numbers_missing, 3),
        float(bool(a.numbers) and not numbers_missing),
        min(names_missing, 3),
        float(bool(a.names) and not names_missing),
    )
    return np.concatenate([features(a, b), directional])


@cache
def states_model() -> Model:
    """Fitted by scripts/train_states.py on hand-labelled (sentence, article) pairs of news stories."""
    return load_model(name="states_model.json", names=STATES_FEATURES)


# A near miss: otherwise alike (this share of each one's content words in common), one fact differs.
_NEAR = 0.7
_NEAR_MISS_SCORE = 0.05


def _one_sided(ra: Reading, rb: Reading, key: str, opposite: str) -> bool:
    return key in ra.keys and opposite not in ra.keys and opposite in rb.keys and key not in rb.keys


def _unnamed(reading: Reading) -> frozenset[str]:
    named = {form for run in reading.names for word in run for form in (word, stem(word))}
    return reading.keys - named


def conflict(a: str | Reading, b: str | Reading) -> str | None:
    """What makes two alike sentences state different facts, or None: "number" (each has a figure the
    other lacks: 4.5% against 4.75%), "name" (each names someone or somewhere the other does not),
    "date" (other months or weekdays) or "direction" (raised against cut)."""
    ra = a if isinstance(a, Reading) else read(a)
    rb = b if isinstance(b, Reading) else read(b)
    # alike apart from the names: the names are what may differ
    keys_a, keys_b = _unnamed(ra), _unnamed(rb)
    shared = len(keys_a & keys_b)
    if shared < _NEAR * max(1, len(keys_a)) or shared < _NEAR * max(1, len(keys_b)):
        return None
    if ra.numbers - rb.numbers and rb.numbers - ra.numbers:
        return "number"
    if _names_left(ra.names, rb) and _names_left(rb.names, ra):
        return "name"
    if (ra.months and rb.months and not ra.months & rb.months) or (
        ra.weekdays and rb.weekdays and not ra.weekdays & rb.weekdays
    ):
        return "date"
    if _one_sided(ra, rb, "up", "down") or _one_sided(ra, rb, "down", "up"):
        return "direction"
    return None


def _scored(
    pairs: Sequence[tuple[Reading, Reading]], fitted: Model, features_of: Callable[[Reading, Reading], np.ndarray]
) -> np.ndarray:
    """``fitted``'s scores of ``pairs``; a near miss (:func:`conflict`) scores 0.05 at most."""
    scores = fitted.scores(np.vstack([features_of(a, b) for a, b in pairs]))
    near_misses = [k for k, (a, b) in enumerate(pairs) if conflict(a, b)]
    scores[near_misses] = np.minimum(scores[near_misses], _NEAR_MISS_SCORE)
    return scores


def _scores(pairs: Sequence[tuple[Reading, Reading]]) -> np.ndarray:
    return _scored(pairs, model(), features)


def claim_score(a: str, b: str) -> float:
    """How likely (0 to 1) sentence ``b`` states the claim of sentence ``a``.

    The regression's probability, except that a near miss (see :func:`conflict`) scores 0.05 at most:
    the training pairs count "770 deaths" and "767 deaths" as the same statement, a digest must not.
    """
    return float(_scores([(read(a), read(b))])[0])


def same_claim(a: str, b: str, strict: bool = False) -> bool:
    """Whether ``b`` states what ``a`` states: at the threshold with the best F1 on the training pairs, or
    with ``strict`` at the one that kept precision at 0.90 or more (for a citation, where a wrong one is
    worse than none)."""
    m = model()
    return claim_score(a, b) >= (m.strict if strict else m.threshold)


# A pair below both bounds cannot reach the threshold: its features are not computed.
_MIN_SHARED = 2
_MIN_RATIO = 0.25
_FEW_PAIRS = 64


def _key_matrix(readings: Sequence[Reading], vocabulary: dict[str, int], grow: bool) -> csr_matrix:
    indptr = [0]
    indices: list[int] = []
    for reading in readings:
        terms = reading.keys | reading.numbers
        if grow:
            indices.extend(vocabulary.setdefault(t, len(vocabulary)) for t in terms)
        else:
            indices.extend(vocabulary[t] for t in terms if t in vocabulary)
        indptr.append(len(indices))
    return csr_matrix(
        (np.ones(len(indices)), np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int32)),
        shape=(len(readings), len(vocabulary)),
    )


def claim_scores(texts: Sequence[str], units: Sequence[str]) -> np.ndarray:
    """Matrix of :func:`claim_score` (``texts[i]`` stated by ``units[j]``), for many pairs at once.

    Only pairs that share at least two content words or numbers, covering a quarter of the shorter
    sentence, are scored (a sparse product finds them); the others get 0. On the training pairs no
    pair below those bounds scores above the threshold.
    """
    return _pair_scores([read(t) for t in texts], [read(u) for u in units], _scores)


def _states_scores(pairs: Sequence[tuple[Reading, Reading]]) -> np.ndarray:
    return _scored(pairs, states_model(), states_features)


def states_pair_scores(pairs: Sequence[tuple[Reading, Reading]]) -> np.ndarray:
    """How likely (0 to 1) the second of each pair states all that the first states (no prefilter)."""
    return _states_scores(pairs) if pairs else np.zeros(0)


def states_scores(texts: Sequence[Reading], units: Sequence[Reading]) -> np.ndarray:
    """Matrix of how likely (0 to 1) ``units[j]`` (an article's sentence or two) states all that
    ``texts[i]`` states; :func:`states_model`'s ``threshold`` is where a citation is made.

    Only pairs where the unit has two of the text's content words or numbers, and a quarter of them,
    are scored; the others get 0. On the hand-labelled pairs this leaves 1,958 of their 27,566 units
    to score, and of the 111 articles the model cites there it loses one (a stating one).
    """
    return _pair_scores(texts, units, _states_scores, directional=True)


def _pair_scores(
    left: Sequence[Reading],
    right: Sequence[Reading],
    score: Callable[[Sequence[tuple[Reading, Reading]]], np.ndarray],
    directional: bool = False,
) -> np.ndarray:
    """``score`` of the pairs of ``left`` and ``right`` that share enough to be worth it; 0 elsewhere.
    Enough is a quarter of the shorter one's words, or with ``directional`` of the left one's."""
    out = np.zeros((len(left), len(right)))
    if not left or not right:
        return out
    if len(left) * len(right) <= _FEW_PAIRS:  # a few pairs: sets are quicker than building matrices
        rows_list: list[int] = []
        cols_list: list[int] = []
        for i, a in enumerate(left):
            for j, b in enumerate(right):
                count = len(a.keys & b.keys) + len(a.numbers & b.numbers)
                size = len(a.keys) + len(a.numbers)
                if not directional:
                    size = min(size, len(b.keys) + len(b.numbers))
                if count >= _MIN_SHARED and count >= _MIN_RATIO * size:
                    rows_list.append(i)
                    cols_list.append(j)
        if rows_list:
            out[rows_list, cols_list] = score([(left[i], right[j]) for i, j in zip(rows_list, cols_list, strict=True)])
        return out
    vocabulary: dict[str, int] = {}
    a = _key_matrix(left, vocabulary, grow=True)
    b = _key_matrix(right, vocabulary, grow=False)
    shared = (a @ b.T).tocoo()
    size_a = np.array([len(r.keys) + len(r.numbers) for r in left])
    size_b = np.array([len(r.keys) + len(r.numbers) for r in right])
    smaller = size_a[shared.row] if directional else np.minimum(size_a[shared.row], size_b[shared.col])
    keep = (shared.data >= _MIN_SHARED) & (shared.data >= _MIN_RATIO * smaller)
    rows, cols = shared.row[keep], shared.col[keep]
    if len(rows):
        out[rows, cols] = score([(left[i], right[j]) for i, j in zip(rows.tolist(), cols.tolist(), strict=True)])
    return out


@dataclass(frozen=True)
class Evidence:
    """Where an article states a sentence: its sentence(s) by index, and the words that state it."""

    sentences: tuple[int, ...]  # one index, or two adjacent ones
    text: str
    words: tuple[str, ...]  # the article's words (as written) that state the sentence's content words
    score: float


def _stating_words(sentence: Reading, unit: Reading) -> tuple[str, ...]:
    wanted = sentence.keys | sentence.numbers
    seen: set[str] = set()
    found: list[str] = []
    for key, surface in zip(unit.content, unit.surfaces, strict=True):
        if key in wanted and key not in seen:
            seen.add(key)
            found.append(surface)
    return tuple(found)


def stating_marks(sentence: str, unit: str) -> list[tuple[str, bool]]:
    """``unit`` cut into pieces, each marked True where its words state a content word or figure of
    ``sentence`` as the matcher reads them (a synonym, another form of the word, a figure written in
    other words: "a quarter of a percentage point" for "25 basis points"); joined, the pieces are ``unit``.
    """
    wanted = read(sentence)
    tokens = list(_TOKEN.finditer(unit))
    lower = [t.group().lower() for t in tokens]
    number_keys, in_number = _read_numbers(lower)
    synonyms = _synonym_key()
    spans: list[tuple[int, int]] = []
    for index, (token, word) in enumerate(zip(tokens, lower, strict=True)):
        key = number_keys[index]
        if key is not None:
            if key not in wanted.numbers:
                continue
            last = index
            while last + 1 < len(tokens) and in_number[last + 1] and number_keys[last + 1] is None:
                last += 1
            spans.append((token.start(), tokens[last].end()))
        elif not in_number[index] and word not in STOP_WORDS and len(word) > 1:
            plain = stem(word)
            if synonyms.get(plain, plain) in wanted.keys:
                spans.append((token.start(), token.end()))
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in spans:
        if pieces and pieces[-1][1] and start >= at and not unit[at:start].strip():
            pieces[-1] = (pieces[-1][0] + unit[at:end], True)  # neighbouring marked words: one mark
        else:
            if start > at:
                pieces.append((unit[at:start], False))
            pieces.append((unit[start:end], True))
        at = max(at, end)
    if at < len(unit):
        pieces.append((unit[at:], False))
    return pieces


def stated_by(sentence: str, article_sentences: Sequence[str], strict: bool = False) -> Evidence | None:
    """The article sentence, or pair of adjacent sentences, that best states ``sentence``, or None.

    A pair counts because outlets split the same words into sentences differently.
    """
    found = stated_by_many([sentence], article_sentences, strict)
    return found[0]


def stated_by_many(
    sentences: Sequence[str], article_sentences: Sequence[str], strict: bool = False
) -> list[Evidence | None]:
    """:func:`stated_by` for each of ``sentences``, with one batched comparison."""
    spans = [(i,) for i in range(len(article_sentences))] + [(i, i + 1) for i in range(len(article_sentences) - 1)]
    units = [" ".join(article_sentences[k] for k in span) for span in spans]
    scores = claim_scores(sentences, units)
    bar = model().strict if strict else model().threshold
    found: list[Evidence | None] = []
    for i, row in enumerate(scores):
        if not len(row) or row.max() < bar:
            found.append(None)
            continue
        # the best single sentence beats a pair unless the pair is clearly better
        best = int(np.argmax(row))
        singles = row[: len(article_sentences)]
        if best >= len(article_sentences) and singles.max() >= bar and singles.max() >= row[best] - 0.05:
            best = int(np.argmax(singles))
        unit = units[best]
        found.append(Evidence(spans[best], unit, _stating_words(read(sentences[i]), read(unit)), float(row[best])))
    return found
