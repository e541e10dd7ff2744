"""dualad's benchmarks: the asv suite (``bench_*.py``), the workloads of BENCHMARKS.md
(``workloads.py``) and the peer comparison (``compare_peers.py``)."""
