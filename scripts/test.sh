#!/bin/sh
# Lists the test files with find (sh has no recursive **) and refuses to pass when there are none.
set -eu
files=$(find test chaos -name '*.test.ts' -type f | sort)
if [ -z "$files" ]; then
  echo "no test files found under test/" >&2
  exit 1
fi
# Test files start servers on free ports; running them one file at a time keeps a 2-core machine
# from timing out health checks under load.
# shellcheck disable=SC2086
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec $files
