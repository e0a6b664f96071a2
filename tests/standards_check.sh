#!/usr/bin/env bash
# Fails if docs/standards.md names a file that does not exist, or a
# function() in a table cell that is in none of the files named there.
set -u
cd "$(dirname "$0")/.."
doc=docs/standards.md
[ -f "$doc" ] || { echo "standards: $doc missing"; exit 1; }
bad=0
while IFS= read -r line; do
	case "$line" in '| '*) ;; *) continue ;; esac
	IFS='|' read -r -a cells <<<"$line"
	for cell in "${cells[@]}"; do
		files=() funcs=()
		for tok in $(grep -o '`[^`]*`' <<<"$cell" | tr -d '`'); do
			case "$tok" in
			*'()') funcs+=("${tok%()}") ;;
			*/*.c | */*.h | */*.py | */*.sql | */*.sh | */*.md | */*.yaml)
				files+=("$tok")
				if [ ! -f "$tok" ]; then
					echo "standards: no file $tok"
					bad=1
				fi ;;
			esac
		done
		for f in "${funcs[@]+"${funcs[@]}"}"; do
			found=0
			for p in "${files[@]+"${files[@]}"}"; do
				[ -f "$p" ] && grep -q "^$f(\|[^a-z_]$f(" "$p" && found=1
			done
			if [ "$found" = 0 ]; then
				echo "standards: $f() is in none of: ${files[*]+"${files[*]}"}"
				bad=1
			fi
		done
	done
done <"$doc"
[ "$bad" = 0 ] && echo "standards: every file and function named exists"
exit "$bad"
