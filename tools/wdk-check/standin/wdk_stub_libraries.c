/*
 * STAND-IN for the WDK's KMDF and ACX stub libraries, used by the Linux link check
 * (tools/wdk-check/run.sh) ALONE. Never part of a driver that runs.
 *
 * On Windows, WdfDriverEntry.lib supplies the image entry point FxDriverEntry (it binds the
 * driver to the KMDF runtime through WdfLdr.sys, fills WdfFunctions_01033 / WdfDriverGlobals /
 * WdfFunctionCount, then calls the driver's DriverEntry), and acxstub.lib does the same for
 * ACX (AcxFunctions, AcxDriverGlobals, AcxFunctionCount). Those libraries are not available
 * here. This file defines the same symbols with the types the drivers use them with, so the
 * drivers link into complete images whose imports, exports and symbols can be checked; the
 * binding itself is not reproduced (FxDriverEntry just forwards to DriverEntry).
 */
typedef long NTSTATUS;
typedef unsigned long ULONG;
typedef void (*FUNC)(void);

NTSTATUS DriverEntry(void *DriverObject, void *RegistryPath);

#ifdef CADENZA_STANDIN_KMDF
/* WdfDriverEntry.lib: the entry point wdk-build links with (/ENTRY:FxDriverEntry). */
NTSTATUS FxDriverEntry(void *DriverObject, void *RegistryPath)
{
    return DriverEntry(DriverObject, RegistryPath);
}

/* WdfDriverEntry.lib: the KMDF 1.33 function table, driver globals and table length. */
const FUNC *WdfFunctions_01033;
void *WdfDriverGlobals;
ULONG WdfFunctionCount;
#endif

#ifdef CADENZA_STANDIN_ACX
/* acxstub.lib: the ACX function table, driver globals and table length. */
FUNC AcxFunctions[256];
void *AcxDriverGlobals;
ULONG AcxFunctionCount;
#endif
