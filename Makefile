# SPDX-License-Identifier: GPL-2.0
# msgpipe: build the modules and tools, run the checks, the demo and the
# benchmarks. `make help` lists the targets.

KVER ?= $(shell dpkg-query -W -f='$${Depends}' linux-headers-amd64 2>/dev/null | \
	  sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
KDIR ?= /usr/src/linux-headers-$(KVER)
KSRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
BUILD := $(CURDIR)/build
BIN := $(BUILD)/bin
KSFT := $(BUILD)/ksft
UAPI_CFLAGS := -std=gnu11 -Wall -Wextra -O2 -g -isystem $(CURDIR)/uapi
VM := tools/testing/vm/vm.sh

SELFTEST_BINS := $(BIN)/mp_xfer $(BIN)/af_test $(BIN)/msgpipectl $(BIN)/nl_test \
	$(BIN)/msgpiped \
	$(BIN)/mp_many $(BIN)/mp_raw $(BIN)/mp_fuzz $(BIN)/mp_load $(BIN)/mp_rdm \
	$(BIN)/ioctl_test $(BIN)/ioctl_test32 $(BIN)/msgpipe-backup $(BIN)/mp_backup_evil $(BIN)/mp_mbox
NL_CFLAGS = $$(pkg-config --cflags libnl-genl-3.0)
NL_LIBS = $$(pkg-config --libs libnl-genl-3.0)

.PHONY: all modules tools deps ksft unit style sparse checkpatch check \
	check-quick check-debug demo bench vm-shell clean help

all: modules tools

help:
	@echo "make            build msgpipe.ko, msgpipe_soft.ko and the tools"
	@echo "make deps       install what is missing (Debian 12, root)"
	@echo "make check      every check: build, style, unit tests, fuzzers, the VM"
	@echo "                suites on Debian's 6.1 and 6.12 and the debug kernel (30 min)"
	@echo "make check-quick  build, style, unit tests, the core VM tests on 6.1 (8 min)"
	@echo "make demo       256 MiB through msgpipe and through TCP, in the VM"
	@echo "make bench      benchmarks in the VM: table, build/bench/report.{json,svg}"
	@echo "make style      checkpatch --strict and sparse C=2"
	@echo "make unit       user-space unit tests under ASan/UBSan"
	@echo "make vm-shell   a shell in the test VM with the modules built"
	@echo "make check-debug  the VM tests on the debug kernel (../shared/kernels)"
	@echo "KDIR=... builds against another kernel tree"

deps:
	@tools/deps.sh

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

tools: $(SELFTEST_BINS)

$(BIN)/mp_xfer: selftests/msgpipe/mp_xfer.c selftests/msgpipe/mp_family.h selftests/msgpipe/mp_faults.h uapi/linux/msgpipe.h
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) -o $@ $< -lcrypto

NL_EXTACK := tools/lib/nl_extack.c tools/lib/nl_extack.h
$(BIN)/msgpipectl: tools/msgpipectl/msgpipectl.c $(NL_EXTACK) uapi/linux/msgpipe.h uapi/linux/msgpipe_nl.h
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) $(NL_CFLAGS) $$(pkg-config --cflags json-c) -o $@ \
		$< tools/lib/nl_extack.c $(NL_LIBS) $$(pkg-config --libs json-c)

$(BIN)/msgpiped: tools/msgpiped/msgpiped.c tools/msgpiped/conf.c \
		tools/msgpiped/msgpiped.h $(NL_EXTACK) uapi/linux/msgpipe_nl.h
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) $(NL_CFLAGS) $$(pkg-config --cflags gnutls) -o $@ \
		$< tools/msgpiped/conf.c tools/lib/nl_extack.c $(NL_LIBS) \
		$$(pkg-config --libs gnutls)

MB_SRCS := $(wildcard tools/msgpipe-backup/*.c)
$(BIN)/msgpipe-backup: $(MB_SRCS) tools/msgpipe-backup/backup.h selftests/msgpipe/mp_family.h uapi/linux/msgpipe.h
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) -pthread -Iselftests/msgpipe $$(pkg-config --cflags json-c) \
		-o $@ $(MB_SRCS) $$(pkg-config --libs json-c) -lcrypto

# The middlebox links DPDK statically with only the drivers it uses: a
# shared build makes EAL load every PMD of the system at start, which takes
# long over the VM's 9p root.
MBOX_SRCS := $(addprefix tools/testing/mbox/,mbox.c flow.c obs.c stream.c probe.c)
MBOX_LIBS := -Wl,--whole-archive $(addprefix -l:librte_,bus_vdev.a \
	net_af_packet.a mempool_ring.a) -Wl,--no-whole-archive \
	$(addprefix -l:librte_,ethdev.a hash.a rcu.a net.a mbuf.a mempool.a \
	ring.a meter.a eal.a kvargs.a telemetry.a) -lbsd -lnuma -ldl -lpthread -lm \
	-Wl,--wrap=access
$(BIN)/mp_mbox: $(MBOX_SRCS) $(wildcard tools/testing/mbox/*.h)
	@mkdir -p $(BIN)
	$(CC) -std=gnu11 -Wall -Wextra -O2 -g $$(pkg-config --cflags libdpdk) -o $@ \
		$(MBOX_SRCS) $(MBOX_LIBS)

$(BIN)/nl_test: selftests/msgpipe/nl_test.c uapi/linux/msgpipe_nl.h $(KSFT)/.stamp
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) $(NL_CFLAGS) -isystem $(KSFT) -o $@ $< $(NL_LIBS)

$(BIN)/mp_many: selftests/msgpipe/mp_many.c selftests/msgpipe/mp_family.h uapi/linux/msgpipe.h
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) -o $@ $<

# Its items' pattern fill and check are vectorised: the benchmark's own
# per-byte work stays small next to the transfer it measures.
$(BIN)/mp_rdm: selftests/msgpipe/mp_rdm.c selftests/msgpipe/mp_family.h uapi/linux/msgpipe.h
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) -ftree-vectorize -fvect-cost-model=dynamic -o $@ $<

$(BIN)/mp_fuzz: selftests/msgpipe/mp_fuzz.c selftests/msgpipe/mp_family.h uapi/linux/msgpipe.h uapi/linux/msgpipe_nl.h
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) -o $@ $<

$(BIN)/mp_backup_evil: selftests/msgpipe/mp_backup_evil.c selftests/msgpipe/mp_family.h uapi/linux/msgpipe.h
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) -o $@ $<

$(BIN)/mp_load: selftests/msgpipe/mp_load.c selftests/msgpipe/mp_faults.h
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) -o $@ $<

# The hostile peer builds its frames with the module's own encoder.
WIRE_USER := drivers/net/msgpipe/wire.c drivers/net/msgpipe/test/crc32c.c
$(BIN)/mp_raw: selftests/msgpipe/mp_raw.c $(WIRE_USER) include/msgpipe/wire.h
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) -Idrivers/net/msgpipe/test -Iinclude -I. -o $@ $< $(WIRE_USER)

$(BIN)/af_test: selftests/msgpipe/af_test.c selftests/msgpipe/mp_pair.h selftests/msgpipe/mp_family.h uapi/linux/msgpipe.h $(KSFT)/.stamp
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) -isystem $(KSFT) -o $@ $<

$(BIN)/ioctl_test: selftests/msgpipe/ioctl_test.c selftests/msgpipe/mp_pair.h selftests/msgpipe/mp_family.h uapi/linux/msgpipe.h $(KSFT)/.stamp
	@mkdir -p $(BIN)
	$(CC) $(UAPI_CFLAGS) -pthread -isystem $(KSFT) -o $@ $<

# The same tests from a 32-bit process: the compat ioctl path.
$(BIN)/ioctl_test32: selftests/msgpipe/ioctl_test.c selftests/msgpipe/mp_pair.h selftests/msgpipe/mp_family.h uapi/linux/msgpipe.h $(KSFT)/.stamp
	@mkdir -p $(BIN)
	$(CC) -m32 $(UAPI_CFLAGS) -pthread -isystem $(KSFT) -o $@ $<

# The kselftest harness and checkpatch come from Debian's linux-source-6.1,
# extracted here at build time and never committed.
$(KSFT)/.stamp: $(KSRC_TAR)
	@mkdir -p $(KSFT)
	tar -xJf $(KSRC_TAR) -C $(KSFT) --strip-components=1 \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	cp $(KSFT)/tools/testing/selftests/kselftest*.h $(KSFT)/
	touch $@

ksft: $(KSFT)/.stamp

unit: $(KSFT)/.stamp
	@rc=0; \
	$(MAKE) -C drivers/net/msgpipe/test KSFT=$(KSFT) run || rc=1; \
	$(MAKE) -C tools/msgpipe-backup/test KSFT=$(KSFT) run || rc=1; \
	$(MAKE) -C tools/testing/mbox/test KSFT=$(KSFT) run || rc=1; \
	$(MAKE) -C tools/msgpiped/test KSFT=$(KSFT) run || rc=1; \
	exit $$rc

CHECKPATCH = perl $(KSFT)/scripts/checkpatch.pl --no-tree --strict --terse \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,CONST_STRUCT
# The compat header is the one place where kernel versions are compared;
# libFuzzer fixes the fuzz targets' entry point name (LLVMFuzzerTestOneInput);
# test/shim/ stands in for kernel headers (typedefs, BUG_ON, EXPORT_SYMBOL).
checkpatch: $(KSFT)/.stamp
	$(CHECKPATCH) -f $$(git ls-files '*.c' '*.h' | grep -v -e '^selftests/' -e compat.h -e '/fuzz_' -e '/test/shim/')
	$(CHECKPATCH) --ignore CAMELCASE -f $$(git ls-files 'drivers/*/fuzz_*.c')
	$(CHECKPATCH) --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f include/msgpipe/compat.h

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CF="-Wsparse-error" modules

style: checkpatch sparse

check:
	@tools/testing/check.sh

check-quick:
	@tools/testing/check.sh --quick

check-debug:
	@tools/testing/check.sh vm-debug

demo: deps modules tools
	$(VM) --mem 2048 --timeout 1200 run 'bash selftests/msgpipe/demo.sh'

# Benchmarks run in the VM and leave build/bench/bench-NAME.json; the
# report merges every one into report.json and report.svg.
# BENCHES=NAME... runs some of them (tools/bench/NAME.sh).
BENCHES ?= agent pipes rdm backup tls scribble
bench: deps modules tools
	@mkdir -p $(BUILD)/bench
	$(VM) --plain --mem 8192 --timeout 3600 run '$(foreach b,$(BENCHES),bash tools/bench/$(b).sh &&) true' \
		| tee $(BUILD)/bench/vm.log
	@res=$$(sed -n 's/^vm.sh: results in //p' $(BUILD)/bench/vm.log) && \
		cp "$$res"/bench-*.json $(BUILD)/bench/
	@python3 tools/bench/report.py $(BUILD)/bench

vm-shell: modules tools
	$(VM) shell

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
