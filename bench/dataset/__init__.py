"""The data set generator's parts; bench/generate.py runs them (see its docstring)."""
