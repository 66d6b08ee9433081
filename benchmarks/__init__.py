"""Benchmark scripts, each printing what ran, on what data, and its figures as tables.

Run one from the repository root as a module: ``python -m benchmarks.asr`` (``make bench``
runs them all). Shared pieces live in the ``_``-prefixed modules.
"""
