"""``digest summarize``: files read and cleaned as the inbox's are, then summarised as one story.

Apart from the pipeline, so that summarising a few files loads no store, settings or edition code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError
from ..models import Article, RawDoc, SummarySentence
from ..sources.ingest import read_file
from ..text.clean import clean_document, common_head_lines


def summarize_files(
    paths: Sequence[Path], max_words: int, summarizer: str = "digest"
) -> tuple[list[Article], tuple[SummarySentence, ...]]:
    """One extractive, cited summary of these files taken as one story (``digest summarize``)."""
    docs: list[RawDoc] = []
    for path in paths:
        result = read_file(path, display=str(path))
        if result.error:
            raise InputError(f"{path}: {result.error}")
        docs.extend(result.docs)
    furniture = common_head_lines(docs)
    articles = [a for doc in docs for a in clean_document(doc, furniture)]
    if not articles:
        raise InputError("no article text found in the given files")
    from .summarize import summarize

    return articles, summarize(articles, max_words=max_words, summarizer=summarizer)
