"""View-model helpers of the planners' dashboard and the catalogue API.

Modules: :mod:`~service.dashboard.editions` (editions, entries, diffs, small-cell suppression),
:mod:`~service.dashboard.geo` (city shapes and the shortage map as inline SVG),
:mod:`~service.dashboard.charts` (series chart as inline SVG), :mod:`~service.dashboard.series`
(the chart panels of :mod:`app.series_view`), :mod:`~service.dashboard.alerts_page` (the early
warnings of :mod:`app.warnings_feed` as a page) and :mod:`~service.dashboard.web` (HTML
plumbing: login redirect, page rendering).
"""
