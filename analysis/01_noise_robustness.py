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
# # Noise robustness
#
# How much distortion can an observer take before recognition breaks down? Twelve of the datasets vary one
# distortion in steps: contrast is lowered, images are low- or high-pass filtered, phases are scrambled, eidolon
# distortions displace the pixels, uniform noise is added, and so on (see {doc}`../methods`). Humans and networks
# saw the same images at every level.
#
# **The paper's claim** {cite}`geirhos2020surprising`: self-supervised networks are no more robust to these
# distortions than supervised ones; both fall off faster than humans as distortions grow, as supervised networks
# were known to do {cite}`geirhos2018generalisation`. The exception is SimCLR {cite}`chen2020simple` on uniform
# noise, probably because its training uses strong data augmentation.
#
# **What the public data can test.** The raw data hold one self-supervised model, SimCLR (ResNet-50 x1), next to
# the supervised ResNet-50 {cite}`he2016deep` and BagNet-33 {cite}`brendel2019approximating` and six
# weakly-supervised SWAG models {cite}`singh2022revisiting` that came after the paper. The other self-supervised
# models of the paper (InsDis, MoCo, MoCo v2, PIRL, InfoMin, SimCLR x2 and x4) are not in the public raw data, so
# the first half of the claim, "self-supervised like supervised", rests here on models you add yourself (see
# {ref}`add-your-own-models`). The SimCLR exception can be checked directly.
#
# **Third-party data.** One of the paper's supervised models, AlexNet, was evaluated on all 17 datasets by another
# group with the model-vs-human toolbox itself (a fork by harvard-visionlab, torchvision weights). Its trials are
# comparable and appear as `alexnet [harvard-visionlab]`, labelled by source and drawn grey like the other models
# the published data do not hold (parameter `third_party`; `make paper` regenerates the whole zoo, see the
# introduction).

# %% tags=["parameters"]
models: "list or None" = None  # decision makers to show: model names or fnmatch globs, e.g. resnet50 and simclr-*; None: all known models
extra_dirs: list = []  # directories with more model CSVs, laid out as DIR/raw-data/<dataset>/<dataset>_<model>_session-1.csv, e.g. runs/ from humanlike evaluate
datasets: "list or None" = None  # parametric datasets to include, e.g. uniform-noise and contrast; None: all 12
bootstrap: int = 1000  # bootstrap resamples (of images) for the 95% intervals
seed: int = 0  # random seed of the bootstrap
third_party: bool = True  # add other groups' evaluations of the paper's models made with the model-vs-human toolbox (AlexNet), labelled by source

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import Markdown

from humanlike import charts, data, metrics, params, results
from humanlike.text import md, show_note

models, extra_dirs, datasets, bootstrap, seed = params.chapter(
    models=models, extra_dirs=extra_dirs, datasets=datasets, bootstrap=bootstrap, seed=seed,
    allowed_datasets=data.PARAMETRIC_DATASETS, why="has no distortion levels (a nonparametric dataset)",
)
third_party = params.boolean("third_party", third_party)

# %% tags=["hide-input"]
trials = data.load_trials(datasets=datasets or data.PARAMETRIC_DATASETS, models=models, extra_dirs=extra_dirs)
trials = results.with_third_party(trials, models, include=third_party)  # other groups' runs of the paper's models
shown = results.ordered_datasets(trials["dataset"])
by_level = results.accuracy_by_level(trials, n_boot=bootstrap, seed=seed)
ood = results.ood_accuracy(trials, n_boot=bootstrap, seed=seed)
shown_models = charts.decision_maker_order(ood.loc[ood["subject"] != results.HUMANS, "subject"].unique())
# SimCLR minus ResNet-50 comes from the trials of those two alone (results.simclr_differences), the number the
# landing page's verdict shows too; the rest of the pairs from every model shown.
from humanlike.results.claims import claim_evidence, claim_verdicts, judged_models, take_away

evidence = claim_evidence(trials, judged_models(trials), claims=[0], n_boot=bootstrap, seed=seed)
simclr = evidence["simclr"]
pairs = [p for p in results.robustness_pairs(shown_models) if p != (results.SIMCLR, results.SUPERVISED)]
gap = pd.concat([results.ood_accuracy_difference(trials, pairs, n_boot=bootstrap, seed=seed), simclr],
                ignore_index=True)

# %% tags=["remove-input"]
# Models that cover only part of a dataset's images are named; nothing shows when none is.
show_note(results.partial_models_note(trials))

# %% [markdown]
# ## What the current data say
#
# The numbers below are computed from the data at every build of this page (with the decision makers and
# datasets chosen in the parameters). *OOD accuracy* is the out-of-distribution accuracy of the benchmark
# {cite}`geirhos2021partial`: accuracy per distortion level, leaving out the undistorted images and the levels at
# which humans are near chance, averaged over levels; for humans the mean over observers. Intervals are 95%
# bootstrap intervals over images (for the humans' mean: over observers, then images; see {doc}`../methods`); a
# difference counts as clear when its (paired) interval excludes zero.

# %% tags=["hide-input"]
f = results.robustness_findings(ood, gap, shown_models)
SIMCLR_VS_RESNET50 = {
    "above": "SimCLR is clearly more robust to noise than its supervised counterpart, as the paper reports.",
    "below": "SimCLR is clearly *less* robust to noise than ResNet-50, unlike what the paper reports.",
    "unclear": "The two cannot be told apart on these data, unlike what the paper reports.",
}
SIMCLR_VS_HUMANS = {"above": "above", "below": "below", "unclear": "within the uncertainty of"}
lines = []
if f["simclr_tested"]:
    lines.append(
        md("**Uniform noise, SimCLR against ResNet-50.** OOD accuracy of SimCLR {simclr}, of ResNet-50 {resnet50}: "
           "a difference of {simclr_minus_resnet50}. ", **f)
        + SIMCLR_VS_RESNET50[f["simclr_vs_resnet50"]]
        + md(" Humans reach {humans}; SimCLR differs from them by {simclr_minus_humans}, ", **f)
        + SIMCLR_VS_HUMANS[f["simclr_vs_humans"]] + " human robustness."
    )
else:
    lines.append("**Uniform noise, SimCLR against ResNet-50:** not computed: uniform-noise, `simclr-resnet50x1` "
                 "or `resnet50` is not among the data selected in the parameters.")
if f["tally"]:
    lines.append(
        md("**All {n} parametric datasets shown.** On how many datasets a model's OOD accuracy is clearly below / "
           "clearly above the human mean: {tally}.", n=f["n_datasets"],
           tally="; ".join(f"{name} {below} / {above}" for name, below, above in f["tally"]))
        + md(" Models below humans on more than half of them: {worse}", worse=", ".join(f["worse"]) or "none")
        + (md(" (training: {kinds}).", kinds=", ".join(f["worse_trainings"])) if f["worse_trainings"] else ".")
    )
Markdown("\n\n".join(lines))

# %% [markdown]
# ## SimCLR against ResNet-50 on every dataset
#
# The paper's explanation of the SimCLR exception is its training: strong data augmentation (colour distortion,
# blur) makes the representation robust to noise. If that is the reason, uniform noise should stand out among
# the distortions. Each row: SimCLR's OOD accuracy minus ResNet-50's (same architecture), in accuracy points,
# with a paired 95% bootstrap interval over images; computed from the trials of these two models alone, so the
# same number appears in the verdict on the landing page.

# %% tags=["hide-input"]
if simclr.empty:
    display(Markdown("*Not computed: `simclr-resnet50x1` or `resnet50` is not among the models shown.*"))
else:
    display((simclr.set_index("dataset")[["difference", "ci_low", "ci_high"]] * 100).round(1)
            .rename(columns={"difference": "SimCLR − ResNet-50 (points)", "ci_low": "95% CI low",
                             "ci_high": "95% CI high"}))
    standout = results.noise_standout(simclr)
    if standout["tested"]:
        display(Markdown(standout["sentence"]))

# %% [markdown]
# ## Accuracy at each distortion level
#
# Pick a dataset in the dropdown. The x axis runs from the undistorted images (left) to the strongest distortion
# (right); its parameter is named above the plot (for contrast and high-pass filtering the *value* decreases to
# the right). Orange band: the range of the human observers, line: their mean. Click a model in the legend to
# highlight it and see its 95% bootstrap interval (shift-click for several); hover for exact values. Dashed line:
# chance (1/16).

# %% tags=["hide-input"]
charts.figure(
    charts.distortion_chart(
        by_level,
        y_title="accuracy (16-class)",
        reference=metrics.CHANCE,
        dropdown_options=shown,
        dropdown_value="uniform-noise" if "uniform-noise" in shown else None,
        tooltip=["condition", "interval"],
    ),
    (
        "Accuracy at each distortion level of the dataset picked, undistorted on the left. Orange band: the "
        "range of the human observers (line: their mean); the band of a model selected in the legend: its 95%"
        " bootstrap interval over images. Dashed line: chance (1/16). Shaded: the levels that count towards OOD"
        " accuracy (the others are left out of it, see the next figure)."
    ),
)

# %% [markdown]
# ## OOD accuracy per model
#
# One number per decision maker and dataset, as in the benchmark (see {doc}`05_benchmark`); "all datasets"
# averages over the parametric datasets shown here (the benchmark also includes the five nonparametric ones).
# Whiskers: 95% bootstrap intervals over images.

# %% tags=["hide-input"]
charts.figure(
    charts.bar_chart(
        ood,
        x="subject",
        y="ood_accuracy",
        lower="ci_low",
        upper="ci_high",
        dropdown_options=[results.ALL_DATASETS, *shown],
        dropdown_value="uniform-noise" if "uniform-noise" in shown else None,
        reference=metrics.CHANCE,
        horizontal=True,
        x_title="decision maker",
        y_title="OOD accuracy",
        tooltip=["training", "n_conditions"],
        height=max(160, 22 * ood["subject"].nunique()),
    ),
    (
        "OOD accuracy of every decision maker on the dataset picked (all datasets: the mean over the "
        "parametric datasets shown; a model evaluated on fewer of them is drawn hollow and dashed, and the "
        "table below says how many). Whiskers: 95% bootstrap intervals over images; dashed line: chance (1/16)."
    ),
)

# %% [markdown]
# ## Where models fall short of humans
#
# Each cell: a model's OOD accuracy minus the human mean on one dataset, in accuracy points (red: below humans,
# blue: above). Hover for the paired 95% bootstrap interval; `clear` says whether it excludes zero.

# %% tags=["hide-input"]
charts.figure(
    charts.heatmap(
        results.difference_cells(gap),
        x="dataset",
        y="subject_a",
        value="points",
        dropdown=None,
        x_sort=shown,
        y_sort=shown_models,
        x_title="dataset",
        y_title="model",
        value_title="points vs. humans",
        domain=(-60, 60),
        scheme="redblue",
        tooltip=["interval", "clear"],
        height=22 * len(shown_models),
        width=420,
    ),
    (
        "OOD accuracy of each model minus the human mean, in accuracy points, per dataset (red: below humans,"
        " blue: above). No whiskers: the tooltip gives the paired 95% bootstrap interval of each difference."
    ),
)

# %% [markdown]
# The table behind the charts, rounded (`ood` in this notebook holds full precision):

# %% tags=["hide-input"]
results.ood_accuracy_table(ood, [results.HUMANS, *shown_models], shown)

# %% [markdown]
# (add-your-own-models)=
# ## Add your own models
#
# The other self-supervised models of the paper are in `humanlike`'s model zoo. Evaluating them needs the
# stimuli of the parametric datasets, which `humanlike evaluate` downloads once from the model-vs-human release
# (this needs internet access; the mirror used to build this book holds only the cue-conflict, edge and
# silhouette images):
#
# ```bash
# humanlike evaluate --model MoCoV2 --datasets uniform-noise contrast eidolonI --out runs/
# humanlike evaluate --model simclr-resnet50x4 --datasets uniform-noise contrast eidolonI --out runs/
# python tools/build_book.py --only 01 -p models '["resnet50", "simclr-*", "MoCoV2"]' -p extra_dirs '["runs/"]'
# ```
#
# The new models then appear in every chart and number above, coloured by their training type.

# %% [markdown]
# ## Take-away
#
# The claim's verdict, judged as on the landing page (the same function, models and bootstrap): parts (a) and (b)
# ask whether supervised and self-supervised networks fall short of humans on most datasets, part (c) whether
# SimCLR is the exception on uniform noise.

# %% tags=["remove-input"]
Markdown(take_away(claim_verdicts(trials, judged_models(trials), claims=[0], n_boot=bootstrap, seed=seed,
                                  evidence=evidence).iloc[0]))
