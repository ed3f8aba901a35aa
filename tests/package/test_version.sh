#!/usr/bin/env bash
# cmake/VibraVersion.cmake in a scratch clone of this repository: the version it derives before the release
# tag, at it, after it and outside git, and that dpkg orders them as releases go (snapshot < release < later).
set -euo pipefail
src=${VIBRA_SOURCE_DIR:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
project_version=$(sed -n 's/^project(Vibrascope VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ -n "$project_version" ] || { echo "FAIL: no project(VERSION) in CMakeLists.txt"; exit 1; }
git clone -q --no-local "$src" "$work/src" 2>/dev/null || git clone -q "$src" "$work/src"
git -C "$work/src" tag -d "v$project_version" >/dev/null 2>&1 || true
cp "$src/cmake/VibraVersion.cmake" "$work/VibraVersion.cmake"
mkdir "$work/p"
cat > "$work/p/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.25)
project(T VERSION $project_version LANGUAGES NONE)
set(PROJECT_SOURCE_DIR $work/src)
include($work/VibraVersion.cmake)
message(STATUS "RESULT \${VIBRA_VERSION} \${VIBRA_VERSION_IS_RELEASE} \${VIBRA_RELEASE_DATE}")
CM
derive() { cmake -S "$work/p" -B "$work/b" --fresh 2>&1 | sed -n 's/^-- RESULT //p'; }
fails=0
expect() { # label result regex
  if [[ "$2" =~ $3 ]]; then echo "ok   $1: $2"; else echo "FAIL $1: '$2' does not match $3"; fails=$((fails + 1)); fi
}
v=$project_version
re_v=${v//./\\.}
before=$(derive); expect "no tag v$v yet" "$before" "^$re_v~git[0-9]+\.[0-9a-f]{10} OFF [0-9]{4}-[0-9]{2}-[0-9]{2}$"
git -C "$work/src" tag "v$v"
at=$(derive); expect "at tag v$v" "$at" "^$re_v ON "
git -C "$work/src" -c user.name=t -c user.email=t@example.org commit -q --allow-empty -m later
after=$(derive); expect "one commit after v$v" "$after" "^$re_v\+git1\.[0-9a-f]{10} OFF "
rm -rf "$work/src/.git"
tarball=$(derive); expect "outside git (a source tarball)" "$tarball" "^$re_v ON "
b=${before%% *} a=${at%% *} l=${after%% *}
if dpkg --compare-versions "$b" lt "$a" && dpkg --compare-versions "$a" lt "$l"; then
  echo "ok   dpkg order: $b < $a < $l"
else
  echo "FAIL dpkg order of $b, $a, $l"; fails=$((fails + 1))
fi
echo "version: $((5 - fails)) passed, $fails failed"
[ $fails -eq 0 ]
