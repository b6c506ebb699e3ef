#!/usr/bin/env bash
# Compiles the platform-free core (gangway-core) and its tests with kotlinc and runs them with JUnit 4.
# Needs Debian's `kotlin` and `junit4` (apt-get install kotlin junit4). Exits non-zero on failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

junit=/usr/share/java/junit4.jar
hamcrest=/usr/share/java/hamcrest-core.jar
[ -f "$hamcrest" ] || hamcrest=/usr/share/java/hamcrest.jar
for f in "$junit" "$hamcrest"; do
  [ -f "$f" ] || { echo "core-test: $f is missing (apt-get install junit4)" >&2; exit 2; }
done
command -v kotlinc >/dev/null || { echo "core-test: kotlinc is missing (apt-get install kotlin)" >&2; exit 2; }

core="$here/gangway-core/src"
tests=$(find "$core/test/kotlin" -name '*Test.kt' | sed -e "s|$core/test/kotlin/||" -e 's|\.kt$||' -e 's|/|.|g' | sort)

echo "core-test: compiling gangway-core and its tests"
if ! kotlinc -nowarn -cp "$junit:$hamcrest" -d "$out" \
  $(find "$core/main/kotlin" "$core/test/kotlin" -name '*.kt' | sort) >"$out/kotlinc.log" 2>&1; then
  grep -v -e '^warning: ' -e 'Xverify:none' "$out/kotlinc.log" >&2
  echo "core-test: compilation failed" >&2
  exit 1
fi

kotlin_lib=$(dirname "$(readlink -f "$(command -v kotlinc)")")/../lib
stdlib=$(ls "$kotlin_lib"/kotlin-stdlib.jar /usr/share/java/kotlin-stdlib.jar 2>/dev/null | head -1)
echo "core-test: running $(echo "$tests" | wc -l) test classes"
cd "$here"  # the vectors are read from ../contract/vectors.json
java -cp "$out:$stdlib:$junit:$hamcrest" -Dgangway.vectors="$here/../contract/vectors.json" \
  org.junit.runner.JUnitCore $tests
