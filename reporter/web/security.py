"""Who may use the server, and the headers every answer carries.

* A token, when there is one (REPORTER_TOKEN, or generated when bound to a non-loopback address):
  every request gives it as `Authorization: Bearer <token>`, or as the cookie the page sets after
  it was opened once with `/?token=<token>`.
* Bound to loopback, requests must name a loopback host (a web page elsewhere cannot reach the
  server through a DNS name that points at 127.0.0.1).
* A request that changes something and comes from a page (it has an Origin header) must come from
  this server's own page.
* The page may run only its own scripts and styles (Content-Security-Policy), and is not framed.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

COOKIE = "reporter_token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


def install(app: FastAPI, token: str | None, loopback: bool) -> None:
    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        refused = _refusal(request, token, loopback)
        if refused is not None:
            return _headers(refused)
        if token and request.url.path == "/" and request.query_params.get("token"):
            if not secrets.compare_digest(request.query_params["token"], token):
                return _headers(JSONResponse({"detail": "wrong token"}, status_code=401))
            answer = RedirectResponse("/", status_code=303)
            answer.set_cookie(COOKIE, token, httponly=True, samesite="strict")
            return _headers(answer)
        return _headers(await call_next(request))


def _refusal(request: Request, token: str | None, loopback: bool) -> Response | None:
    host = _host_name(request.headers.get("host") or "")
    if loopback and host not in LOOPBACK_NAMES:
        return JSONResponse({"detail": f"this server answers only on a loopback address, not '{host[:60]}'"},
                            status_code=421)
    if request.method not in SAFE_METHODS and not _same_origin(request):
        return JSONResponse({"detail": "request from another site refused"}, status_code=403)
    if token is None or (request.url.path == "/" and request.query_params.get("token")):
        return None
    given = _given(request)
    if given is None or not secrets.compare_digest(given, token):
        return JSONResponse(
            {"detail": "a token is required: send 'Authorization: Bearer <token>' or open /?token=<token> once"},
            status_code=401,
        )
    return None


def _host_name(header: str) -> str:
    """The host of a Host header, without its port ("[::1]:8000" gives "[::1]")."""
    if header.startswith("["):
        return header.split("]", 1)[0] + "]"
    return header.rsplit(":", 1)[0]


def _given(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not sent by a page (a script, curl): the token is what guards it
    return urlsplit(origin).netloc == request.headers.get("host")


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
