#!/usr/bin/env bash
# Copies the shared contract into the Swift test resources (SwiftPM resources must live in the target).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp "$here/../contract/vectors.json" "$here/Tests/GangwayCoreTests/vectors.json"
