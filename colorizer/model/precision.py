"""The number format the model computes in: float32, or bfloat16 where the processor has units for it.

bfloat16 keeps float32's range with an 8-bit mantissa. Processors with AMX or AVX-512 BF16
(recent Xeons, AMD Zen 4 and later) multiply it at twice float32's speed or more; elsewhere
it is emulated and slower, so `auto` picks it only where those instructions are present.
The weights stay float32 either way (Keras' "mixed_bfloat16" policy): only the arithmetic of
the convolutions changes, and the colour head (softmax, annealed mean) and the Lab arithmetic
after it stay float32.
"""

import contextlib
import functools
from pathlib import Path

from ..config import DEFAULT_PRECISION, check_precision

BF16_CPU_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo's names for the instructions that make bfloat16 fast
KERAS_POLICIES = {"float32": "float32", "bfloat16": "mixed_bfloat16"}


@functools.cache
def cpu_flags(cpuinfo="/proc/cpuinfo") -> frozenset[str]:
    """The processor's feature flags as Linux lists them (empty where there is no /proc/cpuinfo)."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.partition(":")[2].split())
    return frozenset()


def choose_precision(precision: str = DEFAULT_PRECISION, flags=None) -> str:
    """"float32" or "bfloat16": `precision` itself, or for "auto" what the processor computes fastest.

    Parameters
    ----------
    precision : str
        One of PRECISIONS.
    flags : iterable of str, optional
        The processor's feature flags (default: this machine's, from /proc/cpuinfo).
    """
    if check_precision(precision) != "auto":
        return precision
    flags = cpu_flags() if flags is None else set(flags)
    return "bfloat16" if any(flag in flags for flag in BF16_CPU_FLAGS) else "float32"


def describe(precision: str, flags=None) -> str:
    """One line for logs: what was chosen, and why where "auto" chose it."""
    chosen = choose_precision(precision, flags)
    if precision != "auto":
        return f"precision: {chosen} (as asked)"
    flags = cpu_flags() if flags is None else set(flags)
    found = [flag for flag in BF16_CPU_FLAGS if flag in flags]
    reason = f"the processor has {' and '.join(found)}" if found else "the processor has no bfloat16 instructions"
    return f"precision: {chosen} (auto: {reason})"


@contextlib.contextmanager
def computing_in(precision: str):
    """Layers built inside this block compute in `precision` ("float32" or "bfloat16"); the global policy is restored after."""
    from .backend import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(KERAS_POLICIES[precision])
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
