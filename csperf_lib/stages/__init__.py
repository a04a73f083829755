"""One module per stage notebook — ``collect``, ``validate``, ``sample``, ``quantitative``, ``qualitative``,
``benchmarks``, ``recommendations``, ``evidence`` — with the stage context and the whole-config
check beside them. A stage module never imports another: later stages read earlier stages'
stored results and findings (:mod:`csperf_lib.core.results`, :mod:`csperf_lib.core.findings`).
"""
