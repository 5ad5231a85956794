#!/usr/bin/env bash
# make deb: build zhunong-kiosk_<version>_<arch>.deb and zhunong-kiosk-sim_<version>_<arch>.deb
# from the tree (docs/appliance.md).
#
#   packaging/deb/build.sh [--revision N] [--out DIR] [--compress xz|gzip|none]
#
# The app goes into its own virtual environment, /opt/zhunong-kiosk/venv, built with Debian's
# /usr/bin/python3.11 from the wheels pinned in packaging/deb/requirements.lock (downloaded to
# build/wheelhouse once, hashes checked; sdist-only packages such as pyscard are built into
# wheels here): nothing is downloaded at install time. The simulators (peripherals_sim, the
# kiosk-sim command, and the packages only they use: FastAPI, uvicorn ...) are split off into
# zhunong-kiosk-sim. Depends: come from packaging/debian-packages.txt (untagged + @term for the
# kiosk, @sim for the simulators).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)
REVISION=1
OUT=build/deb
COMPRESS=xz
while (($#)); do
  case "$1" in
    --revision) REVISION=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --compress) COMPRESS=$2; shift 2 ;;
    *) echo "build.sh: unknown option $1" >&2; exit 64 ;;
  esac
done
PY=${DEB_PYTHON:-/usr/bin/python3.11}
PKG=zhunong-kiosk
UPSTREAM=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)
VERSION="$UPSTREAM-$REVISION"
ARCH=$(dpkg --print-architecture)
OPT=/opt/$PKG
VENV=$OPT/venv
WORK=build/deb-work
WH=build/wheelhouse
D=packaging/deb
mkdir -p "$OUT" "$WH/dl" "$WH/built"
rm -rf "$WORK"
mkdir -p "$WORK"
step() { echo "deb: $*" >&2; }

# --- 0. the lock must cover pyproject.toml's dependencies ---
"$PY" - <<'EOF'
import re, sys, tomllib
deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
locked = {norm(l.split("==")[0]) for l in open("packaging/deb/requirements.lock") if "==" in l}
missing = [d for d in deps if norm(re.split(r"[ <>=!~;\[]", d, maxsplit=1)[0]) not in locked]
if missing:
    sys.exit(f"deb: packaging/deb/requirements.lock lacks {missing}: run packaging/deb/lock.sh")
EOF

# --- 1. wheels: the locked files (hash-checked), sdists built into wheels, the app's wheel ---
step "wheels ($(grep -vc '^#' $D/requirements.lock) locked packages)"
"$PY" -m venv "$WORK/tool"
TOOLPIP="$WORK/tool/bin/pip"
"$TOOLPIP" download -q --no-deps --require-hashes -r $D/requirements.lock -d "$WH/dl"
for sdist in "$WH"/dl/*.tar.gz; do
  [[ -e $sdist ]] || continue
  name=$(basename "$sdist" .tar.gz)
  ls "$WH"/built/"${name}"-*.whl >/dev/null 2>&1 || "$TOOLPIP" wheel -q --no-deps -w "$WH/built" "$sdist"
done
"$TOOLPIP" wheel -q --no-deps -w "$WORK/app" .

# --- 2. the venv, staged, then made to work at /opt/zhunong-kiosk/venv ---
ROOT="$WORK/root"
SV="$ROOT$VENV"
step "venv at $VENV"
"$PY" -m venv --without-pip "$SV"
grep -v '^#' $D/requirements.lock | cut -d' ' -f1 > "$WORK/pins.txt"
"$TOOLPIP" --python "$SV/bin/python" install -q --no-index --no-deps --no-compile \
  --find-links "$WH/dl" --find-links "$WH/built" -r "$WORK/pins.txt" "$WORK"/app/*.whl
ABS=$(cd "$ROOT" && pwd)
for f in "$SV"/bin/*; do  # never sed the python symlinks (it would copy the interpreter)
  [[ -L $f || ! -f $f ]] || sed -i "1s|^#!$ABS/|#!/|" "$f"
done
sed -i "s|$ABS||g" "$SV"/bin/activate* "$SV/pyvenv.cfg"
SITE=$(echo "$SV"/lib/python3.*/site-packages)
find "$SV" -name __pycache__ -prune -exec rm -rf {} +
find "$SV" -name '*.so*' -type f -exec chmod 0644 {} +
find "$SV" -type d -exec chmod 0755 {} +

# --- 3. the simulators into their own tree ---
SIMROOT="$WORK/root-sim"
step "splitting off the simulators"
"$SV/bin/python" - "$SITE" "$SIMROOT$VENV" "$SV" <<'EOF'
import importlib.metadata as md, re, shutil, sys
from pathlib import Path
site, sim_venv, venv = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
dists = {norm(d.metadata["Name"]): d for d in md.distributions(path=[str(site)])}
def deps(name, skip=()):
    out, todo = set(), [name]
    while todo:
        n = todo.pop()
        if n in out or n not in dists or n in skip:
            continue
        out.add(n)
        for r in dists[n].requires or []:
            if "extra ==" in r:
                continue
            todo.append(norm(re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0]))
    return out
SIM_ROOTS = {"fastapi", "uvicorn"}  # used by peripherals_sim only
kiosk = deps("zhunong-kiosk", skip=SIM_ROOTS)
sim = set().union(*(deps(n) for n in SIM_ROOTS)) - kiosk
def move(rel):
    src, dst = site / rel, sim_venv / site.relative_to(venv) / rel
    if src.exists() or src.is_symlink():
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(src), str(dst))
for n in sorted(sim):
    files = list(dists[n].files or [])  # read RECORD before its dist-info moves away
    tops = {Path(f).parts[0] for f in files if not str(f).startswith("..")}
    for t in sorted(tops):
        move(t)
    for f in files:  # console scripts of sim-only packages (fastapi, uvicorn ...)
        if str(f).startswith("../../../bin/"):
            src = (site / f).resolve()
            dst = sim_venv / "bin" / src.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.exists():
                shutil.move(str(src), str(dst))
move("peripherals_sim")
move("fleet")  # the operations console (FastAPI): never on a terminal
(sim_venv / "bin").mkdir(parents=True, exist_ok=True)
shutil.move(str(venv / "bin" / "kiosk-sim"), str(sim_venv / "bin" / "kiosk-sim"))
if (venv / "bin" / "kiosk-fleet").exists():
    shutil.move(str(venv / "bin" / "kiosk-fleet"), str(sim_venv / "bin" / "kiosk-fleet"))
print("simulator-only packages:", ", ".join(sorted(sim)), file=sys.stderr)
EOF

# --- 4. byte-compile both trees at their final paths (so the first start is not slower) ---
step "byte-compiling"
for r in "$ROOT" "$SIMROOT"; do  # (PySide6's deployment templates are not Python: skipped)
  a=$(cd "$r" && pwd)
  "$PY" -m compileall -q -j0 -x '\.tmpl\.py$' -s "$a" -p / "$a$VENV/lib" >/dev/null
done

# --- 5. the rest of the kiosk package ---
step "files, units, rules"
install -d "$ROOT/usr/bin" "$SIMROOT/usr/bin"
ln -s "$VENV/bin/kiosk" "$ROOT/usr/bin/kiosk"
ln -s "$VENV/bin/kiosk-sim" "$SIMROOT/usr/bin/kiosk-sim"
ln -s "$VENV/bin/kiosk-fleet" "$SIMROOT/usr/bin/kiosk-fleet"
F=$D/files
install -D -m 0644 $F/kiosk.toml "$ROOT/etc/$PKG/kiosk.toml"
install -d -m 0750 "$ROOT/etc/$PKG/tls"
install -D -m 0644 $F/zhunong-kiosk.service "$ROOT/lib/systemd/system/zhunong-kiosk.service"
install -D -m 0644 $F/zhunong-kiosk-oos.service "$ROOT/lib/systemd/system/zhunong-kiosk-oos.service"
install -D -m 0644 $F/pam.conf "$ROOT/etc/pam.d/$PKG"
install -D -m 0644 $F/udev.rules "$ROOT/lib/udev/rules.d/70-$PKG.rules"
install -D -m 0644 $F/udev-local.rules "$ROOT/usr/share/doc/$PKG/examples/60-$PKG-local.rules"
install -D -m 0644 $F/logind.conf "$ROOT/usr/lib/systemd/logind.conf.d/$PKG.conf"
install -D -m 0644 $F/timesyncd.conf "$ROOT/etc/systemd/timesyncd.conf.d/$PKG.conf"
install -D -m 0644 $F/sysctl.conf "$ROOT/usr/lib/sysctl.d/$PKG.conf"
install -D -m 0644 $F/lintian-overrides "$ROOT/usr/share/lintian/overrides/$PKG"
changelog() {  # $1 package, $2 doc dir
  install -d "$2"
  printf '%s (%s) bookworm; urgency=medium\n\n  * Built from the project tree (git %s).\n\n -- Zhunong kiosk team <kiosk@example-rcc.cn>  %s\n' \
    "$1" "$VERSION" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")" \
    | gzip -9n > "$2/changelog.Debian.gz"
  cp $D/copyright "$2/copyright"
}
changelog $PKG "$ROOT/usr/share/doc/$PKG"
cp docs/appliance.md docs/config.md "$ROOT/usr/share/doc/$PKG/"
changelog $PKG-sim "$SIMROOT/usr/share/doc/$PKG-sim"
install -D -m 0644 /dev/stdin "$SIMROOT/usr/share/lintian/overrides/$PKG-sim" <<EOF
$PKG-sim: dir-or-file-in-opt [opt/zhunong-kiosk/*]
$PKG-sim: unusual-interpreter * [opt/zhunong-kiosk/venv/*]
$PKG-sim: wrong-path-for-interpreter * [opt/zhunong-kiosk/venv/*]
$PKG-sim: python3-script-but-no-python3-dep * [opt/zhunong-kiosk/venv/*]
$PKG-sim: package-installs-python-pycache-dir [opt/zhunong-kiosk/venv/*]
$PKG-sim: unstripped-binary-or-object [opt/zhunong-kiosk/venv/*]
$PKG-sim: shared-library-lacks-prerequisites [opt/zhunong-kiosk/venv/*]
EOF

# --- 6. control files ---
depends() {  # the tags of debian-packages.txt -> a Depends: list
  grep -v '^\s*#' packaging/debian-packages.txt | awk -v want="$1" 'NF && (index(want, "[" $2 "]")) {print $1}' | paste -sd, | sed 's/,/, /g'
}
KDEPS="$(depends '[][@term]'), adduser, debconf (>= 0.5) | debconf-2.0, init-system-helpers (>= 1.54~), libc6"
SDEPS="$PKG (= $VERSION), $(depends '[@sim]')"
control() {  # $1 root, $2 package, $3 depends, $4 description, $5 more fields
  install -d "$1/DEBIAN"
  cat > "$1/DEBIAN/control" <<EOF
Package: $2
Version: $VERSION
Architecture: $ARCH
Maintainer: Zhunong kiosk team <kiosk@example-rcc.cn>
Installed-Size: $(du -sk --exclude=DEBIAN "$1" | cut -f1)
Depends: $3
$5
Section: misc
Priority: optional
Homepage: https://example-rcc.cn/zhunong-kiosk
Description: $4
EOF
  (cd "$1" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z \
     | xargs -0 md5sum > DEBIAN/md5sums)
}
# files may move between the two packages from one version to the next
control "$ROOT" $PKG "$KDEPS" "village self-service lending kiosk (助农E终端)
 The fullscreen PySide6 kiosk of a rural credit cooperative's village service
 point, run under the cage Wayland compositor on tty1 by systemd, with its
 watchdog, device rules, time source and upgrade safety checks." \
  "Breaks: $PKG-sim (<< $VERSION)
Replaces: $PKG-sim (<< $VERSION)"
control "$SIMROOT" $PKG-sim "$SDEPS" "simulators of the 助农E终端 kiosk's peripherals and bank host
 Wire-protocol simulators of the ID card reader, bank card reader (vpcd),
 PIN pad, receipt printer and the bank host (kiosk-sim), for trainers and
 test benches. Never install on a production terminal." \
  "Replaces: $PKG (<< $VERSION)"
cat > "$ROOT/DEBIAN/conffiles" <<EOF
/etc/$PKG/kiosk.toml
/etc/pam.d/$PKG
/etc/systemd/timesyncd.conf.d/$PKG.conf
EOF
script() {  # $1 source, $2 target: with the shared may-stop check pasted in
  awk -v f=$D/scripts/may-stop.sh '/^#MAYSTOP#$/ {while ((getline l < f) > 0) print l; next} {print}' \
    "$1" > "$2"
  chmod 0755 "$2"
}
for s in preinst postinst prerm postrm config; do
  script $D/scripts/$s "$ROOT/DEBIAN/$s"
done
script $D/scripts/sim-preinst "$SIMROOT/DEBIAN/preinst"
install -m 0644 $D/scripts/templates "$ROOT/DEBIAN/templates"

# --- 7. the archives ---
step "dpkg-deb ($COMPRESS)"
ZOPT=(-Z"$COMPRESS")
[[ $COMPRESS == xz ]] && ZOPT+=(-z"${XZ_LEVEL:-6}")
dpkg-deb --root-owner-group "${ZOPT[@]}" --build "$ROOT" "$OUT/${PKG}_${VERSION}_${ARCH}.deb" >/dev/null
dpkg-deb --root-owner-group "${ZOPT[@]}" --build "$SIMROOT" "$OUT/${PKG}-sim_${VERSION}_${ARCH}.deb" >/dev/null
ls -l "$OUT/${PKG}_${VERSION}_${ARCH}.deb" "$OUT/${PKG}-sim_${VERSION}_${ARCH}.deb" >&2
echo "$OUT/${PKG}_${VERSION}_${ARCH}.deb"
