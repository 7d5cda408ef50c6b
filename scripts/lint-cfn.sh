#!/usr/bin/env bash
# Lints the packaged central template, every member template and the central account's per-Region
# templates (central-regions/) with cfn-lint.
# Fails on any error; warnings are printed. Packages first when .serverless/ has no template.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "lint:cfn: cfn-lint not found. Install it with: pip install cfn-lint" >&2
  exit 127
fi

central=.serverless/cloudformation-template-update-stack.json
if [[ ! -f $central ]]; then
  echo "lint:cfn: $central missing, packaging first"
  scripts/package.sh
elif [[ -n $(find serverless.yml resources statemachines events -newer "$central" -type f 2>/dev/null | head -1) ]]; then
  echo "lint:cfn: $central is older than its sources, packaging again"
  scripts/package.sh
fi

shopt -s nullglob
members=(member/*.yml member/*.yaml member/*.json central-regions/*.yml)
if (( ${#members[@]} == 0 )); then
  echo "lint:cfn: no template under member/" >&2
  exit 1
fi

# W3005 (DependsOn already enforced by a GetAtt/Ref): osls adds DependsOn on each function's role and
# serverless-step-functions on the state machine's role; both are generated, harmless, and not ours
# to change. Only the central template gets this exception.
# cfn-lint exit codes are a bit mask: 2 = error (and 4 warning, 8 informational, 1 = crash).
# scripts/cfn-rules: amiwarden's own rules (E9101: every service-principal statement names this
# account's sources, aws:SourceAccount / aws:SourceArn).
rules=(--append-rules scripts/cfn-rules)
status=0
echo "lint:cfn: $central"
cfn-lint "${rules[@]}" --ignore-checks W3005 -- "$central" || status=$?
for template in "${members[@]}"; do
  echo "lint:cfn: $template"
  cfn-lint "${rules[@]}" -- "$template" || status=$(( status | $? ))
done

if (( status & 3 )); then
  echo "lint:cfn: FAILED (cfn-lint exit $status)" >&2
  exit 1
fi
(( status == 0 )) && echo "lint:cfn: clean" || echo "lint:cfn: passed with warnings (cfn-lint exit $status)"
