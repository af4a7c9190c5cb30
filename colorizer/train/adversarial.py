"""The adversarial term: a conditional PatchGAN judges (L, ab) at the head's S/4 scale, the decoder learns to fool it.

Cross-entropy over bins rewards the likely colour of each pixel on its own; a washed-out or
blotchy photo can score well. The discriminator sees whole patches (136 pixels of the model's
input a side) of lightness and colour together, real or the decoder's, and its verdict is one
more term of the decoder's loss, so colour that looks real in context is rewarded. The decoder
starts from a model trained with the plain loss (`--start-from`), as in DeOldify's "NoGAN" and
ChromaGAN.

References
----------
P. Isola et al., "Image-to-Image Translation with Conditional Adversarial Networks" (pix2pix), CVPR 2017.
P. Vitoria, L. Raad, C. Ballester, "ChromaGAN: Adversarial Picture Colorization with Semantic Class Distribution", WACV 2020.
"""

import numpy as np

from ..colour.lab import AB_SCALE
from ..model.backend import keras, layers
from ..model.bins import AB_BINS, annealed_mean

LIGHTNESS = "lightness_quarter"  # the cached input the discriminator is conditioned on: L at S/4


def build_discriminator(size):
    """A PatchGAN on S/4 x S/4 x (L, a, b): a real/fake logit for each overlapping patch (spectrally normalised convolutions)."""
    photo = keras.Input((size, size, 3), name="lightness_and_ab")
    x = photo
    for index, (filters, strides) in enumerate([(64, 2), (128, 2), (256, 1)]):
        conv = layers.Conv2D(filters, 4, strides=strides, padding="same", use_bias=False, name=f"discriminator_conv{index + 1}")
        x = layers.SpectralNormalization(conv, name=f"discriminator_norm{index + 1}")(x)
        x = layers.LeakyReLU(0.2, name=f"discriminator_relu{index + 1}")(x)
    verdict = layers.Conv2D(1, 4, padding="same", name="discriminator_verdict")(x)
    return keras.Model(photo, verdict, name="discriminator")


class AdversarialTraining(keras.Model):
    """Trains `generator` (the trained part, giving bin logits) on `loss` plus `weight` x the non-saturating
    adversarial loss, and the discriminator beside it, one step each per batch (TensorFlow backend).

    `state_variables` is everything besides the generator's weights that a resumed run needs.
    Validation reports the plain loss alone, which the adversarial term is expected to raise.
    """

    def __init__(self, generator, weight, temperature, **kwargs):
        super().__init__(**kwargs)
        if LIGHTNESS not in generator.input:
            raise ValueError(f"the adversarial loss needs a decoder that reads {LIGHTNESS} (the unet decoder)")
        self.generator, self.weight, self.temperature = generator, float(weight), temperature
        size = generator.output.shape[1]
        self.discriminator = build_discriminator(size)
        self.bin_centres = np.asarray(AB_BINS / AB_SCALE, dtype=np.float32)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", "adversarial", "discriminator")}

    def compile(self, optimizer, loss, discriminator_optimizer, **kwargs):
        super().compile(optimizer=optimizer, **kwargs)
        self.plain_loss, self.discriminator_optimizer = loss, discriminator_optimizer
        optimizer.build(self.generator.trainable_variables)  # now, so that a resumed run can load their state
        discriminator_optimizer.build(self.discriminator.trainable_variables)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, features, training=False):
        return self.generator(features, training=training)

    def _judge(self, features, ab):
        return self.discriminator(keras.ops.concatenate([features[LIGHTNESS], ab], axis=-1), training=True)

    def train_step(self, data):
        import tensorflow as tf

        features, y_true = data
        real_ab = keras.ops.average_pool(y_true, 4, strides=4, padding="valid")
        with tf.GradientTape() as generator_tape, tf.GradientTape() as discriminator_tape:
            logits = self.generator(features, training=True)
            plain = self.plain_loss(y_true, logits)
            fake_ab = annealed_mean(keras.ops.cast(logits, "float32"), self.bin_centres, self.temperature)
            real, fake = self._judge(features, real_ab), self._judge(features, fake_ab)
            adversarial = _cross_entropy(keras.ops.ones_like(fake), fake)
            generator_loss = plain + self.weight * adversarial
            discriminator_loss = _cross_entropy(keras.ops.ones_like(real), real) + _cross_entropy(keras.ops.zeros_like(fake), fake)
        trained = self.generator.trainable_variables
        self.optimizer.apply_gradients(zip(generator_tape.gradient(generator_loss, trained), trained))
        judge = self.discriminator.trainable_variables
        self.discriminator_optimizer.apply_gradients(zip(discriminator_tape.gradient(discriminator_loss, judge), judge))
        return self._record(loss=plain, adversarial=adversarial, discriminator=discriminator_loss)

    def test_step(self, data):
        features, y_true = data
        return self._record(loss=self.plain_loss(y_true, self.generator(features, training=False)))

    def _record(self, **values):
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {name: self.trackers[name].result() for name in values}

    def state_variables(self):
        """The discriminator's weights (the spectral norms' estimates too) and both optimizers' state."""
        return [*self.optimizer.variables, *self.discriminator.weights, *self.discriminator_optimizer.variables]


def _cross_entropy(target, logits):
    return keras.ops.mean(keras.ops.binary_crossentropy(target, logits, from_logits=True))
