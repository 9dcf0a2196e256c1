"""Helpers shared by test modules; a test imports these, never another test module or a conftest.

- :mod:`tests.support.api`: the API on a real app and store with a key per role, request bodies
- :mod:`tests.support.catalogue`: a store with published editions, a stand-in forecast bundle
- :mod:`tests.support.match_records`: small constructed vacancies, candidates and outcomes
- :mod:`tests.support.panels`: a synthetic long-format forecasting panel
- :mod:`tests.support.service`: service settings on temporary folders, a live uvicorn thread
- :mod:`tests.support.workers`: which uvicorn worker answered, a wait for every worker

Fixtures stay in the conftests (``tests/conftest.py``: databases on both backends;
``tests/service/conftest.py``: settings, app, clients, live servers), built on these.
"""
