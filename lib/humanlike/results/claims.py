"""The tables behind the verdicts, computed once for the landing page and for each chapter's take-away, and the
verdicts as text: the landing page's table and each chapter's "Take-away" section.

*One number, one computation*: a claim's verdict and key number come from :func:`claim_verdicts`, always from the
trials of the judged models (:func:`judged_models`) and the human observers, with the page's ``bootstrap`` and
``seed``. The landing page and the chapter call it with the same parameters, so they print the same value.

See Also
--------
humanlike.results.verdicts
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from .. import data
from ..registry import PAPER_ZOO
from ..text import html_text, md
from .category_errors import confusion_similarity_summary
from .common import HUMANS, THIRD_PARTY_LABEL, model_names
from .image_errors import consistency_intervals, ssl_kappa_comparison
from .noise_robustness import ood_accuracy_difference, simclr_differences
from .shape_bias import shape_bias_intervals
from .verdicts import MAJORITY, MIN_MODELS, SECTION, VERDICTS, key_text, verdicts

__all__ = ["VERDICT_MODELS", "judged_models", "claim_evidence", "claim_verdicts", "take_away", "verdict_table_html",
           "verdicts_take_away"]

#: The values of the ``verdict_models`` parameter: every model of the build (``all``; third-party evaluations
#: left out, they come from other pipelines) or the paper's 32 models among them (``paper``).
VERDICT_MODELS: tuple[str, ...] = ("all", "paper")


def judged_models(trials: pd.DataFrame, which: str = "all") -> list[str]:
    """The models the verdicts judge: the toolbox's own evaluations in ``trials`` (published data and the
    reader's runs; third-party labels ``"<model> [<owner>]"`` left out), with ``which == "paper"`` only the
    paper's models (:data:`humanlike.registry.PAPER_ZOO`).

    >>> rows = pd.DataFrame({"subject": ["subject-01", "resnet50", "bagnet33", "alexnet [harvard-visionlab]"],
    ...                      "is_human": [True, False, False, False]})
    >>> judged_models(rows), judged_models(rows, "paper")
    (['bagnet33', 'resnet50'], ['resnet50'])
    """
    if which not in VERDICT_MODELS:
        raise ValueError(f"which must be one of {', '.join(VERDICT_MODELS)}, not {which!r}")
    own = [m for m in model_names(trials) if not THIRD_PARTY_LABEL.search(m)]
    return [m for m in own if m in PAPER_ZOO] if which == "paper" else own


def claim_evidence(
    trials: pd.DataFrame, models: Iterable[str], *, claims: Sequence[int] = (0, 1, 2, 3), n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, pd.DataFrame | None]:  # fmt: skip
    """The tables the verdicts read (:func:`humanlike.results.verdicts.verdicts`), from the trials of ``models``
    and the human observers only, for the claims numbered in ``claims`` (0 to 3; the others get None).

    Every table is computed on what the data hold: a model evaluated on some datasets only enters the
    comparisons of those datasets (e.g. a model run on edge alone counts in claims 2 and 3, not in claim 1).
    Keys: ``gap`` (models minus humans, OOD accuracy), ``simclr`` (:func:`simclr_differences`),
    ``similarity``, ``intervals``, ``ssl`` (:func:`ssl_kappa_comparison`), ``shape``.
    """
    models = list(dict.fromkeys(models))
    human = trials["is_human"].astype(bool)
    trials = trials[human | trials["subject"].isin(models)]
    evidence: dict[str, pd.DataFrame | None] = dict.fromkeys(["gap", "simclr", "similarity", "intervals", "ssl",
                                                              "shape"])  # fmt: skip
    if not models:
        return evidence
    parametric = trials[trials["dataset"].isin(data.PARAMETRIC_DATASETS)]
    if 0 in claims and parametric["is_human"].astype(bool).any():
        present = model_names(parametric)
        if present:
            pairs = [(m, HUMANS) for m in present]
            evidence["gap"] = ood_accuracy_difference(parametric, pairs, n_boot=n_boot, seed=seed)
        evidence["simclr"] = simclr_differences(parametric, n_boot=n_boot, seed=seed)
    if 1 in claims:
        evidence["similarity"] = confusion_similarity_summary(trials, n_boot=n_boot, seed=seed)
    if 2 in claims:
        evidence["intervals"] = consistency_intervals(trials, n_boot=n_boot, seed=seed)
        evidence["ssl"] = ssl_kappa_comparison(trials, models, n_boot=n_boot, seed=seed)
    cue = trials[trials["dataset"] == "cue-conflict"]
    if 3 in claims and not cue.empty:
        evidence["shape"] = shape_bias_intervals(cue, n_boot=n_boot, seed=seed)
    return evidence


def claim_verdicts(
    trials: pd.DataFrame,
    models: Iterable[str],
    *,
    claims: Sequence[int] = (0, 1, 2, 3),
    n_boot: int = 1000,
    seed: int = 0,
    majority: float = MAJORITY,
    min_models: int = MIN_MODELS,
    evidence: dict[str, pd.DataFrame | None] | None = None,
) -> pd.DataFrame:
    """The verdicts of the claims numbered in ``claims`` (rows of :func:`humanlike.results.verdicts.verdicts`,
    in :data:`CLAIMS` order), judged on ``models`` (:func:`judged_models`) from :func:`claim_evidence` (pass
    ``evidence`` when the page already computed it with the same arguments, to show its tables too)."""
    if evidence is None:
        evidence = claim_evidence(trials, models, claims=claims, n_boot=n_boot, seed=seed)
    table = verdicts(evidence["gap"], evidence["similarity"], evidence["intervals"], evidence["shape"],
                     simclr=evidence["simclr"], ssl=evidence["ssl"], majority=majority, min_models=min_models,
                     n_boot=n_boot, seed=seed)  # fmt: skip
    return table.iloc[list(claims)].reset_index(drop=True)


def take_away(row: pd.Series | dict) -> str:
    """A chapter's "Take-away" as Markdown, from its claim's verdict row (:func:`claim_verdicts`): what the data
    say about the claim (the verdict, the key number, each part with its evidence) and what would change it (the
    parts that cannot be tested yet, and the threshold at which a fragile verdict flips)."""
    row = dict(row)
    parts = row["parts"]
    lines = [
        md("**What the data say.** The paper's claim *{claim}* is **{verdict}** on the models of this build "
           "({models}). Key number: {key}: **{value}**.", claim=row["claim"], verdict=row["verdict"],
           models=row["models"], key=row["key"],
           value=key_text(row["chapter"], row["estimate"], row["ci_low"], row["ci_high"])),
        *(md("* {line}", line=part.line()) for part in parts),
    ]
    by_remedy: dict[str, list[str]] = {}
    for part in parts:
        if part.holds is None and part.remedy:
            by_remedy.setdefault(part.remedy, []).append(f"({part.label})")
    changes = [("part " if len(labels) == 1 else "parts ") + " and ".join(labels)
               + (" becomes" if len(labels) == 1 else " become") + " testable when you " + remedy
               for remedy, labels in by_remedy.items()]  # fmt: skip
    if row["fragile"]:
        changes.append(md("the verdict is {fragile} (the default: more than half)", fragile=row["fragile"]))
    else:
        changes.append("moving \"most\" to 40% or 60% leaves the verdict as it is")
    lines.append("\n**What would change it.** " + _sentence(changes))
    return "\n".join(lines[:1] + [""] + lines[1:])


def _sentence(clauses: Sequence[str]) -> str:
    """Clauses joined by semicolons into one sentence with a capital letter and a full stop."""
    text = "; ".join(clauses)
    return text[:1].upper() + text[1:] + "."


def verdicts_take_away(table: pd.DataFrame) -> str:
    """The landing page's "Take-away" as Markdown, from the verdict table (:func:`claim_verdicts`): how many
    claims each verdict got, which parts could not be tested and what would make them testable, and the fragile
    verdicts."""
    counts = table["verdict"].value_counts()
    tally = ", ".join(f"{counts[verdict]} {verdict}" for verdict in VERDICTS if verdict in counts)
    lines = [md("**What the data say.** Of the paper's {n} claims judged here: {tally}.", n=len(table), tally=tally)]
    untestable = [(r.chapter, p) for r in table.itertuples() for p in r.parts if p.holds is None]
    failing = [(r.chapter, p) for r in table.itertuples() for p in r.parts if p.holds is False]
    if failing:
        lines.append(md("Parts that do not hold: {which}.", which="; ".join(
            f"claim {int(c.split('_', 1)[0])} ({p.label})" for c, p in failing)))
    if untestable:
        lines.append(md("Parts not testable with these data: {which}.", which="; ".join(
            f"claim {int(c.split('_', 1)[0])} ({p.label})" for c, p in untestable)))
    remedies = list(dict.fromkeys(p.remedy for _, p in untestable if p.remedy))
    changes = [f"to test them, {r}" for r in remedies]
    fragile = [md("claim {n} is {text}", n=int(r.chapter.split("_", 1)[0]), text=r.fragile)
               for r in table.itertuples() if r.fragile]  # fmt: skip
    changes += fragile or ["no verdict changes when \"most\" moves to 40% or 60%"]
    lines.append("\n**What would change it.** " + _sentence(changes))
    return " ".join(lines[:-1]) + "\n" + lines[-1]


_VERDICT_CLASS = {"supported": "supported", "partly supported": "partly", "not supported": "not",
                  "not testable with these data": "untestable"}  # fmt: skip


def verdict_table_html(table: pd.DataFrame) -> str:
    """The landing page's verdict table (``id='verdicts'``): per claim its verdict (and "fragile" where it flips),
    each part in one line with its evidence, the models (n supervised / n self-supervised / others), the key
    number with its interval, and a link to the chapter section that shows it (:data:`SECTION`)."""
    rows = []
    for r in table.itertuples():
        number = int(r.chapter.split("_", 1)[0])
        link = f"{html_text(r.chapter)}.html#{SECTION}"
        parts = "".join(f"<li>{html_text(p.line())}</li>" for p in r.parts)
        fragile = f"<br><small class='verdict-fragile'>{html_text(r.fragile)}</small>" if r.fragile else ""
        rows.append(
            f"<tr class='verdict-{_VERDICT_CLASS[r.verdict]}'><td>{html_text(r.claim)} "
            f"(<a href='{link}'>chapter {number}</a>)</td><td><strong>{html_text(r.verdict)}</strong>{fragile}</td>"
            f"<td><ul>{parts}</ul></td><td>{html_text(r.models)}</td>"
            f"<td>{html_text(r.key)}: <strong>{html_text(key_text(r.chapter, r.estimate, r.ci_low, r.ci_high))}"
            f"</strong></td></tr>"
        )
    return (
        "<table class='humanlike-verdicts' id='verdicts'><thead><tr><th>claim of the paper</th><th>verdict</th>"
        "<th>parts and evidence</th><th>models (supervised / self-supervised / others)</th>"
        "<th>key number (95% interval)</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )
