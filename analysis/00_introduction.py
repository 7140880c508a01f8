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
# The trial explorer at the end of this page works the same way; opened in Jupyter with a live kernel, the
# notebooks also offer an ipywidgets explorer over every image.
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
verdict_models: str = "all"  # models the verdicts judge: all (every model of this build, counted by training type; third-party evaluations left out) or paper (the paper's 32 models, where present)
min_models: int = 2  # a part of a claim about one kind of network (supervised, self-supervised) needs at least this many networks of that kind
explorer_images: int = 2  # images per category and dataset in the static trial explorer (cue-conflict, edge, silhouette)

# %% tags=["hide-input"]
from IPython.display import HTML

import pandas as pd
from IPython.display import Markdown

from humanlike import charts, data, metrics, params, results
from humanlike.charts.explorer import explorer_chart
from humanlike.explorer import Explorer
from humanlike.results import explorer as explore
from humanlike.results.claims import VERDICT_MODELS, claim_verdicts, judged_models, verdict_table_html
from humanlike.results.third_party import paper_zoo_status
from humanlike.results.verdicts import data_reconciliation, partial_models_note
from humanlike.text import md, show_note

models, extra_dirs, datasets, bootstrap, seed = params.chapter(
    models=models, extra_dirs=extra_dirs, datasets=datasets, bootstrap=bootstrap, seed=seed
)
verdict_models = params.choice("verdict_models", verdict_models, VERDICT_MODELS)
min_models = params.positive_int("min_models", min_models)
explorer_images = params.positive_int("explorer_images", explorer_images, maximum=10)

# %% tags=["hide-input"]
trials = data.load_trials(datasets=datasets, models=models, extra_dirs=extra_dirs)
shown = results.ordered_datasets(trials["dataset"])
show_note(partial_models_note(trials))

# %% [markdown]
# ## Verdicts
#
# The paper's four claims, judged on the data this build used (the decision makers and datasets of this page's
# parameters). Each claim says that self-supervised networks share a property of supervised ones, away from
# humans, so each is split as the paper states it: **(a)** supervised networks show the property against
# humans; **(b)** self-supervised networks show it too; **(c)** where the paper makes one (the SimCLR exception
# of claim 1, and claim 3's "high similarity to supervised model errors") the comparison between the two kinds.
# A part about one kind of network rests on at least `min_models` networks of that kind (default 2: one network
# speaks for itself, not for its kind of training); with fewer it is *not testable with these data*, and the
# table says what would make it testable. A claim is *supported* when every part was checked and holds, *partly
# supported* when some part holds and another does not or cannot be checked, *not supported* when none holds,
# and *not testable with these data* when no part can be checked. "Most" means more than half, "clearly" that a
# 95% bootstrap interval excludes the reference; every verdict is recomputed with "most" at 40% and 60%, and one
# that changes is marked *fragile*, with the threshold at which it flips.
#
# The models column counts the networks each claim rests on by training type (others: weakly-supervised or
# unknown; they enter no part). The key number of each claim is computed once, with this page's `bootstrap` and
# `seed` and the models judged (parameter `verdict_models`), by the same function that the chapter's
# *Take-away* section calls, so the two pages show the same value (the chapters judge every model and use
# `min_models` 2, as this page does by default); the link leads there. Intervals that involve
# human observers resample the observers and then the images ({doc}`../methods`).

# %% tags=["hide-input"]
judged = judged_models(trials, verdict_models)
verdict = claim_verdicts(trials, judged, n_boot=bootstrap, seed=seed, min_models=min_models)
HTML(verdict_table_html(verdict))

# %% tags=["remove-input"]
Markdown(md("Judged on: {who} ({bootstrap} bootstrap resamples, seed {seed}).",
            who=", ".join(judged) or "no model among the data shown", bootstrap=bootstrap, seed=seed))

# %% [markdown]
# ## The data
#
# The table counts the trials behind this book: for each dataset, how many human observers and models answered,
# and how many trials each group contributed. The last row counts observer *sessions*: the data release numbers
# the observers afresh in every dataset's files, so `subject-01` of edge and `subject-01` of sketch need not be
# the same person, and the files do not say who is who.

# %% tags=["hide-input"]
results.trial_counts(trials)

# %% tags=["remove-input"]
counts = data_reconciliation(trials)
Markdown(md(
    "The paper reports {paper_datasets} datasets and about {paper_trials:,} trials; the files of this build hold "
    "{n_datasets} datasets with {n_human_trials:,} human trials (from {n_observers} observer files) and "
    "{n_model_trials:,} model trials. If the paper's 15 are these without sketch and stylized (an assumption: the "
    "files do not say which 15), {n_datasets_without_later} datasets with {n_human_trials_without_later:,} human "
    "trials remain, and how the paper arrived at about {paper_trials:,} trials cannot be traced from the released "
    "files.",
    **counts))

# %% [markdown]
# ## Accuracy per dataset
#
# A first look: the 16-class accuracy of every decision maker, one dataset at a time (all conditions of a dataset
# pooled, so distorted and undistorted images count alike). Each human observer is shown separately, in shades of
# the human colour; models are coloured by how they were trained. Whiskers: 95% percentile bootstrap intervals
# over images (the `bootstrap` parameter sets the number of resamples); for all observers pooled (`humans`),
# observers are resampled first and then images, so that the interval carries the spread between observers;
# dashed line: chance (1/16). On cue-conflict "accuracy" counts the shape category as correct.

# %% tags=["hide-input"]
accuracy = results.accuracy_with_humans(trials, n_boot=bootstrap, seed=seed)
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
charts.figure(
    chart,
    (
        "Accuracy (16-class) of every decision maker on the dataset picked, all conditions pooled: all "
        "observers pooled (humans), each human observer, then the models. Whiskers: 95% percentile bootstrap "
        "intervals, over observers and then images for the pooled humans, over images for the others; dashed "
        "line: chance (1/16)."
    ),
)

# %% [markdown]
# The colours used throughout the book:

# %% tags=["hide-input"]
charts.colour_key()

# %% [markdown]
# ## The paper's models in this book
#
# The paper evaluated 32 models: 24 supervised torchvision networks, five self-supervised PyContrast models
# (InsDis, MoCo, MoCo v2, PIRL, InfoMin) and SimCLR at three widths. The table says where this build has results
# for each, and for the models the book adds: in the *published data* (the toolbox's own evaluations in
# model-vs-human's raw data), in *third-party data* (other groups' published evaluations, labelled by their
# source; only the same model counts: the ShuffleNet v2 x1.0 of a third-party fork is not the paper's x0.5), from
# *your runs* (`extra_dirs`), or *absent*. Regenerating the whole zoo is one command, `make paper`: it evaluates
# the 32 models on all 17 datasets into `runs/paper` and rebuilds the book with them (it needs internet access
# for the weights and stimuli, and takes minutes on a GPU, hours on a CPU).

# %% tags=["hide-input"]
status = paper_zoo_status(own=[m for m in results.model_names(trials) if m not in data.MODELS])
with pd.option_context("display.max_rows", None):
    display(status[["model", "group", "training", "architecture", "status"]].set_index("model"))

# %% tags=["remove-input"]
present = status[status["status"] != "absent"]
Markdown(md("Of the paper's {n_paper} models, {n_present} have results in this build's sources "
            "({n_published} in the published data, {n_third} only in third-party data, {n_own} from your runs).",
            n_paper=int((status["group"] == "paper").sum()),
            n_present=int((present["group"] == "paper").sum()),
            n_published=int((status["published"] & (status["group"] == "paper")).sum()),
            n_third=int(((status["third_party"] != "") & ~status["published"] & ~status["own"]
                         & (status["group"] == "paper")).sum()),
            n_own=int((status["own"] & (status["group"] == "paper")).sum())))

# %% [markdown]
# ## Explore single trials
#
# Pick a dataset, a shape category and an image in the dropdowns to see the stimulus and what every decision maker
# answered (blue: the right category, on cue-conflict the shape; orange: the texture; grey: anything else). It
# works in this static page: a sample of images (the `explorer_images` parameter per category, drawn with `seed`)
# of the three datasets whose stimuli are public, cue-conflict, edge and silhouette, is embedded in the page.
# Opened in Jupyter with a live kernel, the notebook also offers an ipywidgets explorer over every image and
# dataset (the cell after this one; it is left out of the static page, where it could not respond).

# %% tags=["hide-input"]
sample = explore.explorer_trials(trials, per_category=explorer_images, seed=seed)
if sample.empty:
    display(Markdown("*None of cue-conflict, edge or silhouette is among the chosen datasets.*"))
else:
    display(charts.figure(
        explorer_chart(sample, explore.explorer_thumbnails(sample),
                       datasets=explore.PUBLIC_STIMULI, dataset="cue-conflict"),
        (
            "What every decision maker answered on the image picked (a sample of the cue-conflict, edge and "
            "silhouette trials, embedded in the page)."
        ),
    ))

# %% tags=["remove-cell"]
Explorer(trials, dataset="cue-conflict" if "cue-conflict" in shown else None)

# %% [markdown]
# ## Take-away
#
# What the verdict table above says, in two sentences, and what would change it.

# %% tags=["remove-input"]
from humanlike.results.claims import verdicts_take_away

Markdown(verdicts_take_away(verdict))
