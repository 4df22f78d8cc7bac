"""The tool's version, as installed (recorded in manifests, run records and cards)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mathif")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
