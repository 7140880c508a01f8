# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (humanlike)
#     language: python
#     name: humanlike
# ---

# %% [markdown]
# # The benchmark, and your model
#
# The four findings of the previous chapters each look at one aspect of behaviour. The model-vs-human benchmark
# {cite}`geirhos2021partial` condenses them into a few numbers per model, over all 17 datasets: how accurate the
# model is out of distribution, how close its accuracy is to each human observer's, and how often it is right
# or wrong on the *same images* as they are (observed consistency, and error consistency $\kappa$, which corrects
# for what the two accuracies alone would predict). This chapter shows the benchmark for the published
# evaluations, then does what a reader of this book would do: it **evaluates a new model** and places it among
# them.
#
# **The paper's claim, in benchmark terms** {cite}`geirhos2020surprising`: self-supervised models do not close
# the gap to humans; on error consistency they sit with the supervised models, far below the agreement between
# two humans.
#
# **Third-party data.** One of the paper's supervised models, AlexNet, was evaluated on all 17 datasets by another
# group with the model-vs-human toolbox itself (a fork by harvard-visionlab, torchvision weights); it appears as
# `alexnet [harvard-visionlab]`, its source in its name and in the column `third party`, and is labelled on the
# scatter plot (parameter `third_party`). Because it is the toolbox's own definition, run on the same stimuli by
# another group, it is ranked with the other models; its rank is that group's run, not model-vs-human's.

# %% tags=["parameters"]
models: "list or None" = None  # published models to show: names or fnmatch globs; None: all known models
extra_dirs: list = []  # more model CSVs, laid out as DIR/raw-data/<dataset>/<dataset>_<model>_session-1.csv
datasets: "list or None" = None  # datasets of the benchmark; None: all 17
bootstrap: int = 1000  # bootstrap resamples (of observers and images) for the benchmark's intervals and rank ranges
seed: int = 0  # random seed of the bootstrap
evaluate_model: "str or None" = "efficientnet-lite0"  # model spec to evaluate here (see humanlike evaluate); None: skip
evaluate_datasets: list = ["cue-conflict", "edge", "silhouette"]  # datasets to evaluate it on (their stimuli must be available)
runs_dir: str = "runs"  # where evaluation results are written and found again (a finished dataset is not recomputed)
device: str = "auto"  # auto (a CUDA GPU, else Apple silicon's mps, else the CPU), cpu, cuda or mps; always fp32
third_party: bool = True  # add other groups' evaluations of the paper's models made with the model-vs-human toolbox (AlexNet), labelled by source

# %% tags=["hide-input"]
import time
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from humanlike import benchmark, charts, data, params, results
from humanlike.inference import run as inference, models as zoo
from humanlike.text import md, show_note

models, extra_dirs, datasets, bootstrap, seed = params.chapter(
    models=models, extra_dirs=extra_dirs, datasets=datasets, bootstrap=bootstrap, seed=seed
)
evaluate_model = params.model_spec("evaluate_model", evaluate_model)
evaluate_datasets = params.dataset_names("evaluate_datasets", evaluate_datasets, empty_ok=True) or []
runs_dir = params.optional_text("runs_dir", runs_dir) or "runs"
device = params.choice("device", device, ("auto", "cpu", "cuda", "mps"))
third_party = params.boolean("third_party", third_party)

# %% [markdown]
# ## Evaluating a model
#
# `humanlike.inference.run` runs any ImageNet classifier on the stimuli: images are decoded in background workers,
# the network's 1,000 ImageNet probabilities are mapped to the 16 categories (the mean probability of each
# category's ImageNet classes, then the most probable category; see {doc}`../methods`), and one answer per image
# is written as a CSV in exactly the format of the published model evaluations. The same step on the command
# line is `humanlike evaluate --model efficientnet-lite0 --datasets cue-conflict edge silhouette --out runs`.
# Results are kept: rebuilding the book does not recompute a finished dataset.
#
# Here the model is EfficientNet-Lite0 {cite}`tan2019efficientnet`, a small supervised network whose ImageNet
# weights ship inside a Python package, so this works offline; the stimuli are those whose images are public
# outside the benchmark's release archives (cue-conflict, edge and silhouette).

# %% tags=["hide-input"]
new_model = None
if evaluate_model:
    started = time.perf_counter()
    written = inference.evaluate(
        evaluate_model, datasets=evaluate_datasets, out=Path(runs_dir), device=device, progress=False
    )
    new_model = zoo.default_name(evaluate_model)
    extra_dirs.append(runs_dir)
    report = Markdown(md(
        "Evaluated {model} on {n} dataset(s) in {seconds:.1f} s (finished datasets are read from {runs}): {files}",
        model=evaluate_model, n=len(written), seconds=time.perf_counter() - started, runs=f"{runs_dir}/",
        files=", ".join(str(p.relative_to(Path(runs_dir))) for p in written),
    ))
else:
    report = Markdown("No model evaluated (`evaluate_model` is None).")
report

# %% tags=["hide-input"]
chosen = None if models is None else [*models, *([new_model] if new_model else [])]
trials = data.load_trials(datasets=datasets, models=chosen, extra_dirs=extra_dirs)
trials = results.with_third_party(trials, models, include=third_party)  # other groups' runs of the paper's models
scopes = results.benchmark_scopes(trials)
headers = {"accuracy_difference": "accuracy diff. ↓", "observed_consistency": "obs. consistency ↑",
           "error_consistency": "error consistency ↑", "mean_rank": "mean rank ↓", "ood_accuracy": "OOD accuracy ↑",
           "n_datasets": "datasets", "third_party": "third party"}

# %% tags=["remove-input"]
# Models that cover only part of a dataset's images are named; nothing shows when none is.
show_note(results.partial_models_note(trials))

# %% [markdown]
# ## Most human-like behaviour
#
# The benchmark table, as published: one row per model, averaged over conditions, then human observers, then
# datasets; `mean rank` is the mean of a model's ranks on accuracy difference (lower is better), observed
# consistency and error consistency (higher is better). The `humans` row compares each pair of human observers
# the same way: it is the bar a model would have to reach. A model evaluated on fewer datasets is averaged over
# those it has (`n_datasets`); its row is therefore not directly comparable, which the next section fixes.

# %% tags=["hide-input"]
overall = scopes[scopes["scope"] == results.ALL_DATASETS].drop(columns="scope")
humanlike_table = overall[["model", "training", "third_party", "accuracy_difference", "observed_consistency",
                           "error_consistency", "mean_rank", "n_datasets"]]
humanlike_table.rename(columns=headers).style.format(precision=3, na_rep="–", escape="html").hide(axis="index")

# %% [markdown]
# ### With 95% intervals and rank ranges
#
# The same table with a 95% interval for each metric and each model's place with its range over the bootstrap
# samples (images resampled within every condition and, since each metric averages over human observers, the
# observers resampled too; see {doc}`../methods`). The point values are the published ones; a model whose rank
# range overlaps another's cannot be told apart from it on these data. Only the models evaluated on the most
# datasets are ranked: a model on fewer datasets shows "–" (not comparable).

# %% tags=["hide-input"]
intervals = results.benchmark_intervals(trials, n_boot=bootstrap, seed=seed)
shown_intervals = intervals.assign(**{
    metric: [f"{v:.3f} [{lo:.3f}, {hi:.3f}]" for v, lo, hi in
             zip(intervals[metric], intervals[f"{metric}_low"], intervals[f"{metric}_high"])]
    for metric in benchmark.METRICS
}).assign(rank=[("–" if pd.isna(r) else f"{r:.0f} ({lo:.0f}–{hi:.0f})")
                for r, lo, hi in zip(intervals["rank"], intervals["rank_low"], intervals["rank_high"])])
shown_intervals = shown_intervals[["model", *benchmark.METRICS, "rank"]]
shown_intervals.rename(columns={**headers, "rank": "rank (95% range)"}).style.format(escape="html").hide(axis="index")

# %% [markdown]
# ## Out-of-distribution accuracy
#
# The second table of the benchmark ranks the same models by OOD accuracy alone.

# %% tags=["hide-input"]
ood_table = overall[["model", "training", "third_party", "ood_accuracy", "n_datasets"]].sort_values(
    "ood_accuracy", ascending=False, kind="stable"
)
ood_table.rename(columns=headers).style.format(precision=3, na_rep="–", escape="html").hide(axis="index")

# %% [markdown]
# ## Accuracy is not enough
#
# Each point is a decision maker; pick all datasets or one of them. Higher accuracy moves models to the right,
# but not up: a more accurate model does not automatically make the *same* errors as humans. Click a training
# type in the legend to highlight it; hover for names and numbers.

# %% tags=["hide-input"]
charts.figure(
    charts.benchmark_scatter(scopes, highlight=[n for n in [new_model, benchmark.HUMANS] if n]),
    (
        "OOD accuracy against error consistency κ with humans, one point per decision maker, for the datasets"
        " picked; colours by training type, grey: models the paper did not have, and third-party evaluations"
        " (diamonds; hover a point for its name). Triangles: models evaluated on fewer datasets than the others,"
        " averaged over those they have: not comparable, not ranked. No whiskers: the tables give the numbers."
    ),
)

# %% [markdown]
# ## Where the new model stands
#
# To compare a model evaluated on a few datasets fairly, the benchmark is recomputed on exactly those datasets,
# for every model. Its error consistency with humans comes with a 95% bootstrap interval over images.

# %% tags=["hide-input"]
if new_model and new_model in set(trials["subject"]):
    own = results.benchmark_on_datasets_of(trials, new_model)
    kappa = results.model_kappa_intervals(trials, new_model, n_boot=bootstrap, seed=seed)
    f = results.placement_findings(own, new_model)
    summary = Markdown(md(
        "On {datasets}, {model} reaches an OOD accuracy of {ood_accuracy:.3f} and an error consistency with humans "
        "of {error_consistency:.3f} (human observers among themselves: {humans_error_consistency:.3f}); its mean "
        "rank is {mean_rank:.2f} among {n_models} models. Error consistency per dataset with 95% bootstrap "
        "intervals (mean over observers):", datasets=", ".join(kappa["dataset"]), model=new_model, **f))
else:
    own, kappa, summary = None, None, Markdown("No evaluated model to place.")
summary

# %% tags=["hide-input"]
if own is not None:
    display(own.rename(columns=headers).style.format(precision=3, na_rep="–", escape="html").hide(axis="index"))
    display(kappa.style.format(precision=3, escape="html").hide(axis="index"))

# %% [markdown]
# ## Your model
#
# Every chapter takes the same parameters. To add a model of your own everywhere:
#
# ```bash
# humanlike evaluate --model torchvision:convnext_tiny --out runs/      # or timm:<name>, python:<module>:<factory>
# humanlike benchmark --extra-dir runs/                                 # the table above, with your model
# python tools/build_book.py -p extra_dirs '["runs/"]'                  # every chapter, with your model
# ```
#
# Evaluating all 17 datasets needs their stimuli, which `humanlike evaluate` downloads once from the benchmark's
# release (internet access needed); on a GPU it takes minutes.

# %% [markdown]
# ## Take-away

# %% tags=["remove-input"]
Markdown(results.benchmark_take_away(intervals))
