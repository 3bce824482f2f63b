"""Fixtures for resource tests: the small network, staff, and both storage backends.

The S3 leg runs against a real S3-protocol server (moto's server) on a free loopback port:
boto3 talks HTTP to it exactly as it would to any S3-compatible store.
"""

from __future__ import annotations

import os
import socket

import pytest

from shuxiang.accounts.models import StaffRole
from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.network.tests.factories import small_network
from shuxiang.resources import storage as storage_module
from shuxiang.resources.models import Collection


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """A live S3-protocol server on loopback for the whole test session."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_config(endpoint: str, bucket: str = "shuxiang-test") -> dict:
    return {
        "BACKEND": "shuxiang.resources.storage.S3Storage",
        "OPTIONS": {
            "bucket": bucket,
            "endpoint_url": endpoint,
            "access_key": "testing",
            "secret_key": "testing",
            "region": "us-east-1",
        },
    }


@pytest.fixture(params=["local", "s3"])
def storage(request, settings, tmp_path, private_data_dir):
    """The configured storage, once as a local folder and once as S3 over HTTP."""
    if request.param == "local":
        settings.RESOURCES_STORAGE = {
            "BACKEND": "shuxiang.resources.storage.LocalStorage",
            "OPTIONS": {"root": str(tmp_path / "media")},
        }
    else:
        settings.RESOURCES_STORAGE = s3_config(request.getfixturevalue("s3_endpoint"))
    backend = storage_module.get_storage()
    if request.param == "s3":
        backend.ensure_bucket()
    return backend


@pytest.fixture
def net(db):
    """The small network; divisions are reloaded when a live-server test flushed them."""
    from shuxiang.network.divisions import load_divisions
    from shuxiang.network.models import Division

    if not Division.objects.exists():
        load_divisions(progress=False)
    return small_network()


def librarian_of(library, username=None):
    person = user(username)
    StaffRole.objects.create(user=person, library=library, role=StaffRole.Role.LIBRARIAN)
    return person


@pytest.fixture
def staff(net):
    return {
        "sx_admin": admin_of(net["sx"]),
        "sx_librarian": librarian_of(net["sx"]),
        "nlc_admin": admin_of(net["nlc"]),
        "gs_admin": admin_of(net["gs"]),
    }


@pytest.fixture
def sx_collection(net):
    return Collection.objects.create(
        library=net["sx"], code="local", name="绍兴地方文献", kind=Collection.Kind.INDEPENDENT
    )


@pytest.fixture
def central(net):
    return Collection.objects.create(
        library=net["nlc"], code="central", name="中心资源库", kind=Collection.Kind.CENTRAL
    )


@pytest.fixture(scope="session", autouse=True)
def tasks_run_inline():
    """Huey runs tasks inline (its in-memory immediate mode) during these tests, and a failed
    job is retried at once (no backoff), so a test sees every attempt.

    The root conftest's SHUXIANG_TASKS_IMMEDIATE default is set after pytest-django has
    already loaded the settings, so it is switched on here explicitly.
    """
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate, os.environ.get("SHUXIANG_JOBS_RETRY_SECONDS")
    HUEY.immediate = True
    os.environ["SHUXIANG_JOBS_RETRY_SECONDS"] = "0"
    yield
    HUEY.immediate = previous[0]
    if previous[1] is None:
        os.environ.pop("SHUXIANG_JOBS_RETRY_SECONDS", None)
    else:
        os.environ["SHUXIANG_JOBS_RETRY_SECONDS"] = previous[1]


@pytest.fixture(autouse=True)
def private_data_dir(settings, tmp_path):
    """Files of each test go to its own folder, never to the working copy's var/."""
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RESOURCES_STORAGE = {
        "BACKEND": "shuxiang.resources.storage.LocalStorage",
        "OPTIONS": {"root": str(tmp_path / "media")},
    }


@pytest.fixture(autouse=True)
def fast_passwords_and_fresh_cache(settings):
    """Test users need no slow password hashing; download counters start at zero.

    Each test gets its own cache key prefix instead of flushing the cache: test runs of other
    checkouts may share the same Redis database at the same time.
    """
    import copy
    import uuid

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"sxtest-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(scope="session")
def node_template(tmp_path_factory):
    """A migrated embedded database, made once, for the node processes of kill tests."""
    from django.conf import settings

    from shuxiang.resources.tests.nodes import migrated_database

    if settings.SERVER_MODE:
        return None  # node processes share the test database
    return migrated_database(tmp_path_factory.mktemp("node-template"))


@pytest.fixture
def node(tmp_path, node_template):
    """A node of its own (see ``nodes.Node``), set up with a library, collection and uploader."""
    from shuxiang.resources.tests.nodes import Node

    made = Node(tmp_path, node_template).set_up()
    yield made
    made.kill()
