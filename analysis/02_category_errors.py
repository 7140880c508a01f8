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
# # Category-level errors
#
# Accuracy says how often an observer errs, not *how*. When a noisy image of a cat is not called "cat", is it
# called "dog", or "knife"? A **confusion matrix** counts, for every presented category, how often each of the 16
# categories was answered (plus `na`, no answer in time). Two observers with the same accuracy can err in very
# different ways: one spreads its errors over plausible neighbours, another answers "knife" whenever it is unsure.
#
# **The paper's claim** {cite}`geirhos2020surprising`: the confusion patterns of self-supervised networks are
# similar to those of supervised networks, and both differ from those of humans; networks share category-level
# error patterns with each other, not with us.
#
# **How it is measured here.** The *confusion similarity* of two decision makers is the correlation of the 240
# off-diagonal cells of their confusion matrices (the errors only, see {doc}`../methods`), on one dataset with
# all its conditions pooled. A model's similarity *to humans* is its mean similarity to the individual human
# observers; the **human ceiling** is the mean similarity between pairs of observers, so both are computed on
# single observers' matrices and are comparable. As in {doc}`01_noise_robustness`, the self-supervised side of the
# public data is SimCLR (ResNet-50 x1) only.
#
# **Confusion similarity is this book's own measure, not the paper's**: the paper shows the confusion matrices
# themselves (as in the panels below) and the response entropy; the single number is this book's summary of
# them, and the verdict on the landing page rests on it. Read it with the response entropy beside it: where a
# network's answers collapse onto a few categories (typically at strong distortions), a few large cells decide
# the correlation, and a low similarity says as much about the collapse as about the kind of errors (see *Where
# answers collapse* below).
#
# **Third-party data.** One of the paper's supervised models, AlexNet, was evaluated on all 17 datasets by another
# group with the model-vs-human toolbox itself (a fork by harvard-visionlab, torchvision weights). Its trials are
# comparable and appear as `alexnet [harvard-visionlab]`, labelled by source and drawn grey like the other models
# the published data do not hold (parameter `third_party`; `make paper` regenerates the whole zoo, see the
# introduction).

# %% tags=["parameters"]
models: "list or None" = None  # decision makers to show: model names or fnmatch globs, e.g. resnet50 and simclr-*; None: all known models
extra_dirs: list = []  # directories with more model CSVs, laid out as DIR/raw-data/<dataset>/<dataset>_<model>_session-1.csv, e.g. runs/ from humanlike evaluate
datasets: "list or None" = None  # datasets to include, e.g. sketch and uniform-noise; None: all 17
bootstrap: int = 1000  # bootstrap resamples (of images) for the 95% intervals of the confusion similarity
seed: int = 0  # random seed of the bootstrap
third_party: bool = True  # add other groups' evaluations of the paper's models made with the model-vs-human toolbox (AlexNet), labelled by source
compare: list = ["resnet50", "simclr-resnet50x1"]  # the two models whose confusion matrices are shown beside the humans' (model names; none shown: the first two models shown)

# %% tags=["hide-input"]
from IPython.display import Markdown

from humanlike import charts, data, metrics, params, results
from humanlike.text import md, show_note

models, extra_dirs, datasets, bootstrap, seed = params.chapter(
    models=models, extra_dirs=extra_dirs, datasets=datasets, bootstrap=bootstrap, seed=seed
)
third_party = params.boolean("third_party", third_party)
compare = params.model_names("compare", compare, extra_dirs) or []

# %% tags=["hide-input"]
trials = data.load_trials(datasets=datasets, models=models, extra_dirs=extra_dirs)
trials = results.with_third_party(trials, models, include=third_party)  # other groups' runs of the paper's models
shown = results.ordered_datasets(trials["dataset"])
start = "uniform-noise" if "uniform-noise" in shown else shown[0]
confusions = results.confusion_matrices(trials)
similarity = results.confusion_similarity_summary(trials, n_boot=bootstrap, seed=seed)
pairs = results.confusion_similarity_matrix(trials)
entropy = results.response_entropy_table(trials)

# %% tags=["remove-input"]
# Models that cover only part of a dataset's images are named; nothing shows when none is.
show_note(results.partial_models_note(trials))

# %% [markdown]
# ## What the current data say
#
# Computed at every build from the data and parameters of this page. A model counts as *clearly below the human
# ceiling* on a dataset when the upper end of its 95% interval lies below the lower end of the ceiling's.

# %% tags=["hide-input"]
f = results.category_findings(similarity, pairs)
per_model = results.confusion_findings(similarity, order=charts.decision_maker_order(similarity["subject"].unique()))
lines = []
if f["n_ceiling"]:
    lines.append(md(
        "**Human ceiling.** Pairs of human observers reach a confusion similarity between {ceiling_min:.2f} "
        "({ceiling_min_dataset}) and {ceiling_max:.2f} ({ceiling_max_dataset}) on the {n_ceiling} datasets; the "
        "models' similarity to human observers ranges from {models_min:.2f} to {models_max:.2f}.", **f))
if len(per_model):
    below = "; ".join(f"{r.subject} {r.below_ceiling} of {r.n_datasets}" for r in per_model.itertuples())
    closer = "; ".join(f"{r.subject} {r.closer_to_models} of {r.n_datasets}" for r in per_model.itertuples())
    lines.append(md("**Models against the ceiling.** Datasets on which a model is clearly below the human "
                    "ceiling: {below}.", below=below))
    lines.append(md("**Models among themselves.** Datasets on which a model's confusions are more similar to the "
                    "other models' than to the human observers': {closer}.", closer=closer))
if f["simclr_tested"]:
    lines.append(md(
        "**SimCLR.** Its confusions correlate more with supervised ResNet-50's than with the pooled human "
        "observers' on {simclr_nearer} of {simclr_n} datasets (median correlation {simclr_median_resnet50:.2f} "
        "with ResNet-50, {simclr_median_humans:.2f} with humans).", **f))
Markdown("\n\n".join(lines))

# %% [markdown]
# ## Humans and two models side by side
#
# As in the paper's figure: the confusion matrices of all human observers pooled and of two models (the
# `compare` parameter chooses them), for the dataset picked. Columns: the presented category; rows: the answer;
# each column sums to 1. The same square-root colour scale in every panel; hover for proportions and counts.

# %% tags=["hide-input"]
present = charts.decision_maker_order(set(confusions["subject"]) - {results.HUMANS})
chosen = [m for m in compare if m in present] or present[:2]  # the first models shown when none of compare is
panels = [results.HUMANS, *chosen]
if len(panels) > 1:
    display(charts.figure(
        charts.confusion_panels(confusions, subjects=panels, rows=metrics.RESPONSES, columns=data.CATEGORIES,
                                dataset_options=shown, dataset_value=start),
        (
            "Confusion matrices of the humans and two models side by side, for the dataset picked (same "
            "square-root colour scale in every panel)."
        ),
    ))
else:
    display(Markdown("*No model among the data shown.*"))

# %% [markdown]
# ## Confusion matrices
#
# Pick a dataset and a decision maker: *humans* pools the trials of all human observers of the dataset. Columns:
# the presented category; rows: the answer; each column sums to 1 (the diagonal holds the correct answers). The
# colour scale is a square-root scale, so that rare confusions stay visible; hover for proportions and counts.

# %% tags=["hide-input"]
charts.figure(
    charts.confusion_heatmap(
        confusions,
        rows=metrics.RESPONSES,
        columns=data.CATEGORIES,
        dataset_options=shown,
        dataset_value=start,
        subject_value=results.HUMANS,
    ),
    (
        "Confusion matrix of the dataset and decision maker picked: the proportion of answers (rows) for each"
        " presented category (columns), each column summing to 1, on a square-root colour scale."
    ),
)

# %% [markdown]
# ## How human-like are the confusions?
#
# For the dataset picked: round dots, each model's mean confusion similarity to the human observers, and (top
# row) the human ceiling, the mean over pairs of observers; grey band: the range of those pairs. Squares: a
# model's mean similarity to the other models shown. Whiskers: 95% bootstrap intervals (images resampled within
# each condition; normal intervals from the bootstrap spread, since resampling images adds noise to every matrix
# and lowers or raises the correlations themselves).

# %% tags=["hide-input"]
charts.figure(
    charts.similarity_chart(similarity, dropdown_options=shown, dropdown_value=start),
    (
        "Confusion similarity with the human observers (round dots) and with the other models (squares) on "
        "the dataset picked; top row: the human ceiling, the mean over pairs of observers, with the range of "
        "those pairs as a grey band. Whiskers: 95% bootstrap intervals (normal intervals from the bootstrap "
        "spread)."
    ),
)

# %% [markdown]
# The full matrix of confusion similarities between the models and the pooled human observers, for the dataset
# picked. Models resembling each other more than they resemble humans show up as a bright block that excludes
# the *humans* row.

# %% tags=["hide-input"]
charts.figure(
    charts.heatmap(
        pairs,
        x="subject_a",
        y="subject_b",
        value="confusion_similarity",
        dropdown="dataset",
        dropdown_options=shown,
        dropdown_value=start,
        x_sort=charts.decision_maker_order(pairs["subject_a"].unique()),
        y_sort=charts.decision_maker_order(pairs["subject_a"].unique()),
        x_title="decision maker",
        y_title="compared with",
        value_title="similarity",
        domain=(-1, 1),
        text_format=".2f",
        width=380,
        height=380,
    ),
    (
        "Confusion similarity of every pair of decision makers (models and the pooled humans) on the dataset "
        "picked: the correlation of their off-diagonal confusion entries, from -1 to 1."
    ),
)

# %% [markdown]
# ## Response entropy
#
# Does a decision maker use all 16 categories equally often, or does it prefer a few? The entropy of its
# answers, in bits: 4 bits when all categories are answered equally often (the datasets are balanced, so a
# perfect observer gets 4 bits), less when some categories are favoured. Each human observer is shown, and
# *humans* pools their answers.

# %% tags=["hide-input"]
charts.figure(
    charts.bar_chart(
        entropy,
        x="subject",
        y="entropy",
        dropdown_options=shown,
        dropdown_value=start,
        y_domain=(0, 4),
        reference=4.0,
        horizontal=True,
        x_title="decision maker",
        y_title="response entropy (bits)",
        tooltip=["n_responses"],
        height=max(160, 16 * entropy["subject"].nunique()),
    ),
    (
        "Response entropy of every decision maker on the dataset picked, in bits; dashed line: 4 bits, all 16"
        " categories answered equally often. No whiskers: one value per decision maker."
    ),
)

# %% [markdown]
# ## Where answers collapse
#
# Each model's confusion similarity to the human observers beside its response entropy, on the datasets where
# its entropy lies more than one bit below the least spread observer's (half as many categories in effective
# use, $2^H$): there the similarity is driven by the collapse.

# %% tags=["hide-input"]
beside = results.similarity_with_entropy(similarity, entropy)
collapsed = beside[beside["collapsed"]]
display(Markdown(md("Answers collapse in {n} of {total} model–dataset cells{which}.", n=len(collapsed),
                    total=len(beside), which=(": " + "; ".join(f"{r.subject} on {r.dataset}"
                                                               for r in collapsed.itertuples())) if len(collapsed) else "")))
if len(collapsed):
    display(collapsed.drop(columns="collapsed").set_index(["dataset", "subject"]).round(2))

# %% [markdown]
# ## Response entropy across distortion levels
#
# The paper's entropy plots: for the twelve parametric datasets, the entropy of each decision maker's answers at
# every distortion level, from the undistorted images (left) to the strongest distortion (right). Orange band: the
# range over human observers, line: their mean; click a model in the legend to see its 95% bootstrap interval
# (images resampled within each level; the `bootstrap` parameter). Dashed line: 4 bits, all categories answered
# equally often. Humans keep spreading their answers as images get harder; a network that collapses onto a few
# categories drops towards 0.

# %% tags=["hide-input"]
if any(d in data.PARAMETRIC_DATASETS for d in shown):
    by_level = results.entropy_by_level(trials, n_boot=bootstrap, seed=seed)
    levels_shown = [d for d in shown if d in data.PARAMETRIC_DATASETS]
    display(charts.figure(
        charts.distortion_chart(
            by_level,
            y="entropy",
            y_domain=(0, 4),
            reference=4.0,
            y_title="response entropy (bits)",
            dropdown_options=levels_shown,
            dropdown_value="uniform-noise" if "uniform-noise" in levels_shown else None,
            tooltip=["condition", "interval"],
        ),
        (
            "Response entropy (bits) at each distortion level of the dataset picked, undistorted on the left. "
            "Orange band: the range of the human observers (line: their mean); the band of a model selected in "
            "the legend: its 95% bootstrap interval (images resampled within each level). Dashed line: 4 bits."
        ),
    ))
else:
    display(Markdown("*None of the twelve parametric datasets is among the chosen datasets.*"))

# %% [markdown]
# ## Take-away
#
# The claim's verdict, judged as on the landing page (the same function, models and bootstrap): are supervised
# (a) and self-supervised (b) networks' confusions clearly less human-like than humans' own? The measure is the
# book's confusion similarity (above); where answers collapse, read it with the entropy.

# %% tags=["remove-input"]
from humanlike.results.claims import claim_verdicts, judged_models, take_away

Markdown(take_away(claim_verdicts(trials, judged_models(trials), claims=[1], n_boot=bootstrap, seed=seed).iloc[0]))
