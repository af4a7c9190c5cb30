"""`colorize --ray ADDRESS`: the same photos, names and files as on one machine, the work done by a Ray cluster.

The driver only connects and reports. A Ray task on a worker lists the inputs (local or shared
paths, or object stores pyarrow reaches: s3://, gs://) and decides every output name up front by
the rule the single-machine command uses (`a.png`, `a (2).png`); the plan becomes a Ray Data
dataset without passing through the driver; an actor pool (one model per actor, an actor for
every two of the cluster's CPUs, or for every GPU) reads, colorizes and writes each photo and returns one small row: its
outcome. An output that exists is skipped, so a crashed job is resumed by running it again; a
local output is written under a temporary name and renamed, an object store's appears whole
when its upload ends; a photo retried after a worker died is written again to the same name.
This package (and the shipped model) travels to the workers with the job (Ray's `py_modules`), so
a node needs only the dependencies. Imported only when `--ray` is given (`pip install "ray[data]"`).
"""

import functools
import io
import logging
import os
import posixpath
import shutil
import signal
import tempfile
import threading
import warnings
from pathlib import Path, PurePosixPath

from .cluster_head import CONNECT_WAIT_S, wait_for_head, watch_head
from .colour.images import IMAGE_SUFFIXES
from .colour.outputs import OUTPUT_FORMATS
from .files import plan_output_names
from .resources import PACKAGE_ROOT, shipped_weights

INSTALL_HINT = 'colorize --ray needs Ray Data: pip install "ray[data]"'
BATCH = 8  # photos an actor colorizes per call: the model's batch, and what a dead worker's retry repeats at most
CPUS_PER_ACTOR = 2  # measured on 2 cores: one actor of 2 CPUs colours 13.2 photos/s, two of 1 CPU 9.7 (one machine: 14.9)
STATUS_FIELDS = ("source", "target", "outcome", "reason", "note")


def import_ray():
    """Ray and Ray Data, or an ImportError whose message says how to install them."""
    try:
        import ray
        import ray.data  # Ray Data is a separate extra of Ray
    except ImportError:
        raise ImportError(INSTALL_HINT) from None
    return ray


def shipped_project(folder):
    """This package with the shipped model inside it, copied under `folder`: what the workers import.

    In a source checkout the model lives beside the package (`weights/`); installed, inside it.
    """
    copy = Path(folder) / "colorizer"
    leave_out = shutil.ignore_patterns("__pycache__", "*.pyc", "shipped_weights")
    shutil.copytree(PACKAGE_ROOT, copy, ignore=leave_out)
    shutil.copytree(shipped_weights(), copy / "shipped_weights", ignore=leave_out)
    return copy


def runtime_env(folder):
    """The job's Ray runtime environment: this project (copied under `folder`) and the settings its workers read."""
    return {"py_modules": [str(shipped_project(folder))], "env_vars": {"COLORIZER_VERBOSE": os.environ.get("COLORIZER_VERBOSE", "")}}


def filesystem(location):
    """(pyarrow filesystem, path within it) of a local path or a URI such as s3://bucket/photos.

    One filesystem object per store and bucket, made once: the listing and every photo reuse it.
    """
    location = str(location)
    if "://" not in location:
        return _store("", ""), os.path.abspath(location)
    if "?" in location:  # options in the URI (s3://bucket/key?region=...): pyarrow parses them
        from pyarrow import fs

        return fs.FileSystem.from_uri(location)
    scheme, path = location.split("://", 1)
    return _store(scheme, path.split("/", 1)[0]), path


@functools.lru_cache(maxsize=32)
def _store(scheme, bucket):
    """The pyarrow filesystem of a scheme and bucket ("", "": this machine's files)."""
    from pyarrow import fs

    if not scheme:
        return fs.LocalFileSystem()
    return fs.FileSystem.from_uri(f"{scheme}://{bucket or '/'}")[0]


def uri(location, path):
    """`path` (within `location`'s filesystem) written the way `location` is: a plain path, or scheme://path."""
    scheme = str(location).split("://", 1)[0] + "://" if "://" in str(location) else ""
    return f"{scheme}{path}"


def plan(inputs, output, suffix):
    """[(source, target, note)] for every photo under `inputs`, named as the single-machine command names them.

    Runs on a worker. Folders are listed recursively (an output folder inside an input folder is
    not); sub-folders are mirrored under `output`; a taken name becomes "a (2).png".
    """
    from pyarrow.fs import FileSelector, FileType

    _, out_root = filesystem(output)
    out_prefix = out_root.rstrip("/") + "/"
    found = []
    for given in inputs:
        in_fs, root = filesystem(given)
        info = in_fs.get_file_info(root)
        if info.type == FileType.Directory:
            entries = sorted(in_fs.get_file_info(FileSelector(root, recursive=True)), key=lambda entry: entry.path)
            found.extend(
                (uri(given, entry.path), entry.path, PurePosixPath(posixpath.relpath(entry.path, root))) for entry in entries
                if entry.type == FileType.File and posixpath.splitext(entry.path)[1].lower() in IMAGE_SUFFIXES
                and not entry.path.startswith(out_prefix)  # an output folder inside an input folder is not searched
            )
        elif info.type == FileType.File:
            found.append((uri(given, root), root, PurePosixPath(posixpath.basename(root))))
    plan = plan_output_names(
        [(source, relative) for source, _, relative in found], PurePosixPath(out_root), lambda source: suffix,
        taken=[path for _, path, _ in found],
    )
    return [(source, uri(output, str(target)), note) for source, target, note in plan]


class ColorizeActor:
    """One model per actor; each call colorizes a batch of the plan into its targets and returns their outcomes."""

    def __init__(self, model, revision, precision, strength, output_format, quality, overwrite):
        from .pipeline import Colorizer

        _use_only_assigned_cpus()
        self.colorizer = Colorizer.from_pretrained(model, revision=revision, precision=precision)
        self.strength, self.format, self.quality, self.overwrite = strength, output_format, quality, overwrite

    def __call__(self, batch):
        rows = {name: [] for name in STATUS_FIELDS}
        for source, target, note in zip(batch["source"], batch["target"], batch["note"]):
            outcome, reason = self.colorize_one(str(source), str(target))
            for name, value in zip(STATUS_FIELDS, (source, target, outcome, reason, note or "")):
                rows[name].append(value)
        return rows

    def colorize_one(self, source, target):
        """("written" | "skipped" | "failed", reason)."""
        from .colour.images import ImageError

        target_fs, target_path = filesystem(target)
        if not self.overwrite and target_fs.get_file_info(target_path).type.name != "NotFound":
            return "skipped", ""
        try:
            source_fs, source_path = filesystem(source)
            with source_fs.open_input_file(source_path) as file:
                photo = io.BytesIO(file.read())
            photo.name = posixpath.basename(source_path)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # metadata a format cannot hold is dropped, as on one machine
                if "://" not in target:  # a local or shared folder: written under a temporary name, then renamed
                    self.colorizer.colorize_to_file(photo, target, self.strength, self.format, self.quality)
                else:  # an object store: the finished file is uploaded; the object appears whole
                    with tempfile.TemporaryDirectory() as folder:
                        local = self.colorizer.colorize_to_file(photo, Path(folder) / "result", self.strength, self.format, self.quality)
                        target_fs.create_dir(posixpath.dirname(target_path), recursive=True)
                        with target_fs.open_output_stream(target_path) as out:
                            out.write(local.read_bytes())
        except ImageError as error:
            return "failed", str(error).removeprefix(f"{posixpath.basename(source)}: ")
        except Exception as error:  # noqa: BLE001 (one photo's surprise must not stop the others)
            return "failed", f"could not be colorized ({type(error).__name__}: {error})"
        return "written", ""


def _use_only_assigned_cpus():
    """TensorFlow sizes its thread pools to the whole machine; an actor given one CPU of it keeps to one."""
    import ray

    from .model.backend import keras

    cpus = max(1, round(ray.get_runtime_context().get_assigned_resources().get("CPU", 1)))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(cpus)
        tf.config.threading.set_inter_op_parallelism_threads(cpus)


def run(address, inputs, output, *, model=None, revision=None, precision="auto", strength=1.0, output_format="png",
        quality=90, overwrite=False, wait_s=CONNECT_WAIT_S, planned=None, progress=None, head_lost=None):
    """Colorize every photo under `inputs` into `output` on the Ray cluster at `address`.

    Returns (status rows, how many outputs existed and were skipped). `planned(count)` is called
    once the photos to colour are counted, `progress(count)` as their outcomes arrive, and
    `head_lost()` (from another thread) if the head stops answering mid-job. Raises
    ClusterUnreachable when nothing answers at `address` within `wait_s` seconds.
    """
    ray = import_ray()
    wait_for_head(address, wait_s)
    inputs = [str(path) if "://" in str(path) else os.path.abspath(path) for path in inputs]  # the workers' folders are not ours
    output = str(output) if "://" in str(output) else os.path.abspath(output)
    with tempfile.TemporaryDirectory(prefix="colorizer-job-") as folder:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False, runtime_env=runtime_env(folder))
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:  # Ray's handler prints a stack trace; stop as on Ctrl-C
        previous_sigterm = signal.signal(signal.SIGTERM, signal.default_int_handler)
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    ray.data.DataContext.get_current().enable_progress_bars = False  # our own bar counts photos; Ray Data's would print beside it
    watching = watch_head(ray.get_runtime_context().gcs_address, head_lost) if head_lost else None
    try:
        table, count, skipped = ray.remote(_plan_table).options(num_returns=3).remote(inputs, output, OUTPUT_FORMATS[output_format], overwrite)
        count, skipped = ray.get([count, skipped])
        if planned:
            planned(count)
        if not count:
            return [], skipped
        rows = []
        for batch in _statuses(ray, table, count, model=model, revision=revision, precision=precision, strength=strength,
                               output_format=output_format, quality=quality, overwrite=overwrite):
            rows.extend(dict(zip(STATUS_FIELDS, values)) for values in zip(*(batch[name].tolist() for name in STATUS_FIELDS)))
            if progress:
                progress(len(batch["source"]))
        return rows, skipped + sum(row["outcome"] == "skipped" for row in rows)
    finally:
        if watching:
            watching.set()
        ray.shutdown()
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous_sigterm)


def _statuses(ray, table, count, **settings):
    """Batches of status rows from an actor pool sized to the cluster (and to the job: no more actors than batches)."""
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    smallest_node = min(node["Resources"].get("CPU", 1) for node in ray.nodes() if node["Alive"])
    cpus_per_actor = max(1, min(CPUS_PER_ACTOR, int(smallest_node)))
    actors = max(1, min(gpus or int(resources.get("CPU", 1)) // cpus_per_actor, -(-count // BATCH)))
    statuses = ray.data.from_arrow_refs([table]).map_batches(  # a dead actor is restarted and its batch retried
        ColorizeActor, fn_constructor_kwargs=settings, batch_size=BATCH, compute=ray.data.ActorPoolStrategy(min_size=1, max_size=actors),
        num_gpus=1 if gpus else 0, num_cpus=0 if gpus else cpus_per_actor, batch_format="numpy",
    )
    return statuses.iter_batches(batch_size=BATCH, batch_format="numpy")


def _plan_table(inputs, output, suffix, overwrite):
    """(`plan` as an Arrow table, its length, outputs that exist and are left out): on a worker, never through the driver."""
    import pyarrow

    steps = plan(inputs, output, suffix)
    done = set() if overwrite else existing(output)
    todo = [step for step in steps if step[1] not in done]
    table = pyarrow.table({
        "source": [step[0] for step in todo], "target": [step[1] for step in todo], "note": [step[2] or "" for step in todo],
    })
    return table, len(todo), len(steps) - len(todo)


def existing(output):
    """Every file under `output`, named as `plan` names targets: one listing, not a question per photo."""
    from pyarrow.fs import FileSelector, FileType

    out_fs, root = filesystem(output)
    if out_fs.get_file_info(root).type != FileType.Directory:
        return set()
    return {uri(output, entry.path) for entry in out_fs.get_file_info(FileSelector(root, recursive=True)) if entry.type == FileType.File}
