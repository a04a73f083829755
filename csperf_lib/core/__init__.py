"""The lowest layer of csperf: models and helpers every other part may use.

``core`` holds what two or more stages share and nothing that belongs to one stage: the findings
ledger (:mod:`csperf_lib.core.findings`), the one formatting module (:mod:`csperf_lib.core.formatting`),
the review calendar (:mod:`csperf_lib.core.calendar`), the typed config sections
(:mod:`csperf_lib.core.settings`), the report sections evidence links point at
(:mod:`csperf_lib.core.sections`) and the ``summary.json`` contract (:mod:`csperf_lib.core.summary`).
Nothing here imports a stage module; importing the package has no side effects.
"""
