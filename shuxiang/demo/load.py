"""Loading the whole demo, app by app, idempotently."""

from __future__ import annotations

from collections.abc import Callable

from shuxiang.accounts.demo import load_demo_users
from shuxiang.activities.demo import load_demo_campaign
from shuxiang.catalog.demo import load_demo_records
from shuxiang.courses.demo import load_demo_courses
from shuxiang.demo.admission import load_demo_admission
from shuxiang.demo.columns import load_demo_columns
from shuxiang.demo.course_column import load_demo_course_column
from shuxiang.distribution.demo import load_demo_packages
from shuxiang.identifiers.demo import load_demo_identifiers
from shuxiang.network.demo import load_demo_network
from shuxiang.network.divisions import load_divisions
from shuxiang.portal.demo import load_demo_portal
from shuxiang.resources.demo import load_demo_resources
from shuxiang.resources.demo_library import load_demo_library
from shuxiang.stats.demo import load_demo_usage
from shuxiang.stats.demo_facts import load_demo_facts


def load_demo(*, progress: bool = True, say: Callable[[str], None] = print) -> list:
    """Load divisions, the demo network, staff and sample admission; return the logins."""
    say("Loading GB/T 2260 divisions: " + load_divisions(progress=progress).summary())
    report = load_demo_network(progress=progress)
    say(f"Demo network: {report.created} libraries created, {report.existing} already there")
    logins = load_demo_users()
    load_demo_admission()
    say("Demo identifiers: " + ", ".join(load_demo_identifiers()))
    load_demo_resources(say=say)
    load_demo_library(say=say)
    say(load_demo_usage(items=_usable_items(), readers=_demo_readers()))
    say(load_demo_facts())
    load_demo_portal()
    say(f"Demo columns: {load_demo_columns()} added")
    say(f"Demo catalog: {load_demo_records()} records added")
    load_demo_packages(say=say)
    load_demo_campaign(say=say)
    load_demo_courses(say=say)
    load_demo_course_column()
    load_derived_data(say=say)
    return logins


def _usable_items() -> list[tuple[str, str, str]]:
    """The published public resources, as the year of usage refers to them (resource:<pk>)."""
    from shuxiang.resources.models import Resource

    rows = Resource.objects.filter(status=Resource.Status.PUBLISHED, access="public")
    rows = rows.order_by("pk").values_list("pk", "type", "title")
    return [(f"resource:{pk}", rtype, title) for pk, rtype, title in rows]


def _demo_readers() -> list:
    """The demo's own reader accounts, so that their homes show what they read and more."""
    from shuxiang.accounts import pii
    from shuxiang.accounts.demo import DEMO_READERS
    from shuxiang.accounts.models import User

    hashes = [pii.lookup_hash(mobile) for mobile, *_rest in DEMO_READERS]
    return list(User.objects.filter(mobile_hash__in=hashes).order_by("pk"))


def load_derived_data(*, say: Callable[[str], None] = print) -> None:
    """What nightly jobs would make, made now: the reports and recommendations from the year
    of usage (DuckDB), and the SPARQL store and RDF dumps from everything loaded above."""
    from shuxiang.analytics import services as analytics
    from shuxiang.linkeddata import dumps, sync

    runs = analytics.run_nightly("duckdb")
    say(f"Demo analytics: {sum(run.status == 'done' for run in runs)} of {len(runs)} jobs done")
    documents = sync.rebuild_now()
    written = dumps.write_all()
    say(f"Demo linked data: {documents} documents, {written[0].triples} triples in the dumps")
