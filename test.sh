#!/usr/bin/env bash
# Builds LessonKit and runs every test, in steps:
#   1. unit and model tests (fast),
#   2. the views in headless Chromium (Debian's chromium; trait Category=Browser),
#   3. model-sized checks (GPT-2 small shapes; trait Category=Slow),
#   4. both lessons, unchanged, checked and run end to end through the runner on the tiny checkpoint (Category=Lessons),
#   5. both lessons, unchanged, in the real .NET Interactive kernel through Jupyter, as learners run them
#      (Category=Kernel; needs Jupyter and the dotnet-interactive tool, which .ci/run installs).
# Ends with "N passed, N failed"; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")"

passed=0
failed=0
status=0

step() { printf '\n=== %s\n' "$1"; }

# Runs `dotnet test` with a filter and adds its summary lines ("Passed!  - Failed: 0, Passed: 93, ...") to the counts.
run_tests() {
  local name=$1 filter=$2 log
  shift 2
  step "$name"
  log=$(mktemp)
  dotnet test LessonKit.slnx -c Release --no-build -nologo --filter "$filter" "$@" 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  passed=$((passed + $(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{ n += $2 } END { print n + 0 }')))
  failed=$((failed + $(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{ n += $2 } END { print n + 0 }')))
  rm -f "$log"
}

step "Build"
if ! dotnet build LessonKit.slnx -c Release -nologo -v q; then
  echo "build failed"
  exit 1
fi

run_tests "Unit and model tests" "Category!=Browser&Category!=Slow&Category!=Lessons&Category!=Kernel"
run_tests "Views in headless Chromium" "Category=Browser"
run_tests "Model-sized checks" "Category=Slow"

# Each lesson: `runner check`, then a full run through the runner on tiny-gpt2 (tests/LessonKit.Tests/Lessons).
run_tests "Lessons through the runner on tiny-gpt2" "Category=Lessons"

# Each lesson in the real kernel (`jupyter nbconvert --execute`, kernelspec .net-csharp): no cell error, nothing on stderr.
# One test project at a time (-m:1): two kernels starting together can race for the same HTTP port.
run_tests "Lessons in the real .NET Interactive kernel on tiny-gpt2" "Category=Kernel" -m:1

echo
echo "$passed passed, $failed failed"
if [ "$passed" -eq 0 ]; then echo "no test ran"; exit 1; fi
exit $status
