#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and testing msgpipe needs on Debian 12, if missing.
set -e
pkgs="linux-headers-amd64 linux-image-amd64 linux-source-6.1 qemu-system-x86
busybox-static cpio kmod iproute2 sparse gcc make libc6-dev libssl-dev
libnl-3-dev libnl-genl-3-dev libjson-c-dev libgnutls28-dev gnutls-bin tcpdump pkg-config xz-utils
clang libclang-rt-14-dev procps gnuplot-nox python3 python3-yaml jq attr netcat-openbsd nftables
ethtool dpdk-dev libdpdk-dev librte-net-af-packet23 flex bison bc libelf-dev
gcc-multilib"
# The newest 6.12 headers Debian 12 has, and their kernel: the 6.5+ build
# check and the VM suite that runs on 6.12 (flex, bison, bc, libelf-dev:
# the debug kernel's configuration stage).
next_headers() {
	apt-cache search --names-only '^linux-headers-6\.12\.[0-9.]+\+deb12-amd64$' 2>/dev/null |
		awk '{ print $1 }' | sort -V | tail -1
}
if ! ls -d /usr/src/linux-headers-6.12.*-amd64 > /dev/null 2>&1; then
	next=$(next_headers)
	if [ -z "$next" ] && [ "$(id -u)" = 0 ]; then
		apt-get update -qq && next=$(next_headers)
	fi
	pkgs="$pkgs $next"
fi
for h in /usr/src/linux-headers-6.12.*-amd64; do
	[ -d "$h" ] || continue
	case $h in *cloud* | *rt*) continue ;; esac
	pkgs="$pkgs linux-image-${h#/usr/src/linux-headers-}"
done
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root (or install:$missing)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing > /dev/null
