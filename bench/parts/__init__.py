"""The benchmark's parts; bench/run.py runs them (see its docstring)."""
