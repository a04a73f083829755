"""Statistics and models that know nothing of stages: estimates and intervals, comparisons, trend,
SPC, change points, seasonality, agreement, sampling designs, Erlang staffing maths, privacy,
text coding and sentiment, drivers, the KPI catalogue, targets and benchmarks, and the analyses of
complaints, escalations, coaching needs, interval reports and data sources.

Imports :mod:`csperf_lib.core` (and reads the store of :mod:`csperf_lib.ingest`); never a stage or
the report.
"""
