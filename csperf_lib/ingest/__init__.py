"""Getting data in: readers of exports and databases, the mapping onto the canonical tables, the
pandera schemas that validate them, the store (DuckDB or any Ibis backend), ``csperf init``'s
auto-configuration and the demo data generator.

Imports only :mod:`csperf_lib.core`; never a method, a stage or the report.
"""
