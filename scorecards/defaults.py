"""The default scorecards shipped in scorecards/defaults/*.json, loaded through the importer."""


def load_defaults() -> list:
    return []
