def client_ip(request) -> str | None:
    """The caller's address for the journal. Behind the load balancer, REMOTE_ADDR is set by the proxy config."""
    return request.META.get("REMOTE_ADDR") or None
