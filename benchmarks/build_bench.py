"""Time and peak memory of building v1.0.0 and a "full" version.

The full recipe uses every gradable problem of every source at every tier
(about 8,600 items).  Each build runs in a fresh subprocess so that its peak
RSS is its own; the raw cache must have been pulled (`make raw`).

    python benchmarks/build_bench.py [--skip-full]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
V1 = ROOT / "release" / "v1.0.0" / "recipe.toml"


def full_recipe_text() -> str:
    """Every gradable problem of every source, at every tier, each source its own split."""
    from curation.raw.cache import load_problems
    from curation.raw.pull import RawPaths
    from curation.raw.sources import load_registry

    problems = load_problems()
    parts = [
        'version = "full"',
        "seed = 1",
        'families = "mathif"',
        "reuse_across_tiers = true",
        "near_duplicate_threshold = 100",
    ]
    for name in load_registry(RawPaths.default().registry):
        n = sum(1 for p in problems if p.source == name and p.gradable)
        parts += [
            "[[splits]]",
            f'name = "{name}"',
            f'sources = ["{name}"]',
            f"quota = {{ single = {n}, double = {n}, triple = {n} }}",
        ]
    return "\n".join(parts) + "\n"


def run_one(recipe: str, out: str) -> dict:
    """In a child process: build and report seconds and items."""
    from curation.dataset.build import build
    from curation.dataset.recipe import load_recipe
    from curation.raw.cache import load_problems, lock_sha256, source_labels

    t0 = time.perf_counter()
    rec = load_recipe(recipe)
    problems = load_problems(rec.sources)
    t_load = time.perf_counter() - t0
    result = build(rec, Path(out), problems, lock_sha256(), source_labels())
    total = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "items": result.manifest.items,
        "seconds": total,
        "load_seconds": t_load,
        "peak_mib": peak_kib / 1024,
    }


def measure(recipe: Path, out: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(recipe), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"build of {recipe} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-full", action="store_true", help="only build v1.0.0")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(run_one(*args.child)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        rows = [("v1.0.0", measure(V1, Path(tmp) / "v1"))]
        if not args.skip_full:
            full = Path(tmp) / "full.toml"
            full.write_text(full_recipe_text())
            rows.append(("full", measure(full, Path(tmp) / "full")))
    print(f"{'build':<8} {'items':>6} {'seconds':>8} {'ms/item':>8} {'items/s':>8} {'peak RSS MiB':>13}")
    for name, r in rows:
        per = 1000 * r["seconds"] / r["items"]
        print(
            f"{name:<8} {r['items']:>6} {r['seconds']:>8.2f} {per:>8.2f} {r['items'] / r['seconds']:>8.1f} {r['peak_mib']:>13.0f}"
        )
    if len(rows) == 2:
        (_, a), (_, b) = rows
        ratio = (b["seconds"] / b["items"]) / (a["seconds"] / a["items"])
        print(
            f"per-item cost, full / v1.0.0 (baseline): {ratio:.2f}x; items {b['items'] / a['items']:.1f}x, "
            f"time {b['seconds'] / a['seconds']:.1f}x"
        )


if __name__ == "__main__":
    main()
