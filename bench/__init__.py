"""Benchmarks for the bar: `python -m bench [orders|fanout|burst|kiosk] [--quick]`.

Each benchmark starts what it measures itself (a `bar serve` on a free loopback port
over a throwaway data directory, client processes, a headless kiosk), compares its
figure with a baseline measured in the same run, and returns a `Result` that
`bench.__main__` prints as a table. A lost order or message is a failure (non-zero
exit), not a statistic; a figure short of its aim is reported, not failed.
"""
