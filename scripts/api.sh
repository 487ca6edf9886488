#!/usr/bin/env bash
# Call the running portal's API from a shell, signed in as the demo guest.
#
#   scripts/api.sh GET  /api/catalog/entities/by-query?limit=5
#   scripts/api.sh POST /api/nhi/claims '{"entityRef":"…","group":"…"}'
#
# BACKSTAGE_URL (default http://localhost:7007) picks the backend. The token is
# the guest provider's, or with NHI_DEMO_USER=<name> (e.g. farah.haddad) that
# demo user's (development only), fetched once per call.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 METHOD PATH [JSON-BODY]" >&2
  exit 2
fi
method="$1"
path="$2"
body="${3:-}"
base="${BACKSTAGE_URL:-http://localhost:7007}"
if [ -n "${NHI_DEMO_USER:-}" ]; then
  refresh=(-s "$base/api/auth/demo/refresh?env=development" -H "x-nhi-demo-user: $NHI_DEMO_USER")
else
  refresh=(-s "$base/api/auth/guest/refresh?env=development")
fi
token=$(curl "${refresh[@]}" \
  -H 'X-Requested-With: XMLHttpRequest' |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{process.stdout.write(JSON.parse(s).backstageIdentity.token)}catch{}})')
if [ -z "$token" ]; then
  echo "could not get a guest token from $base (is the portal running?)" >&2
  exit 1
fi
args=(-sS -X "$method" "$base$path" -H "Authorization: Bearer $token")
if [ -n "$body" ]; then
  args+=(-H 'Content-Type: application/json' --data "$body")
fi
curl "${args[@]}" -w '\n'
