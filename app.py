"""The web app (and the Hugging Face Space's entry point): the same as `colorizer-app`.

    python app.py                                     # the shipped model
    COLORIZER_MODEL=USER/REPO@REVISION python app.py  # a model from the Hugging Face Hub
"""

import sys

from colorizer.cli.app import main

if __name__ == "__main__":
    sys.exit(main())
