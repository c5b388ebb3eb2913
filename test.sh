#!/usr/bin/env bash
# Builds LessonKit and runs every test: unit and model tests, browser tests of the views (Debian's chromium),
# and the two lessons end to end through the runner on the tiny checkpoint. Prints "N passed, N failed" at the end.
set -uo pipefail
cd "$(dirname "$0")"

log=$(mktemp)
status=0
dotnet build LessonKit.slnx -c Release -nologo -v q 2>&1 | tail -n 3 || status=1
[ $status -eq 0 ] || { echo "build failed"; exit 1; }
dotnet test LessonKit.slnx -c Release --no-build -nologo 2>&1 | tee "$log" || status=1

# dotnet test prints one summary line per test project: "Passed!  - Failed: 0, Passed: 93, Skipped: 0, ...".
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{ n += $2 } END { print n + 0 }')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{ n += $2 } END { print n + 0 }')
rm -f "$log"

# The lessons, unchanged, end to end through the runner on the tiny checkpoint (a failing cell fails the run).
shopt -s nullglob
lessons=(lessons/*.ipynb)
if [ ${#lessons[@]} -gt 0 ]; then
  runner="dotnet run -c Release --no-build --project src/LessonKit.Runner --"
  if $runner check lessons && $runner run "${lessons[@]}" --model tests/LessonKit.Tests/Fixtures/tiny-gpt2 --out artifacts/ci-lessons; then
    passed=$((passed + ${#lessons[@]}))
  else
    failed=$((failed + ${#lessons[@]})); status=1
  fi
fi
echo
echo "$passed passed, $failed failed"
if [ "$passed" -eq 0 ]; then echo "no test ran"; exit 1; fi
exit $status
