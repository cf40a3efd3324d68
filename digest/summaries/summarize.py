"""Extractive, cited story summaries.

Ranking: continuous LexRank centrality (PageRank over idf-weighted cosine similarities of all the
story's sentences), the sentence's position in its article, and how many articles of the story
state it. Selection: maximal marginal relevance, so no two chosen sentences say the same thing, up
to a word budget; then reading order, lead first. Sentences a reader cannot use — questions, bare
quotes with no speaker, headlines and list items, fragments — are not candidates; a sentence that
starts with a pronoun or a conjunction ("He said…", "But…") is one only right after the sentence
it follows in its article. Every chosen sentence cites each article of the story that states the
same fact, even in other words (shared content words, or the same quotation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, pairwise

import numpy as np
from scipy.sparse import csr_matrix, vstack

from ..models import Article, SummarySentence
from ..text.clean import without_dateline
from ..text.counting import count_matrix
from ..text.segment import content_terms, words

_ATTRIBUTION = re.compile(
    r"\b(said|says|say|told|tells|according|added|adds|stated|wrote|writes|asked|announced|"
    r"explained|noted|insisted|insists|warned|warns|claimed|claims|reported|reportedly|quoted|continued|"
    r"argued|argues|admitted|admits|believes|believed|thinks|thought|commented|suggested|suggests|replied|"
    r"acknowledged|conceded|predicted|predicts|urged|urges|concluded|recalled|recalls|described|describes)\b",
    re.I,
)
_CONTEXT_START = re.compile(
    r"^(he|she|they|it|this|these|those|that|his|her|their|its|him|them|and|but|or|so|yet|also|"
    r"still|then|there|here|such|both|which|who|meanwhile)\b",
    re.I,
)
# "There were 20 arrests": "there" that points at nothing before it.
_EXISTENTIAL = re.compile(r"^there\s+(is|are|was|were|has|have|had|will|would|could|may|might|must|should)\b", re.I)
# "Various sources and news outlets are reporting on …": a sentence about the coverage, not the news.
_ABOUT_COVERAGE = re.compile(
    r"^(?:various|several|many|some|multiple|numerous)? ?(?:news |media )?(?:sources|outlets|media|reports)"
    r"(?: and (?:news |media )?(?:outlets|sources|media|reports))? (?:are|were|have been|have) "
    r"(?:reporting|reported|saying|suggesting|claiming)\b",
    re.I,
)
# A newsletter's or a web page's footer, not news: "You are receiving this email because …".
_FOOTER = re.compile(
    r"^(?:you(?: are|'re|’re) receiving this|to unsubscribe|unsubscribe\b|if you no longer wish|"
    r"(?:manage|update|change) (?:your )?(?:e-?mail |subscription )?preferences|"
    r"view (?:this e-?mail )?in (?:your|a) browser|"
    r"forward (?:this (?:e-?mail|newsletter) )?to a friend|this (?:e-?mail|newsletter) was sent to|"
    r"(?:sign up|subscribe) (?:here|now|to (?:our|this|the) newsletter)|copyright ©|© \d{4})",
    re.I,
)
# Words by which an outlet judges rather than reports ("a baffling penalty decision", "robbed"): a
# sentence using one in its own voice, not quoting or reporting someone, is that outlet's slant.
_SLANTED = re.compile(
    r"\b(?:baffling|bizarre|shocking|shameful|disgraceful|disgrace|outrageous|scandalous|appalling|atrocious|"
    r"absurd|ludicrous|farcical|pathetic|disgusting|despicable|heartbreaking|heartbreak|robbed|travesty|fiasco|"
    r"debacle|shambles|saddest|cruelly|magnificent|sensational|glorious|incompetent|hapless|woeful|inexplicable|"
    r"so-called|shameless|dastardly|heroic|jubilant|mercifully|sadly|tragically|thankfully)\b",
    re.I,
)
_FINAL = re.compile(r"[.!…][\"'”’)\]]*$")
# A quotation does not hold another opening mark: a run of "“" is not scanned again from each one.
_QUOTED = re.compile(r"[“\"]([^“”\"]{8,})[”\"]")


WEIGHTS = (0.65, 0.15, 0.20)


@dataclass(frozen=True)
class Candidate:
    article: int  # index in the story's article list
    index: int  # sentence index in the article
    text: str
    after: int | None = None  # for a sentence that needs the one before it: that one's candidate number


def _flaw(sentence: str) -> str | None:
    """Why a sentence cannot stand in a summary alone, or None when it can."""
    count = len(sentence.split())
    if count < 6 or count > 70:
        return "length"
    if sentence.rstrip("”’\"' ").endswith("?"):
        return "question"
    if not _FINAL.search(sentence):  # a headline, subheading, list item or caption
        return "headline"
    if not sentence[:1].isupper() and sentence[:1] not in "“\"‘'":
        return "fragment"
    if sentence[:1] in "“\"‘'":
        # A quotation is usable only with its speaker ("…,” the minister said).
        closing = max(sentence.rfind("”"), sentence.rfind('"'))
        after = sentence[closing + 1 :] if closing > 0 else ""
        if not _ATTRIBUTION.search(after):
            return "quote"
    if _CONTEXT_START.match(sentence) and not _EXISTENTIAL.match(sentence):
        return "context"
    if _ABOUT_COVERAGE.match(sentence):
        return "coverage"
    if _FOOTER.match(sentence):
        return "footer"
    if _SLANTED.search(_QUOTED.sub(" ", sentence)) and not _ATTRIBUTION.search(sentence):
        return "slant"
    return None


def usable(sentence: str) -> bool:
    """Whether a sentence can stand in a summary without its neighbours."""
    return _flaw(sentence) is None


def continues(sentence: str) -> bool:
    """Whether a sentence is usable right after the sentence before it (it starts with "He", "But", …)."""
    return _flaw(sentence) == "context"


def _term_sets(docs: Iterable[Iterable[str]], vocabulary: dict[str, int], grow: bool = True) -> csr_matrix:
    """Documents-by-terms 0/1 matrix with ``vocabulary``'s columns, as wide as it is afterwards.

    With ``grow``, terms not yet in ``vocabulary`` are added to it; without, they are left out.
    """
    indptr = [0]
    indices: list[int] = []
    for doc in docs:
        if grow:
            indices.extend({vocabulary.setdefault(t, len(vocabulary)) for t in doc})
        else:
            indices.extend({vocabulary[t] for t in doc if t in vocabulary})
        indptr.append(len(indices))
    return csr_matrix(
        (np.ones(len(indices)), np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int32)),
        shape=(len(indptr) - 1, len(vocabulary)),
    )


def _term_counts(sentence_terms: Sequence[Sequence[str]]) -> csr_matrix | None:
    """Sentence-by-term counts, or None when there is no sentence or no term at all."""
    if not sentence_terms:
        return None
    counts, terms = count_matrix(sentence_terms, sort=True)
    return counts if terms else None


def _scale_columns(matrix: csr_matrix, weights: np.ndarray) -> csr_matrix:
    """``matrix @ diags(weights)``, by scaling the stored values."""
    scaled = matrix.copy()
    scaled.data = scaled.data * weights[scaled.indices]
    return scaled


def _l2_rows(matrix: csr_matrix) -> csr_matrix:
    """Each row scaled to unit length, in place, with sklearn.preprocessing.normalize's arithmetic (each
    row's squares summed in order, then each value divided by the root) but without loading scikit-learn.

    A row of zeros stays as it is.
    """
    squares = csr_matrix((matrix.data * matrix.data, matrix.indices, matrix.indptr), shape=matrix.shape)
    norms = np.sqrt(squares @ np.ones(matrix.shape[1]))  # scipy's product sums each row in order
    norms[norms == 0.0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr))
    return matrix


def _centrality(counts: csr_matrix, damping: float = 0.85) -> np.ndarray:
    """Continuous LexRank of the sentences whose term counts are the rows of ``counts``: PageRank
    over their idf-weighted cosine similarities.

    Unlike sumy's thresholded LexRank, every similarity counts with its strength, so a sentence
    that shares a little with many others still gains; the idf (over the sentences) keeps words
    that every sentence uses from making everything alike. Self-similarity does not count.
    """
    n = counts.shape[0]
    if n == 0:
        return np.zeros(0)
    if counts.nnz == 0:
        return np.full(n, 1.0 / n)
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    with np.errstate(divide="ignore"):  # terms no row has weigh nothing: no stored value uses them
        idf = np.log(n / df) + 1.0
    weighted = _l2_rows(_scale_columns(counts, idf))
    similar = (weighted @ weighted.T).toarray()
    np.fill_diagonal(similar, 0.0)
    degree = similar.sum(axis=1)
    # A sentence that shares nothing with the others links to all of them evenly.
    transition = np.where(degree[:, None] > 0, similar / np.where(degree > 0, degree, 1.0)[:, None], 1.0 / n)
    rank = np.full(n, 1.0 / n)
    for _ in range(200):
        following = (1.0 - damping) / n + damping * (transition.T @ rank)
        done = np.abs(following - rank).sum() < 1e-9
        rank = following
        if done:
            break
    return rank


def quoted_terms(text: str) -> set[str]:
    """Content words inside quotation marks: the same quotation is the surest sign of the same claim."""
    if '"' not in text and "“" not in text:
        return set()
    return {t for quote in _QUOTED.findall(text) for t in content_terms(quote)}


def _quote_matches(text_quotes: Sequence[set[str]], unit_quotes: Sequence[set[str]], match: np.ndarray) -> None:
    """Set ``match[i, j]`` where both quote four content words or more, mostly the same ones."""
    rows = [i for i, quoted in enumerate(text_quotes) if len(quoted) >= 4]
    cols = [j for j, quoted in enumerate(unit_quotes) if len(quoted) >= 4]
    if not rows or not cols:
        return
    vocabulary: dict[str, int] = {}
    left = _term_sets((text_quotes[i] for i in rows), vocabulary)
    right = _term_sets((unit_quotes[j] for j in cols), vocabulary, grow=False)
    overlap = (left @ right.T).toarray()
    left_size = np.array([len(text_quotes[i]) for i in rows])
    right_size = np.array([len(unit_quotes[j]) for j in cols])
    match[np.ix_(rows, cols)] |= overlap >= 0.8 * np.minimum(left_size[:, None], right_size[None, :])


def _claims(
    texts: csr_matrix,
    text_quotes: Sequence[set[str]],
    units: csr_matrix,
    unit_quotes: Sequence[set[str]],
    min_shared: int,
    min_ratio: float,
) -> np.ndarray:
    """:func:`same_claim` on 0/1 content-word matrices (same columns) and quoted words.

    Only the pairs that share a word are looked at (the sparse product's entries): a story of long
    articles has tens of thousands of units, and dense float matrices of every pair took gigabytes."""
    shared = (texts @ units.T).tocoo()
    smaller = np.minimum(np.diff(texts.indptr)[shared.row], np.diff(units.indptr)[shared.col])
    keep = (shared.data >= min_shared) & (shared.data >= min_ratio * smaller) & (smaller > 0)
    match = np.zeros((texts.shape[0], units.shape[0]), dtype=bool)
    match[shared.row[keep], shared.col[keep]] = True
    _quote_matches(text_quotes, unit_quotes, match)
    return match


def same_claim(texts: Sequence[str], units: Sequence[str], min_shared: int = 4, min_ratio: float = 0.6) -> np.ndarray:
    """Boolean matrix: does ``units[j]`` state what ``texts[i]`` states?

    Yes when the two share at least ``min_shared`` content words covering ``min_ratio`` of the
    shorter one, or when both quote the same words (four content words or more).
    """
    vocabulary: dict[str, int] = {}
    unit_matrix = _term_sets((content_terms(u) for u in units), vocabulary)
    text_matrix = _term_sets((content_terms(t) for t in texts), vocabulary, grow=False)
    quotes = [quoted_terms(t) for t in texts], [quoted_terms(u) for u in units]
    return _claims(text_matrix, quotes[0], unit_matrix, quotes[1], min_shared, min_ratio)


def sentence_terms(article: Article) -> Sequence[Sequence[str]]:
    """The content words of each sentence of ``article``: stored at ingestion, else computed."""
    if article.terms is not None:
        return article.terms
    return [content_terms(s) for s in article.sentences]


class _Story:
    """The sentences of a story's articles: their content-word counts (one row per sentence, in
    article order) and their quoted words, made once and shared by every step of a summary."""

    def __init__(self, articles: Sequence[Article]) -> None:
        counts, _ = count_matrix(terms for article in articles for terms in sentence_terms(article))
        self.first_row = [0, *accumulate(len(a.sentences) for a in articles)][:-1]  # each article's first sentence
        self.counts = counts
        self.sets = _sets(counts)
        self.articles = articles
        self.quotes = [quoted_terms(s) for article in articles for s in article.sentences]
        # what is compared for repeats and citations is what the summary says
        self.texts = [s for article in articles for s in shown_sentences(article)]

    def article_of(self, row: int) -> int:
        return int(np.searchsorted(self.first_row, row, side="right")) - 1

    def rows(self, candidates: Sequence[Candidate]) -> np.ndarray:
        return np.array([self.first_row[c.article] + c.index for c in candidates], dtype=np.int64)


def shown_sentences(article: Article) -> tuple[str, ...]:
    """The article's sentences as a reader is shown them, in a summary or a citation note: the
    first without the wire dateline that opens it."""
    if not article.sentences:
        return ()
    return (without_dateline(article.sentences[0]), *article.sentences[1:])


def _sets(counts: csr_matrix) -> csr_matrix:
    """0/1 version of a count matrix: which words a row has."""
    binary = counts.copy()
    binary.data[:] = 1.0
    return binary


class _Units:
    """What a story's articles say, unit by unit: each sentence, and each pair of adjacent sentences
    (outlets split the same words into sentences differently), with the article each belongs to."""

    def __init__(self, story: _Story) -> None:
        sentences = story.sets
        owner: list[int] = []
        firsts: list[int] = []  # each pair of adjacent sentences, by the row of its first sentence
        pairs: list[str] = []
        for number, article in enumerate(story.articles):
            start = story.first_row[number]
            count = len(article.sentences)
            firsts.extend(range(start, start + count - 1))
            owner.extend([number] * count)
            pairs.extend(f"{a} {b}" for a, b in pairwise(story.texts[start : start + count]))
        self.texts = story.texts + pairs
        # The words of "a b" are those of a and those of b: no word spans the space.
        first = np.asarray(firsts, dtype=np.int32)
        self.pair_first = first  # each pair's first sentence, by its row
        joined = csr_matrix(
            (np.ones(2 * len(first)), np.column_stack([first, first + 1]).ravel(), np.arange(0, 2 * len(first) + 1, 2)),
            shape=(len(first), sentences.shape[0]),
        )
        joined_sets = joined @ sentences
        joined_sets.data[:] = 1.0
        self.sets = csr_matrix(vstack([sentences, joined_sets], format="csr"))
        owner.extend(owner[row] for row in firsts)
        self.owner = np.asarray(owner)
        # A quotation may open in one sentence and close in the next.
        self.quotes = story.quotes + [quoted_terms(pair) for pair in pairs]


def _support(story: _Story, units: _Units, rows: np.ndarray) -> list[set[int]]:
    """For the sentences at ``rows`` of ``story``, the indexes of the articles that share enough of
    their words to count as stating each: a cheap estimate of support, for ranking many candidates."""
    chosen_quotes = [story.quotes[row] for row in rows]
    # Looser than the redundancy test: another outlet's wording of a fact shares fewer words.
    match = _claims(story.sets[rows], chosen_quotes, units.sets, units.quotes, 3, 0.4)
    return [set(units.owner[np.flatnonzero(row)].tolist()) for row in match]


# Of each article, the units sharing the most words with a sentence are scored for citing it, at most this many.
_UNITS_PER_ARTICLE = 3


def _stating_units(story: _Story, units: _Units, rows: np.ndarray, narrow: bool = False) -> list[dict[int, int]]:
    """For the sentences at ``rows`` of ``story``, each other article that states it, with the unit
    (sentence or pair of adjacent sentences, a column of ``units``) that states it: claims.py's
    citation model, all the sentence says, figures and names included.

    A unit that holds the very sentence states it. Otherwise an article's units closest to the sentence
    are scored, closest first, until one states it; a unit that has fewer than a quarter
    of the sentence's words is not scored (as :func:`claims.states_scores`). With ``narrow``, a pair found
    to state it gives way to one of its two sentences that states it as surely alone, or that states it
    beside a near miss (to show a reader the words that state it)."""
    from .claims import conflict, read, states_model, states_pair_scores

    sets = story.sets[rows]
    near = _claims(sets, [story.quotes[row] for row in rows], units.sets, units.quotes, 2, 0.25)
    shared = (sets @ units.sets.T).toarray()
    size = np.maximum(np.diff(sets.indptr), 1)
    # units ranked by the cosine of their 0/1 word vectors with the sentence's: a pair of sentences
    # shares more words than either of its two, but not more for its length
    closeness = shared / np.sqrt(np.maximum(np.diff(units.sets.indptr), 1))[None, :]
    bar = states_model().threshold
    single = story.sets.shape[0]  # the columns of pairs of sentences start here
    stating: list[dict[int, int]] = []
    value_of: dict[tuple[int, int], float] = {}  # a stating unit's score, by sentence and article
    ranked: list[tuple[int, int, list[int]]] = []  # sentence, article, its units to score in turn
    for k, row in enumerate(rows):
        eligible = near[k] & (shared[k] >= 0.25 * size[k]) & (units.owner != units.owner[row])
        stating.append({})
        text = story.texts[row]
        for j in np.flatnonzero(eligible & (shared[k] >= size[k])).tolist():
            if text in units.texts[j]:
                stating[k].setdefault(int(units.owner[j]), j)
        for article in set(units.owner[eligible].tolist()) - set(stating[k]):
            found = np.flatnonzero(eligible & (units.owner == article))
            closest = found[np.argsort(-closeness[k, found], kind="stable")[:_UNITS_PER_ARTICLE]].tolist()
            ranked.append((k, int(article), closest))
    for depth in range(_UNITS_PER_ARTICLE):
        batch = [(k, a, found[depth]) for k, a, found in ranked if depth < len(found) and a not in stating[k]]
        scores = states_pair_scores([(read(story.texts[rows[k]]), read(units.texts[j])) for k, _, j in batch])
        for (k, article, j), value in zip(batch, scores, strict=True):
            if value >= bar:
                stating[k][article] = j
                value_of[k, article] = float(value)
    for k, chosen in enumerate(stating):
        # A quotation is an outlet's own words: an article that does not carry (most of) them, in or
        # out of quotation marks, reports the speaker in other words and is no source for the quote.
        quoted = story.quotes[rows[k]]
        if len(quoted) >= 2:
            for article, j in list(chosen.items()):
                if len(quoted & term_set(units.texts[j])) < _QUOTE_KEPT * len(quoted):
                    del chosen[article]
    for k, chosen in enumerate(stating) if narrow else ():
        for article, j in chosen.items():
            if j >= single:
                first = int(units.pair_first[j - single])
                sentence = read(story.texts[rows[k]])
                scores = states_pair_scores([(sentence, read(units.texts[first + d])) for d in (0, 1)])
                best = int(np.argmax(scores))
                near_miss = conflict(sentence, read(units.texts[first + 1 - best])) is not None
                if scores[best] >= bar and (near_miss or scores[best] >= value_of.get((k, article), 1.0)):
                    chosen[article] = first + best
    return stating


# Of a quotation's content words, this share must be in an article for it to be cited for the quote.
_QUOTE_KEPT = 0.75


@lru_cache(maxsize=50_000)
def term_set(text: str) -> frozenset[str]:
    """A text's content words (remembered: an article's sentences are asked for again and again)."""
    return frozenset(content_terms(text))


def _evidence(story: _Story, units: _Units, rows: np.ndarray) -> list[dict[int, str]]:
    """For the sentences at ``rows`` of ``story``, each other article that states it (by its index),
    with the words that state it: the very sentence where the article has it, else the sentence or
    pair of adjacent sentences the citation found, narrowed (see :func:`_stating_units`)."""
    found = _stating_units(story, units, rows, narrow=True)
    evidence: list[dict[int, str]] = []
    for row, stating in zip(rows.tolist(), found, strict=True):
        text = story.texts[row]
        evidence.append({})
        for article, unit in sorted(stating.items()):
            start = story.first_row[article]
            own = story.texts[start : start + len(story.articles[article].sentences)]
            evidence[-1][article] = text if text in own else units.texts[unit]
    return evidence


def stating_units(texts: Sequence[str], article: Article) -> list[str | None]:
    """For each of ``texts`` (sentences of other articles), the sentence or pair of adjacent sentences
    of ``article`` that states it as the summaries' citations judge it, or None if none does."""
    probe = Article("", "", None, None, None, None, tuple(texts), tuple(texts))
    story = _Story([probe, article])
    units = _Units(story)
    found = _stating_units(story, units, np.arange(len(texts)), narrow=True)
    return [units.texts[cited[1]] if 1 in cited else None for cited in found]


# Where a sentence's clauses part: punctuation, and the words that join a second event to a first.
_CLAUSE_BREAK = re.compile(  # white space bounded: a run of it must not be tried from every position
    r"\s{0,3}[,;:()]\s{0,3}|\s{1,3}[-–—]\s{1,3}|\s{1,3}(?=(?:as|after|before|while|but|when|because|since|and)\s)",
    re.I,
)
# A clause with fewer content words than this is a fragment ("officials said"): joined to the one before;
# finer, for comparing outlets, down to three ("killing three people").
_CLAUSE_WORDS = 4
_FINE_CLAUSE_WORDS = 3


def clauses(sentence: str, fine: bool = False) -> list[str]:
    """The parts of a sentence that each state one thing ("X scored a late penalty" / "as Rovers
    beat Athletic 2-1" / "ending a 17-year wait"). ``fine`` parts are smaller, and a short part that
    only says who said it ("investigators said on Friday") states nothing of the story: left out."""
    least = _FINE_CLAUSE_WORDS if fine else _CLAUSE_WORDS
    parts: list[str] = []
    for piece in _CLAUSE_BREAK.split(sentence):
        if not piece.strip():
            continue
        size = len(content_terms(piece))
        if fine and parts and size <= least and _ATTRIBUTION.search(piece):
            continue
        if parts and size < least:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    if len(parts) > 1 and len(content_terms(parts[0])) < least:
        parts[:2] = [f"{parts[0]} {parts[1]}"]
    return parts


def _repeats(story: _Story, chosen_rows: Sequence[int], row: int) -> bool:
    """Whether the chosen sentences already say something the sentence at ``row`` says, in any
    words: both state the same claim (claims.py's matcher, either way round), a chosen sentence
    states one of its clauses ("… as Rovers beat Athletic 2-1" after "Rovers won the cup, beating
    Athletic 2-1"), or, for a chosen sentence of another outlet, either states one of the other's
    finer clauses ("…, killing three people" after "Three people were killed and eleven injured when
    …"). A sentence that would tell a reader a fact again is left out, even with news of its own
    beside it. (One article does not tell its own facts twice in other words often enough for the
    finer test to pay: on BBC articles it costs ROUGE.)"""
    from .claims import claim_scores, model, read, states_model, states_scores

    texts = [story.texts[r] for r in chosen_rows]
    candidate = story.texts[row]
    if claim_scores([candidate], texts)[0].max() >= model().threshold:
        return True
    if claim_scores(texts, [candidate])[:, 0].max() >= model().threshold:
        return True
    bar = states_model().threshold
    if states_scores([read(part) for part in clauses(candidate)], [read(t) for t in texts]).max() >= bar:
        return True
    article = story.article_of(row)
    others = [read(t) for r, t in zip(chosen_rows, texts, strict=True) if story.article_of(r) != article]
    if not others:
        return False
    if states_scores([read(part) for part in clauses(candidate, fine=True)], others).max() >= bar:
        return True
    parts = [read(part) for other in others for part in clauses(other.text, fine=True)]
    return bool(states_scores(parts, [read(candidate)]).max() >= bar)


def _tfidf(counts: csr_matrix) -> csr_matrix:
    """L2-normalised TF-IDF rows as scikit-learn's TfidfVectorizer makes them by default (smooth idf)."""
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
    idf = np.log((counts.shape[0] + 1.0) / (df + 1.0)) + 1.0
    return _l2_rows(_scale_columns(counts, idf))


# Below this TF-IDF similarity two sentences share too little to state the same claim: not compared.
_MAYBE_SAME = 0.1

# At most this many sentences of a story are ranked (the pairwise matrices grow with its square).
MAX_CANDIDATES = 1500


def _candidates(articles: Sequence[Article]) -> list[Candidate]:
    """Sentences that may go into a summary: those usable alone, and those usable after their predecessor."""
    candidates: list[Candidate] = []
    for a, article in enumerate(articles):
        previous: int | None = None  # candidate number of the sentence before, if it is one
        for i, sentence in enumerate(shown_sentences(article)):
            if usable(sentence):
                candidates.append(Candidate(a, i, sentence))
            elif previous is not None and continues(sentence):
                candidates.append(Candidate(a, i, sentence, after=previous))
            else:
                previous = None
                continue
            previous = len(candidates) - 1
    if sum(c.after is None for c in candidates) < 2:  # nothing passes the filters: fall back to the leads
        candidates = [Candidate(a, i, s) for a, art in enumerate(articles) for i, s in enumerate(art.sentences[:3])]
    if len(candidates) > MAX_CANDIDATES:
        # Ranking compares every pair of candidates: a giant story (or one endless article) keeps
        # the sentences nearest the top of each article, where news puts what matters.
        cutoff = sorted(c.index for c in candidates)[MAX_CANDIDATES]
        kept = [number for number, c in enumerate(candidates) if c.index < cutoff]
        renumber = {old: new for new, old in enumerate(kept)}  # a kept sentence's predecessor is kept too
        candidates = [
            Candidate(c.article, c.index, c.text, None if c.after is None else renumber[c.after])
            for c in (candidates[number] for number in kept)
        ]
    return candidates


def summarize(
    articles: Sequence[Article], max_words: int = 120, lam: float = 0.7, summarizer: str = "digest"
) -> tuple[SummarySentence, ...]:
    """The cited summary of one story (its articles, in any order); ``summarizer`` names what rates
    the sentences: ours, or one of sumy's (see summarizers.py)."""
    candidates = _candidates(articles)
    if not candidates:
        return ()
    story = _Story(articles)
    rows = story.rows(candidates)
    counts = story.counts[rows]
    central = _centrality(counts)
    central = central / (central.max() or 1.0)
    position = np.array([1.0 / (1.0 + 0.25 * c.index) for c in candidates])
    units = _Units(story) if len(articles) > 1 else None
    support = _support(story, units, rows) if units is not None else [{c.article} for c in candidates]
    agreement = np.array([len(s | {c.article}) for s, c in zip(support, candidates, strict=True)], dtype=float)
    agreement = (agreement - 1.0) / max(1.0, len(articles) - 1.0)
    score = WEIGHTS[0] * central + WEIGHTS[1] * position + WEIGHTS[2] * agreement
    if summarizer != "digest":  # sumy rates the candidates: they are tried in its order, best first
        from .summarizers import sumy_scores

        score, lam = sumy_scores(summarizer, [c.text for c in candidates]), 1.0
    vectors = _tfidf(counts)
    similar = (vectors @ vectors.T).toarray() if counts.nnz else np.eye(len(candidates))
    # Two versions of one fact (different outlets' wording) count as fully redundant.
    sets = story.sets[rows]
    quotes = [story.quotes[row] for row in rows]
    similar = np.maximum(similar, _claims(sets, quotes, sets, quotes, 4, 0.6).astype(float))
    chosen: list[int] = []
    budget = 0
    limit = max_words * 1.15
    # A sentence longer than the whole budget opens a summary only when no sentence fits in it.
    fits = any(len(words(c.text)) <= limit for c in candidates)
    # A sentence that needs the one before it becomes available once that one is chosen.
    available = np.array([c.after is None for c in candidates])
    followers: dict[int, list[int]] = {}
    for k, c in enumerate(candidates):
        if c.after is not None:
            followers.setdefault(c.after, []).append(k)
    while available.any():
        redundancy = similar[:, chosen].max(axis=1) if chosen else np.zeros(len(candidates))
        mmr = lam * score - (1.0 - lam) * redundancy
        mmr[~available] = -np.inf
        pick = int(np.argmax(mmr))
        available[pick] = False
        if chosen and redundancy[pick] >= 0.5:  # says what a chosen sentence already says
            continue
        # Another outlet's words for a chosen fact share few words with it: the claim matcher decides.
        # (A story of one article needs no such test: one writer does not tell a fact twice in other words
        # often enough to pay for it, and the test costs as much as the rest of the summary.)
        if (
            chosen
            and units is not None
            and redundancy[pick] >= _MAYBE_SAME
            and _repeats(story, rows[chosen].tolist(), int(rows[pick]))
        ):
            continue
        length = len(words(candidates[pick].text))
        if budget + length > limit and (chosen or fits):
            continue
        chosen.append(pick)
        available[followers.get(pick, [])] = True
        budget += length
        if budget >= max_words:
            break
    # Reading order: the lead first, then by place in the article; a sentence that needs the one
    # before it comes right after that one.
    picked = set(chosen)
    ordered: list[int] = []
    for k in sorted((k for k in chosen if candidates[k].after is None), key=lambda k: (candidates[k].index, -score[k])):
        ordered.append(k)
        while following := [f for f in followers.get(ordered[-1], []) if f in picked]:
            ordered.append(following[0])
    cited = _evidence(story, units, rows[ordered]) if units is not None else [{} for _ in ordered]
    result = []
    for k, stating in zip(ordered, cited, strict=True):
        candidate = candidates[k]
        own = articles[candidate.article].id
        evidence = tuple((articles[j].id, said) for j, said in stating.items())
        others = tuple(cited_id for cited_id, _ in evidence)
        result.append(SummarySentence(candidate.text, (own, *others), own, evidence))
    return tuple(result)
