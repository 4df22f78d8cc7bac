"""Where things are: the repository, the shared folder beside it, the test fixtures."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference" / "mathif-v1"  # the published MathIF release
RAW = SHARED / "raw"  # the mirrored raw sources
SUPPORT = Path(__file__).resolve().parent
FIXTURE_MIRROR = SUPPORT / "fixtures" / "raw" / "mirror"
PLUGIN_DIR = SUPPORT / "plugin_pkg"  # the demo plugin's source; tests pip-install it (plugin_install.py)
