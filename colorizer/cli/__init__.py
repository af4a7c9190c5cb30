"""The four commands: colorize, colorizer-app, colorizer-train, colorizer-eval."""
