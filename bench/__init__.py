"""``python -m bench``: sensorbridge measured side by side with what a user would otherwise pick.

One harness, one markdown table on stdout, one JSON file (machine, versions, every figure) so that two
runs can be compared. Each section lives in :mod:`bench.sections`; a section whose part of the project
is not there yet reports "not available: <why>" instead of a number, and a section that breaks is
reported as failed while the others still run (the exit code is then non-zero).
"""
