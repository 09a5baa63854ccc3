#!/usr/bin/env bash
# npm run up: deploy stack `dev` (or $PULUMI_STACK) with the Pulumi CLI, then verify it.
# Uses the Pulumi backend you are logged in to, or a local file backend in
# ./.pulumi-state when you are not logged in anywhere.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stack=${PULUMI_STACK:-dev}

fail() { printf 'npm run up: %s\n' "$*" >&2; exit 1; }

command -v pulumi >/dev/null 2>&1 ||
  fail "the Pulumi CLI is not installed; install it (see https://www.pulumi.com/docs/install/), or run 'npm run sandbox -- up' to deploy the same program on local Docker without it"
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 22 ] || fail "Node.js $(node --version) is too old for @pulumi/pulumi; use Node.js 22 or newer"
docker info >/dev/null 2>&1 || fail "no Docker engine answers 'docker info'; start Docker and try again"

if ! pulumi whoami >/dev/null 2>&1; then
  mkdir -p .pulumi-state
  export PULUMI_BACKEND_URL="file://$PWD/.pulumi-state"
  echo "npm run up: not logged in to Pulumi; using the local backend in .pulumi-state/"
fi

pulumi stack select "$stack" --create --non-interactive 2>/dev/null || pulumi stack select "$stack" --create
pulumi up --yes --stack "$stack"
npm run --silent verify
