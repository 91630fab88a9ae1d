#!/usr/bin/env bash
# Runs the concurrency-heavy tests under ThreadSanitizer.
#
#   Scripts/tsan.sh [extra swift test flags...]
#
# Uses its own scratch path (.build-tsan) so it never shares or invalidates .build. A TSan build
# of swift-nio takes long on small machines; run it alone, not next to other builds.
set -euo pipefail
cd "$(dirname "$0")/.."
filter='ZCachedLockTests|ZCachedTimedLockTests|ZCachedReliabilityTests|LinkCheckTests|AsyncClientTests|BlockingClientTests|NIOConnectionTests|NIOPipelineTests|EarlyCancellationsTests|POSIXConnectionTests|POSIXPipelineTests|ZCachedFaultInjectorTests|ZCachedTestServerTests'
# Known reports outside this package's code, each explained in the file.
export TSAN_OPTIONS="suppressions=$PWD/Scripts/tsan-suppressions.txt ${TSAN_OPTIONS:-}"
# --no-parallel as in CI: the blocking tests hold cooperative-pool threads, and under TSan's
# slowdown the async tests' time bounds would then fail for want of a thread.
exec swift test --sanitize=thread --scratch-path .build-tsan --no-parallel --filter "$filter" "$@"
