#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel in QEMU with this machine's root shared read-only over 9p
# and run a command inside, or open a shell there.
#
#   vm.sh [options] run COMMAND...   run COMMAND (a bash command line) in
#                                    the guest from the repository root
#   vm.sh [options] shell            interactive shell in the guest
#
# Options:
#   --kernel stock|next|debug|PATH
#                              Debian's linux-image-amd64 (default, 6.1), its
#                              newest 6.12 image (next), the debug kernel
#                              (debug-kernel.sh), or a bzImage
#   --moddir DIR               where msgpipe.ko and msgpipe_soft.ko were built
#                              for that kernel (exported as MP_MODDIR)
#   --mem MB, --cpus N         guest size (defaults 1024 / 2; debug 2048)
#   --timeout SECONDS          kill the guest after this long (default 1500)
#   --plain                    no allocator debugging (slub_debug, page
#                              poisoning, init_on_free): for benchmarks
#
# KVM if QEMU can use it (kvm_ok), else TCG. The verdict comes only
# from the token guest.sh writes to the results share plus a scan of the
# console for crash reports; exit status 0 means both were clean.
set -u
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
VMDIR="$ROOT/build/vm"
kernel=stock
moddir=
mem=
cpus=2
timeout_s=1500
plain=

die() { echo "vm.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--moddir) moddir=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--plain) plain=1; shift ;;
	-h|--help) sed -n '3,25p' "$0"; exit 0 ;;
	run|shell) break ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ $# -gt 0 ] || die "missing 'run COMMAND' or 'shell'"
mode=$1; shift
if [ "$mode" = run ]; then
	[ $# -gt 0 ] || die "run needs a command"
	cmd="$*"
else
	cmd=shell
fi

stock_kver() {
	dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
		sed -n 's/^linux-image-\([^ ,]*\).*/\1/p'
}

kver=
case "$kernel" in
stock)
	kver=$(stock_kver)
	[ -n "$kver" ] || die "linux-image-amd64 is not installed (make deps)"
	vmlinuz=/boot/vmlinuz-$kver
	ktag=$kver
	;;
next)
	# The newest Debian 12 image of the 6.12 series (make deps): the
	# kernel the 6.5+ branches of the compat header run on.
	vmlinuz=$(ls /boot/vmlinuz-6.12.*-amd64 2>/dev/null |
		grep -v -e cloud -e rt | sort -V | tail -n 1)
	[ -n "$vmlinuz" ] || die "no 6.12 kernel image in /boot (make deps)"
	kver=${vmlinuz#/boot/vmlinuz-}
	ktag=$kver
	;;
debug)
	d=$("$ROOT/tools/testing/vm/debug-kernel.sh" --no-build) ||
		die "no debug kernel (tools/testing/vm/debug-kernel.sh builds one)"
	vmlinuz=$d/bzImage
	ktag=$(basename "$d")
	mem=${mem:-2048}
	;;
*)
	vmlinuz=$kernel
	ktag=custom
	;;
esac
[ -r "$vmlinuz" ] || die "cannot read kernel $vmlinuz"
mem=${mem:-1024}
moddir=${moddir:-$ROOT/drivers/net}

# The initramfs: busybox plus, for a modular kernel, the virtio and 9p
# drivers needed to reach the host root. Everything else comes over 9p.
# Guests of one kernel may start at once: one builds it under a lock, into
# a file of its own renamed into place (a half-written one was seen to boot
# into an init that died at its first instruction).
initrd=$VMDIR/initrd-$ktag.cpio.gz
make_initrd() {
	local stage tmp

	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,dev,proc,sys,lib/modules}
	cp /bin/busybox "$stage/bin/busybox" || die "busybox-static missing"
	cp "$ROOT/tools/testing/vm/init" "$stage/init"
	: > "$stage/modules.list"
	if [ -n "$kver" ]; then
		modprobe -a -S "$kver" --show-depends virtio_pci 9pnet_virtio 9p |
		awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
		while read -r ko; do
			cp "$ko" "$stage/lib/modules/"
			basename "$ko" >> "$stage/modules.list"
		done
	fi
	tmp=$(mktemp "$initrd.XXXXXX")
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$tmp" &&
		mv "$tmp" "$initrd"
	rm -rf "$stage" "$tmp"
}
mkdir -p "$VMDIR"
(
	flock 9
	if [ ! -s "$initrd" ] || [ "$initrd" -ot "$ROOT/tools/testing/vm/init" ] ||
	   [ "$initrd" -ot /bin/busybox ] || ! gzip -t "$initrd" 2> /dev/null; then
		make_initrd
	fi
) 9> "$VMDIR/initrd.lock"
gzip -t "$initrd" 2> /dev/null || die "could not build $initrd"

res=$(mktemp -d "$VMDIR/run.XXXXXX")
{
	printf 'MP_ROOT=%q\n' "$ROOT"
	printf 'MP_MODDIR=%q\n' "$moddir"
	printf 'MP_CMD=%q\n' "$cmd"
} > "$res/job"

# KVM when a guest really boots with it, else TCG; MP_KVM=0 forces TCG.
# Some hosts expose a /dev/kvm with which QEMU aborts at vCPU reset (an MSR
# refused under nested virtualisation), others one on which the guest
# spins in the firmware for ever (seen: stuck after SeaBIOS's "Probing
# EDD", no kernel line in an hour). So the probe boots the kernel itself:
# with KVM its banner is on the console within a second; 15 s without it
# means TCG. The answer holds until the host reboots.
kvm_ok() {
	local cache=$VMDIR/kvm-probe boot_id

	boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)
	if [ -s "$cache" ] && [ "$(head -n 1 "$cache")" = "$boot_id" ]; then
		[ "$(sed -n 2p "$cache")" = yes ]
		return
	fi
	mkdir -p "$VMDIR"
	if timeout -k 5 15 qemu-system-x86_64 -machine q35,accel=kvm -cpu host \
		-m 256 -nodefaults -display none -no-reboot -serial stdio \
		-kernel "$vmlinuz" -append "console=ttyS0 panic=-1" < /dev/null 2>&1 |
	   grep -a -q -m1 'Linux version'; then
		printf '%s\nyes\n' "$boot_id" > "$cache"
	else
		printf '%s\nno\n' "$boot_id" > "$cache"
		return 1
	fi
}
accel=tcg
# TCG runs "rep movsb" and "rep stosb" one byte a loop: without ERMS and
# FSRM the guest kernel clears pages and copies with 8-byte moves instead,
# and without LA57 it walks four levels of page tables, not five. Measured
# on the debug kernel, two guests side by side: session.sh 101 s against
# 113 s, a process started 0.46 s against 0.65 s.
cpu=max,-erms,-fsrm,-la57
if [ "${MP_KVM:-}" != 0 ] && [ -w /dev/kvm ] && kvm_ok; then
	accel=kvm
	cpu=host
fi
echo "vm.sh: accel=$accel cpu=$cpu" >&2
append="console=ttyS0 loglevel=5 panic=-1 oops=panic panic_on_warn=1"
append+=" softlockup_panic=1 hung_task_panic=1 rdinit=/init"
# Under TCG the guest's TSC is the host's: tell the guest its rate. One
# that calibrated it beside two other guests on two cores was seen a fifth
# off (its clock 2467 s where the host's was 2961 s), so every timeout,
# sleep and time it measured was a fifth out.
if [ $accel = tcg ]; then
	tsc=$VMDIR/tsc-khz
	if [ ! -x "$tsc" ] || [ "$tsc" -ot "$ROOT/tools/testing/vm/tsc-khz.c" ]; then
		gcc -O2 -o "$tsc.$$" "$ROOT/tools/testing/vm/tsc-khz.c" &&
			mv "$tsc.$$" "$tsc"
	fi
	khz=$("$tsc" 2> /dev/null)
	[ -n "$khz" ] && append+=" tsc=reliable tsc_early_khz=$khz"
	# TCG keys the code it translated by virtual address: with the user
	# address space randomized each process translates bash, ld.so and
	# libc afresh. Without (norandmaps; the kernel's own layout is
	# unchanged) two debug guests started together ran session.sh in
	# 73 s against 115 s.
	append+=" norandmaps"
fi
# Tests run with the allocator checking every object; benchmarks measure
# the code, not the checks. The debug kernel's KASAN checks every access
# already (out of bounds, after free, double free, with both stacks):
# there the allocator's own checks would only find the same later, and
# cost a tenth of its time.
[ -n "$plain" ] || [ "$kernel" = debug ] ||
	append+=" slub_debug=FZPU page_poison=1 init_on_free=1"
qemu=(qemu-system-x86_64 -machine "q35,accel=$accel" -cpu "$cpu"
      -smp "$cpus" -m "$mem" -nographic -no-reboot -nodefaults
      -kernel "$vmlinuz" -initrd "$initrd" -append "$append"
      -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
      -virtfs "local,path=$res,mount_tag=results,security_model=none")

if [ "$mode" = shell ]; then
	"${qemu[@]}" -serial mon:stdio
	exit 0
fi

# A kernel that dies before user space starts ran no test: it is booted
# again, up to three times in all, a few seconds apart. Seen: the debug
# kernel under TCG taking an interrupt 0.06 s into its boot (KASAN
# wild-memory-access in handle_edge_irq(), in identify_cpu()), twice in a
# row in a guest that started beside two others and the builds. A crash
# after guest.sh started is never retried.
for boot in 1 2 3; do
	timeout --foreground -k 10 "$timeout_s" "${qemu[@]}" -serial stdio \
		< /dev/null | tee "$res/console.log"
	qrc=${PIPESTATUS[0]}
	[ -e "$res/started" ] || [ -s "$res/status" ] && break
	[ $boot = 3 ] && break
	cp "$res/console.log" "$res/console-boot$boot.log"
	echo "vm.sh: the kernel died before user space (console-boot$boot.log); booting again"
	sleep $((5 * boot))
done

# What the guest cost the host: QEMU's processor time (bash's times: its
# waited-for children) against the wall clock.
times > "$res/times"
awk -v wall=$SECONDS 'NR == 2 {
	for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); cpu += t[1] * 60 + t[2] }
	printf "vm.sh: qemu used %.0f s of processor time in %d s\n", cpu, wall }' "$res/times"
status=$(cat "$res/status" 2>/dev/null)
rc=0
if [ "$status" != "MSGPIPE-VM: PASS rc=0" ]; then
	echo "vm.sh: guest verdict: ${status:-none (crash, panic or timeout; qemu rc=$qrc)}"
	rc=1
fi
# Kernel lines only (a timestamp first): a test may print file names such
# as hung_task.c. The start of the first report goes to crash.txt.
crash='\[ *[0-9]+\.[0-9]+\] .*(Kernel panic|BUG:|WARNING:|Oops|general protection|refcount_t:|list_(add|del) corruption|soft lockup|hung_task|UBSAN:|KASAN)'
first=$(grep -a -n -m1 -E "$crash" "$res/console.log" | cut -d: -f1)
if [ -n "$first" ]; then
	tail -n +$((first > 3 ? first - 3 : 1)) "$res/console.log" | head -n 30 \
		> "$res/crash.txt"
	echo "vm.sh: crash report on the console (see $res/console.log)"
	rc=1
fi
echo "vm.sh: results in $res"
exit $rc
