"""Training losses. One `LOSSES` entry each: its builder, the head it trains, the decoder output it sees.

Adding a loss is one builder function and one entry below.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..colour.lab import AB_SCALE, normalize_ab
from ..colour.measures import NEUTRAL_CHROMA
from ..model.backend import keras
from ..model.bins import AB_BINS, annealed_mean, nearest_bins


@dataclass(frozen=True)
class LossSpec:
    """A registered loss: build(settings, config, ab_targets) -> keras loss; the head and output it trains."""

    build: Callable
    head: str  # "classification" or "regression": the ModelConfig.head this loss needs
    output: str  # the decoder output the loss sees: "logits" or "ab"
    description: Callable  # (settings, config) -> words for the model card
    trainer: Callable | None = None  # (trained part's output model, settings, config) -> the model fit() trains, if not that one
    keep: str = "best"  # the epoch a run keeps: "best" by validation loss (and stops early), or "last"


def pool_to_head(ab, factor=4):
    """Average ab over factor x factor blocks: the classification head's S/4 grid (numpy, N x H x W x 2)."""
    n, height, width, _ = ab.shape
    return ab.reshape(n, height // factor, factor, width // factor, factor, 2).mean(axis=(2, 4))


def rebalancing_weights(ab_targets, lam, sample_limit=2000):
    """Zhang et al.'s class rebalancing: rare (colourful) ab bins weigh more than common (greyish) ones.

    w ~ 1 / ((1 - lam) * p + lam / Q), scaled so that the expected weight under p is 1;
    p is the bins' frequency in (up to `sample_limit`) training targets (int8, Lab units).
    """
    step = max(1, len(ab_targets) // sample_limit)
    pooled = normalize_ab(pool_to_head(np.asarray(ab_targets[::step], dtype=np.float32)))
    counts = np.bincount(nearest_bins(pooled).ravel(), minlength=len(AB_BINS)).astype(np.float64)
    prior = counts / counts.sum()
    weights = 1.0 / ((1 - lam) * prior + lam / len(AB_BINS))
    return (weights / (prior * weights).sum()).astype(np.float32)


class RebalancedCrossEntropy(keras.losses.Loss):
    """Cross-entropy over ab bins, each pixel weighted by its true bin's rebalancing weight,
    plus (if colour_weight > 0) the distance in Lab units between the decoded colour and the truth,
    plus (if neutral_weight > 0) the decoded chroma where the truth is white, gray or black.

    y_true is ab / AB_SCALE at the full input size; it is averaged to the logits' S/4 grid,
    where each pixel takes its nearest in-gamut bin. The cross-entropy alone makes colour vivid
    but lets the annealed mean pick a confident wrong hue; the distance term trains the colour
    that is actually shown (the annealed mean at `temperature`) to stay close to the photo's,
    and the neutral term singles out colour painted on colourless things, the error viewers see first.
    """

    def __init__(self, weights, colour_weight=0.0, temperature=None, neutral_weight=0.0, name="rebalanced_cross_entropy", **kwargs):
        super().__init__(name=name, **kwargs)
        if (colour_weight or neutral_weight) and temperature is None:
            raise ValueError("the colour and neutral terms need the annealed-mean temperature the model decodes with")
        self.bin_weights = np.asarray(weights, dtype=np.float32)
        self.colour_weight, self.neutral_weight, self.temperature = float(colour_weight), float(neutral_weight), temperature
        self.bin_centres = np.asarray(AB_BINS, dtype=np.float32)  # Lab units

    def call(self, y_true, y_pred):
        ops = keras.ops
        factor = y_true.shape[1] // y_pred.shape[1]
        pooled = ops.average_pool(y_true, factor, strides=factor, padding="valid")
        bins = nearest_bins(pooled, ops)
        loss = ops.sparse_categorical_crossentropy(bins, y_pred, from_logits=True) * ops.take(self.bin_weights, bins)
        if not (self.colour_weight or self.neutral_weight):
            return loss
        # On every other row and column: a quarter of the cost, the same mean in expectation
        logits, truth = y_pred[:, ::2, ::2], pooled[:, ::2, ::2] * AB_SCALE
        decoded = annealed_mean(logits, self.bin_centres, self.temperature)
        loss = ops.mean(loss, axis=(1, 2))
        if self.colour_weight:
            distance = ops.sqrt(ops.sum(ops.square(decoded - truth), axis=-1) + 1.0)
            loss = loss + self.colour_weight * ops.mean(distance, axis=(1, 2))
        if self.neutral_weight:
            neutral = ops.cast(ops.sum(ops.square(truth), axis=-1) < NEUTRAL_CHROMA**2, decoded.dtype)
            chroma = ops.sqrt(ops.sum(ops.square(decoded), axis=-1) + 1.0)
            loss = loss + self.neutral_weight * ops.mean(neutral * chroma, axis=(1, 2))
        return loss


def _classification_loss(settings, config, ab_targets):
    weights = rebalancing_weights(ab_targets, lam=settings.rebalancing)
    return RebalancedCrossEntropy(weights, settings.colour_weight, config.temperature, settings.neutral_weight)


def _describe_classification(settings, config):
    colour = settings.colour_weight
    return (
        f"cross-entropy over {len(AB_BINS)} ab bins with class rebalancing lambda = {settings.rebalancing}"
        + (f", plus {colour} x the decoded colour's distance to the truth in Lab units" if colour else "")
        + (f", plus {settings.neutral_weight} x its chroma where the truth is colourless" if settings.neutral_weight else "")
        + f"; annealed-mean decoding at T = {config.temperature}"
    )


def _adversarial_trainer(trained, settings, config):
    from .adversarial import AdversarialTraining

    return AdversarialTraining(trained, settings.adversarial_weight, config.temperature)


def _describe_adversarial(settings, config):
    return (
        f"{_describe_classification(settings, config)}; plus {settings.adversarial_weight} x an adversarial term "
        "(a conditional PatchGAN on L and ab at 1/4 size, trained beside the decoder)"
    )


LOSSES = {
    "classification": LossSpec(_classification_loss, "classification", "logits", _describe_classification),
    "adversarial": LossSpec(
        _classification_loss, "classification", "logits", _describe_adversarial, _adversarial_trainer, keep="last",
    ),
    "mse": LossSpec(
        lambda settings, config, ab_targets: keras.losses.MeanSquaredError(), "regression", "ab",
        lambda settings, config: "tanh output and mean squared error, as in the original design",
    ),
}


def registered_loss(name):
    """The `LOSSES` entry called `name`; an unknown name is a ValueError listing the known ones."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}")
    return LOSSES[name]
