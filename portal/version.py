"""The portal's version: the one place it is written (the package metadata, the footer and /healthz read it)."""
__version__ = "0.2.0"
