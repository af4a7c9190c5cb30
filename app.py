"""The web app: drop a black-and-white photo, get it in colour at its own resolution.

    python app.py                                   # the shipped weights/
    COLORIZER_MODEL=USER/REPO@REVISION python app.py  # a model from the Hugging Face Hub

Also a Hugging Face Space as it stands (see the front matter of README.md).
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--model", default=os.environ.get("COLORIZER_MODEL") or None, metavar="FOLDER_OR_USER/REPO[@REVISION]",
        help="weights folder or Hub model (default: $COLORIZER_MODEL, else the shipped weights/); "
        "if it cannot be loaded, the page says so and uses the shipped weights",
    )
    parser.add_argument("--host", default=None, help="address to listen on (default: 127.0.0.1, or $GRADIO_SERVER_NAME)")
    parser.add_argument("--port", type=int, default=None, help="port (default: 7860, or $GRADIO_SERVER_PORT)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from colorizer.web import launch

    launch(args.model, server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
