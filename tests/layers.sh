#!/bin/sh
# Every #include in lib/ and src/ respects lib/LAYERS: a folder includes its
# own headers and those of the layers it names, never one above it (so no
# reader includes the dispatcher, and lib never includes the command line).
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir" || exit 99
[ -f lib/LAYERS ] || { fail "lib/LAYERS missing"; finish; }
n=0
for f in $(find lib src -name '*.[ch]' | LC_ALL=C sort); do
	case $f in
	src/*) folder=src ;;
	lib/*/*) folder=$(echo "$f" | cut -d/ -f2) ;;
	*) fail "$f: lib/ files live in a layer folder"; continue ;;
	esac
	allowed=$(awk -v d="$folder" '$1 == d { $1 = ""; print }' lib/LAYERS)
	grep -q "^$folder " lib/LAYERS || { fail "$f: folder $folder is not in lib/LAYERS"; continue; }
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		n=$((n + 1))
		case $inc in
		config.h) continue ;;
		*/*) to=${inc%%/*} ;;
		*) [ "$folder" = src ] && continue   # src's own headers
		   fail "$f includes \"$inc\": lib/ includes name their folder"; continue ;;
		esac
		[ "$to" = "$folder" ] && continue
		case " $allowed " in
		*" $to "*) ;;
		*) fail "$f ($folder) includes $inc: $to is not below $folder in lib/LAYERS" ;;
		esac
	done
done
[ "$failures" -eq 0 ] && pass "$n includes in lib/ and src/ follow lib/LAYERS"
finish
