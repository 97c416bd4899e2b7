"""bar: a self-hosted bar kiosk. The core: rules, data, tokens and the CLI."""

__version__ = "0.1.0"
