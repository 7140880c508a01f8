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
# # Texture versus shape
#
# Show a human the outline of a cat filled with the skin of an elephant, and they will say "cat". Show it to an
# ImageNet-trained network, and it will most likely say "elephant". Geirhos et al. {cite}`geirhos2019imagenet`
# built 1,280 such **cue-conflict** images by style transfer: the shape of one of the 16 categories with the
# texture of another. The **shape bias** of an observer is the fraction of shape decisions among the trials
# answered with either the shape or the texture category (images whose two cues agree are left out; see
# {doc}`../methods`):
#
# $$ \text{shape bias} = \frac{n_\text{shape}}{n_\text{shape} + n_\text{texture}} . $$
#
# **The paper's claim** {cite}`geirhos2020surprising`: self-supervised networks share the texture bias of
# supervised ones. Humans decide by shape; networks of both kinds mostly by texture. Learning without labels
# does not, by itself, make a network see shapes the way humans do.

# %% tags=["parameters"]
models: "list or None" = None  # decision makers to show: list of model names or fnmatch globs, e.g. resnet50 and simclr-*; None: all known models
extra_dirs: list = []  # directories with more model CSVs, laid out as DIR/raw-data/<dataset>/<dataset>_<model>_session-1.csv, e.g. runs/ from humanlike evaluate
datasets: "list or None" = None  # datasets of the trial explorer at the end, e.g. cue-conflict, edge and silhouette (public stimuli); None: cue-conflict. The shape bias always uses cue-conflict
bootstrap: int = 1000  # bootstrap resamples (of images) for the 95% intervals
seed: int = 0  # random seed of the bootstrap and of the example images
third_party: bool = True  # also show other groups' published evaluations, labelled by source
examples: int = 6  # number of example stimuli shown with every answer

# %% tags=["hide-input"]
import pandas as pd
from IPython.display import Markdown

from humanlike import charts, data, params, results
from humanlike.explorer import Explorer
from humanlike.text import md, show_note

models, extra_dirs, explored, bootstrap, seed = params.chapter(
    models=models, extra_dirs=extra_dirs, datasets=datasets, bootstrap=bootstrap, seed=seed
)
explored = explored or ["cue-conflict"]
third_party = params.boolean("third_party", third_party)
examples = params.positive_int("examples", examples, maximum=len(data.CATEGORIES))  # one per shape category

# %% tags=["hide-input"]
trials = data.load_trials(datasets=sorted({"cue-conflict", *explored}), models=models, extra_dirs=extra_dirs)
cue = trials[trials["dataset"] == "cue-conflict"]
others = data.load_third_party(datasets=["cue-conflict"]) if third_party else None

table = results.shape_bias_intervals(cue, others, n_boot=bootstrap, seed=seed)
summary = results.shape_bias_summary(table)

# %% tags=["remove-input"]
# Models that cover only part of a dataset's images are named; nothing shows when none is.
show_note(results.partial_models_note(trials))

# %% [markdown]
# ## Some of the stimuli
#
# A few cue-conflict images, drawn at random (one per shape category; the `seed` parameter picks them), with the
# answers of all human observers and of each model. Blue: the answer names the shape category; orange: the
# texture category; grey: something else.

# %% tags=["hide-input"]
picked = results.cue_conflict_examples(cue, n=examples, seed=seed)
charts.stimulus_gallery(picked, results.stimulus_thumbnails(picked))

# %% [markdown]
# ## What the current data say

# %% tags=["remove-input"]
categories = results.shape_bias_categories(cue, others)
f = results.shape_bias_findings(table, categories)
NEARER = {"supervised": "the supervised models than to humans", "humans": "humans than to the supervised models"}
text = []
if pd.notna(f["humans"]):
    text.append(md(
        "Pooled over the {n_observers} observers, humans answered by shape in {humans:.0%} of the trials that named "
        "one of the two cues (95% bootstrap interval {humans_low:.0%} to {humans_high:.0%}); single observers range "
        "from {observers_min:.0%} to {observers_max:.0%}.", **f))
if f["n_models"]:
    text.append(md("The {n_models} models range from {model_min:.0%} ({model_min_name}) to {model_max:.0%} "
                   "({model_max_name})", **f)
                + (": each decides by texture more often than by shape." if f["models_all_texture"] else "."))
    kinds = [k for k in ("supervised", "self-supervised", "weakly-supervised") if f["n_" + k]]
    means = ", ".join(f"{k} {f['mean_' + k]:.0%} ({f['n_' + k]})" for k in kinds)
    text.append(md("Mean shape bias by training (number of models): {means}.", means=means))
    if f["ssl_nearer_to"]:
        text.append(f"The self-supervised models lie nearer to {NEARER[f['ssl_nearer_to']]}.")
if f["third_ssl_min_name"]:
    text.append(md(
        "Among the third-party evaluations, the self-supervised ResNet-50s reach {third_ssl_min:.0%} "
        "({third_ssl_min_name}) and {third_ssl_max:.0%} ({third_ssl_max_name}).", **f))
if pd.notna(f["sin_min"]):
    text.append(
        md("The networks trained on Stylized-ImageNet, whose textures say nothing about the category, reach "
           "{sin_min:.0%} to {sin_max:.0%}", **f)
        + (md(", above every ImageNet-trained network there (at most {third_imagenet_max:.0%}).", **f)
           if f["sin_above_imagenet"] else ".")
    )
Markdown(" ".join(text))

# %% [markdown]
# ## Shape bias per decision maker
#
# Each point is one decision maker's shape bias with its 95% percentile bootstrap interval over images; colour:
# how it was trained; marker: where the evaluation comes from. The top panel holds the public model-vs-human data
# (humans pooled, each observer an open circle on the same row) and any model you added with `extra_dirs`. The
# lower panel holds **third-party evaluations**, made by other groups with other pipelines: hover for the
# source and pipeline. Dashed line: as many shape as texture decisions.

# %% tags=["hide-input"]
charts.figure(
    charts.shape_bias_chart(results.name_stylized(table)),
    (
        "Shape bias (the fraction of shape decisions among shape and texture decisions on cue-conflict "
        "images) of every decision maker, sorted; open circles: single human observers. Whiskers: 95% "
        "bootstrap intervals; dashed line: 0.5. Lower panel: third-party evaluations."
    ),
)

# %% [markdown]
# The numbers behind the chart, grouped:

# %% tags=["hide-input"]
summary.set_index(["panel", "kind", "training", "training_data"]).drop(columns=["lowest", "highest"]).round(3)

# %% [markdown]
# ## Shape bias per category
#
# As in the original figures {cite}`geirhos2019imagenet,geirhos2020surprising`: for each shape category, the
# fraction of shape decisions of each decision maker (humans: diamonds), and each decision maker's overall shape
# bias as a vertical line. Pick the group of models in the dropdown (the model-vs-human data, or one third-party
# source); click a legend entry to highlight one decision maker. Left: one cue-conflict stimulus of each shape
# category from the data, drawn with the `seed` parameter (hover for its name). Networks trained on
# Stylized-ImageNet carry "(Stylized-ImageNet)" in their names; in a third-party group every model has a colour of
# its own.

# %% tags=["hide-input"]
charts.figure(
    charts.shape_category_pictures(
        results.name_stylized(categories, table), results.name_stylized(table), results.category_pictures(cue, seed=seed)
    ),
    (
        "Fraction of shape decisions per category, with an example stimulus per category, for the group of "
        "models picked: humans (diamonds) and each model (dots); vertical lines: each decision maker's "
        "overall shape bias. No whiskers: one value per category."
    ),
)

# %% tags=["remove-input"]
Markdown(
    md("Even in their least shape-driven category ({humans_category_min_name}), humans choose the shape in "
       "{humans_category_min:.0%} of the informative trials; of the model-by-category cells of the model-vs-human "
       "data, {model_cells_below_half:.0%} lie below one half (texture wins).", **f)
    if pd.notna(f.get("humans_category_min")) and pd.notna(f.get("model_cells_below_half"))
    else ""
)

# %% [markdown]
# ## About the third-party evaluations
#
# Besides the toolbox's own evaluations, other groups have published cue-conflict trials made with their own
# code. They add points the public model-vs-human data lack, in particular self-supervised ResNet-50s trained with
# MoCo v3 {cite}`chen2021empirical` and DINO {cite}`caron2021emerging` (with a supervised ResNet-50 from the same
# pipeline as a control), and the Stylized-ImageNet-trained networks of {cite}`geirhos2019imagenet`. Their
# pipelines differ from the toolbox's (image preprocessing, and in the 2019 code an older aggregation of the
# 1,000 ImageNet classes into 16 categories: its ResNet-50 agrees with the toolbox's on only 76-85% of trials),
# so they are shown apart and labelled with their source, never pooled with the toolbox's numbers.

# %% tags=["hide-input"]
if others is None:
    display(Markdown("*Third-party data switched off (parameter `third_party`).*"))
else:
    with pd.option_context("display.max_colwidth", None):
        display(results.third_party_overview(others).set_index("source"))

# %% [markdown]
# ## Explore single trials
#
# Pick a dataset, a shape category and an image to see the stimulus and every decision maker's answer (blue: the
# shape, orange: the texture, grey: anything else). It works in this static page, on a sample of images (two per
# category, drawn with `seed`) of the datasets of the `datasets` parameter whose stimuli are public. Opened in
# Jupyter with a live kernel, the notebook also offers an ipywidgets explorer over every image (the next cell,
# left out of the static page, where it could not respond).

# %% tags=["hide-input"]
from humanlike.charts.explorer import explorer_chart
from humanlike.results import explorer as explore

sample = explore.explorer_trials(trials[trials["dataset"].isin(explored)], per_category=2, seed=seed)
if sample.empty:
    display(Markdown("*None of cue-conflict, edge or silhouette is among the datasets of the `datasets` parameter.*"))
else:
    display(charts.figure(
        explorer_chart(sample, explore.explorer_thumbnails(sample), datasets=explore.PUBLIC_STIMULI,
                       dataset=explored[0]),
        "The stimulus picked and what every decision maker answered (blue: the shape category, orange: the texture "
        "category, grey: anything else), on a sample of two images per category.",
    ))

# %% tags=["remove-cell"]
Explorer(trials[trials["dataset"].isin(explored)], dataset=explored[0])

# %% [markdown]
# ## Take-away
#
# The claim's verdict, judged as on the landing page (the same function, models and bootstrap): do humans decide
# by shape and supervised networks by texture (a), and do self-supervised networks share the texture bias (b)?
# Third-party evaluations (other pipelines) and networks trained on Stylized-ImageNet are left out of it.

# %% tags=["remove-input"]
from humanlike.results.claims import claim_verdicts, judged_models, take_away

Markdown(take_away(claim_verdicts(trials, judged_models(trials), claims=[3], n_boot=bootstrap, seed=seed).iloc[0]))
