"""``POST /admin/reload``: switch a running server to the newest build, without a restart.

A rebuild (``coopgraph build``) is routine, and the server keeps serving the build it opened
(see :mod:`coopgraph.builds`). This request, with the admin token, asks ``coopgraph serve``
to start a worker on the build the store link points at now and to stop the old one
gracefully (the same as ``kill -HUP <master pid>``). Requests in flight finish on the old
build. Writes made through ``/update`` or ``/store`` to the old build are not carried over:
a build is made from the files.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify

from .. import builds
from .auth import require_admin
from .errors import ApiError
from .service import service

bp = Blueprint("admin", __name__)


@bp.route("/admin/reload", methods=["POST"])
def reload() -> tuple[Response, int]:
    """202 when the switch was asked for, 200 when the newest build is served already."""
    require_admin()
    link = current_app.config.get("STORE_LINK")
    serving = getattr(service().store, "path", None)
    if not link or serving is None or not Path(link).is_symlink():
        raise ApiError(409, "this server does not serve a store link made by `coopgraph build`: "
                            "there is no other build to switch to")
    newest = builds.resolve(link)
    if newest == Path(serving):
        return jsonify(status="unchanged", build=newest.name), 200
    ask = current_app.config.get("RELOAD")
    if not callable(ask):
        raise ApiError(501, "switching builds needs `coopgraph serve` (gunicorn); restart the "
                            "server instead")
    ask()
    return jsonify(status="switching", serving=Path(serving).name, newest=newest.name), 202
