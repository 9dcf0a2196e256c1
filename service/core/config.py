"""The service's view of configuration: the one :class:`data.settings.Settings`, re-exported.

Routes never call :func:`get_settings` themselves; they take ``SettingsDep`` (see
:mod:`service.api.deps`), which reads the instance handed to ``create_app`` so that tests can
run several differently configured apps in one process.
"""

from __future__ import annotations

from data.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
