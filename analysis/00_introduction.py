# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (humanlike)
#     language: python
#     name: humanlike
# ---

# %% [markdown]
# # Do self-supervised models see like us?
#
# *A living version of Geirhos, Narayanappa, Mitzkus, Bethge, Wichmann and Brendel (2020), "On the surprising
# similarities between supervised and self-supervised models" {cite}`geirhos2020surprising`, rebuilt from the
# public model-vs-human raw data.*
#
# ## The question
#
# Humans learn to recognise objects without millions of labelled examples. For a long time the best object
# recognition networks did need them: they were trained *supervised*, on ImageNet's 1.3 million labelled images.
# Self-supervised learning changed that. Methods such as SimCLR {cite}`chen2020simple` learn a visual
# representation from unlabelled images, by making the representations of two augmented views of the same image
# agree; a linear read-out trained afterwards turns the representation into a classifier that rivals supervised
# ones on ImageNet.
#
# If the way a network is trained shapes *how* it recognises objects, then learning without labels, in a way that
# is arguably closer to how humans learn, might also yield behaviour closer to human behaviour. The paper tested
# this directly: it compared supervised and self-supervised networks with human observers in the same
# psychophysical experiments, trial by trial.
#
# ## What the paper found
#
# Observers (humans and networks) saw images from 16 everyday categories (airplane, bear, ..., truck) that were
# distorted in controlled ways: noise, reduced contrast, filtering, eidolon distortions, line drawings,
# silhouettes, and images in which the shape of one category carries the texture of another. In every trial the
# observer picks one of the 16 categories (see {doc}`../methods`). Surprisingly, the self-supervised networks
# shared four key characteristics of their supervised counterparts:
#
# 1. **Poor noise robustness, with SimCLR the exception.** Accuracy of most networks falls off much faster than
#    human accuracy when noise or other distortions grow. SimCLR is the notable exception on noise (its training
#    relies on particularly strong data augmentation, a likely reason) ({doc}`01_noise_robustness`).
# 2. **Non-human category-level error patterns.** *Which* categories get confused with which (the confusion
#    matrix) is similar among networks, supervised or not, and different from humans ({doc}`02_category_errors`).
# 3. **Non-human image-level error patterns.** Whether two observers err on the *same images*, beyond what their
#    accuracies predict, is measured by error consistency (Cohen's $\kappa$ {cite}`geirhos2020beyond`). Humans agree
#    with each other; networks agree with each other, supervised and self-supervised alike, but not with humans
#    ({doc}`03_image_errors`).
# 4. **A texture bias.** On cue-conflict images (the shape of a cat with the texture of an elephant) humans answer
#    by shape; networks of both kinds mostly answer by texture {cite}`geirhos2019imagenet`
#    ({doc}`04_shape_bias`).
#
# The learned strategies end up surprisingly similar to each other across training objectives, and distant from
# human behaviour.
#
# ## What this living version adds
#
# * **Every figure is rebuilt from the public raw data** at every build of the book, with the decision makers and
#   datasets you choose. Each chapter is a notebook (`analysis/NN_<topic>.py`) with documented parameters.
# * **Your own model.** `humanlike evaluate` runs a model on the stimuli and writes its trials in the same format;
#   rerun any chapter with it (below) and it appears in every chart next to the published decision makers.
# * **A benchmark** ({doc}`05_benchmark`) that summarises how human-like a decision maker is, with bootstrap
#   intervals.
# * **Third-party data, labelled by source.** Other groups have published evaluations made with other pipelines
#   (e.g. an older 16-class aggregation, or other training methods such as MoCo v3 and DINO on cue-conflict). They
#   are shown where they help and always marked with their source; they are never mixed silently with the
#   toolbox's own evaluations.
#
# What the public data can and cannot show: the raw data of model-vs-human contain the human trials and the
# toolbox's own evaluations of ResNet-50, BagNet-33, SimCLR (ResNet-50 x1) and six weakly-supervised SWAG models.
# The other self-supervised models of the paper (InsDis, MoCo, MoCo v2, PIRL, InfoMin, the wider SimCLR models)
# are not in the public raw data; they enter this book only as models you evaluate yourself or through
# third-party data.
#
# ## How to read and rerun it
#
# The charts are interactive in the page itself, without a server: pick a dataset or decision maker in the
# dropdown under a chart, click a legend entry to highlight it (shift-click for several), hover for exact values.
# Widgets built with ipywidgets (like the trial explorer at the end of this page) need a live Python kernel; in
# the static page they show the state they were saved in.
#
# Each chapter starts with a cell of **parameters**. To rerun a chapter with other ones, from the repository root:
#
# ```bash
# # evaluate your model once (writes runs/raw-data/<dataset>/<dataset>_<name>_session-1.csv);
# # only the cue-conflict, edge and silhouette stimuli are public, so evaluate on those
# humanlike evaluate --model efficientnet-lite0 --datasets cue-conflict edge silhouette --out runs/
# # re-execute chapter 04 with it and rebuild the HTML (_build/html)
# python tools/build_book.py --only 04 -p models '["resnet50", "efficientnet-lite0"]' -p extra_dirs '["runs/"]'
# # list a chapter's parameters
# python tools/build_book.py --parameters 04
# ```
#
# `tools/build_book.py` converts the notebook with jupytext and executes it with papermill. To do that by hand
# (papermill reads `.ipynb`, and its `-p` passes a list as text, which the chapters accept):
#
# ```bash
# jupytext --to ipynb analysis/04_shape_bias.py -o /tmp/04.ipynb
# papermill --help-notebook /tmp/04.ipynb
# papermill /tmp/04.ipynb book/chapters/04_shape_bias.ipynb -k humanlike \
#     -p models '["resnet50", "efficientnet-lite0"]' -p extra_dirs '["runs/"]'
# ```
#
# Or open `analysis/NN_<topic>.py` in Jupyter (jupytext opens it as a notebook) and edit the parameter cell.

# %% tags=["parameters"]
models: "list or None" = None  # decision makers to show: list of model names or fnmatch globs, e.g. resnet50 and swag-*; None: all known models
extra_dirs: list = []  # directories with more model CSVs, laid out as DIR/raw-data/<dataset>/<dataset>_<model>_session-1.csv, e.g. runs/ from humanlike evaluate
datasets: "list or None" = None  # datasets to include, e.g. cue-conflict and contrast; None: all 17
bootstrap: int = 1000  # bootstrap resamples (of images) for the 95% intervals
seed: int = 0  # random seed of the bootstrap

# %% tags=["hide-input"]
from IPython.display import HTML

from humanlike import charts, data, metrics, params, results
from humanlike.explorer import Explorer
from humanlike.text import html_text

models, extra_dirs, datasets, bootstrap, seed = params.chapter(
    models=models, extra_dirs=extra_dirs, datasets=datasets, bootstrap=bootstrap, seed=seed
)

# %% tags=["hide-input"]
trials = data.load_trials(datasets=datasets, models=models, extra_dirs=extra_dirs)
shown = results.ordered_datasets(trials["dataset"])

# %%

# %% [markdown]
# ## The data
#
# The table counts the trials behind this book: for each dataset, how many human observers and models answered,
# and how many trials each group contributed.

# %% tags=["hide-input"]
results.trial_counts(trials)

# %% [markdown]
# ## Accuracy per dataset
#
# A first look: the 16-class accuracy of every decision maker, one dataset at a time (all conditions of a dataset
# pooled, so distorted and undistorted images count alike). Each human observer is shown separately, in shades of
# the human colour; models are coloured by how they were trained. Whiskers: 95% percentile bootstrap intervals
# over images (the `bootstrap` parameter sets the number of resamples); dashed line: chance (1/16). On cue-conflict "accuracy" counts the
# shape category as correct.

# %% tags=["hide-input"]
accuracy = metrics.bootstrap_accuracy(trials, per="dataset", n_boot=bootstrap, seed=seed)
accuracy = accuracy[["dataset", "subject", "accuracy", "ci_low", "ci_high"]]
chart = charts.bar_chart(
    accuracy,
    x="subject",
    y="accuracy",
    lower="ci_low",
    upper="ci_high",
    color="subject",
    dropdown="dataset",
    dropdown_options=shown,
    dropdown_value="cue-conflict" if "cue-conflict" in shown else None,
    reference=metrics.CHANCE,
    horizontal=True,
    x_title="decision maker",
    y_title="accuracy (16-class)",
    height=max(200, 16 * accuracy["subject"].nunique()),
    width=420,
)
chart

# %% [markdown]
# The colours used throughout the book:

# %% tags=["hide-input"]
HTML(
    " ".join(
        f"<span style='display:inline-block;margin-right:1em'><span style='color:{colour}'>&#9632;</span> "
        f"{html_text(kind)}</span>"
        for kind, colour in charts.TRAINING_COLORS.items()
    )
)

# %% [markdown]
# ## Explore single trials
#
# Pick a dataset, a condition and an image to see what every decision maker answered. The stimuli of
# cue-conflict, edge and silhouette are public and shown; for the other datasets only the answers are.
#
# ```{note}
# This explorer is an ipywidgets widget and needs a live Python kernel: open `analysis/00_introduction.py` in
# Jupyter to use it. In this static page it shows the selection it was saved with.
# ```

# %% tags=["hide-input"]
Explorer(trials, dataset="cue-conflict" if "cue-conflict" in shown else None)
