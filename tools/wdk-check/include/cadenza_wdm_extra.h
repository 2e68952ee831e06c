/*
 * WDM declarations the Linux compile check needs and Debian's mingw-w64 DDK headers lack.
 * Project-owned, written from the public DDI documentation; declarations only. Force-included
 * (clang -include) into every bindgen run and C compile of tools/wdk-check/run.sh, after the
 * kernel headers it includes first. The real Windows build never sees this file: the WDK's
 * wdm.h declares all of it.
 */
#ifndef CADENZA_WDM_EXTRA_H
#define CADENZA_WDM_EXTRA_H

#include <ntifs.h>
#include <ntddk.h>

/* wdm.h: POOL_FLAGS — learn.microsoft.com/windows-hardware/drivers/kernel/pool_flags
 * (Windows 10 2004). The flag values are wdk-sys's own constants (wdk_sys::POOL_FLAG_*). */
typedef ULONG64 POOL_FLAGS;

/* wdm.h: ExAllocatePool2 — learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exallocatepool2
 * (Windows 10 2004; wdk-alloc's allocator). */
NTKERNELAPI PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag);

/* TCHAR: mingw-w64's ksmedia.h uses it (KSCOMPONENTID-era declarations) but only its user-mode
 * winnt.h defines it; a kernel-mode build is never UNICODE-less, so it is WCHAR as in the WDK's
 * kernel headers' use of ksmedia.h. */
#ifndef _TCHAR_DEFINED
#define _TCHAR_DEFINED
typedef WCHAR TCHAR, *PTCHAR;
#endif

#endif
