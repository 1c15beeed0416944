"""Where a webhook may be sent: not to private, loopback, link-local or otherwise reserved
addresses, unless the server allows it (WEBHOOK_ALLOW_PRIVATE_ADDRESSES), so that a webhook cannot
reach into the company's own network. Checked on each delivery, on every address the name has."""
import ipaddress
import socket


class AddressRefused(Exception):
    pass


def is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                                 or ip.is_reserved or ip.is_unspecified)


def check_destination(host: str, port: int, *, allow_private: bool, allow_loopback: bool) -> None:
    """Raise AddressRefused when ``host`` resolves to an address a webhook may not reach."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(f"cannot resolve {host}: {exc}") from None
    for info in infos:
        address = info[4][0]
        if allow_private or public(address):
            continue
        if allow_loopback and ipaddress.ip_address(address.split("%", 1)[0]).is_loopback:
            continue
        raise AddressRefused(f"{host} is {address}, a private or reserved address")
