#!/usr/bin/env bash
# Starts the Backstage NHI portal with its demo data on the embedded SQLite
# database: frontend http://localhost:3000, backend http://localhost:7007.
# Installs what is missing first (Node 22, dependencies); safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
yarn install --immutable
exec yarn start "$@"
