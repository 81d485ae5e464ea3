#!/bin/bash
# Builds a tiny test VM from Debian packages: a stock kernel and a busybox initramfs whose init loads virtio-net,
# asks every NIC for a DHCP lease, pings the gateway, prints E2E-DONE and powers off.
# usage: build.sh OUTDIR  -> OUTDIR/vmlinuz, OUTDIR/initramfs.gz (kept between runs: a second call is instant)
# needs: root on Debian/Ubuntu with apt (busybox-static, and the kernel package it downloads)
set -eu
OUT=${1:?output folder}; HERE=$(cd "$(dirname "$0")" && pwd)
[ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initramfs.gz" ] && [ "$OUT/initramfs.gz" -nt "$HERE/init" ] && exit 0
mkdir -p "$OUT"; cd "$OUT"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && "$BUSYBOX" --list | grep -qx udhcpc || { echo "busybox-static is not installed" >&2; exit 1; }
PKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$PKG" ]; then apt-get update -q >/dev/null; PKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); fi
[ -n "$PKG" ] || { echo "no linux-image package found" >&2; exit 1; }
rm -rf kimg root; apt-get download -q "$PKG" >/dev/null; dpkg-deb -x "$PKG"_*.deb kimg; rm -f "$PKG"_*.deb
cp kimg/boot/vmlinuz-* vmlinuz
mkdir -p root/bin root/lib/mod root/proc root/sys root/dev root/tmp root/run root/etc
cp "$BUSYBOX" root/bin/busybox
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net; do
  f=$(find kimg/lib/modules -name "$m.ko*" | head -n 1)
  [ -n "$f" ] || continue
  case "$f" in *.xz) xz -dc "$f" > root/lib/mod/$m.ko ;; *.zst) zstd -qdc "$f" > root/lib/mod/$m.ko ;; *) cp "$f" root/lib/mod/$m.ko ;; esac
done
cp "$HERE/init" root/init; cp "$HERE/udhcpc.sh" root/udhcpc.sh; chmod +x root/init root/udhcpc.sh
(cd root && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -9) > initramfs.gz
rm -rf kimg root
