"""WSGI middleware around moto's app: fault injection, a call log, and the /amiwarden/* API.

AWS throttles (EC2 `RequestLimitExceeded` HTTP 503, KMS `ThrottlingException` HTTP 400, STS /
Auto Scaling / IAM `Throttling` HTTP 400) and the project must survive it; moto never does. Rules
posted to /amiwarden/faults fail matching requests in the service's real wire protocol, so the
SDK's own error parsing and retry logic run exactly as against AWS.

Endpoints:
  POST   /amiwarden/faults   {"rules": [{service, action?, account?, error, count? | rate?, seed?}]}
  DELETE /amiwarden/faults
  GET    /amiwarden/calls    {"calls": [{service, action, account, region, status, dryRun?}]}
                             (dryRun: true for a request with DryRun set, which changes nothing)
  DELETE /amiwarden/calls
  POST   /amiwarden/autoscaling/activities  (see autoscaling.py)
  POST   /amiwarden/kms/grants  (see kms.py feed_grants)
  POST   /amiwarden/eks/nodegroup-health  (see eks.py)
  POST   /moto-api/reset     moto's reset, plus faults, calls and our own state
"""

from __future__ import annotations

import io
import json
import random
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from . import allowed_images, autoscaling, ec2, eks, kms, launch_templates
from .identity import account_of_access_key
from .s3_actions import s3_action

# RAM and Security Hub are REST-JSON APIs: no X-Amz-Target, no Action parameter. Their operations,
# by method and path, as the calls amiwarden makes them; anything else is logged as Unknown<METHOD>,
# which the tests' read-only lists count as a change.
_REST_ACTIONS: dict[str, dict[tuple[str, str], str]] = {
    "ram": {
        ("POST", "/getresourceshares"): "GetResourceShares",
        ("POST", "/getresourceshareassociations"): "GetResourceShareAssociations",
        ("POST", "/createresourceshare"): "CreateResourceShare",
        ("POST", "/associateresourceshare"): "AssociateResourceShare",
        ("POST", "/disassociateresourceshare"): "DisassociateResourceShare",
        ("DELETE", "/deleteresourceshare"): "DeleteResourceShare",
    },
    "securityhub": {
        ("POST", "/findings"): "GetFindings",
        ("POST", "/findings/import"): "BatchImportFindings",
        ("PATCH", "/findings/batchupdate"): "BatchUpdateFindings",
    },
}

# EKS operations by method and path (EKS API Reference), the ones amiwarden calls or tests create with.
_EKS_ACTIONS: dict[tuple[str, re.Pattern[str]], str] = {
    ("GET", re.compile(r"/clusters")): "ListClusters",
    ("POST", re.compile(r"/clusters")): "CreateCluster",
    ("GET", re.compile(r"/clusters/[^/]+")): "DescribeCluster",
    ("DELETE", re.compile(r"/clusters/[^/]+")): "DeleteCluster",
    ("GET", re.compile(r"/clusters/[^/]+/node-groups")): "ListNodegroups",
    ("POST", re.compile(r"/clusters/[^/]+/node-groups")): "CreateNodegroup",
    ("GET", re.compile(r"/clusters/[^/]+/node-groups/[^/]+")): "DescribeNodegroup",
    ("DELETE", re.compile(r"/clusters/[^/]+/node-groups/[^/]+")): "DeleteNodegroup",
}


def _is_dry_run(body: bytes, environ: dict[str, Any]) -> bool:
    """A request with DryRun set: JSON protocols (KMS) in the body, query protocols (EC2) as DryRun=true."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        try:
            return json.loads(body or b"{}").get("DryRun") is True
        except (ValueError, AttributeError):
            return False
    query = parse_qs(environ.get("QUERY_STRING", ""))
    form = parse_qs(body.decode("utf-8", "replace")) if body else {}
    return (query.get("DryRun") or form.get("DryRun") or ["false"])[0].lower() == "true"


_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")

# (status, body builder) per wire protocol.
_QUERY_ERROR_SERVICES = {"sts", "autoscaling", "iam", "sqs", "cloudformation", "sns", "elasticloadbalancing"}
_DEFAULT_MESSAGES = {
    "RequestLimitExceeded": "Request limit exceeded.",
    "ThrottlingException": "Rate exceeded",
    "Throttling": "Rate exceeded",
}


@dataclass
class FaultRule:
    service: str
    error: str
    action: str | None = None
    account: str | None = None
    count: int | None = None
    rate: float | None = None
    seed: int | None = None
    status: int | None = None
    message: str | None = None
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def matches(self, service: str, action: str, account: str) -> bool:
        return (
            self.service == service
            and self.action in (None, action)
            and self.account in (None, account)
        )

    def fires(self) -> bool:
        """Consume one matching request; True if it must fail."""
        if self.count is not None:
            if self.count <= 0:
                return False
            self.count -= 1
            return True
        if self.rate is not None:
            return self._rng.random() < self.rate
        return True


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self.calls: list[dict[str, Any]] = []

    def reset(self) -> None:
        with self.lock:
            self.rules = []
            self.calls = []


def _error_response(service: str, rule: FaultRule) -> tuple[int, str, bytes]:
    request_id = str(uuid.uuid4())
    message = rule.message or _DEFAULT_MESSAGES.get(rule.error, rule.error)
    if service == "ec2":
        status = rule.status or (503 if rule.error == "RequestLimitExceeded" else 400)
        body = (
            f"<Response><Errors><Error><Code>{rule.error}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )
        return status, "text/xml", body.encode()
    if service in _QUERY_ERROR_SERVICES:
        status = rule.status or 400
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{rule.error}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return status, "text/xml", body.encode()
    # JSON 1.0/1.1 protocols (kms, events, organizations, states, ...).
    status = rule.status or 400
    return status, "application/x-amz-json-1.1", json.dumps({"__type": rule.error, "message": message}).encode()


class AmiwardenMiddleware:
    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.state = State()

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _json(start_response: Any, status: int, payload: Any) -> list[bytes]:
        body = json.dumps(payload).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "OK")
        start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    @staticmethod
    def _read_body(environ: dict[str, Any]) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        # Give moto an untouched stream to read again.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return body

    @staticmethod
    def _identify(environ: dict[str, Any], body: bytes) -> tuple[str, str, str, str] | None:
        """(service, action, account, region) of a signed AWS request, else None."""
        auth = environ.get("HTTP_AUTHORIZATION", "")
        scope = _CREDENTIAL_SCOPE.search(auth)
        if not scope:
            return None
        access_key, region, service = scope.group(1), scope.group(2), scope.group(3)
        action = ""
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            action = target.rsplit(".", 1)[-1]
        elif service == "eks":
            # REST-JSON with names in the path (EKS API Reference): the operation follows from method and pattern.
            method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "").rstrip("/")
            action = next((name for (m, pattern), name in _EKS_ACTIONS.items() if m == method and pattern.fullmatch(path)), f"Unknown{method}")
        elif service in _REST_ACTIONS:
            # REST-JSON: the operation follows from method and path (their API references).
            method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "").rstrip("/").lower()
            action = _REST_ACTIONS[service].get((method, path), f"Unknown{method}")
        elif service == "s3":
            # REST: the action follows from method, path and subresource (s3_actions.py).
            headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
            action = s3_action(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), headers)
        else:
            query = parse_qs(environ.get("QUERY_STRING", ""))
            form = parse_qs(body.decode("utf-8", "replace")) if body and b"Action=" in body else {}
            action = (query.get("Action") or form.get("Action") or [""])[0]
        # moto's own resolution order (minus MOTO_ACCOUNT_ID, which a shared server never sets).
        account = environ.get("HTTP_X_MOTO_ACCOUNT_ID") or account_of_access_key(access_key)
        return service, action, account, region

    # -- WSGI ----------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")

        if path.startswith("/amiwarden/"):
            return self._amiwarden(path, method, environ, start_response)

        if path == "/moto-api/reset" and method == "POST":
            result = list(self.app(environ, start_response))
            self.state.reset()
            autoscaling.reset()
            ec2.reset()
            launch_templates.reset()
            allowed_images.reset()
            return result

        body = self._read_body(environ)
        identity = self._identify(environ, body)
        if identity is None:
            return self.app(environ, start_response)
        service, action, account, region = identity
        dry_run = _is_dry_run(body, environ)

        with self.state.lock:
            rule = next((r for r in self.state.rules if r.matches(service, action, account) and r.fires()), None)
        if rule is not None:
            status, content_type, payload = _error_response(service, rule)
            self._record(service, action, account, region, status, dry_run)
            start_response(f"{status} Error", [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
            return [payload]

        seen: dict[str, int] = {}

        def recording_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, recording_start_response)
        try:
            return list(result)
        finally:
            self._record(service, action, account, region, seen.get("status", 500), dry_run)

    def _record(self, service: str, action: str, account: str, region: str, status: int, dry_run: bool = False) -> None:
        call: dict[str, Any] = {"service": service, "action": action, "account": account, "region": region, "status": status}
        if dry_run:
            call["dryRun"] = True
        with self.state.lock:
            self.state.calls.append(call)

    def _amiwarden(self, path: str, method: str, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        try:
            body = self._read_body(environ)
            payload = json.loads(body) if body else {}
            if path == "/amiwarden/faults" and method == "POST":
                rules = [FaultRule(**_rule_fields(r)) for r in payload.get("rules", [])]
                with self.state.lock:
                    self.state.rules = rules
                return self._json(start_response, 200, {"rules": len(rules)})
            if path == "/amiwarden/faults" and method == "DELETE":
                with self.state.lock:
                    self.state.rules = []
                return self._json(start_response, 200, {})
            if path == "/amiwarden/calls" and method == "GET":
                with self.state.lock:
                    calls = list(self.state.calls)
                return self._json(start_response, 200, {"calls": calls})
            if path == "/amiwarden/calls" and method == "DELETE":
                with self.state.lock:
                    self.state.calls = []
                return self._json(start_response, 200, {})
            if path == "/amiwarden/autoscaling/activities" and method == "POST":
                count = autoscaling.feed_activities(payload)
                return self._json(start_response, 200, {"activities": count})
            if path == "/amiwarden/eks/nodegroup-health" and method == "POST":
                count = eks.feed_health(payload)
                return self._json(start_response, 200, {"issues": count})
            if path == "/amiwarden/kms/grants" and method == "POST":
                count = kms.feed_grants(payload)
                return self._json(start_response, 200, {"grants": count})
        except (ValueError, TypeError, KeyError) as error:
            return self._json(start_response, 400, {"message": str(error)})
        return self._json(start_response, 404, {"message": f"no such endpoint: {method} {path}"})


def _rule_fields(raw: dict[str, Any]) -> dict[str, Any]:
    if not raw.get("service") or not raw.get("error"):
        raise ValueError("a fault rule needs 'service' and 'error'")
    allowed = {"service", "action", "account", "error", "count", "rate", "seed", "status", "message"}
    unknown = set(raw) - allowed
    if unknown:
        raise ValueError(f"unknown fault rule fields: {sorted(unknown)}")
    return dict(raw)
