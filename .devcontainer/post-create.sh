#!/usr/bin/env bash
# Runs once when the dev container (or Codespace) is created:
#   1. builds LessonKit and the lesson runner in Release: the notebooks load
#      src/LessonKit/bin/Release/net10.0/LessonKit.dll;
#   2. downloads GPT-2 small (about 550 MB) into the Hugging Face cache (~/.cache/huggingface), so the lessons'
#      first cell finds it there.
# A failed download does not fail the container: it prints how to retry (the lessons also download it themselves).
set -uo pipefail
cd "$(dirname "$0")/.."

echo "== Building LessonKit and the lesson runner (Release)"
if ! dotnet build src/LessonKit.Runner/LessonKit.Runner.csproj -c Release -nologo -v q; then
  echo "The build failed (see above). After fixing it, run: dotnet build -c Release src/LessonKit.Runner" >&2
  exit 1
fi

echo
echo "== Downloading GPT-2 small into the Hugging Face cache"
if dotnet run --file .devcontainer/warm-gpt2.cs; then
  echo "GPT-2 small is ready. Open lessons/2.1-transformer-architecture.ipynb and run the cells from the top."
else
  echo >&2
  echo "GPT-2 small could not be downloaded now (no network, or huggingface.co unreachable). Nothing else is affected:" >&2
  echo "the lessons' first cell downloads it when run. To retry now: dotnet run --file .devcontainer/warm-gpt2.cs" >&2
fi
exit 0
