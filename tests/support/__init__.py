"""Helpers shared by several test modules (their fixtures live in tests/conftest.py):

- ``api``: an API client world with tokens for each user (the ``api`` fixture's builder);
- ``quarter``: a first quarter of audits with every report figure computed by hand (``quarter``);
- ``walk``: the objects the access walk fills URLs with (``objects``).
"""
