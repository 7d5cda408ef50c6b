"""Security Hub: BatchImportFindings as a finding provider sees it, BatchUpdateFindings, GetFindings filters.

Restores, per the Security Hub API Reference (BatchImportFindings, BatchUpdateFindings,
GetFindings, AwsSecurityFindingFilters) and the User Guide ("BatchImportFindings for finding
providers", "Setting the workflow status of findings"):

1. BatchImportFindings refuses, per finding in `FailedFindings`, a finding that lacks a required
   ASFF attribute (AwsAccountId, CreatedAt, Description, GeneratorId, Id, ProductArn, Resources,
   SchemaVersion, Severity, Title, Types, UpdatedAt), one whose AwsAccountId is not the caller's,
   one whose ProductArn is not a product of the caller's (the custom integration's
   `arn:aws:securityhub:<region>:<account>:product/<account>/default`), and every finding while
   Security Hub is not enabled (`InvalidAccess`). moto stores anything with a Resources list.
2. Findings are keyed by Id and ProductArn. A new finding starts with Workflow.Status NEW and
   RecordState ACTIVE; an update by BatchImportFindings leaves Workflow, Note, UserDefinedFields and
   VerificationState as they are (only BatchUpdateFindings changes those), and resets a NOTIFIED or
   RESOLVED workflow to NEW when RecordState goes from ARCHIVED to ACTIVE or Compliance.Status from
   PASSED to FAILED, WARNING or NOT_AVAILABLE. moto overwrites every field.
3. BatchUpdateFindings (moto has none) sets Workflow.Status / Note of findings by their identifiers.
4. GetFindings applies its string Filters (EQUALS, PREFIX, NOT_EQUALS, PREFIX_NOT_EQUALS) on Id,
   ProductArn, GeneratorId, AwsAccountId, RecordState, WorkflowStatus, ComplianceStatus,
   SeverityLabel, ResourceId, ResourceType, Title: the EQUALS and PREFIX filters of one attribute
   are joined by OR, the NOT_EQUALS and PREFIX_NOT_EQUALS ones by AND (StringFilter). It applies
   the map filters (EQUALS, CONTAINS, NOT_EQUALS, NOT_CONTAINS) of ProductFields, joined the same
   way (MapFilter). moto ignores Filters.
5. GetFindings refuses (InvalidInputException) Filters on more than ten attributes or with more
   than 20 values for one attribute ("You can filter by up to ten finding attributes. For each
   attribute, you can provide up to 20 filter values", AwsSecurityFindingFilters). moto takes any.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable

from moto.securityhub import urls as securityhub_urls
from moto.securityhub.exceptions import InvalidInputException
from moto.securityhub.models import Finding, SecurityHubBackend
from moto.securityhub.responses import SecurityHubResponse

REQUIRED = ["AwsAccountId", "CreatedAt", "Description", "GeneratorId", "Id", "ProductArn", "Resources", "SchemaVersion", "Severity", "Title", "Types", "UpdatedAt"]
CUSTOMER_FIELDS = ["Workflow", "Note", "UserDefinedFields", "VerificationState"]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _key(finding: dict[str, Any]) -> tuple[str, str]:
    return (str(finding.get("Id")), str(finding.get("ProductArn")))


def _find(backend: SecurityHubBackend, key: tuple[str, str]) -> Finding | None:
    return next((f for f in backend.findings if _key(f.data) == key), None)


def _why_invalid(backend: SecurityHubBackend, finding: dict[str, Any]) -> tuple[str, str] | None:
    missing = [k for k in REQUIRED if finding.get(k) in (None, "", [])]
    if missing:
        return ("InvalidInput", f"Finding does not adhere to Amazon Finding Format. Missing required attribute(s): {', '.join(missing)}")
    severity = finding["Severity"]
    if not isinstance(severity, dict) or not (severity.get("Label") or severity.get("Normalized") is not None):
        return ("InvalidInput", "Finding does not adhere to Amazon Finding Format. Severity needs a Label or Normalized")
    if not all(isinstance(r, dict) and r.get("Id") and r.get("Type") for r in finding["Resources"]):
        return ("InvalidInput", "Finding does not adhere to Amazon Finding Format. Each resource needs an Id and a Type")
    if str(finding["AwsAccountId"]) != backend.account_id:
        return ("AccessDeniedException", f"The account {backend.account_id} cannot import findings for the account {finding['AwsAccountId']}")
    product = str(finding["ProductArn"])
    own_product = f":securityhub:{backend.region_name}:{backend.account_id}:product/{backend.account_id}/"
    if own_product not in product:
        return ("AccessDeniedException", f"The product {product} is not a product of the account {backend.account_id} in {backend.region_name}")
    return None


def _batch_import_findings(self: SecurityHubBackend, findings: list[dict[str, Any]]) -> tuple[int, int, list[dict[str, Any]]]:
    failed: list[dict[str, Any]] = []
    success = 0
    for data in findings:
        if not self.enabled:
            failed.append({"Id": data.get("Id", ""), "ErrorCode": "InvalidAccess", "ErrorMessage": f"Account {self.account_id} is not subscribed to AWS Security Hub"})
            continue
        why = _why_invalid(self, data)
        if why:
            failed.append({"Id": data.get("Id", ""), "ErrorCode": why[0], "ErrorMessage": why[1]})
            continue
        existing = _find(self, _key(data))
        if existing is None:
            stored = {**data}
            stored.setdefault("RecordState", "ACTIVE")
            stored.setdefault("Workflow", {"Status": "NEW"})
            stored["WorkflowState"] = "NEW"
            stored["Region"] = self.region_name
            self.findings.append(Finding(data["Id"], stored))
        else:
            before = existing.data
            kept = {k: before[k] for k in CUSTOMER_FIELDS if k in before}
            was_archived = before.get("RecordState") == "ARCHIVED"
            was_passed = (before.get("Compliance") or {}).get("Status") == "PASSED"
            updated = {**before, **{k: v for k, v in data.items() if k not in CUSTOMER_FIELDS}, **kept}
            updated.setdefault("RecordState", "ACTIVE")
            reopened = (was_archived and updated.get("RecordState") == "ACTIVE") or (
                was_passed and (updated.get("Compliance") or {}).get("Status") in ("FAILED", "WARNING", "NOT_AVAILABLE")
            )
            if reopened and (updated.get("Workflow") or {}).get("Status") in ("NOTIFIED", "RESOLVED"):
                updated["Workflow"] = {"Status": "NEW"}
            existing.data = updated
        success += 1
    return len(failed), success, failed


def _batch_update_findings(self: SecurityHubResponse) -> str:
    body = json.loads(self.body or "{}")
    backend = self.securityhub_backend
    processed, unprocessed = [], []
    for identifier in body.get("FindingIdentifiers", []) or []:
        finding = _find(backend, (str(identifier.get("Id")), str(identifier.get("ProductArn"))))
        if finding is None:
            unprocessed.append({"FindingIdentifier": identifier, "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"})
            continue
        if body.get("Workflow", {}).get("Status"):
            finding.data["Workflow"] = {"Status": body["Workflow"]["Status"]}
        if body.get("Note"):
            finding.data["Note"] = {**body["Note"], "UpdatedAt": _now()}
        processed.append(identifier)
    return json.dumps({"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})


FIELDS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "Id": lambda f: [f.get("Id", "")],
    "ProductArn": lambda f: [f.get("ProductArn", "")],
    "GeneratorId": lambda f: [f.get("GeneratorId", "")],
    "AwsAccountId": lambda f: [f.get("AwsAccountId", "")],
    "RecordState": lambda f: [f.get("RecordState", "")],
    "Title": lambda f: [f.get("Title", "")],
    "WorkflowStatus": lambda f: [(f.get("Workflow") or {}).get("Status", "")],
    "ComplianceStatus": lambda f: [(f.get("Compliance") or {}).get("Status", "")],
    "SeverityLabel": lambda f: [(f.get("Severity") or {}).get("Label", "")],
    "ResourceId": lambda f: [r.get("Id", "") for r in f.get("Resources", [])],
    "ResourceType": lambda f: [r.get("Type", "") for r in f.get("Resources", [])],
}


MAP_FIELDS: dict[str, Callable[[dict[str, Any]], dict[str, str]]] = {
    "ProductFields": lambda f: f.get("ProductFields") or {},
}

MAX_ATTRIBUTES = 10
MAX_VALUES = 20


def _map_matches(values: dict[str, str], conditions: list[dict[str, Any]]) -> bool:
    def test(c: dict[str, Any]) -> bool:
        key, value = str(c.get("Key")), str(c.get("Value"))
        if c["Comparison"] in ("EQUALS", "NOT_EQUALS"):
            return values.get(key) == value
        return key in values and value in values[key]

    positive = [c for c in conditions if c.get("Comparison") in ("EQUALS", "CONTAINS")]
    negative = [c for c in conditions if c.get("Comparison") in ("NOT_EQUALS", "NOT_CONTAINS")]
    if len({str(c.get("Key")) for c in positive}) > 1:
        # MapFilter documents OR for filters on the same key only.
        raise NotImplementedError("GetFindings map filters on several keys of one field are not emulated")
    if positive and not any(test(c) for c in positive):
        return False
    return not any(test(c) for c in negative)


def _check_filters(filters: dict[str, Any] | None) -> None:
    used = {name: conditions for name, conditions in (filters or {}).items() if conditions}
    if len(used) > MAX_ATTRIBUTES:
        raise InvalidInputException(op="GetFindings", msg=f"You can filter by up to {MAX_ATTRIBUTES} finding attributes, not {len(used)}")
    for name, conditions in used.items():
        if len(conditions) > MAX_VALUES:
            raise InvalidInputException(op="GetFindings", msg=f"You can provide up to {MAX_VALUES} filter values for {name}, not {len(conditions)}")


def _matches(finding: dict[str, Any], filters: dict[str, Any] | None) -> bool:
    for name, conditions in (filters or {}).items():
        if name in MAP_FIELDS:
            if not _map_matches(MAP_FIELDS[name](finding), conditions):
                return False
            continue
        getter = FIELDS.get(name)
        if getter is None:
            raise NotImplementedError(f"GetFindings filter {name} is not emulated")
        values = getter(finding)
        positive = [c for c in conditions if c.get("Comparison") in ("EQUALS", "PREFIX")]
        negative = [c for c in conditions if c.get("Comparison") in ("NOT_EQUALS", "PREFIX_NOT_EQUALS")]
        test = lambda c, v: v == c.get("Value") if c["Comparison"] in ("EQUALS", "NOT_EQUALS") else v.startswith(str(c.get("Value")))  # noqa: E731
        if positive and not any(test(c, v) for c in positive for v in values):
            return False
        if any(test(c, v) for c in negative for v in values):
            return False
    return True


_original_get_findings = SecurityHubBackend.get_findings


def _get_findings(self: SecurityHubBackend, filters: dict[str, Any] | None = None, sort_criteria: Any = None, max_results: Any = None, next_token: Any = None) -> Any:
    _check_filters(filters)
    everything = self.findings
    self.findings = [f for f in everything if _matches(f.data, filters)]
    try:
        return _original_get_findings(self, filters=filters, sort_criteria=sort_criteria, max_results=max_results, next_token=next_token)
    finally:
        self.findings = everything


def apply() -> None:
    SecurityHubBackend.batch_import_findings = _batch_import_findings  # type: ignore[method-assign]
    SecurityHubBackend.get_findings = _get_findings  # type: ignore[method-assign]
    SecurityHubResponse.batch_update_findings = _batch_update_findings  # type: ignore[attr-defined]
    securityhub_urls.url_paths["{0}/findings/batchupdate$"] = SecurityHubResponse.dispatch
