"""colorizer-app (and app.py, the Hugging Face Space's entry point): serve the page.

    colorizer-app [--model FOLDER_OR_USER/REPO[@REVISION]] [--host H] [--port P] [--precision auto]

The options are read before Gradio and TensorFlow load, so `--help` is instant and a bad
option is refused at once; Ctrl-C while they load stops the app without a traceback.
"""

import argparse
import os
import socket
import sys

from ..config import DEFAULT_PORT, DEFAULT_PRECISION, PRECISIONS
from .interrupts import starting


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="colorizer-app", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--model", default=os.environ.get("COLORIZER_MODEL") or None, metavar="FOLDER_OR_USER/REPO[@REVISION]",
        help="weights folder or Hub model (default: $COLORIZER_MODEL, else the shipped model); "
        "if it cannot be loaded, the page says so and uses the shipped model",
    )
    parser.add_argument("--host", default=None, help="address to listen on (default: 127.0.0.1, or $GRADIO_SERVER_NAME)")
    parser.add_argument(
        "--port", type=int, default=None,
        help=f"port (default: $GRADIO_SERVER_PORT, else {DEFAULT_PORT}, else the next free one; the app prints where it serves)",
    )
    parser.add_argument(
        "--precision", choices=PRECISIONS, default=os.environ.get("COLORIZER_PRECISION") or DEFAULT_PRECISION,
        help="what the model computes in: auto picks bfloat16 where the processor has instructions for it, "
        "else float32 (default: $COLORIZER_PRECISION, else %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.precision not in PRECISIONS:  # argparse does not check a default taken from the environment
        parser.error(f"COLORIZER_PRECISION must be one of {', '.join(PRECISIONS)}, not {args.precision!r}")
    return args


def port_taken(host, port):
    """Whether something already listens on `host`:`port` (checked before anything slow loads)."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def main(argv=None):
    args = parse_args(argv)
    host = args.host or os.environ.get("GRADIO_SERVER_NAME") or "127.0.0.1"
    if args.port and port_taken(host, args.port):
        print(f"error: port {args.port} is taken (is another copy running?): give another --port, "
              f"or none to take {DEFAULT_PORT} or the next free one", file=sys.stderr)
        return 2
    try:
        with starting("stopped"):  # importing Gradio and TensorFlow, loading the model: nothing to clean up yet
            from ..app.page import load_page, serve

            demo = load_page(args.model, args.precision)
        serve(demo, server_name=args.host, server_port=args.port)
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
