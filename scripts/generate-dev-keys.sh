#!/usr/bin/env sh
# Creates the development JWT signing key that docker-compose.yml mounts as a secret
# (and that `npm start` also uses: auth's DEV_KEYS_DIR defaults to .dev-keys).
# Never use this key outside a developer machine; production keys come from a secret store.
set -eu

dir="$(cd "$(dirname "$0")/.." && pwd)/.dev-keys"
key="$dir/jwt-signing-key.pem"

mkdir -p "$dir"
chmod 700 "$dir"

if [ -f "$key" ] && [ "${1:-}" != "--force" ]; then
  echo "kept existing $key (pass --force to replace it)"
  exit 0
fi

tmp="$(mktemp "$dir/.jwt-signing-key.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp" 2>/dev/null
# Readable by the container's `node` user whatever its uid on this host; the directory stays 0700.
chmod 644 "$tmp"
mv "$tmp" "$key"
trap - EXIT
echo "wrote $key"
