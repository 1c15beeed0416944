"""Signals sent when someone takes report data out of Veraz (an export, a PDF, a batch), for
whoever keeps a record of it (the security log).

Blinker, as audits/events.py; keyword arguments: ``actor`` (the User, None for the signed-in user
of the request), and what was taken: ``details`` (a dict that is safe to store).
"""
from blinker import Namespace

_signals = Namespace()

export_downloaded = _signals.signal("export-downloaded")  # details: {"what", "format", "filters"}
pdf_downloaded = _signals.signal("pdf-downloaded")        # details: {"file"}
batch_requested = _signals.signal("batch-requested")      # sender: the ReportBatch

ALL = (export_downloaded, pdf_downloaded, batch_requested)
