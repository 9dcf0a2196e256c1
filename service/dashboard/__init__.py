"""View-model helpers of the planners' dashboard and the catalogue API.

Modules: :mod:`~service.dashboard.editions` (editions, entries, diffs, small-cell suppression),
:mod:`~service.dashboard.geo` (city shapes and the shortage map as inline SVG),
:mod:`~service.dashboard.charts` (series chart as inline SVG), :mod:`~service.dashboard.series`
(history from the store, forecast from the registry), :mod:`~service.dashboard.alerts` (early
warnings) and :mod:`~service.dashboard.web` (HTML plumbing: login redirect, page rendering).
"""
