"""The summarizers a user may choose (setting ``summarizer``): ours, or one of sumy's.

With one of sumy's, sumy rates a story's candidate sentences (those summarize.py finds usable) and
they are tried in the order it rates them, best first. Everything else stays ours: the word budget,
leaving out a sentence that repeats a chosen fact, the reading order and the citations.

Only sumy summarizers that need no data beyond sumy's own are offered (Edmundson needs word lists of
the user's; sumy's tokenizers need NLTK data: our word splitter is used instead). sumy is imported
only when one is chosen.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

OURS = "digest"
# name -> (sumy module, class)
SUMY = {
    "lexrank": ("sumy.summarizers.lex_rank", "LexRankSummarizer"),
    "textrank": ("sumy.summarizers.text_rank", "TextRankSummarizer"),
    "lsa": ("sumy.summarizers.lsa", "LsaSummarizer"),
    "luhn": ("sumy.summarizers.luhn", "LuhnSummarizer"),
    "sumbasic": ("sumy.summarizers.sum_basic", "SumBasicSummarizer"),
}
SUMMARIZERS = (OURS, *SUMY)


class _Tokenizer:
    """sumy's tokenizer interface over our word splitter (sumy's own needs NLTK's data)."""

    language = "english"

    def to_words(self, text: str) -> list[str]:
        from ..text.segment import words

        return words(text)

    def to_sentences(self, text: str) -> list[str]:  # not called: the sentences are given
        return [text]


class _RatingOrder:
    """Passed to sumy as the number of sentences: keeps the order sumy rated them in, takes none."""

    def __init__(self) -> None:
        self.order: list[int] = []

    def __call__(self, infos: Sequence[Any]) -> list[Any]:
        self.order = [info.order for info in infos]  # best first, ties in document order
        return []


@cache
def _summarizer(name: str) -> Any:
    from importlib import import_module

    from sumy.nlp.stemmers import Stemmer
    from sumy.utils import get_stop_words

    module, kind = SUMY[name]
    summarizer = getattr(import_module(module), kind)(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return summarizer


def sumy_scores(name: str, texts: Sequence[str]) -> np.ndarray:
    """Scores of ``texts`` (the sentences of one story) in the order sumy's summarizer ``name`` rates
    them: the best 1.0, then each next one lower, all above 0."""
    import numpy as np

    count = len(texts)
    order: Sequence[int] = range(count)
    if count > 1:
        from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

        tokenizer = _Tokenizer()
        document = ObjectDocumentModel([Paragraph([Sentence(text, tokenizer) for text in texts])])
        rating = _RatingOrder()
        with warnings.catch_warnings():  # LSA warns of stories with fewer words than sentences
            warnings.simplefilter("ignore")
            _summarizer(name)(document, rating)
        order = rating.order
    scores = np.zeros(count)
    scores[list(order)] = np.arange(count, 0, -1) / max(count, 1)
    return scores
