"""Quality of every stage, measured on public data, beside baselines run in the same process.

    python benchmarks/quality.py [--eval ../shared/eval] [--bbc 600] [--results benchmarks/RESULTS.md]

Prints one table:

* extraction: token 4-shingle precision, recall and F1 (the article-extraction benchmark's metric)
  on its 181 saved pages, through our HTML ingestion (``read_file`` then ``clean_document``, as the
  pipeline does), beside trafilatura called as that benchmark calls it;
* clustering: B-cubed precision, recall, F1 and adjusted Rand index on ECB+ against the gold
  stories (subtopics: one real-world event each) and against topics (events of one kind). The topics
  are split by a seeded shuffle into a calibration and an evaluation half; every threshold (ours and
  the TF-IDF + average-linkage baseline's) is chosen on the calibration half only. The evaluation half
  is the result; all 982 documents are shown for reference;
* summarization: ROUGE-1/2/L F1 (rouge-score, Porter stemming; L is the summary-level LCS) on a
  seeded sample of BBC articles, every system choosing the same number of sentences from the same
  sentence split (ours, ``digest.text.segment``): as many as the reference summary holds, and 3;
* citations: on ECB+ gold stories, hand-written fact patterns (benchmarks/data/citation_facts.json)
  mark which articles state each fact. Of the summary sentences that state a labelled fact, the
  share that cite every article of the story stating it, and citation precision; the share of
  summary sentences citing an article outside the summarised story, and outside the gold story
  when the story comes from our clustering of the evaluation half.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import platform
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this checkout's digest

from benchmarks import grouping
from benchmarks.common import (
    DEFAULT_EVAL,
    bbc_article,
    bcubed,
    ecb_article,
    labels_of,
    load_bbc,
    load_ecb,
    load_extraction,
    shingle_scores,
    split_topics,
    tfidf_agglomerative,
)
from digest.models import Article
from digest.sources.ingest import read_file
from digest.stories.cluster import ClusterParams, cluster
from digest.summaries.summarize import summarize
from digest.text.clean import clean_document, common_head_lines
from digest.text.segment import words

SEED = 20261123
HERE = Path(__file__).resolve().parent
Row = tuple[str, str, str, Sequence[str], float]  # stage, data, system, figures, seconds


def _f(value: float) -> str:
    return f"{value:.3f}"


# --- extraction ---------------------------------------------------------------------------------


def extraction(eval_dir: Path) -> list[Row]:
    import trafilatura

    gold, pages = load_extraction(eval_dir)
    rows: list[Row] = []
    started = time.perf_counter()
    ours: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for key, html in pages.items():
            paths[key] = Path(folder) / f"{key}.html"
            paths[key].write_text(html, encoding="utf-8")
        results = {key: read_file(path) for key, path in paths.items()}
        furniture = common_head_lines(doc for result in results.values() for doc in result.docs)
        for key, result in results.items():
            articles = [a for doc in result.docs for a in clean_document(doc, furniture)]
            ours[key] = "\n".join(p for a in articles for p in a.paragraphs)
    seconds = time.perf_counter() - started
    p, r, f, acc = shingle_scores(gold, ours)
    data = f"ScrapingHub ({len(gold)} pages)"
    rows.append(("extraction", data, "digest (read_file + clean)", [_f(p), _f(r), _f(f), _f(acc)], seconds))
    started = time.perf_counter()
    raw = {key: trafilatura.extract(html, include_comments=False) or "" for key, html in pages.items()}
    seconds = time.perf_counter() - started
    p, r, f, acc = shingle_scores(gold, raw)
    version = trafilatura.__version__
    rows.append(("extraction", data, f"trafilatura {version} extract()", [_f(p), _f(r), _f(f), _f(acc)], seconds))
    return rows


# --- clustering ---------------------------------------------------------------------------------

OUR_GRID = [round(x, 2) for x in np.arange(0.10, 0.46, 0.01)]
BASE_GRID = [round(x, 2) for x in np.arange(0.40, 1.00, 0.02)]


def _ours(articles: Sequence[Article], threshold: float) -> list[int]:
    return labels_of(cluster(articles, ClusterParams(threshold=threshold)), len(articles))


def calibrate_ours(docs: Sequence[dict[str, str]]) -> tuple[float, float]:
    """The threshold with the best B-cubed F1 against subtopics on ``docs`` (ties: the middle of the plateau)."""
    articles = [ecb_article(d) for d in docs]
    gold = [d["subtopic"] for d in docs]
    scores = [bcubed(_ours(articles, t), gold)[2] for t in OUR_GRID]
    return _best(OUR_GRID, scores)


def _best(grid: Sequence[float], scores: Sequence[float]) -> tuple[float, float]:
    top = max(scores)
    plateau = [t for t, s in zip(grid, scores, strict=True) if s >= top - 1e-9]
    return plateau[len(plateau) // 2], top


def _cluster_rows(name: str, docs: Sequence[dict[str, str]], pred: list[int], seconds: float) -> list[Row]:
    rows = []
    for level in ("subtopic", "topic"):
        gold = [d[level] for d in docs]
        p, r, f = bcubed(pred, gold)
        data = f"ECB+ {name} vs {'stories' if level == 'subtopic' else 'topics'}"
        rows.append(("clustering", data, "", [_f(p), _f(r), _f(f), _f(adjusted_rand_score(gold, pred))], seconds))
    return rows


def clustering(eval_dir: Path) -> tuple[list[Row], list[list[int]], list[dict[str, str]], str]:
    docs = load_ecb(eval_dir)
    calibration_topics, evaluation_topics = split_topics(docs, SEED)
    calibration = [d for d in docs if d["topic"] in calibration_topics]
    evaluation = [d for d in docs if d["topic"] in evaluation_topics]
    ours_t, ours_cal = calibrate_ours(calibration)
    base_scores = tfidf_agglomerative([f"{d['title']}\n{d['text']}" for d in calibration], BASE_GRID)
    cal_gold = [d["subtopic"] for d in calibration]
    base_t, base_cal = _best(BASE_GRID, [bcubed(base_scores[t], cal_gold)[2] for t in BASE_GRID])
    default_t = ClusterParams().threshold
    default_cal = bcubed(_ours([ecb_article(d) for d in calibration], default_t), cal_gold)[2]
    note = (
        f"calibration half: {len(calibration_topics)} topics, {len(calibration)} docs; "
        f"evaluation half: {len(evaluation_topics)} topics ({', '.join(sorted(evaluation_topics, key=int))}), "
        f"{len(evaluation)} docs. Best thresholds on the calibration half: digest {ours_t:.2f} (B3 F1 {ours_cal:.3f}; "
        f"the default {default_t:.2f} gives {default_cal:.3f}), baseline cosine distance {base_t:.2f} "
        f"(B3 F1 {base_cal:.3f})."
    )
    rows: list[Row] = []
    eval_groups: list[list[int]] = []
    thresholds = [default_t] + ([ours_t] if ours_t != default_t else [])
    for name, subset in ((f"evaluation half ({len(evaluation)})", evaluation), (f"all ({len(docs)})", docs)):
        articles = [ecb_article(d) for d in subset]
        for threshold in thresholds:
            started = time.perf_counter()
            groups = cluster(articles, ClusterParams(threshold=threshold))
            seconds = time.perf_counter() - started
            if subset is evaluation and threshold == default_t:
                eval_groups = groups
            label = f"digest ({'default' if threshold == default_t else 'calibrated'}, t={threshold:.2f})"
            for row in _cluster_rows(name, subset, labels_of(groups, len(subset)), seconds):
                rows.append((row[0], row[1], label, row[3], row[4]))
        started = time.perf_counter()
        base = tfidf_agglomerative([f"{d['title']}\n{d['text']}" for d in subset], [base_t])[base_t]
        seconds = time.perf_counter() - started
        for row in _cluster_rows(name, subset, base, seconds):
            rows.append((row[0], row[1], f"TF-IDF + average link (calibrated, d={base_t:.2f})", row[3], row[4]))
    rows.sort(key=lambda row: (row[1].split(" vs ")[1], row[1].startswith("ECB+ all")))
    return rows, eval_groups, evaluation, note


# --- stories and topics (two levels) ------------------------------------------------------------


def _b3(scores: tuple[float, float, float], last: str) -> list[str]:
    return [_f(scores[0]), _f(scores[1]), _f(scores[2]), last]


def stories(eval_dir: Path) -> tuple[list[Row], str]:
    """Story level: Multi-News in one inbox (its 621 scored articles), the ECB+ evaluation half
    against subtopics, and the labelled BBC set against its stories."""
    rows: list[Row] = []
    started = time.perf_counter()
    scores, scored = grouping.multinews_scores(eval_dir)
    rows.append(("stories", f"Multi-News, 666 in one inbox, {scored} scored", "digest", _b3(scores, str(scored)), 0.0))
    docs = load_ecb(eval_dir)
    _, evaluation_topics = split_topics(docs, SEED)
    evaluation = [d for d in docs if d["topic"] in evaluation_topics]
    story_groups, _ = grouping.group([ecb_article(d) for d in evaluation])
    pred = labels_of(story_groups, len(evaluation))
    scores = bcubed(pred, [d["subtopic"] for d in evaluation])
    rows.append(("stories", "ECB+ evaluation half vs subtopics", "digest", _b3(scores, str(len(evaluation))), 0.0))
    _, story_level, articles, _ = grouping.bbc_scores(eval_dir)
    rows.append(("stories", "BBC topic set vs its stories", "digest", _b3(story_level, str(articles)), 0.0))
    seconds = time.perf_counter() - started
    rows = [(a, b, c, d, seconds / len(rows)) for a, b, c, d, _ in rows]
    note = "stories: B3 precision, recall, F1 and the number of articles scored (seconds split evenly)."
    return rows, note


def topics(eval_dir: Path) -> tuple[list[Row], str]:
    """Topic level: B-cubed on the labelled BBC set (articles mapped through their story's topic),
    and ECB+ topics whose two subtopics (different events of one kind) end up sharing one of our topics."""
    rows: list[Row] = []
    started = time.perf_counter()
    topic_level, _, articles, count = grouping.bbc_scores(eval_dir)
    data = f"BBC topic set ({articles} articles, {count} topics)"
    rows.append(("topics", data, "digest", _b3(topic_level, ""), time.perf_counter() - started))
    started = time.perf_counter()
    halves = grouping.bbc_halves(eval_dir, SEED)
    seconds = (time.perf_counter() - started) / len(halves)
    for half, scores, size, number in halves:
        data = f"BBC topic set, {half} half ({size} articles, {number} topics)"
        rows.append(("topics", data, "digest", _b3(scores, ""), seconds))
    docs = load_ecb(eval_dir)
    _, evaluation_topics = split_topics(docs, SEED)
    for name, subset in (
        ("evaluation half", [d for d in docs if d["topic"] in evaluation_topics]),
        ("all", docs),
    ):
        started = time.perf_counter()
        story_groups, grouped = grouping.group([ecb_article(d) for d in subset])
        merged = grouping.merged_topics(subset, story_groups, grouped)
        total = len({d["topic"] for d in subset})
        scores = bcubed(grouping.topic_labels(story_groups, grouped, len(subset)), [d["topic"] for d in subset])
        figures = _b3(scores, f"{merged}/{total} = {merged / total:.0%}")
        rows.append(("topics", f"ECB+ {name} vs topics", "digest", figures, time.perf_counter() - started))
    note = (
        "topics: B3 precision, recall and F1 of each article's topic (its story's), and for ECB+ the topics whose "
        "two subtopics share one of our topics (merged; goal at most 10 %). BBC labels: benchmarks/data/bbc_topics.md; "
        "its halves (topics split by a seeded shuffle, each half grouped alone) are for choosing topic parameters on "
        "one half and reporting the other."
    )
    return rows, note


# --- summarization ------------------------------------------------------------------------------


class _SumyTokenizer:
    """sumy's tokenizer interface over our word splitter (sumy's own needs NLTK data)."""

    language = "english"

    def to_words(self, text: str) -> list[str]:
        return words(text)

    def to_sentences(self, text: str) -> list[str]:  # not called: sentences are given
        return [text]


class _WordBudget:
    """Passed to sumy as the sentence count: the best-rated sentences until ``budget`` words are reached."""

    def __init__(self, budget: int) -> None:
        self.budget = budget

    def __call__(self, infos: Sequence[object]) -> list[object]:
        taken, count = [], 0
        for info in infos:
            if count >= self.budget:
                break
            taken.append(info)
            count += len(str(info.sentence).split())  # type: ignore[attr-defined]
        return taken


def _sumy_systems() -> dict[str, Callable[[Article, int], list[str]]]:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    tokenizer = _SumyTokenizer()
    stemmer = Stemmer("english")
    stop_words = get_stop_words("english")
    systems = {}
    for name, kind in (
        ("LexRank", LexRankSummarizer),
        ("TextRank", TextRankSummarizer),
        ("LSA", LsaSummarizer),
        ("Luhn", LuhnSummarizer),
        ("SumBasic", SumBasicSummarizer),
    ):
        summarizer = kind(stemmer)
        summarizer.stop_words = stop_words

        def run(article: Article, budget: int, summarizer: object = summarizer) -> list[str]:
            document = ObjectDocumentModel([Paragraph([Sentence(s, tokenizer) for s in article.sentences])])
            picked = summarizer(document, _WordBudget(budget))  # type: ignore[operator]
            return [s._text for s in picked]

        systems[f"sumy {name}"] = run
    return systems


def _lead(article: Article, budget: int) -> list[str]:
    return list(article.sentences)


def truncate(sentences: Sequence[str], budget: int) -> list[str]:
    """The sentences cut after ``budget`` words (the last one may end mid-way)."""
    kept, count = [], 0
    for sentence in sentences:
        tokens = sentence.split()
        if count + len(tokens) > budget:
            if budget > count:
                kept.append(" ".join(tokens[: budget - count]))
            break
        kept.append(sentence)
        count += len(tokens)
    return kept


def summarization(eval_dir: Path, sample: int) -> tuple[list[Row], str]:
    from rouge_score import rouge_scorer

    items = load_bbc(eval_dir)
    chosen = sorted(random.Random(SEED).sample(range(len(items)), min(sample, len(items))))
    items = [items[i] for i in chosen]
    articles = [bbc_article(item) for item in items]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    systems: dict[str, Callable[[Article, int], list[str]]] = {
        "digest": lambda a, budget: [s.text for s in summarize([a], max_words=budget)],
        "Lead": _lead,
        **_sumy_systems(),
    }
    rows: list[Row] = []
    for length in ("reference", "lead-3"):
        budgets = [
            len(item["summary"].split()) if length == "reference" else sum(len(s.split()) for s in a.sentences[:3])
            for item, a in zip(items, articles, strict=True)
        ]
        for name, system in systems.items():
            started = time.perf_counter()
            totals = np.zeros(3)
            word_count = 0
            for item, article, budget in zip(items, articles, budgets, strict=True):
                picked = truncate(system(article, budget), budget)
                word_count += sum(len(s.split()) for s in picked)
                score = scorer.score(item["summary"].replace(". ", ".\n"), "\n".join(picked))
                totals += [score["rouge1"].fmeasure, score["rouge2"].fmeasure, score["rougeLsum"].fmeasure]
            seconds = time.perf_counter() - started
            mean = totals / len(items)
            label = "Lead" if name != "Lead" or length == "reference" else "Lead-3"
            label = name if name != "Lead" else label
            data = f"BBC {len(items)}, {'reference length' if length == 'reference' else 'Lead-3 length'}"
            figures = [_f(mean[0]), _f(mean[1]), _f(mean[2]), f"{word_count / len(items):.0f}"]
            rows.append(("summaries", data, label, figures, seconds))
    note = (
        f"BBC: {len(items)} of 2225 articles, sampled with seed {SEED}. Every system gets the same sentences "
        "(digest.text.segment) and the same word budget per article, the reference summary's length or the first three "
        "sentences' length; it picks its best-rated sentences until the budget is reached, shown in article order "
        "and cut at the budget (whitespace words)."
    )
    return rows, note


def multi_summarization(eval_dir: Path, budget: int = 250) -> tuple[list[Row], str]:
    """Multi-document summaries: each Multi-News story's articles (read and cleaned as the pipeline does)
    summarised as one story, cut at ``budget`` words, ROUGE recall against its human summary."""
    from rouge_score import rouge_scorer

    rows_in = [json.loads(line) for line in (eval_dir / "multinews" / "clusters.jsonl").read_text().splitlines()]
    articles, _ = grouping.load_multinews(eval_dir)
    by_story: dict[str, list[Article]] = {}
    for article in articles:
        by_story.setdefault(Path(article.path).stem.rsplit("-", 1)[0], []).append(article)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    lexrank = _sumy_systems()["sumy LexRank"]

    def pooled(story: list[Article]) -> Article:
        sentences = tuple(s for a in story for s in a.sentences)
        return Article("all", "all", None, None, None, None, sentences, sentences)

    systems: dict[str, Callable[[list[Article]], list[str]]] = {
        "digest": lambda story: [s.text for s in summarize(story, max_words=budget)],
        "sumy LexRank, all sentences": lambda story: lexrank(pooled(story), budget),
    }
    out: list[Row] = []
    for name, system in systems.items():
        started = time.perf_counter()
        recall = np.zeros(3)
        word_count = 0
        for row in rows_in:
            story = by_story.get(row["cluster"], [])
            picked = truncate(system(story), budget) if story else []
            word_count += sum(len(s.split()) for s in picked)
            score = scorer.score(row["summary"].replace(". ", ".\n"), "\n".join(picked))
            recall += [score["rouge1"].recall, score["rouge2"].recall, score["rougeLsum"].recall]
        mean = recall / len(rows_in)
        figures = [_f(mean[0]), _f(mean[1]), _f(mean[2]), f"{word_count / len(rows_in):.0f}"]
        data = f"Multi-News {len(rows_in)} stories, {budget} words, recall"
        out.append(("summaries-multi", data, name, figures, time.perf_counter() - started))
    note = (
        f"Multi-News: each of its {len(rows_in)} stories' articles read and cleaned as the pipeline does, "
        f"summarised as one story, cut at {budget} words; ROUGE-1/2/L recall (not F1) against the human summary, "
        "macro-averaged, as its README's baselines (sumy LexRank there: 0.483 / 0.153)."
    )
    return out, note


# --- citations ----------------------------------------------------------------------------------


def _states(patterns: Sequence[re.Pattern[str]], text: str) -> bool:
    return all(p.search(text) for p in patterns)


def stating_articles(articles: Sequence[Article], patterns: Sequence[re.Pattern[str]]) -> set[str]:
    """Ids of the articles with a sentence, or two adjacent ones, that match every pattern of a fact."""
    found = set()
    for article in articles:
        sentences = article.sentences
        units = list(sentences) + [f"{a} {b}" for a, b in itertools.pairwise(sentences)]
        if any(_states(patterns, unit) for unit in units):
            found.add(article.id)
    return found


def load_facts() -> list[tuple[str, str, list[re.Pattern[str]]]]:
    facts = json.loads((HERE / "data" / "citation_facts.json").read_text())
    return [(f["story"], f["fact"], [re.compile(p, re.I) for p in f["patterns"]]) for f in facts]


def citations(
    eval_dir: Path, eval_groups: Sequence[Sequence[int]], evaluation: Sequence[dict[str, str]]
) -> tuple[list[Row], str]:
    docs = load_ecb(eval_dir)
    facts = load_facts()
    by_story: dict[str, list[Article]] = {}
    for d in docs:
        by_story.setdefault(d["subtopic"], []).append(ecb_article(d))
    started = time.perf_counter()
    complete = labelled = cited_total = cited_right = 0
    summary_sentences = outside = 0
    for story in sorted({f[0] for f in facts}):
        articles = by_story[story]
        ids = {a.id for a in articles}
        summary = summarize(articles, max_words=120)
        summary_sentences += len(summary)
        outside += sum(1 for s in summary if not set(s.citations) <= ids)
        for sentence in summary:
            for fact_story, _, patterns in facts:
                if fact_story != story or not _states(patterns, sentence.text):
                    continue
                stating = stating_articles(articles, patterns)
                labelled += 1
                complete += stating <= set(sentence.citations)
                cited_total += len(sentence.citations)
                cited_right += len(stating & set(sentence.citations))
    seconds = time.perf_counter() - started
    n_stories = len({f[0] for f in facts})
    rows: list[Row] = [
        (
            "citations",
            f"ECB+ {n_stories} gold stories, {len(facts)} labelled facts",
            "digest, summaries of 120 words",
            [
                _f(complete / max(1, labelled)),
                _f(cited_right / max(1, cited_total)),
                _f(outside / max(1, summary_sentences)),
                f"{labelled}",
            ],
            seconds,
        )
    ]
    # Every summary of our own clustering of the evaluation half: citations stay inside the story.
    started = time.perf_counter()
    articles = [ecb_article(d) for d in evaluation]
    gold = {d["id"]: d["subtopic"] for d in evaluation}
    total = outside_story = outside_gold = 0
    for group in eval_groups:
        members = [articles[i] for i in group]
        ids = {a.id for a in members}
        for sentence in summarize(members, max_words=120):
            total += 1
            outside_story += not set(sentence.citations) <= ids
            outside_gold += any(gold[c] != gold[sentence.article_id] for c in sentence.citations)
    seconds = time.perf_counter() - started
    rows.append(
        (
            "citations",
            f"ECB+ evaluation half, our {len(eval_groups)} stories",
            "digest, summaries of 120 words",
            ["", _f(outside_gold / max(1, total)), _f(outside_story / max(1, total)), f"{total}"],
            seconds,
        )
    )
    note = (
        "citations: figures are (share of summary sentences stating a labelled fact that cite every article "
        "stating it | citation precision against the labels, or for our stories the share citing an article of "
        "another gold story | share citing an article outside the summarised story | sentences)."
    )
    return rows, note


# --- the table ----------------------------------------------------------------------------------

HEADINGS = {
    "extraction": "P, R, F1, exact",
    "clustering": "B3 P, B3 R, B3 F1, ARI",
    "summaries": "ROUGE-1, ROUGE-2, ROUGE-L, words",
    "summaries-multi": "ROUGE-1, ROUGE-2, ROUGE-L recall, words",
    "citations": "complete, precision, outside story, sentences",
    "stories": "B3 P, B3 R, B3 F1, articles",
    "topics": "B3 P, B3 R, B3 F1, ECB+ merged",
}


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| stage (figures) | data | system | 1 | 2 | 3 | 4 | secs |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for stage, data, system, figures, seconds in rows:
        cells = " | ".join(figures)
        lines.append(f"| {stage} ({HEADINGS[stage]}) | {data} | {system} | {cells} | {seconds:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="the shared eval folder")
    parser.add_argument("--bbc", type=int, default=600, help="BBC articles to summarise (seeded sample)")
    parser.add_argument("--results", type=Path, help="also write the table, dated, to this Markdown file")
    parser.add_argument("--only", choices=list(HEADINGS), action="append")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    started = time.perf_counter()
    only = set(args.only or HEADINGS)
    rows: list[Row] = []
    notes: list[str] = []
    if "extraction" in only:
        rows += extraction(args.eval)
    if only & {"clustering", "citations"}:
        cluster_rows, eval_groups, evaluation, note = clustering(args.eval)
        if "clustering" in only:
            rows += cluster_rows
            notes.append(note)
    if "stories" in only:
        story_rows, note = stories(args.eval)
        rows += story_rows
        notes.append(note)
    if "topics" in only:
        topic_rows, note = topics(args.eval)
        rows += topic_rows
        notes.append(note)
    if "summaries" in only:
        summary_rows, note = summarization(args.eval, args.bbc)
        rows += summary_rows
        notes.append(note)
    if "summaries-multi" in only:
        multi_rows, note = multi_summarization(args.eval)
        rows += multi_rows
        notes.append(note)
    if "citations" in only:
        citation_rows, note = citations(args.eval, eval_groups, evaluation)
        rows += citation_rows
        notes.append(note)
    wall = time.perf_counter() - started
    text = table(rows)
    print(text)
    print()
    for note in notes:
        print(f"* {note}")
    print(f"* wall time {wall:.0f} s")
    if args.results:
        command = "python " + " ".join([os.path.relpath(__file__, Path.cwd()), *sys.argv[1:]])
        machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}"
        machine += f", Python {platform.python_version()}"
        body = [
            "# Quality results",
            "",
            f"Measured {date.today().isoformat()} on {machine}, wall time {wall:.0f} s, with",
            "",
            "```sh",
            command,
            "```",
            "",
            text,
            "",
            *[f"* {note}" for note in notes],
            "",
        ]
        args.results.write_text("\n".join(body))


if __name__ == "__main__":
    main()
