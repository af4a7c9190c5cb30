"""Keras, imported once for the whole package, without TensorFlow's start-up lines in the user's terminal.

TensorFlow's C++ libraries log through absl before any setting is read (TF_CPP_MIN_LOG_LEVEL
does not reach them): "All log messages before absl::InitializeLog()", oneDNN and CUDA
notices, "failed call to cuInit" on a machine without a GPU. While Keras loads TensorFlow and
TensorFlow looks for devices, file descriptor 2 points at a temporary file; if that fails, what
was written there is shown with the error. `COLORIZER_VERBOSE=1` lets everything through.

Modules use `from .backend import keras, layers` instead of `import keras`.
"""

import os
import sys
import tempfile

VERBOSE = os.environ.get("COLORIZER_VERBOSE", "") not in ("", "0")


def _import_keras_quietly():
    if VERBOSE:
        import keras

        return keras
    sys.stderr.flush()
    saved_stderr = os.dup(2)
    with tempfile.TemporaryFile() as log:
        os.dup2(log.fileno(), 2)
        try:
            import keras

            if keras.backend.backend() == "tensorflow":
                import tensorflow

                tensorflow.config.list_physical_devices("GPU")  # the device search logs too
        except BaseException:
            os.dup2(saved_stderr, 2)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
    return keras


keras = _import_keras_quietly()
layers = keras.layers
