"""The default scorecards shipped in scorecards/defaults/*.json, loaded through the importer.

The JSON files are examples of the format (docs/scorecard-format.md): each was written from Spanish
articles on service quality and covers greeting, the employee giving their name, courtesy,
empathy and active listening, accuracy, product knowledge, first-contact resolution, wait time
against what was promised, promises kept, follow-up and farewell, each tagged with its KPI.
"""
from pathlib import Path

from scorecards import services

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"


def default_files() -> list[Path]:
    return sorted(DEFAULTS_DIR.glob("*.json"))


def load_defaults() -> list:
    """Import and publish every default scorecard whose slug does not exist yet.

    Idempotent: a slug that exists is left as it is (an admin may have edited it). Returns the
    published ScorecardVersion of every default scorecard, new or already there, for the demo
    audits. The session is flushed, not committed.
    """
    from scorecards import formats

    versions = []
    for path in default_files():
        data = formats.parse(path.read_bytes())
        card = services.get_by_slug(data["slug"])
        if card is None:
            version = services.import_scorecard(data, publish=True)
        else:
            version = card.latest_published
        if version is not None:
            versions.append(version)
    return versions
