#!/usr/bin/env bash
# PRODUCT.md §8's open-streams target: bench/open-streams.mjs with enough file descriptors for 10 000 streams (the
# gateway holds two sockets per stream, the client and the mock one each). Raising the hard limit needs root (and
# CAP_SYS_RESOURCE in a container); otherwise the hard limit is used.
#
#   npm run build && bench/open-streams.sh [streams=10000] [chunks=40] [intervalMs=1500]
set -euo pipefail
cd "$(dirname "$0")"
ulimit -n 65536 2> /dev/null || ulimit -n "$(ulimit -Hn)"
echo "open-streams: descriptor limit $(ulimit -n) per process (the gateway needs two per stream, plus a few)" >&2
exec node open-streams.mjs "$@"
