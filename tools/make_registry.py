"""Regenerate lib/humanlike/resources/registry.csv from a mirror's MANIFEST.sha256.

The registry lists every upstream file the package may fetch: its mirror-relative path, sha256 and upstream URL
(see the mirror's SOURCES.md). Run once when the upstream commits change:

    python tools/make_registry.py ../shared/data
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

GITHUB_RAW = "https://raw.githubusercontent.com"
HUMAN_COMMIT = "79ed7cd1d9ac3a114e71b6638f0a98bdd627316c"
MODEL_COMMIT = "93ee6766db71bc99de23a16cf5216acff181b470"
TEXTURE_VS_SHAPE_COMMIT = "ccd0c01d42c0a8a834e90ec141e7f24fa915dc23"
THIRD_PARTY_COMMITS = {
    "rgeirhos+texture-vs-shape": TEXTURE_VS_SHAPE_COMMIT,
    "kayburns+model-vs-human": "78a3a471",
    "harvard-visionlab+model-vs-human-dmc": "1d076b68",
    "TizianThieringer+model-vs-human": "17729b81",
}
STIMULUS_FOLDERS = {
    "cue-conflict": "stimuli/style-transfer-preprocessed-512",
    "edge": "stimuli/edges",
    "silhouette": "stimuli/filled-silhouettes",
}


def upstream_url(path: str) -> str | None:
    parts = path.split("/")
    if parts[0] == "raw-data":
        commit = HUMAN_COMMIT if re.search(r"_subject-\d+_session_1\.csv$", path) else MODEL_COMMIT
        return f"{GITHUB_RAW}/bethgelab/model-vs-human/{commit}/{path}"
    if parts[0] == "datasets":
        return f"{GITHUB_RAW}/rgeirhos/texture-vs-shape/{TEXTURE_VS_SHAPE_COMMIT}/" + "/".join(
            [STIMULUS_FOLDERS[parts[1]], *parts[2:]]
        )
    if parts[0] == "third-party":
        owner, repo = parts[1].split("+", 1)
        return f"{GITHUB_RAW}/{owner}/{repo}/{THIRD_PARTY_COMMITS[parts[1]]}/" + "/".join(parts[2:])
    if path == "imagenet/categories.txt":
        return f"{GITHUB_RAW}/bethgelab/model-vs-human/{HUMAN_COMMIT}/modelvshuman/helper/categories.txt"
    return None  # licences and the 16-class table (shipped in the package)


def main(mirror: str) -> None:
    rows = []
    for line in (Path(mirror) / "MANIFEST.sha256").read_text().splitlines():
        digest, path = line.split(maxsplit=1)
        path = path.removeprefix("./")
        url = upstream_url(path)
        if url:
            rows.append((path, digest, url))
    target = Path(__file__).resolve().parents[1] / "lib/humanlike/resources/registry.csv"
    with open(target, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "sha256", "url"])
        writer.writerows(sorted(rows))
    print(f"wrote {len(rows)} entries to {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
