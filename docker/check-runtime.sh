#!/usr/bin/env bash
# Checks the container image's runtime contract without a container engine (none runs on the development
# machine, and the base images' registries are out of reach there): the release binary, started as the image
# starts it (docker/config.toml, uid/gid 65532), in a private mount namespace whose root filesystem is
# read-only except the data directory, must become ready and write nothing outside that directory.
# Needs root (unshare -m, setpriv). Usage: docker/check-runtime.sh [path/to/jobmatch]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$(realpath "${1:-$REPO/target/release/jobmatch}")"
DATA="$(mktemp -d /tmp/jobmatch-runtime.XXXXXX)"
chown 65532:65532 "$DATA"
ADMIN=127.0.0.1:59464
trap 'kill "$(cat "$DATA.pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$DATA" "$DATA.pid" "$DATA.log"' EXIT

unshare -m bash -c '
  set -e
  mount --make-rprivate /
  echo $$ > "$0.pid"
  mount --bind "$0" "$0"
  mount -o remount,bind,ro /
  exec setpriv --reuid 65532 --regid 65532 --clear-groups --inh-caps=-all env -i \
    JOBMATCH_CONFIG="$2/docker/config.toml" JOBMATCH_DATA_DIR="$0" \
    JOBMATCH_LISTEN=127.0.0.1:50998 JOBMATCH_ADMIN_LISTEN="$3" "$1" serve
' "$DATA" "$BIN" "$REPO" "$ADMIN" > "$DATA.log" 2>&1 &

for _ in $(seq 1 60); do
  if curl -sf "http://$ADMIN/readyz" > /dev/null; then break; fi
  sleep 0.5
done
pid="$(cat "$DATA.pid")"
curl -sf "http://$ADMIN/readyz" > /dev/null || { echo "not ready:"; tail -5 "$DATA.log"; exit 1; }
[[ "$(stat -c %u "/proc/$pid")" == 65532 ]] || { echo "not running as uid 65532"; exit 1; }
awk '$5=="/" {print $6}' "/proc/$pid/mountinfo" | grep -q '^ro' || { echo "root filesystem not read-only"; exit 1; }
echo "ok: ready as uid 65532 on a read-only root; wrote only $(cd "$DATA" && ls | tr '\n' ' ')"
