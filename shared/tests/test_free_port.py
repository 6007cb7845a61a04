"""free_port(): a port for a server that binds it later, safe from other processes' clients."""

from __future__ import annotations

import socket

from ontour.devstack.servers import ephemeral_ports, free_port


def test_a_free_port_is_never_one_an_outgoing_connection_can_take():
    # A test's services bind their ports seconds after they were chosen; meanwhile every
    # connection anyone opens takes a local port from the kernel's ephemeral range. A port
    # from that range (as binding to port 0 gives) was once taken that way: "address already
    # in use" and a replica that never started.
    ports = [free_port() for _ in range(200)]
    assert not [port for port in ports if port in ephemeral_ports()]
    assert len(set(ports)) == len(ports)
    for port in ports[:20]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
