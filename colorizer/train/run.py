"""Training: scan the photos, cache the frozen encoder's features, fit the trained part on them.

Stages (each timed and printed): scan (hygiene and split), cache (VGG16 once per augmented
photo, resumable), fit (the decoder and any fine-tuned encoder blocks; a checkpoint every
epoch, --resume, early stopping), validate (per category), save (weights folder, model card).
"""

import contextlib
import dataclasses
import datetime
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from ..colour.images import read_rgb
from ..colour.lab import normalize_ab
from ..colour.processor import ImageProcessor
from ..config import ModelConfig, TrainingSettings
from ..hints.simulated import sample_training_hints
from ..model.backend import keras
from ..model.classifier import CLASSIFIER_OUTPUTS, classifier_fingerprint
from ..model.decoders import HINTS_INPUT, build_trained_part, cached_outputs, frozen_inputs, hint_shape, registered
from ..model.encoder import build_encoder, encoder_fingerprint, feature_shapes
from ..model.precision import choose_precision, describe
from ..model.provenance import recorded
from ..model.weights import check_output_folder
from ..progress import progress_bar
from . import dataset
from .augmentation import Augmentation, sample_rng
from .checkpoints import Checkpoint, check_new_run, resume_from, start_from
from .feature_cache import FeatureCache
from .losses import registered_loss

# XLA in float32, as before: it was measured faster on an earlier machine (VGG16 10%, a decoder epoch 20%), though on
# the AMD EPYC of issue 25 it made VGG16 slower (docs/experiments.md); kept so the float32 path trains as it did.
# On PyTorch, jit_compile means torch.compile, which was not measured, so not there. In bfloat16, XLA's CPU
# convolutions do not use the processor's bfloat16 units (VGG16 2.4x slower): off.
SKIPPED_SHOWN = 5  # skipped photos listed by name, of each kind


def jit_compile(precision):
    return keras.backend.backend() in ("tensorflow", "jax") and precision == "float32"


class Stopwatch:
    """Times the stages of a run and prints each as it ends."""

    def __init__(self):
        self.stages = {}

    @contextlib.contextmanager
    def __call__(self, name):
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        yield
        self.stages[name] = round(time.perf_counter() - start, 1)
        print(f"== {name}: {self.stages[name] / 60:.1f} min", flush=True)


def scan(settings, stopwatch):
    with stopwatch("scan: hygiene and split"):
        result = dataset.scan_dataset(
            settings.data, settings.validation_percent, progress=lambda it: progress_bar(it, desc="Scanning", unit="photo"),
            max_photos=settings.max_photos,
        )
        print(result.summary())
        for kind, lines in (
            ("unreadable", [f"{path}: {reason}" for path, reason in result.unreadable]),
            ("near-grayscale", [str(path) for path in result.near_gray]),
            ("duplicate", [f"{path} (same bytes as {kept})" for path, kept in result.duplicates]),
        ):
            for line in lines[:SKIPPED_SHOWN]:
                print(f"  skipped {kind} {line}")
            if len(lines) > SKIPPED_SHOWN:
                print(f"  ... and {len(lines) - SKIPPED_SHOWN} more {kind} (the model card counts them)")
        if not result.train or not result.validation:
            raise ValueError(f"not enough usable photos in {', '.join(settings.data)} to train and validate: {result.summary()}")
    return result


def cache_features(settings, config, photos, augmentation, variants, stopwatch, name):
    """Fill (or reuse) the feature caches of `photos` x `variants`, the encoder computing in the settings' precision;
    returns ({name: features}, ab) memory maps. VGG16's features and the classifier's are cached apart, so that a
    model with a classifier reuses the VGG16 cache of one without."""
    outputs = cached_outputs(config)
    vgg16 = tuple(output for output in outputs if output not in CLASSIFIER_OUTPUTS)
    parts = [(vgg16, config.encoder_weights, encoder_fingerprint(config), name)]
    if config.classifier:
        classified = tuple(output for output in outputs if output in CLASSIFIER_OUTPUTS)
        parts.append((classified, config.classifier, classifier_fingerprint(config.classifier), f"{name}-{config.classifier}"))
    features = {}
    for part_outputs, source, source_sha256, part_name in parts:
        found, ab = _cache_part(settings, config, photos, augmentation, variants, stopwatch, part_name, part_outputs,
                                source, source_sha256)
        features.update(found)
    return features, ab


def _cache_part(settings, config, photos, augmentation, variants, stopwatch, name, outputs, source, source_sha256):
    precision = choose_precision(settings.precision)
    processor = ImageProcessor(config.input_size)
    key = FeatureCache.key(
        photos=[photo.sha256 for photo in photos],
        variants=variants,
        augmentation=augmentation,
        seed=settings.seed,
        input_size=config.input_size,
        preparation=processor.RECIPE,
        encoder=source,
        encoder_sha256=source_sha256,
        encoder_outputs=outputs,
        encoder_precision=precision,
    )
    shapes = feature_shapes(config, outputs)
    cache = FeatureCache(Path(settings.cache) / f"{name}-{key}", len(photos) * variants, shapes, config.input_size)
    with stopwatch(f"cache: {name} features ({cache.count} samples)"):
        if cache.done < cache.count:
            encoder = build_encoder(config, outputs, precision)
            encoder.compile(jit_compile=jit_compile(precision))

            def make_batch(start, stop):
                pairs = []
                for index in range(start, stop):
                    photo, variant = photos[index // variants], index % variants
                    rgb = read_rgb(photo.path)
                    if augmentation is not None:
                        rgb = augmentation(rgb, sample_rng(settings.seed, photo.sha256, variant))
                    pairs.append(processor.training_pair(rgb))
                return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])

            cache.fill(make_batch, encoder, progress=lambda **kw: progress_bar(desc=f"Encoding {name}", unit="sample", **kw))
        else:
            print(f"reusing {cache.folder}")
    return cache.load()


# --- fitting -------------------------------------------------------------------------------------


class CachedSamples(keras.utils.PyDataset):
    """Batches of (features, normalised ab) from the cache, shuffled anew each epoch by (seed, epoch).

    The order depends only on the seed and the epoch number (set by `EpochOrder`), so a
    resumed run sees the same batches as an uninterrupted one. With `hint_grid`, each sample
    also gets hints sampled from its own truth (`hints.simulated.sample_training_hints`), as
    reproducibly as the order; without a seed (validation) the same hints every epoch.
    """

    def __init__(self, features, ab, batch_size, seed=None, hint_grid=None):
        super().__init__()
        self.features = features  # {decoder input name: array}
        self.ab, self.batch_size, self.seed, self.hint_grid = ab, batch_size, seed, hint_grid
        self.set_epoch(0)

    def set_epoch(self, epoch):
        count = len(self.ab)
        self.epoch = epoch
        self.order = np.arange(count) if self.seed is None else np.random.default_rng([self.seed, epoch]).permutation(count)

    def __len__(self):
        return math.ceil(len(self.ab) / self.batch_size)

    def __getitem__(self, index):
        rows = np.sort(self.order[index * self.batch_size : (index + 1) * self.batch_size])
        features = {name: array[rows].astype(np.float32) for name, array in self.features.items()}
        ab = self.ab[rows].astype(np.float32)
        if self.hint_grid:
            rng = np.random.default_rng([self.seed or 0, self.epoch if self.seed is not None else 0, index])
            features[HINTS_INPUT] = np.stack([sample_training_hints(truth, rng, self.hint_grid) for truth in ab])
        return features, normalize_ab(ab)


class EpochOrder(keras.callbacks.Callback):
    """Tells the training samples which epoch starts (Keras' own shuffling is off: it would not resume)."""

    def __init__(self, samples):
        super().__init__()
        self.samples = samples

    def on_epoch_begin(self, epoch, logs=None):
        self.samples.set_epoch(epoch)


def fit(settings, config, train, validation, checkpoint_folder, stopwatch, resume=False, extra_state=None):
    """Train the trained part (decoder, and any fine-tuned encoder blocks) on cached features, in the settings' precision.

    Returns (the trained part with its best weights, built in float32 as weights folders keep it; the run's state).
    """
    checkpoint_folder = Path(checkpoint_folder)
    precision = choose_precision(settings.precision)
    keras.utils.set_random_seed(settings.seed)
    decoder = build_trained_part(config, precision)
    state_file = checkpoint_folder / "state.json"
    if settings.start_from and not (resume and state_file.exists()):  # a resumed run has its own weights
        start_from(decoder, settings.start_from, config)
    loss_spec = registered_loss(settings.loss)
    train, validation = [({name: features[name] for name in frozen_inputs(config)}, ab) for features, ab in (train, validation)]
    trained = keras.Model(decoder.input, decoder.output[loss_spec.output], name=f"decoder_{loss_spec.output}")
    loss = loss_spec.build(settings, config, train[1])
    compile_options = {"optimizer": keras.optimizers.Adam(settings.learning_rate), "loss": loss, "jit_compile": jit_compile(precision)}
    if loss_spec.trainer:
        trained = loss_spec.trainer(trained, settings, config)
        compile_options["discriminator_optimizer"] = keras.optimizers.Adam(settings.learning_rate, beta_1=0.5)
    trained.compile(**compile_options)
    state = {"epochs_done": 0, "best_val_loss": float("inf"), "best_epoch": 0, "epochs_without_progress": 0, "history": [], **(extra_state or {})}
    if resume and state_file.exists():
        state = resume_from(checkpoint_folder, decoder, trained)
        print(f"resuming after epoch {state['epochs_done']} (best validation loss {state['best_val_loss']:.4f})")
    elif resume:
        print(f"nothing to resume in {checkpoint_folder}: starting " + (f"from {settings.start_from}" if settings.start_from else "from scratch"))
    check_new_run(checkpoint_folder, resume)
    checkpoint_folder.mkdir(parents=True, exist_ok=True)

    parts = "decoder" + (f" and VGG16's top {config.encoder_trainable} block(s)" if config.encoder_trainable else "")
    with stopwatch(f"fit: {parts}, {settings.loss} loss"):
        if state["epochs_done"] < settings.epochs and state["epochs_without_progress"] < settings.patience:
            hint_grid = hint_shape(config)[0] if config.hints else None
            samples = CachedSamples(*train, settings.batch_size, seed=settings.seed, hint_grid=hint_grid)
            trained.fit(
                samples,
                validation_data=CachedSamples(*validation, settings.batch_size, hint_grid=hint_grid),
                epochs=settings.epochs,
                initial_epoch=state["epochs_done"],
                shuffle=False,
                callbacks=[
                    EpochOrder(samples),
                    Checkpoint(checkpoint_folder, decoder, settings.patience, state, loss_spec.keep),
                    keras.callbacks.CSVLogger(checkpoint_folder / "log.csv", append=True),
                ],
                verbose=1 if sys.stdout.isatty() else 2,  # a progress bar in a terminal, a line per epoch in a log
            )
    best = build_trained_part(config)
    best.load_weights(checkpoint_folder / "best.weights.h5")
    return best, state


# --- the whole run -------------------------------------------------------------------------------


def run(settings: TrainingSettings, config: ModelConfig, resume=False):
    """scan -> cache -> fit -> validate -> save; returns the weights folder.

    Checkpoints go to cache/runs/KEY, where KEY covers every setting that shapes the model,
    so `--resume` with the same options finds them (and the output folder the run chose).
    """
    from ..evaluate import evaluation
    from ..evaluate.report import markdown_table
    from ..pipeline import Colorizer
    from .model_card import model_card, training_summary

    registered(config.decoder)  # unknown names are refused now, not after the scan and the cache
    config = recorded(dataclasses.replace(config, head=registered_loss(settings.loss).head))
    if settings.output:
        check_output_folder(settings.output)  # now, not after an hour of training
    precision = choose_precision(settings.precision)
    print(describe(settings.precision), flush=True)
    stopwatch = Stopwatch()
    photos = scan(settings, stopwatch)
    not_in_key = {"output": None, "cache": None, "epochs": None, "patience": None}  # --resume may change these
    key = FeatureCache.key(
        settings={**settings.to_dict(), **not_in_key, "precision": precision}, config=config.to_dict(),
        photos=[photo.sha256 for photo in photos.train],
    )
    checkpoints = Path(settings.cache) / "runs" / key
    check_new_run(checkpoints, resume)  # before the cache stage, the slow one
    output = Path(settings.output or _previous_output(checkpoints, resume) or default_output())
    train = cache_features(settings, config, photos.train, Augmentation(), settings.augmentations, stopwatch, "train")
    validation = cache_features(settings, config, photos.validation, None, 1, stopwatch, "validation")
    decoder, state = fit(settings, config, train, validation, checkpoints, stopwatch, resume=resume, extra_state={"output": str(output)})
    colorizer = Colorizer.untrained(config, decoder, precision)
    with stopwatch("validate: metrics on the held-out split, per category"):
        sets = dataset.by_category(photos.validation, settings.data)
        results, _ = evaluation.evaluate({"model": colorizer}, sets, sizes=("full",), progress=lambda it, desc: progress_bar(it, desc=desc, unit="photo"))
        print(markdown_table(results))
        metrics = {**evaluation.combine(list(results["full"].values())), "categories": results["full"]}
    training = training_summary(settings, photos, train, state, stopwatch.stages, precision)
    with stopwatch("save: weights folder"):
        folder = colorizer.save(
            output, training=training,
            extra_files={"metrics.json": json.dumps(metrics, indent=2) + "\n", "README.md": model_card(config, settings, training, metrics)},
        )
    print(f"total: {sum(stopwatch.stages.values()) / 60:.1f} min; wrote {folder}")
    return folder


def default_output():
    """A new folder for each run, so that training never overwrites a model by default."""
    return Path("runs") / f"colorizer-{datetime.datetime.now():%Y%m%d-%H%M%S}"


def _previous_output(checkpoints, resume):
    state = checkpoints / "state.json"
    return json.loads(state.read_text()).get("output") if resume and state.is_file() else None
