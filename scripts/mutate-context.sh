#!/usr/bin/env bash
# Mutation-test one context of the core alone and fail below a threshold (90 % by default).
#
# mutmut reads its configuration from pyproject.toml only, so the run happens in a scratch
# copy of the tracked files whose [tool.mutmut] mutates only src/core/<context> and runs its
# tests: tests/unit/core/<context>/ and the repository contract on the in-memory store (the
# subscriptions' interleaving property test is left out: it covers everything and would run
# for each mutant). A context takes 30 to 60 minutes on two cores.
#
#   bash scripts/mutate-context.sh subscriptions [threshold %] [scratch dir]
set -euo pipefail
context="${1:?name a context of src/core, e.g. subscriptions}"
threshold="${2:-90}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="${3:-$(mktemp -d /tmp/stagedoor-mutate-XXXXXX)}"
test -d "$here/src/core/$context" || { echo "no context src/core/$context" >&2; exit 2; }
mkdir -p "$work"
(cd "$here" && git ls-files | tar -cf - -T -) | tar -xf - -C "$work"
python3 - "$work/pyproject.toml" "$context" <<'PY'
import sys
path, context = sys.argv[1], sys.argv[2]
text = open(path).read()
text = text[: text.index("[tool.mutmut]")] + f"""[tool.mutmut]
source_paths = ["src/core/"]
only_mutate = ["src/core/{context}/*"]
pytest_add_cli_args_test_selection = ["tests/unit/core/{context}/", "tests/contract/", "-k", "not sqlite and not postgres and not interleaving"]
also_copy = ["src/adapters/", "src/entrypoints/", "tests/", "docs/"]
"""
open(path, "w").write(text)
PY
cd "$work"
PATH="$here/.venv/bin:$PATH" mutmut run --max-children 2 > mutmut.log 2>&1 || true
PATH="$here/.venv/bin:$PATH" mutmut export-cicd-stats > /dev/null
echo "survivors: cd $work && mutmut results"
python3 - "$context" "$threshold" <<'PY'
import json, sys
context, threshold = sys.argv[1], float(sys.argv[2])
stats = json.load(open("mutants/mutmut-cicd-stats.json"))
killed = stats["killed"]
total = killed + stats["survived"] + stats["no_tests"] + stats["timeout"]
score = killed / total if total else 0.0
print(f"core.{context} mutation score: {killed}/{total} = {score:.1%}")
sys.exit(0 if score * 100 >= threshold else 1)
PY
