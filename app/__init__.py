"""The application layer: YueCai's use cases, one function each, shared by CLI, API and notebooks.

``data`` and ``models`` say what the world is and how to estimate it; this package says what a
user can *do* with them. Each use case takes explicit handles — a store (an engine opened by
:func:`data.store.open_store`), a :class:`app.registry.Registry`, :class:`data.settings.Settings`
— and returns a result object; it neither parses options nor prints. ``training`` (the Typer
CLI) and ``service`` (the FastAPI app) call these functions and only parse and format.

==========================  ==============================================================
use case                    function
==========================  ==============================================================
ingest a file               :func:`data.ingest.ingest_file` (a data-layer function; the store
                            is its only handle)
train forecast              :func:`app.forecasting.train_forecast` (pure),
                            :func:`app.forecasting.train_and_save_forecast` (store → registry)
train match                 :func:`app.match_training.train_match`
publish an edition          :func:`app.publish.publish_catalogue`
refuse a publication early  :mod:`app.publish_guard`
export an edition           :func:`app.editions.export_edition` (files at publication, the
                            API's export route and the CLI: the same bytes)
warnings feed               :func:`app.warnings_feed.latest_warnings`
series view                 :func:`app.series_view.series_data`
supply and flow report      :func:`app.supply_flow.write_supply_flow_report` (write),
                            :func:`app.supply_flow.supply_flow_report` (serve)
named artifacts, loaders    :mod:`app.registry` (``FORECAST``, ``MATCH``, ``MATCH_INDEX``;
                            ``Registry.load_forecast_bundle``; one ``ArtifactCache``)
==========================  ==============================================================
"""
