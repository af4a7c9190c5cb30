"""colorizer-train (and train.py): train the colorizer's decoder on folders of colour photos.

    colorizer-train --data photos/ more_photos/ --output my-model/

Stages, each timed: scan (drop unreadable, near-grayscale and duplicate photos; split by
content hash), cache (the frozen VGG16 encoder runs once per augmented photo), fit (the
decoder alone, a checkpoint each epoch, --resume after an interruption), validate, save.
Every option's default comes from colorizer/config.py.
"""

import argparse
import sys

from ..config import ModelConfig, TrainingSettings
from .options import add_options, from_options


def decoder_names():
    from ..model.decoders import DECODERS

    return sorted(DECODERS)


def loss_names():
    from ..train.losses import LOSSES

    return sorted(LOSSES)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="colorizer-train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_options(parser, TrainingSettings, "training (colorizer.config.TrainingSettings)", registries={"loss": loss_names})
    add_options(parser, ModelConfig, "model (colorizer.config.ModelConfig)", registries={"decoder": decoder_names})
    run_options = parser.add_argument_group("run options")
    run_options.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    run_options.add_argument(
        "--push-to-hub", metavar="USER/REPO", default=None,
        help="upload the weights folder to this Hugging Face model repo (token: HF_TOKEN or `hf auth login`)",
    )
    run_options.add_argument("--private", action="store_true", help="create the Hub repo as private")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)

    try:
        from ..train.run import run  # TensorFlow: seconds, during which Ctrl-C gets the line below

        folder = run(from_options(TrainingSettings, args), from_options(ModelConfig, args), resume=args.resume)
    except (ValueError, OSError) as error:  # bad settings, missing data, an output that cannot be written
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: run the same command with --resume to continue from the last finished epoch", file=sys.stderr)
        return 130
    if args.push_to_hub:
        try:
            from ..model.weights import push_folder

            print(f"uploaded: {push_folder(folder, args.push_to_hub, private=args.private or None)}")
        except Exception as error:  # noqa: BLE001 (network, auth, permissions: the trained folder is safe either way)
            print(f"error: upload to {args.push_to_hub} failed ({error}); the weights are in {folder}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
