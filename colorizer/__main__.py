"""`python -m colorizer`: the same as the `colorize` command."""

import sys

from .cli.colorize import main

if __name__ == "__main__":
    sys.exit(main())
