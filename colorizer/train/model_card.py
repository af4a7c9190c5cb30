"""The weights folder's README.md (a Hugging Face model card), written from what the run actually saw."""

import datetime
import os
import platform
from pathlib import Path

from ..model.backend import keras
from ..model.classifier import classifier_description
from ..model.decoders import registered
from ..model.encoder import encoder_description, trainable_blocks
from .losses import registered_loss


def describe_machine():
    """The hardware the run trained on, in words: CPU cores and any GPUs the backend sees."""
    words = f"{os.cpu_count()} CPU cores ({platform.machine()})"
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            names = [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus]
            words += " and " + ", ".join(names)
    return words


def training_summary(settings, photos, train, state, stage_seconds, precision):
    """What config.json's "training" records: settings, data actually used (per folder), epochs, times, machine."""
    used = photos.train + photos.validation
    folders = {folder: sum(1 for photo in used if Path(folder) in photo.path.parents) for folder in settings.data}
    return {
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "settings": settings.to_dict(),
        "data": {
            "folders": folders,
            "train_photos": len(photos.train), "validation_photos": len(photos.validation),
            "skipped_unreadable": len(photos.unreadable), "skipped_near_gray": len(photos.near_gray),
            "skipped_duplicates": len(photos.duplicates), "train_samples": len(train[1]),
        },
        "machine": describe_machine(),
        "precision": precision,
        "epochs_done": state["epochs_done"], "best_epoch": state["best_epoch"], "best_val_loss": state["best_val_loss"],
        "fit_seconds": round(sum(epoch.get("seconds", 0) for epoch in state["history"]), 1),
        "stage_seconds": stage_seconds,
    }


def encoder_training(config):
    """Which encoder blocks were trained and stored here."""
    if not config.encoder_trainable:
        return "Frozen: not stored here, rebuilt from that source on load."
    blocks = " and ".join(f"block {block}" for block in trainable_blocks(config))
    return f"Its {blocks} were fine-tuned with the decoder and are stored in `decoder.keras`; the blocks below stay frozen and are rebuilt on load."


def hint_training(config):
    """What the decoder makes of colour hints."""
    if not config.hints:
        return "the decoder does not read them; the colorizer spreads each hint through its region after it."
    return (
        "the decoder reads the hint map (a, b and a mask at 1/4 size) at every scale, trained with half the "
        "samples showing the truth's colour in a few small squares; the colorizer then spreads each hint through its region."
    )


def started_from(settings):
    """The pre-trained phase a run started from, if any."""
    return f", starting from the decoder of `{settings.start_from}`" if settings.start_from else ""


def category_rows(metrics):
    """The per-category lines of the validation table."""
    return "\n".join(
        f"| {name} | {table['_photos']} | {table['gray baseline']['ciede2000']:.2f} | {table['model']['ciede2000']:.2f} "
        f"| {table['model']['cf']:.1f} | {table['truth']['cf']:.1f} |"
        for name, table in metrics.get("categories", {}).items()
    )


def model_card(config, settings, training, metrics):
    """README.md for a weights folder, with the Hugging Face Hub's YAML metadata."""
    data = training["data"]
    folders = ", ".join(f"`{Path(folder).name}` ({count})" for folder, count in data["folders"].items())
    loss = registered_loss(settings.loss)
    model, gray = metrics["model"], metrics["gray baseline"]
    return f"""---
license: mit
library_name: keras
pipeline_tag: image-to-image
tags:
- image-colorization
- keras
- vgg16
- lab-color-space
metrics:
- psnr
- ssim
- ciede2000
- colorfulness
---

# Colorizer: VGG16 encoder, {config.decoder} decoder, {config.head} head

Colorizes black-and-white photos in CIE Lab: the photo's own L goes in, a and b come out at
{config.input_size}x{config.input_size} and are upsampled onto the photo's full-resolution L.

- **Encoder:** {encoder_description(config.encoder_weights)} {encoder_training(config)}
- **Classifier:** {classifier_description(config)}
- **Decoder (trained, `decoder.keras`):** {registered(config.decoder).description}, with a {config.head} head
  ({loss.description(settings, config)}).
- **Colour hints:** {hint_training(config)}
- **Data:** {data['train_photos']} photos for training and {data['validation_photos']} held out for validation, from
  {folders}; skipped {data['skipped_near_gray']} near-grayscale, {data['skipped_duplicates']} duplicate and
  {data['skipped_unreadable']} unreadable files.
- **Training:** {training['epochs_done']} epoch(s) (best: {training['best_epoch']}) of the decoder on features cached once
  ({data['train_samples']} augmented photos): {training['fit_seconds'] / 60:.1f} minutes of fitting on {training['machine']},
  computing in {training.get('precision', 'float32')} (weights kept in float32){started_from(settings)}.

## Validation (the held-out photos, full resolution)

| | PSNR (dB) | SSIM | CIEDE2000 | colourfulness | dCF |
|---|---|---|---|---|---|
| this model | {model['psnr']:.2f} | {model['ssim']:.4f} | {model['ciede2000']:.2f} | {model['cf']:.1f} | {model['delta_cf']:.1f} |
| gray (a = b = 0) | {gray['psnr']:.2f} | {gray['ssim']:.4f} | {gray['ciede2000']:.2f} | {gray['cf']:.1f} | {gray['delta_cf']:.1f} |

Truth colourfulness: {metrics['truth']['cf']:.1f}. What viewers notice (chroma ratio: the output's mean chroma over the
truth's; false colour: mean chroma on things the truth shows white, gray or black; green recall: the share of true greens
shown green; border excess: how much more colour gathers along the frame's edges than in the truth; blotches: how much
the colour changes inside things the truth shows in one even colour, Lab units, the truth's own {metrics['truth']['blotchiness']:.2f}):

| chroma ratio | false colour | green recall | border excess | blotches |
|---|---|---|---|---|
| {model['chroma_ratio']:.3f} | {model['false_colour']:.2f} | {model['green_recall']:.3f} | {model['border_excess']:.3f} \
| {model['blotchiness']:.2f} |
 Per category (CIEDE2000: lower is closer to the truth; CF: colourfulness):

| category | photos | CIEDE2000, gray | CIEDE2000, this model | CF, this model | CF, truth |
|---|---|---|---|---|---|
{category_rows(metrics)}

## Use

```python
from .. import Colorizer
Colorizer.from_pretrained("path/or/USER/REPO").colorize("photo.jpg").save("colour.png")
Colorizer.from_pretrained("path/or/USER/REPO").colorize("photo.jpg", hints="strokes.png")  # an RGBA image of strokes
```

Limitations: the model has seen only the photos above; subjects unlike them get the colours it learnt there.
"""

