"""Checkpoints of a training run: what is saved after every epoch, what `--resume` loads, and where a run starts from.

After each epoch the decoder's weights (the last and the best), every other variable training
needs (optimizers, a discriminator: `state_variables`) and the run's state (`state.json`, written
last, so that it marks a complete epoch) are written atomically. A resumed run loads them and
sees the same batches, so it ends with the same weights as an uninterrupted one.
"""

import json
import time
from pathlib import Path

import numpy as np

from ..files import write_atomically, write_json_atomically
from ..model.backend import keras


class Checkpoint(keras.callbacks.Callback):
    """After every epoch: save the decoder and the run's state (optimizers, any discriminator), atomically;
    keep the best decoder by validation loss and stop early after `patience` epochs without progress,
    or (keep="last") keep the last."""

    def __init__(self, folder, decoder, patience, state, keep="best"):
        super().__init__()
        self.folder, self.decoder, self.patience, self.state, self.keep = Path(folder), decoder, patience, state, keep

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        loss = float(logs["val_loss"])
        seconds = round(time.perf_counter() - self.epoch_started, 1)  # kept across --resume, unlike a stopwatch
        others = {name: float(value) for name, value in logs.items() if name not in ("loss", "val_loss")}
        self.state["history"].append({"epoch": epoch + 1, "loss": float(logs["loss"]), "val_loss": loss, **others, "seconds": seconds})
        if loss < self.state["best_val_loss"] or self.keep == "last":
            self.state.update(best_val_loss=loss, best_epoch=epoch + 1, epochs_without_progress=0)
            write_atomically(self.folder / "best.weights.h5", self.decoder.save_weights)
        else:
            self.state["epochs_without_progress"] += 1
        self.state["epochs_done"] = epoch + 1
        write_atomically(self.folder / "last.weights.h5", self.decoder.save_weights)
        write_atomically(self.folder / STATE_FILE, lambda path: np.savez(path, *[np.asarray(v) for v in state_variables(self.model)]))
        write_json_atomically(self.folder / "state.json", self.state)  # last: marks the epoch complete
        if self.state["epochs_without_progress"] >= self.patience:
            print(f"early stop: no better validation loss for {self.patience} epochs")
            self.model.stop_training = True


STATE_FILE = "training_state.npz"


def state_variables(model):
    """What a resumed run needs besides the decoder's weights: the optimizer's state, and whatever else the model trains."""
    return model.state_variables() if hasattr(model, "state_variables") else list(model.optimizer.variables)


def start_from(trained, folder, config):
    """Set the trained part to a weights folder's (a pre-trained phase): the same decoder, head and hints.

    The folder may fine-tune fewer of VGG16's blocks than this run (none, or block 5 for a
    run that tunes blocks 4 and 5): the blocks it did not tune start as VGG16's.
    """
    from ..model.weights import load_folder

    saved_config, saved, _ = load_folder(folder)
    same = ("input_size", "decoder", "head", "hints")
    if any(getattr(saved_config, name) != getattr(config, name) for name in same):
        raise ValueError(f"--start-from {folder}: not the same {', '.join(same)} as this run's model")
    if saved_config.encoder_trainable == config.encoder_trainable:
        trained.set_weights(saved.get_weights())
    elif saved_config.encoder_trainable < config.encoder_trainable:
        trained.get_layer("decoder").set_weights((saved.get_layer("decoder") if saved_config.encoder_trainable else saved).get_weights())
        if saved_config.encoder_trainable:
            top = trained.get_layer("encoder_top")
            for layer in saved.get_layer("encoder_top").layers:
                if layer.weights:
                    top.get_layer(layer.name).set_weights(layer.get_weights())
    else:
        raise ValueError(f"--start-from {folder}: it fine-tunes {saved_config.encoder_trainable} encoder blocks, this run {config.encoder_trainable}")
    print(f"starting from {folder}")


def check_new_run(checkpoint_folder, resume):
    """A run that is not resumed must not silently discard another run's checkpoints."""
    if not resume and (Path(checkpoint_folder) / "state.json").exists():
        raise FileExistsError(f"{checkpoint_folder} holds a run already: pass --resume to continue it, or remove the folder")


def resume_from(folder, decoder, model):
    """Load the last finished epoch into `decoder` (weights) and `model` (optimizers and the rest); returns the run's state."""
    folder = Path(folder)
    state = json.loads((folder / "state.json").read_text())
    if not model.optimizer.built:  # before loading: a compiled model's file holds its optimizer too
        model.optimizer.build(model.trainable_variables)
    decoder.load_weights(folder / "last.weights.h5")
    with np.load(folder / STATE_FILE, allow_pickle=False) as saved:
        for variable, value in zip(state_variables(model), (saved[f"arr_{i}"] for i in range(len(saved.files)))):
            variable.assign(value)
    return state
