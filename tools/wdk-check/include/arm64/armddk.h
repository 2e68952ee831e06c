/*
 * ARM64 stand-in for the architecture block of mingw-w64's wdm.h, for the Linux compile check
 * (tools/wdk-check) ALONE. Project-owned, declaration-only.
 *
 * mingw-w64's DDK headers know x86, x64 and 32-bit ARM, not ARM64: their wdm.h ends its
 * per-architecture block with `#error Unknown Architecture` and, for _M_ARM, includes an
 * armddk.h that mingw does not ship. For an ARM64 check run.sh defines _M_ARM (taking that
 * branch) and supplies this file in its place. It declares the per-architecture items the
 * kernel headers expect from that block and the drivers' dependencies use, written from the
 * DDI documentation; nothing here describes 32-bit ARM.
 */
#ifndef CADENZA_ARM64_ARMDDK_H
#define CADENZA_ARM64_ARMDDK_H

#if !defined(_M_ARM64) && !defined(__aarch64__)
#error "cadenza's armddk.h stand-in is for ARM64 checks only"
#endif

/* wdm.h: the 4 KiB page (ARM64 Windows uses 4 KiB pages) —
 * learn.microsoft.com/windows-hardware/drivers/kernel/memory-management-for-windows-drivers */
#ifndef PAGE_SIZE
#define PAGE_SIZE 0x1000
#endif
#ifndef PAGE_SHIFT
#define PAGE_SHIFT 12L
#endif

/* wdm.h: KeGetCurrentIrql — .../ddi/wdm/nf-wdm-kegetcurrentirql (an exported function on
 * ARM64, an intrinsic on x64). */
NTKERNELAPI KIRQL KeGetCurrentIrql(VOID);

#endif
