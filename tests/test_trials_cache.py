"""The columnar trials cache and the record of verified files: keys, damage, concurrent fills, and the published
numbers (identical, digit for digit, to the outputs saved before the cache existed: tests/data/published_*.csv)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from humanlike import cli, data
from humanlike.data import trials, trials_cache
from humanlike.files import atomic_write
from humanlike.errors import DataFileError

EXPECTED = Path(__file__).parent / "data"
EDGE_RESNET = "raw-data/edge/edge_resnet50_session-1.csv"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh, empty user cache (XDG_CACHE_HOME) and no per-process memory of verified files."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    trials._verified.cache_clear()
    trials._VERIFIED.clear()
    yield tmp_path / "xdg" / "humanlike"
    trials._verified.cache_clear()
    trials._VERIFIED.clear()


def _entry_path(path: str = EDGE_RESNET, dataset: str = "edge") -> Path:
    return trials_cache.TrialsCache().path(data.registry().at[path, "sha256"], dataset)


def _count_parses(monkeypatch) -> list[str]:
    parsed: list[str] = []
    real = trials._read_raw

    def counting(source, label):
        parsed.append(Path(source).name)
        return real(source, label)

    monkeypatch.setattr(trials, "_read_raw", counting)
    return parsed


# ------------------------------------------------------------------ published numbers do not move
@pytest.mark.slow  # three full benchmark runs each
@pytest.mark.parametrize(
    "arguments, expected",
    [
        (["benchmark"], "published_benchmark.csv"),
        (["shape-bias"], "published_shape_bias.csv"),
        (["benchmark", "--models", "resnet50", "swag-vit-*"], "published_benchmark_models.csv"),
        (["shape-bias", "--models", "resnet50", "swag-vit-*"], "published_shape_bias_models.csv"),
        (["benchmark", "--models", "resnet50", "--datasets", "edge", "cue-conflict", "colour"],
         "published_benchmark_models_datasets.csv"),
    ],
)  # fmt: skip
def test_published_outputs_are_unchanged_cold_and_warm(cache, mirror, capsys, arguments, expected):
    # The expected files are `humanlike ... --format csv` as printed before the trials cache existed (commit
    # d53ec91, CSVs parsed by pandas in every process): the cache must not move a single digit. The third run is
    # served by the output memo (humanlike.data.memo), so the warm trials cache is read with --recompute.
    for state in ("cold", "warm", "memo"):
        recompute = ["--recompute"] if state == "warm" else []
        assert cli.main([*arguments, "--mirror", str(mirror), "--format", "csv", *recompute]) == 0
        assert capsys.readouterr().out == (EXPECTED / expected).read_text()


# ------------------------------------------------------------------ entries
def test_entry_is_written_once_and_then_served(cache, mirror, monkeypatch):
    parsed = _count_parses(monkeypatch)
    cold = data.load_trials(datasets=["edge"], models=["resnet50"], humans=False, mirror=mirror)
    assert parsed == ["edge_resnet50_session-1.csv"] and _entry_path().is_file()
    warm = data.load_trials(datasets=["edge"], models=["resnet50"], humans=False, mirror=mirror)
    assert parsed == ["edge_resnet50_session-1.csv"], "the second load reads the entry, not the CSV"
    pd.testing.assert_frame_equal(cold, warm, check_exact=True)
    assert len(warm) == 160 and list(warm.columns) == data.TRIAL_COLUMNS
    assert not list(_entry_path().parent.glob("*.tmp")), "no temp file left behind"


def test_key_is_content_dataset_and_normaliser_version(cache, mirror, tmp_path, monkeypatch):
    target = tmp_path / "runs" / "raw-data" / "edge" / "edge_mynet_session-1.csv"
    target.parent.mkdir(parents=True)
    shutil.copy(mirror / EDGE_RESNET, target)
    data.load_trials(datasets=["edge"], models=["resnet50"], mirror=mirror)  # fills resnet50's and the humans' entries
    parsed = _count_parses(monkeypatch)
    load = lambda: data.load_trials(datasets=["edge"], models=["mynet"], extra_dirs=[tmp_path / "runs"], humans=False, mirror=mirror)  # noqa: E731
    first = load()
    # A renamed copy of a published file has the same content, hence resnet50's entry: nothing is parsed.
    assert parsed == []
    assert (first["subject"] == "mynet").all() and len(first) == 160
    # Change one answer: new content, new key, parsed again; the table shows the change.
    lines = target.read_text().splitlines(keepends=True)
    trial = lines[1].split(",")
    old_response, category = trial[4], trial[5]
    new_response = "bear" if category != "bear" else "cat"
    trial[4] = new_response
    lines[1] = ",".join(trial)
    target.write_text("".join(lines))
    second = load()
    assert parsed.count("edge_mynet_session-1.csv") == 1
    changed = second["trial"] == int(trial[2])
    assert second.loc[changed, "response"].tolist() == [new_response]
    assert second.loc[changed, "correct"].tolist() == [False]
    assert first.loc[first["trial"] == int(trial[2]), "correct"].tolist() == [old_response == category]
    # A new normaliser version never reads the old entries.
    monkeypatch.setattr(trials_cache, "NORMALISER_VERSION", trials_cache.NORMALISER_VERSION + 1)
    before = len(parsed)
    pd.testing.assert_frame_equal(load(), second, check_exact=True)
    assert len(parsed) > before and "edge_mynet_session-1.csv" in parsed[before:]


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),  # truncated (a crash mid-copy)
        lambda p: p.write_bytes(b"not an arrow file at all\n" * 10),  # foreign content
        lambda p: p.write_bytes(b""),  # empty
    ],
    ids=["truncated", "garbage", "empty"],
)
def test_damaged_entry_is_reported_once_and_rebuilt(cache, mirror, capsys, damage):
    load = lambda: data.load_trials(datasets=["edge"], models=["resnet50"], humans=False, mirror=mirror)  # noqa: E731
    good = load()
    damage(_entry_path())
    again = load()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and str(_entry_path()) in lines[0] and "damaged trials cache entry" in lines[0]
    pd.testing.assert_frame_equal(good, again, check_exact=True)
    load()
    assert capsys.readouterr().err == "", "rebuilt: the next load is silent"


def test_entry_under_another_key_is_refused(cache, mirror, capsys):
    # An entry copied to another key (a bug or a hand-made copy) carries its own key in its metadata.
    data.load_trials(datasets=["edge"], models=["resnet50", "bagnet33"], humans=False, mirror=mirror)
    bagnet = _entry_path("raw-data/edge/edge_bagnet33_session-1.csv")
    shutil.copy(_entry_path(), bagnet)
    frame = data.load_trials(datasets=["edge"], models=["bagnet33"], humans=False, mirror=mirror)
    assert "key or row count" in capsys.readouterr().err
    assert (frame["subject"] == "bagnet33").all() and len(frame) == 160


def test_concurrent_fills_agree(cache, mirror, tmp_path):
    # Three processes fill one empty cache at once: all succeed with the same table, no temp file is left.
    script = (
        "import sys; from humanlike import data; "
        "t = data.load_trials(datasets=['edge', 'silhouette'], models=['resnet50'], mirror=sys.argv[1]); "
        "sys.stdout.write(t.to_csv(index=False))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache.parent)}
    runs = [
        subprocess.Popen([sys.executable, "-c", script, str(mirror)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
        for _ in range(3)
    ]  # fmt: skip
    results = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [err for _, err in results]
    assert len({out for out, _ in results}) == 1
    assert all(err == "" for _, err in results)
    entries = list((cache / "trials").iterdir())
    assert entries and not [p for p in entries if p.suffix != ".arrow"]
    assert len(entries) == 2 * (10 + 1)  # edge and silhouette: 10 observers and resnet50 each


def test_unwritable_cache_warns_once_and_still_loads(cache, mirror, capsys, monkeypatch):
    def refuse(target, write):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(trials_cache, "atomic_write", refuse)
    frame = data.load_trials(datasets=["edge"], models=["resnet50"], mirror=mirror)
    assert len(frame) == 160 * 11
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "cannot write the trials cache" in lines[0]


def test_failed_write_leaves_no_temp_file(tmp_path):
    target = tmp_path / "entry.arrow"

    def fail(tmp):
        Path(tmp).write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(target, fail)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ verified files
def test_mirror_file_is_hashed_once_across_processes(cache, mirror, tmp_path, monkeypatch):
    fake = tmp_path / "mirror"
    (fake / "raw-data" / "edge").mkdir(parents=True)
    shutil.copy(mirror / EDGE_RESNET, fake / EDGE_RESNET)
    hashed: list[str] = []
    real = trials.file_sha256
    monkeypatch.setattr(trials, "file_sha256", lambda p: hashed.append(Path(p).name) or real(p))
    assert data.fetch(EDGE_RESNET, mirror=fake) == fake / EDGE_RESNET
    trials._verified_files().save()
    assert hashed == ["edge_resnet50_session-1.csv"]
    trials._verified.cache_clear()  # as in a new process: only the record on disk remains
    trials._VERIFIED.clear()
    data.fetch(EDGE_RESNET, mirror=fake)
    assert hashed == ["edge_resnet50_session-1.csv"], "unchanged since it was verified: not hashed again"
    # Same size, other content: the stat (mtime, ctime) changed, so it is hashed again and refused.
    text = (fake / EDGE_RESNET).read_text()
    (fake / EDGE_RESNET).write_text(text.replace("knife", "clock", 1))
    trials._verified.cache_clear()
    with pytest.raises(DataFileError, match="checksum mismatch"):
        data.fetch(EDGE_RESNET, mirror=fake)
    assert hashed == ["edge_resnet50_session-1.csv"] * 2


def test_benchmark_command_imports_only_what_it_needs(cache, mirror):
    # The command line's benchmark path: no torch, no charts, no progress bars, no download stack.
    script = (
        "import sys; from humanlike import cli; "
        "cli.main(['benchmark', '--models', 'resnet50', '--datasets', 'edge', '--format', 'csv']); "
        "heavy = {'torch', 'torchvision', 'altair', 'tqdm', 'pooch', 'requests', 'IPython', 'ipywidgets', 'matplotlib'}; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy), file=sys.stderr)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache.parent), "HUMANLIKE_MIRROR": str(mirror)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "[]"


# ------------------------------------------------------------------ a cache never changes a result
def _rewrite_entry(path: Path, change) -> None:
    """Rewrite an entry with ``change(table)``, keeping its metadata (key and row count): an edit by hand."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    with pa.OSFile(str(path)) as source:
        table = ipc.open_file(source).read_all()
    edited = change(table).replace_schema_metadata(table.schema.metadata)
    with pa.OSFile(str(path), "wb") as sink, ipc.new_file(sink, edited.schema) as writer:
        writer.write_table(edited)


def test_an_edited_entry_fails_its_checksum_and_is_rebuilt(cache, mirror, capsys):
    import pyarrow as pa

    first = data.load_trials(datasets=["edge"], models=["resnet50"], mirror=mirror)
    path = _entry_path()
    _rewrite_entry(path, lambda t: t.set_column(t.schema.get_field_index("correct"), "correct",
                                                 pa.array([True] * t.num_rows)))  # fmt: skip
    capsys.readouterr()
    again = data.load_trials(datasets=["edge"], models=["resnet50"], mirror=mirror)
    pd.testing.assert_frame_equal(again, first)  # every answer "correct" would have made accuracy 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "does not match its checksum" in lines[0]
    assert trials_cache.TrialsCache().get(data.registry().at[EDGE_RESNET, "sha256"], "edge") is not None  # rebuilt


def test_content_checksum_tells_tables_apart_by_hand():
    import pyarrow as pa

    table = pa.table({c: pa.array(v, t) for (c, t), v in zip(
        [(f.name, f.type) for f in trials_cache.entry_schema()],
        [[1], [1], ["0"], ["cat"], ["cat"], ["x.png"], ["x.png"], [True]])})  # fmt: skip
    same = pa.concat_tables([table.slice(0, 0), table])  # other chunking, same content
    other = table.set_column(7, "correct", pa.array([False]))
    assert trials_cache.content_sha256(table) == trials_cache.content_sha256(same)
    assert trials_cache.content_sha256(table) != trials_cache.content_sha256(other)
