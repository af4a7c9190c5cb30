"""Training on tiny data: losses, resume equals an uninterrupted run, the written folder loads."""

import dataclasses
import json

import numpy as np
import pytest

from colorizer import Colorizer, ModelConfig, TrainingSettings
from colorizer.model.bins import AB_BINS, nearest_bins
from colorizer.model.decoders import DECODERS, build_decoder, cached_outputs
from colorizer.model.encoder import feature_shapes
from colorizer.train.losses import LOSSES, RebalancedCrossEntropy, rebalancing_weights
from colorizer.train.model_card import model_card
from colorizer.train.run import Stopwatch, fit, run

from conftest import colour_photo, write


def tiny_cache(count, seed, config=None):
    """What the feature cache would hold for `config` (default: the 32-pixel bottleneck model): random."""
    config = config or ModelConfig(input_size=32, encoder_weights=None, decoder="bottleneck")
    rng = np.random.default_rng(seed)
    shapes = feature_shapes(config, cached_outputs(config))
    features = {name: rng.normal(size=(count, *shape)).astype(np.float16) for name, shape in shapes.items()}
    ab = rng.integers(-40, 40, size=(count, config.input_size, config.input_size, 2)).astype(np.int8)
    return features, ab


def test_rare_colours_weigh_more():
    ab = np.zeros((10, 32, 32, 2), np.int8)
    ab[:, :4, :4] = [60, 60]  # a few vivid pixels among grey ones
    weights = rebalancing_weights(ab, lam=0.5)
    grey, vivid = nearest_bins(np.array([[0.0, 0.0], [60 / 128, 60 / 128]]))
    assert weights[vivid] > 5 * weights[grey]
    assert len(weights) == len(AB_BINS)


def test_rebalanced_cross_entropy_prefers_the_right_bin():
    target = np.full((1, 8, 8, 2), 30 / 128, np.float32)
    right = np.zeros((1, 2, 2, len(AB_BINS)), np.float32)
    right[..., nearest_bins(np.array([30 / 128, 30 / 128]))] = 20.0
    loss = RebalancedCrossEntropy(np.ones(len(AB_BINS), np.float32))
    assert float(loss(target, right)) < 0.01 < float(loss(target, np.zeros_like(right)))


def test_colour_term_adds_the_decoded_colours_distance():
    """A confident wrong bin costs the cross-entropy plus colour_weight x its distance in Lab units."""
    target = np.full((1, 8, 8, 2), 30 / 128, np.float32)
    wrong = np.zeros((1, 2, 2, len(AB_BINS)), np.float32)
    wrong[..., nearest_bins(np.array([-30 / 128, -30 / 128]))] = 50.0  # all mass on (-30, -30)
    plain = float(RebalancedCrossEntropy(np.ones(len(AB_BINS), np.float32))(target, wrong))
    with_colour = float(RebalancedCrossEntropy(np.ones(len(AB_BINS), np.float32), colour_weight=0.1, temperature=0.38)(target, wrong))
    assert with_colour - plain == pytest.approx(0.1 * np.hypot(60, 60), rel=0.01)


@pytest.mark.parametrize(
    "loss, decoder, precision",
    [("mse", "bottleneck", "float32"), ("classification", "bottleneck", "float32"), ("classification", "unet", "float32"),
     ("classification", "unet", "bfloat16"), ("adversarial", "unet", "float32"), ("adversarial", "unet", "bfloat16")],
)
def test_resume_equals_an_uninterrupted_run(tmp_path, loss, decoder, precision):
    config = ModelConfig(input_size=32, encoder_weights=None, head=LOSSES[loss].head, decoder=decoder)
    train, validation = tiny_cache(24, 0, config), tiny_cache(6, 1, config)
    settings = TrainingSettings(loss=loss, epochs=2, batch_size=8, patience=5, seed=3, precision=precision)

    straight, _ = fit(settings, config, train, validation, tmp_path / "straight", Stopwatch())
    interrupted = dataclasses.replace(settings, epochs=1)
    fit(interrupted, config, train, validation, tmp_path / "resumed", Stopwatch())
    resumed, state = fit(settings, config, train, validation, tmp_path / "resumed", Stopwatch(), resume=True)

    assert state["epochs_done"] == 2 and len(state["history"]) == 2
    assert all(weight.dtype == np.float32 for weight in resumed.get_weights())  # bfloat16 computes; weights stay float32
    assert {layer.dtype_policy.name for layer in resumed.layers} == {"float32"}  # saved as a float32 model
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        assert np.allclose(a, b, atol=1e-5)
    with pytest.raises(FileExistsError, match="--resume"):
        fit(settings, config, train, validation, tmp_path / "resumed", Stopwatch())


def test_early_stopping(tmp_path):
    config = ModelConfig(input_size=32, encoder_weights=None, decoder="bottleneck", head="regression")
    settings = TrainingSettings(loss="mse", epochs=30, batch_size=8, patience=1, learning_rate=0.5, seed=0)
    _, state = fit(settings, config, tiny_cache(16, 0), tiny_cache(4, 1), tmp_path / "run", Stopwatch())
    assert state["epochs_done"] < 30
    assert (tmp_path / "run" / "log.csv").read_text().count("\n") == state["epochs_done"] + 1


def test_run_on_several_folders_writes_a_loadable_folder_with_metrics_and_card(tmp_path):
    for index in range(24):
        write(tmp_path / ("animals" if index % 3 else "streets") / f"{index}.png", colour_photo(index, size=40))
    (tmp_path / "streets" / "copy.png").write_bytes((tmp_path / "animals" / "1.png").read_bytes())  # across folders
    settings = TrainingSettings(
        data=(str(tmp_path / "animals"), str(tmp_path / "streets")), output=str(tmp_path / "weights"),
        cache=str(tmp_path / "cache"), loss="classification", epochs=1, batch_size=8, validation_percent=25,
    )
    folder = run(settings, ModelConfig(input_size=32, encoder_weights=None, decoder="bottleneck"))
    metrics = json.loads((folder / "metrics.json").read_text())
    assert set(metrics["model"]) == {
        "psnr", "ssim", "ciede2000", "cf", "delta_cf", "chroma", "truth_chroma", "chroma_ratio", "false_colour", "green_recall",
        "border_excess", "blotchiness",
    }
    assert "| chroma ratio | false colour | green recall | border excess | blotches |" in (folder / "README.md").read_text()
    assert set(metrics["categories"]) == {"animals", "streets"}  # no manifest: one category per folder
    assert sum(table["_photos"] for table in metrics["categories"].values()) == metrics["_photos"]
    card = (folder / "README.md").read_text()
    assert card.startswith("---\nlicense: mit\nlibrary_name: keras\n")
    assert "randomly initialised VGG16" in card and "| animals |" in card and "| streets |" in card
    assert "`animals` (16)" in card and "`streets` (8)" in card and "1 duplicate" in card  # what this run saw
    assert "monet2photo" not in card and "landscape" not in card
    config = json.loads((folder / "config.json").read_text())
    assert config["training"]["data"]["train_photos"] + config["training"]["data"]["validation_photos"] == 24
    assert config["training"]["data"]["skipped_duplicates"] == 1
    assert {"scan: hygiene and split", "fit: decoder, classification loss"} <= set(config["training"]["stage_seconds"])
    assert config["training"]["fit_seconds"] > 0 and "minutes of fitting" in card
    colorizer = Colorizer.from_pretrained(folder)
    assert colorizer.config.head == "classification"
    assert colorizer.colorize(colour_photo(1, size=50)).size == (50, 50)


def test_temperature_changes_vividness(tmp_path):
    from colorizer.model.weights import save_folder

    config = ModelConfig(input_size=32, encoder_weights=None, head="classification", decoder="bottleneck")
    decoder = build_decoder(config)
    logits = decoder.get_layer("ab_logits")
    kernel, bias = logits.get_weights()
    bias = np.zeros_like(bias)
    bias[nearest_bins(np.array([40 / 128, 40 / 128]))] = 2.0  # one vivid bin slightly preferred
    logits.set_weights([np.zeros_like(kernel), bias])
    photo = colour_photo(2, size=40)
    chroma = {}
    for temperature in (1.0, 0.2):
        save_folder(tmp_path / str(temperature), dataclasses.replace(config, temperature=temperature), decoder)
        out = np.asarray(Colorizer.from_pretrained(tmp_path / str(temperature)).colorize(photo), np.float32)
        chroma[temperature] = np.abs(out - out.mean(axis=2, keepdims=True)).mean()
    assert chroma[0.2] > 2 * chroma[1.0]


def test_training_writes_a_new_folder_by_default_and_never_over_other_files(tmp_path, monkeypatch):
    from colorizer.model.weights import check_output_folder
    from colorizer.train.run import default_output

    assert TrainingSettings().output is None and default_output().parent.name == "runs"
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "diary.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a weights folder"):
        check_output_folder(tmp_path / "notes")
    settings = TrainingSettings(data=(str(tmp_path),), output=str(tmp_path / "notes"), cache=str(tmp_path / "cache"))
    with pytest.raises(FileExistsError, match="not a weights folder"):  # refused before any work
        run(settings, ModelConfig(input_size=32, encoder_weights=None, decoder="bottleneck"))
    assert (tmp_path / "notes" / "diary.txt").read_text() == "mine"


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("decoder", sorted(DECODERS))
def test_every_registered_decoder_and_loss_builds_and_describes_itself(loss, decoder):
    """What a model card needs of each registry entry, checked here rather than after a training run."""
    config = ModelConfig(input_size=32, encoder_weights=None, decoder=decoder, head=LOSSES[loss].head)
    settings = TrainingSettings(loss=loss)
    model = build_decoder(config)
    assert LOSSES[loss].output in model.output
    ab_targets = np.zeros((2, 32, 32, 2), np.int8)
    assert callable(LOSSES[loss].build(settings, config, ab_targets))
    training = {
        "data": {"folders": {"/photos": 3}, "train_photos": 2, "validation_photos": 1, "skipped_unreadable": 0,
                 "skipped_near_gray": 0, "skipped_duplicates": 0, "train_samples": 2},
        "machine": "2 CPU cores", "epochs_done": 1, "best_epoch": 1, "fit_seconds": 60.0,
    }
    row = {"psnr": 20.0, "ssim": 0.9, "ciede2000": 10.0, "cf": 5.0, "delta_cf": 1.0, "chroma_ratio": 0.5, "false_colour": 2.0, "green_recall": 0.4, "border_excess": 0.1,
           "blotchiness": 1.5}
    card = model_card(config, settings, training, {"model": row, "gray baseline": row, "truth": {"cf": 6.0, "blotchiness": 2.5}})
    assert DECODERS[decoder].description in card and LOSSES[loss].description(settings, config) in card


def test_a_quick_trial_samples_every_folder(tmp_path):
    from colorizer.train.run import scan

    for index in range(24):
        write(tmp_path / ("first" if index < 12 else "second") / f"{index}.png", colour_photo(index, size=40))
    settings = TrainingSettings(data=(str(tmp_path / "first"), str(tmp_path / "second")), max_photos=8, validation_percent=10)
    photos = scan(settings, Stopwatch())
    assert len(photos.train) == 8
    assert {photo.path.parent.name for photo in photos.train} == {"first", "second"}


def test_an_output_that_cannot_be_written_is_refused_before_any_work(tmp_path, capsys):
    from colorizer.cli.train import main

    write(tmp_path / "photos" / "a.png", colour_photo(1))
    code = main(["--data", str(tmp_path / "photos"), "--output", "/proc/no-such-place/model", "--cache", str(tmp_path / "cache")])
    assert code == 1
    err = capsys.readouterr().err
    assert "cannot write the weights folder /proc/no-such-place/model" in err and "Traceback" not in err
    assert not (tmp_path / "cache").exists()  # refused before the scan and the cache


def test_training_with_a_fine_tuned_block_on_the_cache_resumes_and_changes_the_block(tmp_path):
    config = ModelConfig(input_size=32, encoder_weights=None, decoder="unet", encoder_trainable=1)
    train = tiny_cache(24, 0, dataclasses.replace(config, encoder_trainable=0))  # the frozen cache has every pool
    validation = tiny_cache(6, 1, dataclasses.replace(config, encoder_trainable=0))
    settings = TrainingSettings(epochs=2, batch_size=8, patience=5, seed=3)
    import keras

    from colorizer.model.decoders import build_trained_part

    keras.utils.set_random_seed(settings.seed)  # as fit does before building: the same starting weights
    initial = build_trained_part(config).get_layer("encoder_top").get_weights()
    straight, _ = fit(settings, config, train, validation, tmp_path / "straight", Stopwatch())
    fit(dataclasses.replace(settings, epochs=1), config, train, validation, tmp_path / "resumed", Stopwatch())
    resumed, _ = fit(settings, config, train, validation, tmp_path / "resumed", Stopwatch(), resume=True)
    trained_top = straight.get_layer("encoder_top").get_weights()
    unchanged = fit(dataclasses.replace(settings, epochs=1, learning_rate=1e-12), config, train, validation, tmp_path / "still", Stopwatch())[0]
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(initial, unchanged.get_layer("encoder_top").get_weights()))
    assert any(not np.allclose(a, b, atol=1e-4) for a, b in zip(initial, trained_top))  # the block learnt
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        assert np.allclose(a, b, atol=1e-5)


def test_the_adversarial_term_trains_a_discriminator_and_changes_the_decoder(tmp_path):
    config = ModelConfig(input_size=32, encoder_weights=None, decoder="unet")
    train, validation = tiny_cache(24, 0, config), tiny_cache(6, 1, config)
    settings = TrainingSettings(loss="classification", epochs=2, batch_size=8, patience=1, seed=3)
    plain, _ = fit(settings, config, train, validation, tmp_path / "plain", Stopwatch())
    adversarial, state = fit(
        dataclasses.replace(settings, loss="adversarial", adversarial_weight=5.0), config, train, validation, tmp_path / "gan", Stopwatch()
    )
    assert [epoch["epoch"] for epoch in state["history"]] == [1, 2] and state["best_epoch"] == 2  # the last epoch, no early stop
    assert all(epoch["discriminator"] > 0 and epoch["adversarial"] > 0 for epoch in state["history"])
    assert any(not np.allclose(a, b, atol=1e-4) for a, b in zip(plain.get_weights(), adversarial.get_weights()))
    with pytest.raises(ValueError, match="unet"):
        bottleneck = dataclasses.replace(config, decoder="bottleneck")
        fit(dataclasses.replace(settings, loss="adversarial"), bottleneck, tiny_cache(8, 0, bottleneck), tiny_cache(2, 1, bottleneck),
            tmp_path / "refused", Stopwatch())


def test_a_run_starts_from_a_weights_folder_of_the_same_decoder_and_fewer_tuned_blocks(tmp_path):
    from colorizer.model.decoders import build_trained_part
    from colorizer.train.checkpoints import start_from

    config = ModelConfig(input_size=32, encoder_weights=None, decoder="unet")
    Colorizer.untrained(config).save(tmp_path / "pretrained")
    saved = Colorizer.from_pretrained(tmp_path / "pretrained").decoder.get_weights()
    fresh = build_trained_part(config)
    start_from(fresh, tmp_path / "pretrained", config)
    assert all(np.array_equal(a, b) for a, b in zip(saved, fresh.get_weights()))
    fine_tuned = build_trained_part(dataclasses.replace(config, encoder_trainable=1))  # the encoder's top block stays VGG16's
    start_from(fine_tuned, tmp_path / "pretrained", dataclasses.replace(config, encoder_trainable=1))
    assert all(np.array_equal(a, b) for a, b in zip(saved, fine_tuned.get_layer("decoder").get_weights()))
    # from block 5 fine-tuned to blocks 4 and 5: block 5 and the decoder carried, block 4 VGG16's; and not back
    one_block = dataclasses.replace(config, encoder_trainable=1)
    tuned = Colorizer.untrained(one_block)
    tuned.decoder.get_layer("encoder_top").get_layer("block5_conv1").kernel.assign_add(np.ones((3, 3, 512, 512), np.float32))
    tuned.save(tmp_path / "block5")
    two_blocks = build_trained_part(dataclasses.replace(config, encoder_trainable=2))
    vgg_block4 = two_blocks.get_layer("encoder_top").get_layer("block4_conv1").get_weights()
    start_from(two_blocks, tmp_path / "block5", dataclasses.replace(config, encoder_trainable=2))
    for name in ("block5_conv1", "block5_conv3"):
        expected = tuned.decoder.get_layer("encoder_top").get_layer(name).get_weights()
        assert all(np.array_equal(a, b) for a, b in zip(expected, two_blocks.get_layer("encoder_top").get_layer(name).get_weights()))
    assert all(np.array_equal(a, b) for a, b in zip(vgg_block4, two_blocks.get_layer("encoder_top").get_layer("block4_conv1").get_weights()))
    expected = tuned.decoder.get_layer("decoder").get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(expected, two_blocks.get_layer("decoder").get_weights()))
    with pytest.raises(ValueError, match="fine-tunes 2 encoder blocks"):
        Colorizer.untrained(dataclasses.replace(config, encoder_trainable=2)).save(tmp_path / "blocks45")
        start_from(build_trained_part(one_block), tmp_path / "blocks45", one_block)
    with pytest.raises(ValueError, match="not the same"):
        start_from(build_trained_part(dataclasses.replace(config, hints=True)), tmp_path / "pretrained", dataclasses.replace(config, hints=True))


def test_resume_with_nothing_to_resume_still_starts_from_the_folder(tmp_path):
    """scripts/train_shipped_model.sh passes --resume to every step: a step not begun yet starts from the step before."""
    config = ModelConfig(input_size=32, encoder_weights=None, decoder="unet")
    pretrained = Colorizer.untrained(config)
    for index, weight in enumerate(pretrained.decoder.trainable_weights):
        weight.assign(np.random.default_rng(index).normal(0, 0.05, weight.shape))
    pretrained.save(tmp_path / "pretrained")
    train, validation = tiny_cache(8, 0, config), tiny_cache(2, 1, config)
    settings = TrainingSettings(epochs=1, batch_size=8, seed=3, start_from=str(tmp_path / "pretrained"))
    fresh, _ = fit(settings, config, train, validation, tmp_path / "fresh", Stopwatch())
    resumed, _ = fit(settings, config, train, validation, tmp_path / "resumed", Stopwatch(), resume=True)
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(fresh.get_weights(), resumed.get_weights()))


def test_neutral_term_adds_the_decoded_chroma_on_colourless_things():
    """A confident colour on a gray truth costs neutral_weight x its chroma; on a coloured truth, nothing more."""
    gray_truth, coloured_truth = np.zeros((1, 8, 8, 2), np.float32), np.full((1, 8, 8, 2), 30 / 128, np.float32)
    red = np.zeros((1, 2, 2, len(AB_BINS)), np.float32)
    red[..., nearest_bins(np.array([40 / 128, 30 / 128]))] = 50.0  # all mass on (40, 30): chroma 50
    ones = np.ones(len(AB_BINS), np.float32)
    for truth, extra in ((gray_truth, 0.2 * np.hypot(np.hypot(40, 30), 1)), (coloured_truth, 0.0)):
        plain = float(RebalancedCrossEntropy(ones, temperature=0.38)(truth, red))
        with_neutral = float(RebalancedCrossEntropy(ones, temperature=0.38, neutral_weight=0.2)(truth, red))
        assert with_neutral - plain == pytest.approx(extra, rel=0.01, abs=1e-4)


def test_unknown_registry_names_are_refused_before_any_work(tmp_path):
    from colorizer.cli.train import parse_args

    with pytest.raises(ValueError, match="unknown decoder 'transformer'; choose one of"):
        build_decoder(ModelConfig(decoder="transformer"))
    settings = TrainingSettings(data=(str(tmp_path / "nothing"),), loss="perceptual", cache=str(tmp_path / "cache"))
    with pytest.raises(ValueError, match="unknown loss 'perceptual'"):
        run(settings, ModelConfig(input_size=32, encoder_weights=None))
    assert not (tmp_path / "cache").exists()
    with pytest.raises(SystemExit):
        parse_args(["--data", "photos", "--decoder", "transformer"])
