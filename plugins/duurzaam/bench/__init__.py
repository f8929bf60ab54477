"""Benchmarks: scripts that print numbers (make bench-ingest, make bench-dbt)."""
