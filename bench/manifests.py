"""Manifest benchmark over the shared corpus: accuracy of the deep walk, then parse throughput.

    .venv/bin/python bench/manifests.py [--seconds 5]

Throughput parses every corpus manifest (the corpus mix, hostile files included) through the registry,
repeatedly, on one core, and prints manifests/second and the peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from distscout.manifests.checkout import scan_checkout
from distscout.manifests.registry import is_manifest, read_manifest
from tests.corpus import repos


def accuracy() -> None:
    expected_names = matched = intent_errors = missing = 0
    with tempfile.TemporaryDirectory() as scratch:
        for index, repo in enumerate(repos()):
            root = repo.materialize(Path(scratch) / str(index))
            found = {d.path: d for d in scan_checkout(root).declarations}
            for path, want in repo.expected["manifests"].items():
                expected_names += 1
                got = found.get(path)
                if got is None:
                    missing += 1
                    continue
                matched += got.name == want["name"]
                intent_errors += bool(want["published"] and not got.intent) or bool(
                    want.get("intent") is False and got.intent
                )
    print(
        f"corpus: {matched}/{expected_names} declared names matched, {missing} manifests not found, "
        f"{intent_errors} intent errors"
    )


def throughput(seconds: float) -> None:
    files = [
        (path, content)
        for repo in repos()
        for path, content in repo.files.items()
        if content and is_manifest(path)
    ]
    encoded = [(path, content.encode("utf-8", "surrogatepass")) for path, content in files]
    parsed, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for path, data in encoded:
            read_manifest(path, data)
        parsed += len(encoded)
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"throughput: {parsed / elapsed:,.0f} manifests/s over {parsed:,} parses of {len(encoded)} corpus "
        f"manifests ({elapsed:.1f} s, one core); peak RSS {peak_mib:.0f} MiB"
    )


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--seconds", type=float, default=5.0)
    options = arguments.parse_args()
    accuracy()
    throughput(options.seconds)
