"""A router built for one application only.

Litestar deep-copies every :class:`~litestar.Router` handed to an application, so that one
router may serve several apps. ``create_app`` builds its two routers (the API's and the
pages') afresh for each app, so the copy protects nothing here, and it was the dearest part of
building an app: about half a second of deep-copying some 350 route handlers, paid by every
test that makes an app and by every worker process at start. The handlers on the routes are
still the app's own: a router registering a handler keeps a copy of it (``Router.register``),
and each app resolves its guards, dependencies and options on those copies.
"""

from __future__ import annotations

from typing import Any

from litestar import Router

__all__ = ["AppRouter"]


class AppRouter(Router):
    """A :class:`~litestar.Router` an application takes as it is, without copying it. Build
    a new one for each app; never register one router on two apps."""

    def __deepcopy__(self, memo: dict[int, Any]) -> AppRouter:
        return self
