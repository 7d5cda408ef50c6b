"""
amiwarden's own cfn-lint rule (scripts/lint-cfn.sh loads it with --append-rules): every Allow
statement for an AWS service principal, in any policy of a template (trust policies, key
policies, topic, queue, bus and bucket policies), carries an aws:SourceAccount or aws:SourceArn
condition, so that the service acts only for this account's own resources (the confused deputy).
An ...IfExists operator counts only for the statements of IF_EXISTS_ALLOWED, as in
test/unit/deploy/templates.ts (SOURCE_KEYS_MAY_BE_ABSENT); docs/security.md says why.
"""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

SOURCE_KEYS = ("aws:sourceaccount", "aws:sourcearn")
IF_EXISTS_ALLOWED = {("AlertsKey", "AllowAlertPublishersToEncrypt")}


def _documents(resource):
    properties = resource.get("Properties") or {}
    for key in ("AssumeRolePolicyDocument", "KeyPolicy", "PolicyDocument"):
        if isinstance(properties.get(key), dict):
            yield [key], properties[key]
    if isinstance(properties.get("Statement"), (dict, list)):
        yield [], {"Statement": properties["Statement"]}
    for i, policy in enumerate(properties.get("Policies") or []):
        if isinstance(policy, dict) and isinstance(policy.get("PolicyDocument"), dict):
            yield ["Policies", i, "PolicyDocument"], policy["PolicyDocument"]


class ServicePrincipalSourceCondition(CloudFormationLintRule):
    id = "E9101"
    shortdesc = "Service principals only for this account's sources"
    description = "Every Allow statement for a service principal has an aws:SourceAccount or aws:SourceArn condition"
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html"
    tags = ["iam", "amiwarden"]

    def match(self, cfn):
        matches = []
        for name, resource in (cfn.template.get("Resources") or {}).items():
            if not isinstance(resource, dict):
                continue
            for where, document in _documents(resource):
                statements = document.get("Statement")
                statements = statements if isinstance(statements, list) else [statements]
                for i, statement in enumerate(statements):
                    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                        continue
                    principal = statement.get("Principal")
                    if not isinstance(principal, dict) or "Service" not in principal:
                        continue
                    lenient = (name, statement.get("Sid")) in IF_EXISTS_ALLOWED
                    pinned = any(
                        key.lower() in SOURCE_KEYS
                        for operator, keys in (statement.get("Condition") or {}).items()
                        if isinstance(keys, dict) and (lenient or not operator.endswith("IfExists"))
                        for key in keys
                    )
                    if not pinned:
                        path = ["Resources", name, "Properties", *where, "Statement", i]
                        matches.append(RuleMatch(path, f"{name}: service principal {principal['Service']} without an aws:SourceAccount / aws:SourceArn condition"))
        return matches
