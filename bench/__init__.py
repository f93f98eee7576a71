"""Benchmark and load tools: a headless Reflex client and the benchmark runner."""
