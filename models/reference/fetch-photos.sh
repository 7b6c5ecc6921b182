#!/usr/bin/env bash
# Fetches freely licensed photos with human faces for the face-model reference cases
# (BlazeFace, FaceRes) into the folder given as the only argument. Needs no root:
# `apt-get download` fetches the Debian package into a temporary folder and
# `dpkg -x` unpacks it there. The package lists must exist (`apt-get update` once).
#
#   python3-skimage 0.19.3-8 (Debian 12), folder skimage/data/:
#     astronaut.png  512x512 RGB   Eileen Collins, NASA; public domain
#     camera.png     512x512 grey  "cameraman" by Lav Varshney; CC0
#
# The bytes are checked against pinned SHA-256 sums: the reference outputs depend on them.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out=$1
package=python3-skimage
version=0.19.3-8
declare -A sha256=(
  [astronaut.png]=88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
  [camera.png]=b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prefer the pinned version; a later Debian revision usually ships the same images,
# and the checksums below decide.
if ! (cd "$tmp" && apt-get download -q "$package=$version" >&2); then
  echo "$package=$version not available, trying the candidate version" >&2
  (cd "$tmp" && apt-get download -q "$package" >&2)
fi
dpkg -x "$tmp"/"$package"_*.deb "$tmp/root"

mkdir -p "$out"
for name in "${!sha256[@]}"; do
  src="$tmp/root/usr/lib/python3/dist-packages/skimage/data/$name"
  actual=$(sha256sum "$src" | cut -d' ' -f1)
  if [[ $actual != "${sha256[$name]}" ]]; then
    echo "$name: sha256 $actual (expected: ${sha256[$name]})" >&2
    exit 1
  fi
  cp "$src" "$out/$name"
done
echo "fetched ${!sha256[*]} into $out" >&2
