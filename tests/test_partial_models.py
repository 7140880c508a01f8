"""Whatever `humanlike evaluate` writes, every chapter reads (issue 17, rule 1), and one number, one computation
(issue 14): a paper model evaluated on edge alone (resnet18, a renamed copy of the published edge_resnet50 file)
sits in ``extra_dirs``; every chapter runs with it, names it as partial where it is, and the key number each
chapter's take-away prints is the one the landing page's verdict table prints."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from chapter_runs import chapter_outputs

from humanlike.results import claims as C
from humanlike.results.verdicts import CLAIMS

# The runs: tests/chapter_runs.py's shared runs "NN+edge-only" (resnet18 on edge only in extra_dirs; one list of
# datasets, bootstrap 20, seed 0 for the introduction and the chapters; chapter 1 takes uniform-noise only and
# chapter 4 cue-conflict and edge).


def _text(notebook: dict) -> str:
    return chapter_outputs(notebook)


def _plain(markdown: str) -> str:
    """Markdown as escaped by humanlike.text.md, unescaped (``\\+`` -> ``+``)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("&#x27;", "'")


@pytest.fixture(scope="module")
def introduction(chapter):
    return _text(chapter("00+edge-only"))


def _table_keys(introduction: str) -> dict[str, str]:
    """Chapter -> the key number (text) the landing page's verdict table prints for its claim."""
    table = introduction[introduction.index("id='verdicts'") :]
    rows = table[: table.index("</table>")].split("<tr class='verdict-")[1:]
    keys = {}
    for row in rows:
        chapter = re.search(r"href='([0-9]{2}_[a-z_]+)\.html#take-away'", row).group(1)
        keys[chapter] = re.findall(r"<strong>([^<]*)</strong>", row)[-1]
    return keys


def test_introduction_reads_a_paper_model_evaluated_on_edge_only(introduction):
    assert "resnet18" in introduction
    assert "**Models on some of the 3 datasets shown:** resnet18 on edge only." in _plain(introduction)
    assert introduction.count("<tr class='verdict-") == 4
    # resnet18 (supervised) counts where it has data: edge enters claims 2 and 3; claim 1 rests on uniform noise
    keys = _table_keys(introduction)
    assert set(keys) == {chapter for _, chapter in CLAIMS}
    assert "3 supervised / 1 self-supervised / 6 others" in introduction  # claims 2 and 3: resnet18 counted
    assert "2 supervised / 1 self-supervised / 6 others" in introduction  # claims 1 and 4: it has no data there
    assert "What the data say" in _plain(introduction)


@pytest.mark.parametrize("number", ["01", "02", "03", "04"])
def test_each_chapter_reads_it_and_prints_the_verdicts_key_number(number, chapter, introduction):
    text = _plain(_text(chapter(f"{number}+edge-only")))
    (name,) = [c for _, c in CLAIMS if c.startswith(number)]
    key = _plain(_table_keys(introduction)[name])
    assert key != "not available"
    take_away = text[text.index("What the data say.") :]
    assert f"**{key}**" in take_away, (key, take_away[:600])  # one number, one computation
    assert "What would change it." in take_away


def test_benchmark_chapter_reads_it(chapter):
    text = _plain(_text(chapter("05+edge-only")))
    assert "resnet18" in text and "rank (95% range)" in text
    assert "What the data say." in text and "What would change it." in text


def test_claim_evidence_takes_a_model_where_it_has_data(trials, mirror):
    from humanlike import data

    edge = trials[trials["dataset"] == "edge"]
    extra = edge[edge["subject"] == "resnet50"].assign(subject="resnet18")
    table = data.load_trials(datasets=["uniform-noise"])
    both = pd.concat([table, edge, extra], ignore_index=True)
    models = C.judged_models(both)
    assert "resnet18" in models
    evidence = C.claim_evidence(both, models, n_boot=10)
    assert "resnet18" not in set(evidence["gap"]["subject_a"])  # no parametric trials: not in claim 1
    assert "resnet18" in set(evidence["intervals"]["subject"])
    verdicts = C.claim_verdicts(both, models, n_boot=10, evidence=evidence)
    assert verdicts.loc[2, "n_supervised"] == 3 and verdicts.loc[0, "n_supervised"] == 2


def test_a_second_self_supervised_model_on_edge_makes_part_b_testable_there(trials):
    # InsDis evaluated on edge only (here: SimCLR's edge answers under its name): claims 2 and 3 now rest on two
    # self-supervised networks, so their part (b) is tested; claims 1 and 4 still rest on SimCLR alone.
    edge = trials[trials["dataset"].isin(["edge", "uniform-noise"])]
    insdis = trials[(trials["dataset"] == "edge") & (trials["subject"] == "simclr-resnet50x1")].assign(subject="InsDis")
    both = pd.concat([edge, insdis], ignore_index=True)
    verdicts = C.claim_verdicts(both, C.judged_models(both), n_boot=20)
    assert verdicts["n_self_supervised"].tolist() == [1, 2, 2, 0]
    parts_b = [row[1].holds for row in verdicts["parts"]]
    assert parts_b[0] is None and parts_b[1] is not None and parts_b[2] is not None
    assert "InsDis" in verdicts.loc[2, "parts"][1].evidence
