#!/usr/bin/env bash
# Fails if any C file is not as clang-format (.clang-format) would write it.
set -u
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format: clang-format missing"; exit 1; }
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
clang-format --dry-run --Werror $files && echo "format: clean"
