"""Data: the synthetic scene engine and its content, torch data sets, fixed
synthetic test sets, loaders for the real benchmarks' layouts, and the real
samples bundled in ``data/real``.

Imports ``core`` and ``imaging`` of the package, nothing above them.
"""
