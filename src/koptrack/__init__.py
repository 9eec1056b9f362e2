"""koptrack: compliance tracker for Indonesia's cooperative offices.

The core modules (coops, people, bpjs, pkspkb, targets, coverage, seed, ...) are plain
functions over a SQLModel session; the CLI in ``koptrack.cli`` is a thin layer on top.
"""

__version__ = "0.1.0"
