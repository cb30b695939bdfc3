"""Who is asking: the client's address, for sign-in and password-reset throttling.

Behind a proxy every request arrives from the proxy's address, so throttling by REMOTE_ADDR would
let one person lock everyone out and spread guesses across users unthrottled. Each proxy we trust
appends the address it received the request from to X-Forwarded-For; anything to the left of
those entries was written by the client and can be forged. So with N trusted proxies the client
is the N-th entry from the right, and without a proxy the header is ignored altogether.
"""

import ipaddress

from django.conf import settings


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address of the person making the request (also axes' AXES_CLIENT_IP_CALLABLE)."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT if settings.BEHIND_TLS_PROXY else 0
    if proxies <= 0:
        return remote
    forwarded = [entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if len(forwarded) < proxies:
        # Fewer entries than proxies means the request did not come through all of them (or a
        # proxy is misconfigured): the nearest address we can see is the only one we can trust.
        return remote
    return _valid_address(forwarded[-proxies]) or remote
