#!/usr/bin/env bash
# Fetches freely licensed photos for the face tests (several faces, small faces) into the
# folder given as the only argument. Needs no root: `apt-get download` fetches each Debian
# package into a temporary folder and only the one photo is unpacked from it. The package
# lists must exist (`apt-get update` once). Same discipline as models/reference/fetch-photos.sh
# (which fetches astronaut.png and camera.png): pinned versions, pinned SHA-256 sums.
#
#   opencv-doc 4.6.0+dfsg-12 (Debian 12), /usr/share/doc/opencv-doc/examples/data/:
#     messi5.jpg  548x342  a footballer in front of a blurred crowd; OpenCV's sample data,
#                          "Files: *" of the package's copyright: Apache-2.0 AND BSD-3-Clause
#   gimp-help-en 2.10.34-2 (Debian 12), /usr/share/gimp/2.0/help/en/images/tutorials/:
#     quickie-flip-example-source.jpg  320x240  five soldiers in a row, faces about 20 px;
#                          the GIMP Documentation Team, GFDL-1.2+ (no invariant sections)
#
# The tests assert face counts and positions checked by eye on exactly these bytes.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out=$1

# file|package|version|path inside the package|sha256
photos=(
  "messi5.jpg|opencv-doc|4.6.0+dfsg-12|usr/share/doc/opencv-doc/examples/data/messi5.jpg|1d570e49654e84c7a943918537bd9e5e1ef82920152e147c834006e235be97c9"
  "quickie-flip-example-source.jpg|gimp-help-en|2.10.34-2|usr/share/gimp/2.0/help/en/images/tutorials/quickie-flip-example-source.jpg|998851c520f230bf18cc3e6559b546f226eef3d1e8615a6ca4d88a8a91274dde"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
for entry in "${photos[@]}"; do
  IFS='|' read -r name package version path sha256 <<<"$entry"
  # Prefer the pinned version; a later Debian revision usually ships the same file, and the
  # checksum decides.
  if ! (cd "$tmp" && apt-get download -q "$package=$version" >&2); then
    echo "$package=$version not available, trying the candidate version" >&2
    (cd "$tmp" && apt-get download -q "$package" >&2)
  fi
  deb=$(ls "$tmp"/"$package"_*.deb)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "./$path"
  actual=$(sha256sum "$tmp/$path" | cut -d' ' -f1)
  if [[ $actual != "$sha256" ]]; then
    echo "$name: sha256 $actual (expected: $sha256)" >&2
    exit 1
  fi
  cp "$tmp/$path" "$out/$name"
  rm -f "$deb"
done
echo "fetched messi5.jpg quickie-flip-example-source.jpg into $out" >&2
