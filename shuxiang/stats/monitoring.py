"""Node monitoring: heartbeats, platform availability checks, alert rules and outages.

Checks are plain HTTP GETs with a timeout. A platform going down opens an outage and coming
back closes it; alert rules turn failing subjects into one alert each (until resolved), sent by
e-mail and/or webhook by an after-commit job (``shuxiang.core.jobs``): a channel that fails is
retried with backoff, one that succeeded is not sent again.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit, jobs, options
from shuxiang.core.actors import SYSTEM, is_system
from shuxiang.core.errors import FieldError, PermissionDenied, ValidationFailed
from shuxiang.core.http import ascii_int
from shuxiang.network.models import Library
from shuxiang.network.scopes import in_subtree, require
from shuxiang.stats.models import (
    Alert,
    AlertRule,
    CheckResult,
    Heartbeat,
    MonitoredPlatform,
    Outage,
)
from shuxiang.stats.permissions import require_figures_of


def _int(data: dict, name: str, errors: list) -> int:
    raw = data.get(name) or 0
    try:
        value = raw if isinstance(raw, int) and not isinstance(raw, bool) else ascii_int(str(raw))
        if value is None or not 0 <= value < 2**62:
            raise ValueError
        return value
    except (TypeError, ValueError):
        errors.append(FieldError(name, _("Give a whole number, 0 or more."), "invalid"))
        return 0


def _moment(data: dict, name: str, errors: list):
    raw = data.get(name)
    if raw in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(raw))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors.append(FieldError(name, _("Give a time like 2026-01-31T08:00:00+08:00."), "invalid"))
    return moment


@transaction.atomic
def record_heartbeat(actor: object, library: Library, data: dict) -> Heartbeat:
    """Store a node's heartbeat (its administrators or the node itself); closes a silence.

    Federated child nodes also report their queue lag (seconds), last harvest and errors of
    the last 24 hours (with the latest error's text).
    """
    require(actor, library, _("report the heartbeat of"))
    errors: list = []
    storage, bandwidth = _int(data, "storage_bytes", errors), _int(data, "bandwidth_mbps", errors)
    lag, failures = _int(data, "queue_lag_seconds", errors), _int(data, "errors", errors)
    last_harvest = _moment(data, "last_harvest", errors)
    node = str(data.get("node") or "").strip()[:100]
    if not node:
        errors.append(FieldError("node", _("Name the node sending the heartbeat."), "required"))
    if errors:
        raise ValidationFailed(_("The heartbeat was not stored."), errors)
    now = timezone.now()
    beat, _created = Heartbeat.objects.update_or_create(
        library=library,
        defaults={
            "node": node,
            "at": now,
            "storage_bytes": storage,
            "bandwidth_mbps": min(bandwidth, 2**31 - 1),
            "version": str(data.get("version") or "")[:40],
            "queue_lag_seconds": min(lag, 2**31 - 1),
            "last_harvest": last_harvest,
            "errors": min(failures, 2**31 - 1),
            "last_error": str(data.get("last_error") or "")[:300],
        },
    )
    Outage.objects.filter(library=library, subject=_node_subject(node), ended_at=None).update(
        ended_at=now
    )
    return beat


def _node_subject(node: str) -> str:
    return f"node {node}"


@transaction.atomic
def add_platform(actor: object, library: Library, name: str, url: str) -> MonitoredPlatform:
    """Register a platform of ``library`` for availability checks."""
    require(actor, library, _("monitor platforms of"))
    if not url.startswith(("http://", "https://")):
        raise ValidationFailed.single("url", _("Give an http:// or https:// address."))
    if not name.strip():
        raise ValidationFailed.single("name", _("Name the platform."), "required")
    platform = MonitoredPlatform.objects.create(library=library, name=name.strip(), url=url)
    audit.record(actor, "stats.add_platform", platform, url=url)
    return platform


@transaction.atomic
def add_alert_rule(actor: object, library: Library, data: dict) -> AlertRule:
    """An alert rule over ``library``'s subtree, notifying an e-mail and/or a webhook."""
    require(actor, library, _("set alert rules of"))
    errors: list = []
    condition = data.get("condition")
    if condition not in AlertRule.Condition.values:
        errors.append(FieldError("condition", _("Choose a known condition."), "invalid_choice"))
    webhook = str(data.get("webhook") or "")
    if webhook and not webhook.startswith(("http://", "https://")):
        errors.append(FieldError("webhook", _("Give an http:// or https:// address."), "invalid"))
    email = str(data.get("email") or "")
    if not webhook and not email:
        errors.append(FieldError("email", _("Give an e-mail address or a webhook."), "required"))
    threshold = _int(data, "threshold", errors)
    if errors:
        raise ValidationFailed(_("The alert rule was not saved."), errors)
    rule = AlertRule.objects.create(
        library=library, condition=condition, threshold=threshold, email=email, webhook=webhook
    )
    audit.record(actor, "stats.add_alert_rule", rule, condition=condition)
    return rule


def probe(url: str, timeout: float) -> tuple[bool, int | None, int, str]:
    """GET ``url``: (up, HTTP status, latency ms, error). 2xx and 3xx count as up."""
    started = time.perf_counter()
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "Shuxiang-monitor/1"})
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError, ValueError) as error:
        elapsed = int((time.perf_counter() - started) * 1000)
        return False, None, elapsed, str(getattr(error, "reason", error))[:300]
    elapsed = int((time.perf_counter() - started) * 1000)
    return status < 400, status, elapsed, "" if status < 400 else f"HTTP {status}"


def check_platforms(*, by: object = SYSTEM, timeout: float | None = None) -> list[CheckResult]:
    """Check every active platform once, open/close outages, then evaluate alert rules."""
    if not is_system(by):
        raise PermissionDenied(_("Availability checks run as the node itself."))
    timeout = timeout or options.value("STATS_WEBHOOK_TIMEOUT")
    results = []
    for platform in MonitoredPlatform.objects.filter(active=True).select_related("library"):
        up, status, latency, error = probe(platform.url, timeout)
        results.append(_store_check(platform, up, status, latency, error))
    evaluate_alerts()
    return results


@transaction.atomic
def _store_check(platform, up, status, latency, error) -> CheckResult:
    now = timezone.now()
    result = CheckResult.objects.create(
        platform=platform, at=now, ok=up, status=status, latency_ms=latency, error=error
    )
    subject = f"{platform.name} ({platform.url})"
    if not up and platform.is_up is not False:
        Outage.objects.create(
            library=platform.library, subject=subject, started_at=now, reason=error
        )
    if up and platform.is_up is False:
        Outage.objects.filter(subject=subject, ended_at=None).update(ended_at=now)
    platform.is_up, platform.checked_at = up, now
    platform.save(update_fields=["is_up", "checked_at"])
    return result


def _failing(rule: AlertRule, now) -> dict[str, str]:
    """Subjects currently breaking ``rule``, each with its message."""
    in_scope = in_subtree("library", rule.library)
    if rule.condition == AlertRule.Condition.PLATFORM_DOWN:
        down = MonitoredPlatform.objects.filter(in_scope, active=True, is_up=False)
        return {p.url: _("%(name)s is not answering.") % {"name": p.name} for p in down}
    beats = Heartbeat.objects.filter(in_scope)
    if rule.condition == AlertRule.Condition.HEARTBEAT_MISSING:
        cutoff = now - timedelta(minutes=rule.threshold or 10)
        silent = beats.filter(at__lt=cutoff)
        for beat in silent:
            Outage.objects.get_or_create(
                library_id=beat.library_id,
                subject=_node_subject(beat.node),
                ended_at=None,
                defaults={"started_at": beat.at, "reason": "heartbeat missing"},
            )
        return {
            _node_subject(b.node): _("%(node)s has been silent since %(at)s.")
            % {"node": b.node, "at": b.at.isoformat()}
            for b in silent
        }
    if rule.condition == AlertRule.Condition.QUEUE_LAG_ABOVE:
        lagging = beats.filter(queue_lag_seconds__gt=rule.threshold)
        return {
            _node_subject(b.node): _("%(node)s has jobs waiting for %(n)s seconds.")
            % {"node": b.node, "n": b.queue_lag_seconds}
            for b in lagging
        }
    if rule.condition == AlertRule.Condition.ERRORS_ABOVE:
        failing = beats.filter(errors__gt=rule.threshold)
        return {
            _node_subject(b.node): _("%(node)s reported %(n)s errors: %(last)s")
            % {"node": b.node, "n": b.errors, "last": b.last_error}
            for b in failing
        }
    full = beats.filter(storage_bytes__gt=rule.threshold)
    return {
        _node_subject(b.node): _("%(node)s uses %(n)s bytes of storage.")
        % {"node": b.node, "n": b.storage_bytes}
        for b in full
    }


@transaction.atomic
def evaluate_alerts() -> list[Alert]:
    """Raise an alert per newly failing subject, resolve those that recovered."""
    now, raised = timezone.now(), []
    rules = AlertRule.objects.filter(active=True).exclude(condition__in=PUSHED)
    for rule in rules.select_related("library"):
        failing = _failing(rule, now)
        open_alerts = {a.subject: a for a in rule.alerts.filter(resolved_at=None)}
        for subject, alert in open_alerts.items():
            if subject not in failing:
                alert.resolved_at = now
                alert.save(update_fields=["resolved_at"])
        for subject, message in failing.items():
            if subject not in open_alerts:
                alert = Alert.objects.create(rule=rule, subject=subject, message=message)
                jobs.defer(DELIVER, {"alert": alert.pk}, library=rule.library)
                raised.append(alert)
    return raised


DELIVER = "stats.deliver_alert"
# Conditions other apps report when they happen (``raise_alert``), never polled.
PUSHED = (AlertRule.Condition.READER_PAUSED,)


@transaction.atomic
def raise_alert(libraries: list[Library], condition: str, subject: str, message: str) -> list:
    """Alert now through the active rules of ``condition`` set on ``libraries`` or above them.

    For events other apps see as they happen (a reader paused at the proxy gateway): one alert
    per rule and subject while it is open, delivered like the polled ones (e-mail, webhook).
    """
    codes = {code for lib in libraries for code in (lib.code, *lib.ancestor_codes)}
    raised = []
    rules = AlertRule.objects.filter(active=True, condition=condition, library__code__in=codes)
    for rule in rules.select_related("library"):
        if rule.alerts.filter(subject=subject[:300], resolved_at=None).exists():
            continue
        alert = Alert.objects.create(rule=rule, subject=subject[:300], message=message)
        jobs.defer(DELIVER, {"alert": alert.pk}, library=rule.library)
        raised.append(alert)
    return raised


def resolve_alerts(condition: str, subject: str) -> int:
    """Close the open alerts of ``condition`` about ``subject`` (the cause was dealt with)."""
    return Alert.objects.filter(
        rule__condition=condition, subject=subject[:300], resolved_at=None
    ).update(resolved_at=timezone.now())


def deliver(job: jobs.Job) -> None:
    """Job handler: send an alert by e-mail and webhook, each channel once.

    A failing channel raises (the job is retried with backoff); a channel that succeeded is
    noted on the job, so a retry sends only what is missing.
    """
    alert = Alert.objects.select_related("rule__library").filter(pk=job.payload["alert"]).first()
    if alert is None or alert.delivered:
        return
    failures = []
    for channel, send in (("email", _send_mail), ("webhook", _post_webhook)):
        if not getattr(alert.rule, channel) or job.progress.get(channel):
            continue
        try:
            send(alert)
        except Exception as exc:
            failures.append(f"{channel}: {exc}")
            continue
        jobs.note(job, **{channel: True})
    if failures:
        raise RuntimeError("; ".join(failures))
    Alert.objects.filter(pk=alert.pk).update(delivered=True)


def _send_mail(alert: Alert) -> None:
    send_mail(f"[Shuxiang] {alert.subject}", alert.message, None, [alert.rule.email])


def _post_webhook(alert: Alert) -> None:
    body = json.dumps(
        {
            "subject": alert.subject,
            "message": alert.message,
            "condition": alert.rule.condition,
            "library": alert.rule.library.code,
            "raised_at": alert.raised_at.isoformat(),
        }
    ).encode()
    request = urllib.request.Request(
        alert.rule.webhook, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=options.value("STATS_WEBHOOK_TIMEOUT")):
        pass


def timeline(actor: object, library: Library, days: int = 90) -> dict:
    """Outages, platforms and heartbeats of ``library``'s subtree for the outage page."""
    require_figures_of(actor, library)
    since = timezone.now() - timedelta(days=days)
    scope = in_subtree("library", library)
    return {
        "library": library,
        "outages": Outage.objects.filter(scope, started_at__gte=since).select_related("library")[
            :500
        ],
        "platforms": MonitoredPlatform.objects.filter(scope).select_related("library"),
        "heartbeats": Heartbeat.objects.filter(scope).select_related("library"),
        "alerts": Alert.objects.filter(in_subtree("rule__library", library))[:100],
        "days": days,
    }
