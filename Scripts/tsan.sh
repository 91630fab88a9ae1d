#!/usr/bin/env bash
# Runs the concurrency-heavy tests under ThreadSanitizer.
#
#   Scripts/tsan.sh [extra swift test flags...]
#
# Uses its own scratch path (.build-tsan) so it never shares or invalidates .build. A TSan build
# of swift-nio takes long on small machines; run it alone, not next to other builds.
set -euo pipefail
cd "$(dirname "$0")/.."
filter='ZCachedReliabilityTests|AsyncClientTests|BlockingClientTests|NIOConnectionTests|NIOPipelineTests|EarlyCancellationsTests|POSIXConnectionTests|ZCachedFaultInjectorTests|ZCachedTestServerTests'
exec swift test --sanitize=thread --scratch-path .build-tsan --filter "$filter" "$@"
