"""The README's Slurm recipe, run as written on a real Slurm: munged, slurmctld and slurmd for this one machine.

The daemons are Debian's (`slurm-wlm`, `munge`; `.ci/run` installs them) and run in the foreground as children of
this test, from a configuration written into a temporary folder (own munge key and socket, own ports, own state and
spool folders), so they touch nothing outside it. The recipe is the ```python block of README.md's
"Many models on a cluster" section, written to a file and run by `python`, with its settings given through the
environment variables it documents: 2 CPU jobs of 1 core, 2 random-weight models, the dataset `edge`. Its trial
files must equal, byte for byte, those of a sequential `humanlike evaluate` of the same models. Every daemon
started here is stopped at the end, also on failure.

Skipped (with the reason) only where the Slurm or munge programs or dask-jobqueue are missing, unless
HUMANLIKE_REQUIRE_SLURM=1 (as in .ci/run, which installs them): then it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_dask import MODELS, torch_threads

import humanlike
from humanlike.cli import main

REPO = Path(__file__).resolve().parents[1]
PROGRAMS = ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "sinfo", "scancel")
NAMES = ["mobilenet_v3_small", "squeezenet1_1-rerun"]  # a published model's name is taken: -rerun
START_TIMEOUT_S = 60

def _missing() -> str | None:
    """Why Slurm cannot run here, or None."""
    absent = [name for name in PROGRAMS if shutil.which(name) is None]
    if absent:
        return f"Slurm/munge programs not installed: {', '.join(absent)} (Debian: apt-get install slurm-wlm munge)"
    try:
        import dask_jobqueue  # noqa: F401
    except ImportError:
        return "dask-jobqueue is not installed (pip install 'humanlike[slurm]')"
    return None


def readme_recipe() -> str:
    """The Slurm script of README.md: the ```python block that uses SLURMCluster."""
    blocks = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    (recipe,) = [block for block in blocks if "SLURMCluster(" in block]
    return recipe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _slurm_conf(root: Path, node: str, cpus: int, memory_mb: int) -> str:
    return f"""\
ClusterName=humanlike-test
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={root}/munge.socket
CredType=cred/munge
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _log(path: Path) -> str:
    return path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"


@contextlib.contextmanager
def one_machine_slurm(root: Path) -> Iterator[tuple[dict[str, str], int]]:
    """munged, slurmctld and slurmd for this machine (at most 2 CPUs, half its memory); yields the environment of
    its clients and the node's memory in MB."""
    root.mkdir(mode=0o700)
    for folder in ("state", "spool"):
        (root / folder).mkdir()
    node = socket.gethostname().split(".")[0]
    cpus = min(2, len(os.sched_getaffinity(0)))
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20 // 2
    conf = root / "slurm.conf"
    conf.write_text(_slurm_conf(root, node, cpus, memory_mb))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    subprocess.run(["mungekey", "--create", f"--keyfile={root / 'munge.key'}"], check=True)
    daemons: list[subprocess.Popen] = []
    try:
        munge = [f"--key-file={root / 'munge.key'}", f"--socket={root / 'munge.socket'}", "--force",
                 f"--pid-file={root / 'munged.pid'}", f"--log-file={root / 'munged.log'}",
                 f"--seed-file={root / 'munged.seed'}"]  # fmt: skip
        daemons.append(subprocess.Popen(["munged", "--foreground", *munge], stderr=subprocess.DEVNULL))
        _wait_for(lambda: (root / "munge.socket").exists(), "munged", root / "munged.log")
        daemons.append(subprocess.Popen(["slurmctld", "-D", "-f", str(conf)], env=env, stderr=subprocess.DEVNULL))
        daemons.append(subprocess.Popen(["slurmd", "-D", "-f", str(conf)], env=env, stderr=subprocess.DEVNULL))

        def node_idle() -> bool:
            state = subprocess.run(["sinfo", "-h", "-o", "%t"], env=env, capture_output=True, text=True)
            return state.stdout.strip() == "idle"

        _wait_for(node_idle, "slurmctld + slurmd", root / "slurmctld.log", root / "slurmd.log", daemons=daemons)
        yield env, memory_mb
    finally:
        if daemons:
            subprocess.run(["scancel", "--full", "--user", "root"], env=env, capture_output=True, timeout=30)
        for daemon in reversed(daemons):
            _stop(daemon)
        assert all(d.poll() is not None for d in daemons)


def _wait_for(ready, what: str, *logs: Path, daemons=()) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready():
        dead = [d.args[0] for d in daemons if d.poll() is not None]
        if dead or time.monotonic() > deadline:
            why = f"{', '.join(dead)} exited" if dead else f"not ready within {START_TIMEOUT_S} s"
            pytest.fail(f"{what}: {why}\n" + "\n".join(f"--- {log}\n{_log(log)}" for log in logs))
        time.sleep(0.5)


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.csv"))}


def test_ci_installs_slurm_and_requires_this_test():
    """.ci/run and the GitHub workflow install Debian's slurm-wlm and munge, and set HUMANLIKE_REQUIRE_SLURM=1."""
    import yaml

    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"apt-get install -y -qq slurm-wlm munge", ci) and "export HUMANLIKE_REQUIRE_SLURM=1" in ci
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "book.yml").read_text())
    build = workflow["jobs"]["build"]
    assert build["env"]["HUMANLIKE_REQUIRE_SLURM"] == "1"
    installs = " ".join(step.get("run", "") for step in build["steps"] if "apt-get install" in step.get("run", ""))
    assert "slurm-wlm" in installs.split() and "munge" in installs.split()


@pytest.mark.slow
def test_the_readme_recipe_on_a_real_slurm_writes_the_files_of_a_sequential_run(tmp_path, mirror, capsys):
    missing = _missing()
    if missing:
        if os.environ.get("HUMANLIKE_REQUIRE_SLURM") == "1":
            pytest.fail(f"HUMANLIKE_REQUIRE_SLURM=1 but {missing}")
        pytest.skip(missing)
    script = tmp_path / "slurm_paper.py"
    script.write_text(readme_recipe())
    # workers are Slurm jobs that inherit this environment (sbatch's default): the same humanlike, mirror and cache
    lib = str(Path(humanlike.__file__).resolve().parents[1])
    settings = {"JOBS": "2", "CORES": "1", "GPUS": "0", "WALLTIME": "00:30:00", "MODELS": " ".join(MODELS),
                "DATASETS": "edge", "RANDOM_WEIGHTS": "1", "OUT": str(tmp_path / "slurm")}  # fmt: skip
    # the daemons' folder is short: a Unix socket's path has at most 107 characters
    with tempfile.TemporaryDirectory(prefix="humanlike-slurm-") as daemons, one_machine_slurm(
        Path(daemons) / "slurm"
    ) as (env, node_mb):
        # a worker with torch needs about 1 GB; Dask restarts a worker that passes 95% of MEMORY
        memory = f"{min(4096, node_mb // 2)}MB"
        path = os.pathsep.join(filter(None, [lib, env.get("PYTHONPATH")]))
        env = {**env, **settings, "MEMORY": memory, "PYTHONPATH": path,
               "DASK_TEMPORARY_DIRECTORY": str(tmp_path / "dask")}  # the workers' scratch space
        run = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=600)  # fmt: skip
        job_logs = sorted(tmp_path.glob("slurm-*.out"))
        assert run.returncode == 0, run.stderr[-3000:] + "".join(_log(log) for log in job_logs)
    rows = [line.split() for line in run.stdout.splitlines()]
    assert rows == [["model", "done", "new", "failed"], [NAMES[0], "1/1", "1"], [NAMES[1], "1/1", "1"]], (
        run.stdout + run.stderr[-3000:] + "".join(_log(log) for log in job_logs)
    )
    # the two jobs ran: each left its Slurm log with a Dask worker that joined the scheduler
    assert len(job_logs) == 2, [log.name for log in job_logs]
    assert all("Registered to" in log.read_text() for log in job_logs)

    slurm_out = tmp_path / "slurm"
    threads = {json.loads(p.read_text())["torch_threads"] for p in (slurm_out / "provenance").rglob("*.json")}
    assert len(threads) == 1
    # the sequential reference: `humanlike evaluate` in this process (torch and the package are loaded already),
    # with the workers' torch threads (float sums depend on how the cores split the work)
    with torch_threads(threads.pop()):
        code = main(["evaluate", "--models", *MODELS, "--datasets", "edge", "--random-weights",
                     "--out", str(tmp_path / "sequential")])  # fmt: skip
    assert code == 0, capsys.readouterr().err[-3000:]
    files, reference = _files(slurm_out), _files(tmp_path / "sequential")
    assert sorted(files) == sorted(reference) == [
        f"{kind}/edge/edge_{name}_session-1.csv" for kind in ("probabilities", "raw-data") for name in NAMES
    ]
    assert files == reference
