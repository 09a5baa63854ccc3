#!/usr/bin/env bash
# npm run up: deploy stack `dev` (or $PULUMI_STACK) with the Pulumi CLI, then verify it.
# Uses the Pulumi backend you are logged in to; when you are logged in nowhere
# it logs you in to a local file backend in ./.pulumi-state, so that the
# follow-up commands (pulumi stack output, npm run verify, pulumi destroy)
# find the same stack.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stack=${PULUMI_STACK:-dev}

fail() { printf 'npm run up: %s\n' "$*" >&2; exit 1; }

command -v pulumi >/dev/null 2>&1 ||
  fail "the Pulumi CLI is not installed; install it (https://www.pulumi.com/docs/install/), or on a machine without it run: eval \"\$(bash scripts/setup-test-env.sh --print-path)\""
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 22 ] || fail "Node.js $(node --version) is too old for @pulumi/pulumi; use Node.js 22 or newer"
docker info >/dev/null 2>&1 || fail "no Docker engine answers 'docker info'; start Docker and try again"

if ! pulumi whoami >/dev/null 2>&1; then
  mkdir -p .pulumi-state
  pulumi login "file://$PWD/.pulumi-state" >/dev/null
  echo "npm run up: you were not logged in to a Pulumi backend; logged in to the local backend in $PWD/.pulumi-state"
fi
# A self-managed backend (file://, s3://, ...) encrypts secrets with a passphrase; Pulumi Cloud does not.
self_managed=false
pulumi whoami --verbose 2>/dev/null | grep -q '^Backend URL: https://' || self_managed=true
if [ "$self_managed" = true ] && [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] && [ ! -t 0 ]; then
  fail "set PULUMI_CONFIG_PASSPHRASE (it encrypts the stack's secrets; every later pulumi command needs the same one), or run this in a terminal to be asked for it"
fi

pulumi stack select "$stack" --create
pulumi up --yes --stack "$stack"
npm run --silent verify -- --stack "$stack"
