"""Shared pytest set-up. pytest.ini puts the repository root (for ``tests.support``) and ``.collections/``
(for ``ansible_collections.cerpac.ecs_iam``) on the import path; this checks that `make setup` built the latter."""

import pathlib

import boto3
import pytest

from tests.support.local_aws import LocalAWS

REPO = pathlib.Path(__file__).resolve().parent.parent
COLLECTIONS_ROOT = REPO / ".collections"

if not (COLLECTIONS_ROOT / "ansible_collections" / "cerpac" / "ecs_iam").exists():
    raise RuntimeError(f"{COLLECTIONS_ROOT} is missing: run `make setup` (or `make test`) first")


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory):
    """The local AWS endpoint: moto in server mode on 127.0.0.1, shared by the session's tests (tests/support/local_aws.py)."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with LocalAWS(log_path=str(log)) as aws:
        yield aws


@pytest.fixture
def aws(local_aws):
    """An empty account on the shared moto server for each test."""
    local_aws.reset()
    return local_aws


@pytest.fixture
def iam(aws):
    return boto3.client("iam", endpoint_url=aws.url, region_name=aws.region, aws_access_key_id="testing", aws_secret_access_key="testing")
