"""Command-line options made from the settings' dataclass fields, so that a setting's help and default are written once.

`config.option` declares a field that is also an option; `add_options` adds the options of a
settings class to a parser, `from_options` builds the settings back from what was parsed.
"""

import argparse
import dataclasses


def add_options(parser, cls, title=None, registries=None):
    """Add one --option per field of `cls` that has help text, with the field's default.

    `registries` maps a field to a function listing the names it takes (a registry's keys, which
    need TensorFlow to list): called only when the option is given, so --help stays instant.
    """
    group = parser.add_argument_group(title or f"{cls.__name__} options")
    for setting in dataclasses.fields(cls):
        if "help" not in setting.metadata:
            continue
        options = {key: value for key, value in setting.metadata.items() if key != "help"}
        if setting.name in (registries or {}):
            options["type"], options["metavar"] = registry_name(registries[setting.name]), "NAME"
        if setting.default is None or options.get("required"):
            help_text = setting.metadata["help"]
        else:
            help_text = f"{setting.metadata['help']} (default: {setting.default})"
        if "type" not in options and setting.default not in (None, ()) and not isinstance(setting.default, bool):
            options["type"] = type(setting.default)
        if not options.get("required"):
            options["default"] = setting.default
        group.add_argument(f"--{setting.name.replace('_', '-')}", dest=setting.name, help=help_text, **options)


def registry_name(names):
    """An argparse type accepting one of `names()` (a registry's keys, which need TensorFlow to list)."""

    def parse(text):
        if text not in names():
            raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(names())})")
        return text

    parse.__name__ = "name"
    return parse


def from_options(cls, arguments, **fixed):
    """An instance of `cls` from parsed arguments (the fields `add_options` added), plus `fixed` values."""
    values = {setting.name: getattr(arguments, setting.name) for setting in dataclasses.fields(cls) if hasattr(arguments, setting.name)}
    return cls(**{**values, **fixed})
