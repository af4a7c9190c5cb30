"""Train the colorizer from a source checkout: the same command as `colorizer-train`.

    python train.py --data ../shared/data/train/landscapes ../shared/data/train/general --output my-model/
"""

import sys

from colorizer.cli.train import main

if __name__ == "__main__":
    sys.exit(main())
