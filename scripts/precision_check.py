"""How far bfloat16 moves the colours from float32's, and whether it costs accuracy (a measurement, not a test).

    python scripts/precision_check.py --data ../shared/data/test/kodak24 ../shared/data/test/bsds500

For every photo, at full resolution, the shipped model (or --model) colorizes it in float32
and in bfloat16 (the encoder; with --decoder-too the decoder as well). Prints, per set, the
CIEDE2000 between the two outputs (mean over all pixels, and the 99th percentile) and each
precision's PSNR, CIEDE2000 and colourfulness against the truth.
"""

import argparse

import numpy as np
from skimage.color import deltaE_ciede2000
from tqdm import tqdm

from colorizer import Colorizer
from colorizer.colour import lab
from colorizer.colour.images import read_rgb
from colorizer.evaluate.evaluation import find_sets
from colorizer.evaluate.measures import colourfulness, psnr
from colorizer.model.decoders import build_trained_part


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", required=True, help="folders of colour photos (one set each)")
    parser.add_argument("--model", default=None, help="weights folder or Hub id (default: the shipped model)")
    parser.add_argument("--decoder-too", action="store_true", help="the decoder in bfloat16 as well as the encoder")
    parser.add_argument("--limit", type=int, default=None, help="at most this many photos per set")
    args = parser.parse_args()

    exact = Colorizer.from_pretrained(args.model, precision="float32")
    fast = Colorizer.from_pretrained(args.model, precision="bfloat16")
    if args.decoder_too:
        decoder = build_trained_part(fast.config, "bfloat16")
        decoder.set_weights(fast.decoder.get_weights())
        fast = Colorizer(fast.encoder, decoder, fast.config, fast.info, fast.source, "bfloat16")
    print(f"bfloat16 in the encoder{' and the decoder' if args.decoder_too else ''}")
    for set_name, paths in find_sets(args.data).items():
        differences, scores = [], {"float32": [], "bfloat16": []}
        for path in tqdm(paths[: args.limit], desc=set_name, disable=None):
            truth = read_rgb(path)
            truth_lab = lab.rgb_to_lab(truth)
            outputs = {name: np.asarray(model.colorize(truth))[..., :3] for name, model in (("float32", exact), ("bfloat16", fast))}
            differences.append(deltaE_ciede2000(lab.rgb_to_lab(outputs["float32"]), lab.rgb_to_lab(outputs["bfloat16"])).ravel())
            for name, output in outputs.items():
                scores[name].append((psnr(truth, output), deltaE_ciede2000(truth_lab, lab.rgb_to_lab(output)).mean(), colourfulness(output)))
        pooled = np.concatenate(differences)
        print(f"\n{set_name} ({len(differences)} photos): CIEDE2000 between the precisions' outputs: mean {pooled.mean():.3f}, "
              f"99th percentile {np.percentile(pooled, 99):.3f}, max {pooled.max():.2f}")
        for name, rows in scores.items():
            value_psnr, value_ciede, value_cf = np.mean(rows, axis=0)
            print(f"  {name:<9} PSNR {value_psnr:.3f} dB  CIEDE2000 {value_ciede:.3f}  CF {value_cf:.2f}")


if __name__ == "__main__":
    main()
