"""Calibration: several auditors (and maybe an expert) score the same call or visit, blind; it is
never an audit and never counts in a report. Results per session, agreement statistics per
period (statistics.py, pure). See docs/calibration.md."""
