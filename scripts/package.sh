#!/usr/bin/env bash
# Packages the central stack into .serverless/ with no network and no AWS credentials.
# Usage: npm run package [-- extra serverless options, e.g. --param kmsKeyArns=...]
#   STAGE (default dev), REGION (default us-east-1).
# Required params that are not given are filled with clearly fake placeholders (account
# 000000000000, org o-000000000000) so CI can build and lint the template; a real deploy passes
# real values (docs/deploy.md), and the functions refuse the placeholder key at cold start.
set -euo pipefail
cd "$(dirname "$0")/.."

export SLS_TELEMETRY_DISABLED=1 SLS_TRACKING_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
# Nothing in packaging may reach AWS: hide credentials and profiles from the CLI.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE

region="${REGION:-us-east-1}"
# name=value pairs (plain lists, not an associative array: macOS still ships bash 3.2).
placeholders=(
  "kmsKeyArns=$region=arn:aws:kms:$region:000000000000:key/00000000-0000-0000-0000-000000000000"
  "organizationId=o-000000000000"
  "memberExternalId=amiwarden-placeholder-external-id"
)
params=()
for pair in "${placeholders[@]}"; do
  name=${pair%%=*}
  case " $* " in
    *" --param $name="* | *" --param=$name="*) ;;
    *) params+=(--param "$pair") ;;
  esac
done

exec node_modules/.bin/serverless package --stage "${STAGE:-dev}" --region "$region" ${params[@]+"${params[@]}"} "$@"
