"""One home per concept: the codes, names and labels that every layer speaks.

Each concept that used to be spelled out in several places (the models, the CLI and the API
each kept their own copy, and two copies had already drifted apart) lives in exactly one
module here, and everything else imports it. ``data`` is the bottom layer, so ``models``,
``training`` and ``service`` may all import these modules.

* :mod:`data.vocabulary.codes` — regular expressions of city, district, occupation, industry,
  cluster and natural-key codes, including the pooled "other" codes.
* :mod:`data.vocabulary.grades` — the five 紧缺 grades of the catalogue and their Chinese names.
* :mod:`data.vocabulary.changes` — what can happen to an entry between editions, in Chinese.
* :mod:`data.vocabulary.zones` — 一核一带一区, short and long names.
* :mod:`data.vocabulary.warning_rules` — the early-warning rules and their Chinese names.
* :mod:`data.vocabulary.indicators` — 专栏1 indicator directions, statuses and their Chinese.
* :mod:`data.vocabulary.formats` — the formats an edition can be exported to.
* :mod:`data.vocabulary.periods` — period labels ``'2026Q4'``, ``'2026-11'``, ``'2026'``.

Where a value set is also an API type, it is written once as a ``Literal`` and the tuple
is derived from it with :func:`typing.get_args`, so the OpenAPI enum, the CLI choices and the
Python checks cannot disagree. (The JSON conversion every writer shares is
:mod:`data.jsonable`: a helper, not vocabulary.) The modules import nothing heavy: the CLI
reads them at start-up.
"""
