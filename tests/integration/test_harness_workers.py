"""The harness under pytest-xdist (scripts/test.sh runs pytest -n auto): each worker starts its own moto server on a
port chosen by `free_port`, which another worker's server may take between the choice and the bind."""

import socket
import urllib.request

import pytest

from tests.support import local_aws
from tests.support.local_aws import LocalAWS

pytestmark = pytest.mark.integration


def answers(aws):
    with urllib.request.urlopen(f"{aws.url}/moto-api/", timeout=10) as response:
        return response.status


def test_a_port_taken_before_the_server_binds_it_is_replaced_by_another(monkeypatch, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        ports = [taken.getsockname()[1], local_aws.free_port()]
        monkeypatch.setattr(local_aws, "free_port", lambda: ports.pop(0))
        with LocalAWS(log_path=str(tmp_path / "moto.log")) as aws:
            assert aws.port != taken.getsockname()[1]
            assert answers(aws) == 200
        assert ports == []


def test_a_port_the_caller_gave_is_never_replaced(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        aws = LocalAWS(port=taken.getsockname()[1], log_path=str(tmp_path / "moto.log"))
        with pytest.raises(RuntimeError, match=f"moto server exited with 1 \\(port {taken.getsockname()[1]}\\)"):
            aws.start()
        assert aws.process is None
